"""One item of a council area's own configuration: a gap programme or rule, a CTR scheme or a
plan risk. The item's body is the JSON its schema dumps; `version` counts its changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow

KINDS = ("gap_programme", "gap_rule", "ctr_scheme", "plan_risk")


class AreaConfig(Base):
    """An area's copy of one configuration item; it overrides the deployment's for that area."""

    __tablename__ = "area_config"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(200))  # e.g. the pack's source council
    # The sha256 of the pack file that last wrote the item (None: written some other way), so
    # everything one pack applied can be found and reverted together.
    pack_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

"""Wards of a council area, their boundaries, and the postcode lookup that places people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class Ward(Base):
    """An electoral ward of a council area, with its boundary (GeoJSON geometry) when known."""

    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))


class WardPostcode(Base):
    """One postcode of the area and the ward it lies in (the reference file's rows)."""

    __tablename__ = "ward_postcodes"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)

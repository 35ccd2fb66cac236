"""Gap snapshots: how many residents each programme's rules found in each ward on a day, kept
so the dashboard can show missing-out over time. Counts only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, UTCDateTime, utcnow


class GapSnapshot(Base):
    """Residents probably missing one programme (or any: `programme` "any") in one ward, as
    the gap rules found them on `as_of`."""

    __tablename__ = "gap_snapshots"
    __table_args__ = (UniqueConstraint("tenant_id", "as_of", "ward_name", "programme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    ward_name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str] = mapped_column(String(64))
    residents: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

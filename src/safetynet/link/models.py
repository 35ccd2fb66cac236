"""Link runs, residents (one per real person) and which records make up each resident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class LinkRun(Base):
    """One linkage of a council area's current records: model, thresholds, counts, timings."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(200))
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    model: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Resident(Base):
    """A real person, as far as linkage can tell; keeps its id across runs where it can."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))
    ended_by_run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id"))


class ResidentRecord(Base):
    """A record's place in a resident, as of the latest run."""

    __tablename__ = "resident_records"

    record_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("records.id"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))

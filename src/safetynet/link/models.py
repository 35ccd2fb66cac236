"""Link runs, residents (one per real person) and which records make up each resident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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
    # Set when this resident was merged into another: links to it still find the person.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


class ResidentRecord(Base):
    """A record's place in a resident, as of the latest run."""

    __tablename__ = "resident_records"

    record_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("records.id"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))


class LinkDecision(Base):
    """A person's ruling on two records: the same person or not. Overrides the model.

    Records are named by a key that survives re-imports (the source and the partner's own
    reference for the person) where there is one, so the ruling still holds when a partner
    sends its list again.
    """

    __tablename__ = "link_decisions"
    __table_args__ = (UniqueConstraint("tenant_id", "key_l", "key_r"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    key_l: Mapped[str] = mapped_column(String(300))
    key_r: Mapped[str] = mapped_column(String(300))
    same_person: Mapped[bool]
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))  # review, merge or split


class ReviewPair(Base):
    """A pair the model was unsure about, waiting for a person to look at it."""

    __tablename__ = "review_pairs"
    __table_args__ = (UniqueConstraint("tenant_id", "record_id_l", "record_id_r"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))
    record_id_l: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    record_id_r: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    impact: Mapped[int] = mapped_column(Integer)
    priority: Mapped[float] = mapped_column(Float, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # or skipped, decided
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

"""Batch screening runs and what each found for each resident, with inputs and provenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class EntitlementScreening(Base):
    """One screening of a council area's linked residents: the year, assumptions and counts."""

    __tablename__ = "entitlement_screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    link_run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id"))
    status: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    local_authority: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(200))
    assumptions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ScreeningResult(Base):
    """What one resident's household is likely entitled to and does not get, and why."""

    __tablename__ = "screening_results"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("entitlement_screenings.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(Integer, index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    household_key: Mapped[str] = mapped_column(String(64))
    ward: Mapped[str | None] = mapped_column(String(64))
    # The household file the engine was given, and which source said what about it.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)
    receives: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Annual pence by benefit: everything estimated, and the part not already received.
    benefits: Mapped[dict[str, int]] = mapped_column(JSONType)
    unclaimed: Mapped[dict[str, int]] = mapped_column(JSONType)
    unclaimed_pence: Mapped[int] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))


class EntitlementCheck(Base):
    """A check kept on purpose: a caseworker's, saved to a resident's record, or a resident's
    self-check shared with the council for a call back (with the consent they gave)."""

    __tablename__ = "entitlement_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    # The partner whose caseworker made it; None: the council's (or a resident's self-check).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # caseworker | self_check
    year: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    benefits: Mapped[dict[str, int]] = mapped_column(JSONType)
    total_pence: Mapped[int] = mapped_column(BigInteger)
    tariffs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    # A shared self-check is a call-back: new, no_answer, called_back or closed (see
    # `callbacks`); None for a caseworker's check. The history is in `call_back_outcomes`.
    callback_status: Mapped[str | None] = mapped_column(String(16))
    callback_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_entitlement_checks_callback_queue", "tenant_id", "callback_status", "created_at"),
    )


class CallBackOutcome(Base):
    """One step in handling a call-back: the status set, an optional note, who and when.
    Rows are only added, so the history shows every attempt."""

    __tablename__ = "call_back_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(
        ForeignKey("entitlement_checks.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SelfCheckSession(Base):
    """A resident's self-check in progress: their answers, held only until they finish, share
    or stop for `SAFETYNET_SELF_CHECK_IDLE_MINUTES`. The cookie holds a random token; only its
    SHA-256 is stored."""

    __tablename__ = "self_check_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

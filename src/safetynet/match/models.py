"""Referrals made from matches, how each turned out, and the rankers learned from them.

A referral keeps the features its provider had for the seeker when it was made (the ranker's
training row) and the batch it was made in (one seeker, one sitting: a query group), so the
closed loop needs nothing recomputed later. The provider is a directory service, named by id;
its name is kept too, so a referral still reads sensibly if the service leaves the directory.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class Status(StrEnum):
    """Where a referral stands: made, then accepted or declined, then attended or a no-show."""

    MADE = "made"
    ACCEPTED = "accepted"
    ATTENDED = "attended"
    DECLINED = "declined"
    NO_SHOW = "no_show"


# Which status may follow which; the last three are final.
NEXT: dict[str, frozenset[str]] = {
    Status.MADE: frozenset({Status.ACCEPTED, Status.DECLINED}),
    Status.ACCEPTED: frozenset({Status.ATTENDED, Status.DECLINED, Status.NO_SHOW}),
    Status.ATTENDED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.NO_SHOW: frozenset(),
}
# What each status teaches the ranker (None: nothing yet).
LABEL: dict[str, int | None] = {
    Status.MADE: None, Status.ACCEPTED: 1, Status.ATTENDED: 2, Status.DECLINED: 0,
    Status.NO_SHOW: 0,
}


class Referral(Base):
    """One person referred to one provider by a caseworker, and what came of it."""

    __tablename__ = "match_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    record_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("records.id", ondelete="CASCADE"),
        index=True,
    )
    service_id: Mapped[int] = mapped_column(Integer, index=True)
    service_name: Mapped[str] = mapped_column(String(300))
    batch: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[float]] = mapped_column(JSONType)
    reasons: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default=Status.MADE.value, index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    made_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(200))


class RankerModel(Base):
    """A ranker learned from an area's outcomes (LightGBM's text model): the newest is in use if it
    beat the transparent score on held-out sittings (`detail` keeps both figures)."""

    __tablename__ = "match_rankers"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    outcomes: Mapped[int] = mapped_column(Integer)
    groups: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    features: Mapped[list[str]] = mapped_column(JSONType)
    model: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    trained_by: Mapped[str] = mapped_column(String(200))


class AllocationStatus(StrEnum):
    """A proposed allocation waits for a caseworker to confirm it; confirming refers it."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


class Allocation(Base):
    """A waiting list allocated at once on the allocation page: who proposed it, for which
    group, how it came out, and whether it has been confirmed (referred) yet."""

    __tablename__ = "match_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    drawn_from: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(16))
    strength: Mapped[float] = mapped_column(Float)
    seekers: Mapped[int] = mapped_column(Integer)
    placed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=AllocationStatus.PROPOSED.value,
                                        index=True)
    referred: Mapped[int] = mapped_column(Integer, default=0)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    made_by: Mapped[str] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(200))


class AllocationRow(Base):
    """One resident of an allocation: the provider proposed for them (none: `unplaced` says
    why), the pair's score and reasons, and the need they were allocated for."""

    __tablename__ = "match_allocation_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("match_allocations.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int | None] = mapped_column(Integer, index=True)
    service_name: Mapped[str] = mapped_column(String(300), default="")
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    need: Mapped[dict[str, Any]] = mapped_column(JSONType)
    unplaced: Mapped[str | None] = mapped_column(String(300))

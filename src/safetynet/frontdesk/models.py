"""What happened at a front desk: one event per typed record (a visit, a food parcel or a
referral voucher), with a referral's outcome when it is known."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, UTCDateTime, utcnow


class EventKind(StrEnum):
    """What the person came for."""

    VISIT = "visit"
    FOOD_PARCEL = "food_parcel"
    REFERRAL = "referral"


class Outcome(StrEnum):
    """Where a referral voucher stands."""

    AWAITING = "awaiting"
    TOOK_UP = "took_up"
    DID_NOT_TAKE_UP = "did_not_take_up"


class FrontDeskEvent(Base):
    """One visit, food parcel or referral at an organisation's front desk.

    The person's details are the record it belongs to (a row of the organisation's front-desk
    source), so the event goes when retention or an undo removes that record.
    """

    __tablename__ = "front_desk_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    record_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("records.id", ondelete="CASCADE"),
        unique=True,
    )
    person_ref: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    referred_to: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

"""Delivery plans: the plan, its actions (each with a measure the data updates) and its risks.

The seven headings of a plan: what we will do; for whom and where; by when; who; with what
resources; risks; have we done it. Actions carry the first five and the seventh (their
measure); risks the sixth. A plan holds counts only, never a resident.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class Plan(Base):
    """A delivery plan of a council area."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | agreed
    summary: Mapped[str] = mapped_column(Text, default="")
    drafted_from: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prose_by: Mapped[str] = mapped_column(String(200), default="templates")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan", order_by="PlanAction.position", cascade="all, delete-orphan"
    )
    risks: Mapped[list[PlanRisk]] = relationship(
        back_populates="plan", order_by="PlanRisk.position", cascade="all, delete-orphan"
    )


class PlanAction(Base):
    """One thing the plan will do: what, for whom and where, by when, who, with what, and the
    measure that says whether it was done (a gap rule's count in a ward, or recorded by hand)."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(Text)
    for_whom: Mapped[str] = mapped_column(Text)
    ward_code: Mapped[str | None] = mapped_column(String(16))
    ward_name: Mapped[str | None] = mapped_column(String(200))
    by_when: Mapped[date] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(200))
    resources: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)  # in words
    rule_id: Mapped[str | None] = mapped_column(String(64))  # measured from this gap rule
    baseline: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[int | None] = mapped_column(Integer)
    latest: Mapped[int | None] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="actions")


class PlanRisk(Base):
    """A risk to the plan, from the standard register, scored and mitigated."""

    __tablename__ = "plan_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    risk: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[int] = mapped_column(Integer)  # 1 (rare) .. 5 (almost certain)
    impact: Mapped[int] = mapped_column(Integer)  # 1 (minor) .. 5 (severe)
    mitigation: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))

    plan: Mapped[Plan] = relationship(back_populates="risks")

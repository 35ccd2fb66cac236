"""Outreach lists, the people on them with their contact status, and the do-not-contact list."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class ContactStatus(StrEnum):
    """Where outreach to one person stands."""

    TO_CONTACT = "to_contact"
    CONTACTED = "contacted"
    CLAIMED = "claimed"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"


# Statuses that mean someone was reached (for take-up: contacted vs not yet contacted).
REACHED = {ContactStatus.CONTACTED, ContactStatus.CLAIMED, ContactStatus.DECLINED}


class OutreachList(Base):
    """The residents a gap rule found on one day, exported for outreach with a stated reason."""

    __tablename__ = "outreach_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    # The partner whose staff made it (they alone of partners see it); None: the council's.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_title: Mapped[str] = mapped_column(Text)
    programme: Mapped[str] = mapped_column(String(64))
    ward_code: Mapped[str | None] = mapped_column(String(16))
    as_of: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class OutreachEntry(Base):
    """One resident on an outreach list and where contact with them stands."""

    __tablename__ = "outreach_entries"
    __table_args__ = (UniqueConstraint("list_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("outreach_lists.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ContactStatus.TO_CONTACT)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutreachStatusChange(Base):
    """A change of one entry's contact status: the history behind the take-up report."""

    __tablename__ = "outreach_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("outreach_entries.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class DoNotContact(Base):
    """A resident who must not be contacted. Kept with their record ids, so the wish follows
    them when a later link run merges or splits residents."""

    __tablename__ = "do_not_contact"
    __table_args__ = (UniqueConstraint("tenant_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    resident_id: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    reason: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(200))

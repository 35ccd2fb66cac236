"""The append-only audit log: every personal-data read, export and change leaves a line here.

Events name people only by ids; they never copy personal data.
"""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Integer, Select, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow
from safetynet.errors import check_length

REASON_CHARS = 2_000  # a stated reason (for an export, a merge, a decision): a few sentences


class AuditEvent(Base):
    """One thing someone did. Rows are never updated or deleted (database triggers refuse)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


def cli_actor() -> str:
    """Who is at the command line: the operating-system account running the CLI."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str | None = None,
    entity_id: int | None = None,
    tenant_id: int | None = None,
    user_id: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's unit of work (it commits with the action it records).
    A reason longer than REASON_CHARS is refused, so the action it explains is not done."""
    check_length("The reason", reason, REASON_CHARS)
    event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        tenant_id=tenant_id,
        user_id=user_id,
        reason=reason,
        detail=detail or {},
    )
    session.add(event)
    return event


def record_read(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str | None = None,
    entity_id: int | None = None,
    tenant_id: int | None = None,
    user_id: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """`record` for the busiest pages (a resident viewed, a report read): the same event,
    written by one INSERT in the caller's transaction without the unit of work's
    bookkeeping, which cost more than the rest of a resident page's queries."""
    check_length("The reason", reason, REASON_CHARS)
    session.execute(
        insert(AuditEvent).values(
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            tenant_id=tenant_id,
            user_id=user_id,
            reason=reason,
            detail=detail or {},
        )
    )


def events(session: Session, *, action: str | None = None, limit: int = 100) -> list[AuditEvent]:
    """The latest audit events, newest first, optionally of one action."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))


LONDON = ZoneInfo("Europe/London")


def filtered(
    query: Select[Any],
    *,
    action: str = "",
    exact_action: bool = False,
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> Select[Any]:
    """Audit events of `query` narrowed: by action (containing the text, or exactly), by
    actor (containing the text), and to the days from `since` to `until` inclusive, as
    days in London (where the council reads its log)."""
    if action.strip():
        wanted = action.strip()
        exact = AuditEvent.action == wanted
        query = query.where(exact if exact_action else AuditEvent.action.contains(wanted))
    if actor.strip():
        query = query.where(AuditEvent.actor.contains(actor.strip()))
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= _london_midnight(since))
    if until is not None:
        query = query.where(AuditEvent.occurred_at < _london_midnight(until + timedelta(days=1)))
    return query


def _london_midnight(day: date) -> datetime:
    """The start of a London day, in UTC (as the log stores times)."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)

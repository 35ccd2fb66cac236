"""A fixed-window request counter for public pages: so many requests a minute per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.accounts.models import RateLimit
from safetynet.db import utcnow

WINDOW = timedelta(minutes=1)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def allow(session: Session, key: str, limit: int, *, now: datetime | None = None) -> bool:
    """Count one request for `key`; False once it has made more than `limit` this minute."""
    now = now or utcnow()
    key = key[:300]
    row = session.scalar(select(RateLimit).where(RateLimit.key == key))
    if row is None:
        try:
            session.add(RateLimit(key=key, window_start=now, count=1))
            session.commit()
            return True
        except IntegrityError:  # a concurrent first request made the row
            session.rollback()
            row = session.scalar(select(RateLimit).where(RateLimit.key == key))
            assert row is not None
    if now - _aware(row.window_start) >= WINDOW:
        row.window_start, row.count = now, 0
    row.count += 1
    session.commit()
    return row.count <= limit

"""Web sessions in Redis, when SAFETYNET_REDIS_URL is set: the same rules as sessions in the
store (rotation at sign-in, idle and absolute timeouts, real sign-out), kept where several web
servers can share them and where expiry is Redis's job.

A session is a hash under `safetynet:session:<sha256 of the cookie value>` that Redis expires
after the idle timeout plus SAFETYNET_FORM_KEEP_MINUTES (touched at most once a minute; past
the idle timeout it only says whose it was, so a form sent to it can be kept for that user);
each user's session keys are listed in a set so deactivation and password resets can end them
all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, joinedload

from safetynet.accounts.models import User
from safetynet.accounts.sessions import EndedSession
from safetynet.config import get_settings

PREFIX = "safetynet:session:"
USER_SET = "safetynet:user-sessions:"


@dataclass
class LiveSession:
    """A signed-in browser, as the web app needs it."""

    user: User
    csrf_secret: str
    created_at: datetime
    last_seen_at: datetime


@lru_cache
def client(url: str) -> Any:
    """One Redis client per URL (it pools its own connections)."""
    import redis

    return redis.Redis.from_url(url, decode_responses=True)


def save(
    url: str, key: str, user_id: int, csrf_secret: str, now: datetime, idle: timedelta
) -> None:
    """Store a new session under `key` (a digest of the cookie value)."""
    r = client(url)
    pipe = r.pipeline()
    pipe.hset(
        PREFIX + key,
        mapping={
            "user_id": user_id,
            "csrf_secret": csrf_secret,
            "created_at": now.isoformat(),
            "last_seen_at": now.isoformat(),
        },
    )
    pipe.expire(PREFIX + key, _lifetime(idle))
    pipe.sadd(USER_SET + str(user_id), key)
    pipe.execute()


def load(
    url: str, session: Session, key: str, now: datetime, limits: tuple[timedelta, timedelta]
) -> tuple[LiveSession | None, EndedSession | None]:
    """(the live session under `key`, touched, None); or (None, the EndedSession) when it is
    over a limit (deleted now), or (None, None) when unknown or the user is deactivated."""
    idle, absolute = limits
    r = client(url)
    found = r.hgetall(PREFIX + key)
    if not found:
        return None, None
    created = datetime.fromisoformat(found["created_at"])
    seen = datetime.fromisoformat(found["last_seen_at"])
    user = session.get(User, int(found["user_id"]), options=[joinedload(User.organisation)])
    if user is None or not user.is_active or now - seen > idle or now - created > absolute:
        delete(url, key, int(found["user_id"]))
        if user is None or not user.is_active:
            return None, None
        return None, EndedSession(user.id, found["csrf_secret"])
    if now - seen > timedelta(minutes=1):
        r.hset(PREFIX + key, "last_seen_at", now.isoformat())
        r.expire(PREFIX + key, _lifetime(idle))
        seen = now
    return LiveSession(user, found["csrf_secret"], created, seen), None


def _lifetime(idle: timedelta) -> timedelta:
    """How long Redis holds a session: its idle limit, and then as long as a form sent to it
    could still be kept for its user (`load` refuses it once idle, whatever Redis holds)."""
    return idle + timedelta(minutes=get_settings().form_keep_minutes)


def delete(url: str, key: str, user_id: int | None = None) -> None:
    """End one session."""
    r = client(url)
    if user_id is None:
        value = r.hget(PREFIX + key, "user_id")
        user_id = int(value) if value else None
    r.delete(PREFIX + key)
    if user_id is not None:
        r.srem(USER_SET + str(user_id), key)


def delete_user(url: str, user_id: int) -> int:
    """End every session of a user; how many were live."""
    r = client(url)
    keys = list(r.smembers(USER_SET + str(user_id)))
    live = sum(int(r.delete(PREFIX + k)) for k in keys)
    r.delete(USER_SET + str(user_id))
    return live

"""Forms kept when a session ended: what a user had typed into a form they sent after their
session timed out, held server-side for a short while so the same user, once signed in again,
finds the form filled in (to check and send again themselves).

Kept in the store (`kept_forms`), or in Redis when SAFETYNET_REDIS_URL is set, like sessions.
The browser holds only a random key (the store keeps its SHA-256). A kept form belongs to the
user whose session ended: another user's sign-in deletes it. It is used once, then deleted,
and expires after SAFETYNET_FORM_KEEP_MINUTES. Passwords, form tokens and uploads are never
kept, nor forms bigger than SAFETYNET_FORM_KEEP_MAX_BYTES.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safetynet.accounts.models import KeptForm
from safetynet.accounts.sessions import digest
from safetynet.config import get_settings
from safetynet.db import utcnow

REDIS_PREFIX = "safetynet:kept-form:"
# A field is never kept when its name contains one of these (any case) ...
DENIED_PARTS = ("password", "passphrase", "passcode", "secret", "token", "csrf")
# ... or is one of these.
DENIED_NAMES = frozenset({"pin", "otp", "cvc", "cvv", "next"})

Value = str | list[str]


@dataclass
class Kept:
    """A kept form: whose, the page to fill in again, where it was sent, and its fields."""

    user_id: int
    return_path: str
    action: str
    fields: dict[str, Value] = field(default_factory=dict)
    expires_at: datetime | None = None

    def get(self, name: str, default: str = "") -> str:
        """One field's value (the first, if it was sent several times)."""
        value = self.fields.get(name, default)
        return value[0] if isinstance(value, list) else value

    def getlist(self, name: str) -> list[str]:
        """Every value sent for a field (ticked checkboxes)."""
        value = self.fields.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


def denied(name: str) -> bool:
    """True for a field that must never be kept (passwords, tokens, a small deny-list)."""
    lowered = name.lower()
    return lowered in DENIED_NAMES or any(part in lowered for part in DENIED_PARTS)


def safe_fields(items: Iterable[tuple[str, Any]], max_bytes: int) -> dict[str, Value] | None:
    """The fields of a sent form worth keeping, or None when it must not be kept: it held a
    file, it is bigger than `max_bytes`, or nothing typed is left once denied fields go."""
    found: dict[str, list[str]] = {}
    size = 0
    for name, value in items:
        if not isinstance(value, str):
            return None  # an upload: never kept, whatever else the form held
        if denied(name):
            continue
        size += len(name.encode()) + len(value.encode())
        if size > max_bytes:
            return None
        found.setdefault(name, []).append(value)
    if not any(v.strip() for values in found.values() for v in values):
        return None
    return {name: vs[0] if len(vs) == 1 else vs for name, vs in found.items()}


def _redis() -> Any:
    url = get_settings().redis_url
    if not url:
        return None
    from safetynet.accounts import redis_sessions

    return redis_sessions.client(url)


def _lifetime() -> timedelta:
    return timedelta(minutes=get_settings().form_keep_minutes)


def keep(
    session: Session,
    *,
    user_id: int,
    return_path: str,
    action: str,
    fields: dict[str, Value],
    replacing: str | None = None,
) -> str:
    """Keep a form for `user_id`; returns the key for the browser's cookie. The browser's
    earlier kept form (`replacing`), if any, is deleted."""
    if replacing:
        _delete(session, digest(replacing))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    kept = Kept(user_id, return_path[:500], action[:500], fields, now + _lifetime())
    r = _redis()
    if r is not None:
        body = {"user_id": user_id, "return_path": kept.return_path, "action": kept.action}
        r.set(REDIS_PREFIX + digest(token), json.dumps(body | {"fields": fields}), ex=_lifetime())
        return token
    sweep(session, now)
    session.add(
        KeptForm(
            key_hash=digest(token),
            user_id=user_id,
            return_path=kept.return_path,
            action=kept.action,
            fields=fields,
            created_at=now,
            expires_at=kept.expires_at,
        )
    )
    session.commit()
    return token


def _load(session: Session, key: str) -> Kept | None:
    """The live kept form under a key digest; an expired one is deleted."""
    r = _redis()
    if r is not None:
        found = r.get(REDIS_PREFIX + key)  # Redis expires it on time
        if found is None:
            return None
        body = json.loads(found)
        return Kept(body["user_id"], body["return_path"], body["action"], body["fields"])
    row = session.scalar(select(KeptForm).where(KeptForm.key_hash == key))
    if row is None:
        return None
    if _aware(row.expires_at) <= utcnow():
        _delete(session, key)
        return None
    return Kept(row.user_id, row.return_path, row.action, dict(row.fields), row.expires_at)


def _aware(value: datetime) -> datetime:
    """SQLite hands some timestamps back without a zone; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _delete(session: Session, key: str) -> bool:
    """Delete a kept form; True only for the one caller that did (used once, even in a race)."""
    r = _redis()
    if r is not None:
        return bool(r.delete(REDIS_PREFIX + key))
    result = session.execute(delete(KeptForm).where(KeptForm.key_hash == key))
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def waiting(session: Session, token: str | None) -> Kept | None:
    """The live kept form a browser's cookie names, if any, untouched (for the sign-in page)."""
    return _load(session, digest(token)) if token else None


def claim(session: Session, token: str | None, user_id: int) -> Kept | None:
    """At sign-in: the browser's kept form if it is this user's (left for the page to use);
    a form kept for anyone else is deleted and None returned."""
    if not token:
        return None
    kept = _load(session, digest(token))
    if kept is not None and kept.user_id != user_id:
        _delete(session, digest(token))
        return None
    return kept


def take(session: Session, token: str, user_id: int, path: str) -> tuple[Kept | None, bool]:
    """On a page: (the kept form, True) when it is this user's and kept for this page, deleted
    now (it is used once); (None, True) when it is gone or was someone else's (deleted now);
    (None, False) when it waits for another page."""
    key = digest(token)
    kept = _load(session, key)
    if kept is None:
        return None, True
    if kept.user_id != user_id:
        _delete(session, key)
        return None, True
    if kept.return_path != path:
        return None, False
    return (kept if _delete(session, key) else None), True


def sweep(session: Session, now: datetime | None = None) -> int:
    """Delete every expired kept form from the store; how many went (Redis expires its own)."""
    if _redis() is not None:
        return 0
    result = session.execute(delete(KeptForm).where(KeptForm.expires_at <= (now or utcnow())))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)

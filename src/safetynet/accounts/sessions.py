"""Signing in: password checks with throttling, server-side web sessions, personal API tokens.

Tokens (session cookies and API tokens) are 256-bit random values; the store keeps only their
SHA-256, so a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import (
    ApiToken,
    LoginThrottle,
    Organisation,
    OrganisationKind,
    User,
    WebSession,
)
from safetynet.accounts.passwords import hash_password, verify_password
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.errors import InvalidInput, NotFound, SafetynetError

MAX_WAIT = timedelta(minutes=15)
IP_FACTOR = 4
TOUCH_EVERY = timedelta(seconds=60)
TOKEN_NAME_CHARS = 100
_DUMMY_HASH: list[str] = []


class SignInRefused(SafetynetError):
    """Wrong email or password, or too many tries: the message never says which."""

    status = 400
    title = "There is a problem"


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def _throttle(session: Session, key: str) -> LoginThrottle:
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        session.add(row)
    return row


def _locked(row: LoginThrottle, now: datetime) -> bool:
    return row.locked_until is not None and _aware(row.locked_until) > now


def _note_failure(row: LoginThrottle, allowed: int, now: datetime) -> None:
    row.failures += 1
    row.last_failure_at = now
    over = row.failures - allowed
    if over > 0:
        row.locked_until = now + min(timedelta(seconds=2 ** (over - 1)), MAX_WAIT)


def authenticate(session: Session, email: str, password: str, *, ip: str) -> User:
    """The active user with this email and password, or SignInRefused (same words either way).

    Each account and each IP address may fail a few times; after that every try must wait
    longer (1 s, 2 s, 4 s … up to 15 minutes), and tries made while waiting are refused unseen.
    """
    now, allowed = utcnow(), get_settings().login_max_failures
    email = email.strip().lower()
    by_account = _throttle(session, f"account:{email}"[:300])
    by_ip = _throttle(session, f"ip:{ip}"[:300])
    user = session.scalar(select(User).where(User.email == email))
    if _locked(by_account, now) or _locked(by_ip, now):
        session.commit()
        raise SignInRefused("Too many attempts to sign in. Wait a few minutes, then try again.")
    # Hash a dummy when the account is unknown, so the answer takes as long either way.
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if not (ok and user is not None and user.is_active):
        _note_failure(by_account, allowed, now)
        _note_failure(by_ip, allowed * IP_FACTOR, now)
        session.commit()
        raise SignInRefused("Enter a correct email address and password.")
    by_account.failures, by_account.locked_until = 0, None
    user.last_login_at = now
    session.flush()
    return user


@dataclass
class StartedSession:
    """A new web session: the cookie value (shown to the browser only) and its row (None when
    sessions live in Redis)."""

    token: str
    row: WebSession | None


def _redis() -> str | None:
    """Sessions live in Redis when SAFETYNET_REDIS_URL is set, else in the store."""
    return get_settings().redis_url


def _limits() -> tuple[timedelta, timedelta]:
    settings = get_settings()
    return (
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(hours=settings.session_absolute_hours),
    )


def start_session(
    session: Session, user: User, *, replacing: str | None = None, ip: str = ""
) -> StartedSession:
    """A fresh session for `user`; any session the browser had is deleted (no fixation)."""
    url = _redis()
    token = secrets.token_urlsafe(32)
    row: WebSession | None = None
    if url:
        from safetynet.accounts import redis_sessions

        if replacing:
            redis_sessions.delete(url, digest(replacing))
        redis_sessions.save(
            url, digest(token), user.id, secrets.token_hex(32), utcnow(), _limits()[0]
        )
    else:
        if replacing:
            session.execute(delete(WebSession).where(WebSession.token_hash == digest(replacing)))
        row = WebSession(
            token_hash=digest(token), user_id=user.id, csrf_secret=secrets.token_hex(32)
        )
        session.add(row)
    audit.record(
        session,
        actor=f"user:{user.email}",
        action="user.sign_in",
        entity_type="user",
        entity_id=user.id,
        tenant_id=user.organisation.tenant_id,
        user_id=user.id,
        detail={"ip": ip},
    )
    session.commit()
    return StartedSession(token, row)


def _aware(value: datetime) -> datetime:
    """SQLite hands some timestamps back without a zone; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _expired(row: WebSession, now: datetime) -> bool:
    idle, absolute = _limits()
    return now - _aware(row.last_seen_at) > idle or now - _aware(row.created_at) > absolute


@dataclass
class EndedSession:
    """A session that timed out (idle or absolute) for a user who may still sign in: whose it
    was and its form-token secret, so a form sent to it can be kept for that user."""

    user_id: int
    csrf_secret: str


@dataclass
class SignedIn:
    """A live session, as a request needs it: who is signed in, and their form-token secret."""

    principal: Principal
    csrf_secret: str


def lookup_session(session: Session, token: str | None) -> SignedIn | None:
    """The live session for a cookie value; an expired one is deleted and None returned."""
    return check_session(session, token)[0]


def check_session(
    session: Session, token: str | None
) -> tuple[SignedIn | None, EndedSession | None]:
    """(the live session, None) for a cookie value; or (None, the session that just timed
    out, deleted now), or (None, None) for an unknown, signed-out or deactivated one.

    Every signed-in request asks this, so it is one plain query for the few columns needed
    (building the ORM objects cost more than the rest of a simple page's store work)."""
    if not token:
        return None, None
    url = _redis()
    if url:
        from safetynet.accounts import redis_sessions

        live, ended = redis_sessions.load(url, session, digest(token), utcnow(), _limits())
        if live is None:
            return None, ended
        return SignedIn(Principal.of(live.user), live.csrf_secret), None
    row = session.execute(
        select(
            WebSession.id,
            WebSession.csrf_secret,
            WebSession.created_at,
            WebSession.last_seen_at,
            User.id.label("user_id"),
            User.is_active,
            User.email,
            User.full_name,
            User.role,
            Organisation.id.label("organisation_id"),
            Organisation.name.label("organisation_name"),
            Organisation.tenant_id,
            Organisation.kind,
        )
        .join(User, User.id == WebSession.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(WebSession.token_hash == digest(token))
    ).one_or_none()
    if row is None:
        return None, None
    now = utcnow()
    idle, absolute = _limits()
    seen = _aware(row.last_seen_at)
    if now - seen > idle or now - _aware(row.created_at) > absolute or not row.is_active:
        ended = EndedSession(row.user_id, row.csrf_secret) if row.is_active else None
        session.execute(delete(WebSession).where(WebSession.id == row.id))
        session.commit()
        return None, ended
    if now - seen > TOUCH_EVERY:  # one write a minute, not one per request
        session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
        session.commit()
    return SignedIn(_principal_of(row), row.csrf_secret), None


def _principal_of(row: Any) -> Principal:
    """The caller a session row (joined to its user and organisation) stands for."""
    return Principal(
        user_id=row.user_id,
        email=row.email,
        full_name=row.full_name,
        role=row.role,
        organisation_id=row.organisation_id,
        organisation_name=row.organisation_name,
        tenant_id=row.tenant_id,
        council=row.kind == OrganisationKind.COUNCIL,
    )


def end_session(session: Session, token: str | None) -> None:
    """Sign out: the session row goes, so the cookie is worthless even if kept."""
    if not token:
        return
    url = _redis()
    if url:
        from safetynet.accounts import redis_sessions

        redis_sessions.delete(url, digest(token))
        return
    session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))
    session.commit()


def sign_out_everywhere(session: Session, user_id: int) -> tuple[int, int]:
    """End every web session of a user and revoke their API tokens (sign out everywhere,
    deactivation, reactivation, password reset): (sessions ended, tokens revoked)."""
    return end_user_sessions(session, user_id), revoke_user_tokens(session, user_id)


def revoke_user_tokens(session: Session, user_id: int) -> int:
    """Revoke every live API token of a user; how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_user_sessions(session: Session, user_id: int) -> int:
    """Delete every session of a user (deactivation, password reset); how many went."""
    url = _redis()
    if url:
        from safetynet.accounts import redis_sessions

        return redis_sessions.delete_user(url, user_id)
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_token(secret: str, binding: str) -> str:
    """The form token for a session (or a signed-out browser's pre-session cookie)."""
    return hmac.new(secret.encode(), f"csrf:{binding}".encode(), "sha256").hexdigest()


def csrf_valid(secret: str, binding: str, presented: str | None) -> bool:
    """True when `presented` is the form token for this binding (constant-time)."""
    return bool(presented) and hmac.compare_digest(csrf_token(secret, binding), presented or "")


def create_api_token(session: Session, user: User, *, name: str) -> tuple[str, ApiToken]:
    """A new personal API token for `user`: the value (shown once) and its stored row."""
    value = "sn_" + secrets.token_urlsafe(32)
    name = name.strip()
    if len(name) > TOKEN_NAME_CHARS:
        raise InvalidInput(f"A token's name must be {TOKEN_NAME_CHARS} characters or fewer.")
    expires = utcnow() + timedelta(days=get_settings().api_token_days)
    row = ApiToken(
        token_hash=digest(value), user_id=user.id, name=name or "token", expires_at=expires
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=f"user:{user.email}",
        action="api_token.create",
        entity_type="api_token",
        entity_id=row.id,
        tenant_id=user.organisation.tenant_id,
        user_id=user.id,
    )
    session.commit()
    return value, row


def list_api_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """A user's API tokens, newest first (revoked ones too, marked)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"You have no API token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor=f"user:{user.email}",
            action="api_token.revoke",
            entity_type="api_token",
            entity_id=row.id,
            tenant_id=user.organisation.tenant_id,
            user_id=user.id,
        )
        session.commit()
    return row


def user_for_api_token(session: Session, value: str) -> User | None:
    """The active user a bearer token belongs to (recording its use), or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(value)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expired(now) or not row.user.is_active:
        return None
    if row.last_used_at is None or now - _aware(row.last_used_at) > TOUCH_EVERY:
        row.last_used_at = now
        session.commit()
    return row.user

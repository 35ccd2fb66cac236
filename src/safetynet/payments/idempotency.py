"""Idempotency keys: a client names each state change it asks for (a form carries a fresh
key, an API call sends `Idempotency-Key`); the same key again gets what the first use did.

The key row is inserted in the same transaction as the change it guards. Of many concurrent
requests with one key, the store lets one insert it; the others wait for that transaction
and then find its row (PostgreSQL), or queue behind it (SQLite), and return its result.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.errors import Conflict, InvalidInput
from safetynet.payments.models import IdempotencyKey
from safetynet.payments.work import savepoint

KEY_MAX = 100


def _clean(key: str) -> str:
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key: send 1 to {KEY_MAX} printable characters (a random UUID will do)."
        )
    return key


def earlier(session: Session, tenant_id: int, key: str, action: str) -> int | None:
    """The entity an earlier use of `key` made, if there was one (and it was this action)."""
    row = session.get(IdempotencyKey, (tenant_id, _clean(key)))
    if row is None:
        return None
    if row.action != action:
        raise Conflict(
            f"This request's idempotency key was already used for '{row.action}'. Send a new "
            "key for a new request."
        )
    return row.entity_id


def reserve(session: Session, tenant_id: int, key: str, action: str) -> int | None:
    """Claim `key` in the caller's transaction. None when this is its first use (the caller
    goes on, then calls `settle`); otherwise the entity the first use made."""
    key = _clean(key)
    try:
        with savepoint(session):
            session.add(IdempotencyKey(tenant_id=tenant_id, key=key, action=action))
    except IntegrityError:
        found = earlier(session, tenant_id, key, action)
        if found is None:
            raise Conflict("The same request is already being handled; try again.") from None
        return found
    return None


def settle(session: Session, tenant_id: int, key: str, entity_id: int) -> None:
    """Record what the first use of `key` made (in the same transaction as the change)."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == _clean(key))
        .values(entity_id=entity_id)
    )

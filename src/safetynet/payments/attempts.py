"""Attempts: each try at paying a payment, under a provider reference made from the payment's
id and the try's number — the same try always has the same reference, so a resend after a crash
is recognised by the provider as the same transfer.

- A payment is sent (approved -> sent, or failed -> sent for a retry) with a new attempt;
  the store's unique index allows one pending attempt per payment, so nothing is ever resent
  under a new reference while a try is still pending.
- An attempt resolves once: the first outcome (succeeded or failed) moves the payment to
  confirmed or failed; a repeated or later outcome for the same attempt changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from safetynet.db import utcnow
from safetynet.payments import bulk, states
from safetynet.payments.models import Attempt, Payment

OUTCOMES = {"succeeded": "confirmed", "failed": "failed"}


def reference_for(payment_id: int, number: int) -> str:
    """The provider reference of a payment's `number`th attempt (17 characters, fits Bacs)."""
    return f"SN{payment_id:012d}-{number:02d}"


def send(
    session: Session,
    tenant_id: int,
    payment_ids: Sequence[int],
    *,
    adapter: str,
    actor: str,
    round_id: int | None = None,
    retry: bool = False,
) -> list[Attempt]:
    """Start a new attempt for each payment still approved (or failed, with `retry`), moving
    it to sent, in the caller's unit of work; the attempts made, by payment id."""
    source = "failed" if retry else "approved"
    moved = states.move(
        session, tenant_id, payment_ids, source, "sent", actor=actor, round_id=round_id
    )
    ids = sorted(m.id for m in moved)
    if not ids:
        return []
    numbers = _next_numbers(session, ids)
    now = utcnow()
    rows: list[dict[str, object]] = [
        {
            "tenant_id": tenant_id,
            "payment_id": pid,
            "round_id": round_id,
            "number": numbers[pid],
            "reference": reference_for(pid, numbers[pid]),
            "adapter": adapter,
            "status": "pending",
            "created_at": now,
            "detail": {},
        }  # fmt: skip
        for pid in ids
    ]
    bulk.add_rows(session, Attempt, rows)
    made: list[Attempt] = []
    for chunk in bulk.chunks(session, ids):
        made += session.scalars(
            select(Attempt)
            .where(bulk.among(session, Attempt.payment_id, chunk), Attempt.status == "pending")
            .order_by(Attempt.payment_id)
        )
    return made


def _next_numbers(session: Session, ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in bulk.chunks(session, ids):
        rows = session.execute(
            select(Attempt.payment_id, func.max(Attempt.number))
            .where(bulk.among(session, Attempt.payment_id, chunk))
            .group_by(Attempt.payment_id)
        ).all()
        found |= {int(pid): int(n) for pid, n in rows}
    return {pid: int(found.get(pid) or 0) + 1 for pid in ids}


def resolve(
    session: Session,
    tenant_id: int,
    references: Sequence[str],
    outcome: str,
    *,
    actor: str,
    detail: dict[str, str] | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Settle these pending attempts as `succeeded` or `failed` and move their payments to
    confirmed or failed, in the caller's unit of work; the payments moved. Attempts already
    settled are left as they are (a repeated or late callback changes nothing)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome}")
    payment_ids: list[int] = []
    for chunk in bulk.chunks(session, references):
        payment_ids += session.scalars(
            update(Attempt)
            .where(
                Attempt.tenant_id == tenant_id,
                bulk.among(session, Attempt.reference, chunk),
                Attempt.status == "pending",
            )
            .values(status=outcome, resolved_at=at or utcnow(), detail=detail or {})
            .returning(Attempt.payment_id)
        ).all()
    moved = states.move(session, tenant_id, payment_ids, "sent", OUTCOMES[outcome], actor=actor)
    return [m.id for m in moved]


def acknowledge(session: Session, tenant_id: int, references: Sequence[str]) -> int:
    """Note that the provider has accepted these attempts (the first time only)."""
    count = 0
    for chunk in bulk.chunks(session, references):
        result = session.execute(
            update(Attempt)
            .where(
                Attempt.tenant_id == tenant_id,
                bulk.among(session, Attempt.reference, chunk),
                Attempt.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=utcnow())
        )
        count += int(getattr(result, "rowcount", 0) or 0)
    return count


def pending(session: Session, tenant_id: int, payment_ids: Sequence[int]) -> list[Attempt]:
    """The pending attempts of these payments."""
    return list(
        session.scalars(
            select(Attempt).where(
                Attempt.tenant_id == tenant_id,
                Attempt.payment_id.in_(list(payment_ids)),
                Attempt.status == "pending",
            )
        )
    )


def of_payment(session: Session, payment: Payment) -> list[Attempt]:
    """A payment's attempts, first first."""
    return list(
        session.scalars(
            select(Attempt).where(Attempt.payment_id == payment.id).order_by(Attempt.number)
        )
    )

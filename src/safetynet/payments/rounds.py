"""Payment rounds: a scheme's approved payments due by a day, sent through one adapter; and
cash handed over by a partner, recorded payment by payment.

One round of a scheme runs at a time: the store's unique index on running rounds lets one
start, and a second is told a round is in progress. A round whose process died (kill -9, a
power cut) is taken over by the next run once its process is gone or has been silent for
`SAFETYNET_PAYMENTS_ROUND_STALE_SECONDS`.

Each batch is committed as sent, with its attempts and references, *before* the adapter is
called; after the call, what the adapter took is committed as acknowledged. A crash between
the two leaves attempts pending and unacknowledged: the next run resends exactly those, under
the same references, and the provider recognises them — one transfer each.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import psutil
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safetynet.payments import access, attempts, bacs, bulk
from safetynet.payments.adapters import (
    Adapter,
    BacsAdapter,
    Instruction,
    ProviderAdapter,
    ProviderUnavailable,
)
from safetynet.payments.models import Attempt, Enrolment, Payment, Round, Scheme
from safetynet.payments.work import savepoint, unit_of_work

BATCH = 1_000
ROUND_METHODS = ("provider", "bacs")
Progress = Callable[[int, str], None]  # percent done, what is happening


class RoundInProgress(Conflict):
    """Another round of the scheme is running."""


@dataclass
class Outcome:
    """What a round did: payments sent, resent after an interruption, taken by the adapter."""

    round: Round
    sent: int
    resent: int
    taken: int
    file: bytes | None = None


def council_only(principal: Principal) -> None:
    principal.require("payments.disburse")
    if not principal.council:
        raise PermissionDenied("Only the council's staff run payment rounds.")


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def may_run(session: Session, principal: Principal, scheme_id: int, method: str) -> Scheme:
    """The scheme, when the caller may run a round of it by `method` (council staff)."""
    council_only(principal)
    scheme = access.scheme(session, principal, scheme_id)
    if method not in ROUND_METHODS or method not in scheme.methods:
        raise InvalidInput(
            f"method: rounds pay by {', '.join(m for m in ROUND_METHODS if m in scheme.methods)}."
        )
    return scheme


def stale(found: Round) -> bool:
    """True when the round's process is gone (on this machine) or silent too long."""
    host, pid, _ = (found.owner.split(":") + ["", ""])[:3]
    if host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid)):
        return True
    silent = timedelta(seconds=get_settings().payments_round_stale_seconds)
    return utcnow() - found.heartbeat_at > silent


def _claim(session: Session, principal: Principal, scheme: Scheme, method: str, due_by: date):
    """Start a round of the scheme, or take over a dead one; RoundInProgress otherwise."""
    owner = _owner()
    try:
        with savepoint(session):
            found = Round(
                tenant_id=scheme.tenant_id, scheme_id=scheme.id, method=method, due_by=due_by,
                status="running", owner=owner, started_by=principal.actor,
            )  # fmt: skip
            session.add(found)
        session.commit()
        return found, owner
    except IntegrityError:
        session.rollback()
    running = session.scalar(
        select(Round).where(Round.scheme_id == scheme.id, Round.status == "running")
    )
    if running is None:  # it finished meanwhile
        return _claim(session, principal, scheme, method, due_by)
    if not stale(running) or not _take_over(session, running, owner):
        raise RoundInProgress(
            f"Round {running.id} of {scheme.name} is in progress (started by "
            f"{running.started_by}). Wait for it to finish, then run again if needed."
        )
    return running, owner


def _take_over(session: Session, found: Round, owner: str) -> bool:
    """Become the round's owner, unless someone else just did (compare and set)."""
    result = session.execute(
        update(Round)
        .where(Round.id == found.id, Round.owner == found.owner, Round.status == "running")
        .values(owner=owner, heartbeat_at=utcnow())
    )
    session.commit()
    session.refresh(found)
    return bool(getattr(result, "rowcount", 0))


def _instructions(session: Session, references: list[Attempt]) -> list[Instruction]:
    ids = [a.payment_id for a in references]
    rows: dict[int, tuple[int, str, str | None, str | None, str | None]] = {}
    for chunk in bulk.chunks(session, ids):
        rows |= {
            pid: (int(pence), name, sort, account, bank_name)
            for pid, pence, name, sort, account, bank_name in session.execute(
                select(Payment.id, Payment.amount_pence, Enrolment.name, Enrolment.bank_sort_code,
                       Enrolment.bank_account, Enrolment.bank_name)
                .join(Enrolment, Enrolment.id == Payment.enrolment_id)
                .where(bulk.among(session, Payment.id, chunk))
            ).all()
        }  # fmt: skip
    return [Instruction(a.reference, *rows[a.payment_id]) for a in references]


def adapter_for(found: Round) -> Adapter:
    """The adapter a round pays through, from the settings."""
    settings = get_settings()
    if found.method == "bacs":
        origin = bacs.Originator.parse(settings.payments_bacs_originator)
        return BacsAdapter(origin, found.due_by, f"{found.id:06d}")
    if not settings.payments_provider_url:
        raise InvalidInput(
            "method: no payment provider is set up (SAFETYNET_PAYMENTS_PROVIDER_URL)."
        )
    return ProviderAdapter(
        settings.payments_provider_url,
        callback_url=settings.payments_callback_url,
        timeout=settings.payments_provider_timeout_seconds,
    )


def _hand_over(
    session: Session, found: Round, owner: str, adapter: Adapter, batch: list[Attempt]
) -> int:
    """Give a committed batch to the adapter, then commit what it took."""
    submitted = adapter.submit(_instructions(session, batch))
    attempts.acknowledge(session, found.tenant_id, submitted.taken)
    session.execute(
        update(Round)
        .where(Round.id == found.id, Round.owner == owner)
        .values(heartbeat_at=utcnow())
    )
    session.commit()
    return len(submitted.taken)


def _unacknowledged(session: Session, found: Round) -> list[Attempt]:
    """Attempts of the scheme's rounds by this method that were sent but never taken (a
    round interrupted between committing them and hearing back from the adapter)."""
    return list(
        session.scalars(
            select(Attempt)
            .join(Payment, Payment.id == Attempt.payment_id)
            .where(
                Payment.scheme_id == found.scheme_id,
                Payment.method == found.method,
                Attempt.status == "pending",
                Attempt.acknowledged_at.is_(None),
            )
            .order_by(Attempt.id)
        )
    )


def due_count(session: Session, scheme_id: int, method: str, due_by: date, retry: bool) -> int:
    """How many payments of the scheme a round by `method` to `due_by` would send."""
    statuses = ("approved", "failed") if retry else ("approved",)
    return int(
        session.scalar(
            select(func.count()).where(
                Payment.scheme_id == scheme_id,
                Payment.status.in_(statuses),
                Payment.method == method,
                Payment.due_on <= due_by,
            )
        )
        or 0
    )


def _due(session: Session, found: Round, status: str) -> list[int]:
    return list(
        session.scalars(
            select(Payment.id)
            .where(
                Payment.scheme_id == found.scheme_id,
                Payment.status == status,
                Payment.method == found.method,
                Payment.due_on <= found.due_by,
            )
            .order_by(Payment.id)
        )
    )


def _send_due(
    session: Session, principal: Principal, found: Round, owner: str, adapter: Adapter,
    retry: bool, progress: Progress | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Send the due payments batch by batch: commit the attempts, then call the adapter."""
    sent = taken = 0
    for status in ("approved", "failed") if retry else ("approved",):
        due = _due(session, found, status)
        step = len(due) if found.method == "bacs" else BATCH  # one file per round
        for start in range(0, len(due), max(step, 1)):
            if progress is not None:
                progress(start * 90 // max(len(due), 1), f"Sending {start:,} of {len(due):,}")
            batch = attempts.send(
                session, found.tenant_id, due[start : start + step], adapter=adapter.name,
                actor=principal.actor, round_id=found.id, retry=status == "failed",
            )  # fmt: skip
            session.commit()
            sent += len(batch)
            taken += _hand_over(session, found, owner, adapter, batch)
    return sent, taken


@unit_of_work
def disburse(
    session: Session,
    principal: Principal,
    scheme_id: int,
    *,
    method: str,
    due_by: date,
    retry_failed: bool = False,
    adapter: Adapter | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Run a payment round of the scheme (or finish one a dead process left): resend what it
    left unacknowledged, then send every approved payment due by `due_by` paid by `method`
    (and failed ones again, with `retry_failed`, under new references). Audited."""
    scheme = may_run(session, principal, scheme_id, method)
    found, owner = _claim(session, principal, scheme, method, due_by)
    adapter = adapter or adapter_for(found)
    try:
        leftover = _unacknowledged(session, found)
        resent = _hand_over(session, found, owner, adapter, leftover) if leftover else 0
        sent, taken = _send_due(session, principal, found, owner, adapter, retry_failed, progress)
    except ProviderUnavailable:
        _interrupt(session, found, owner)
        raise
    _finish(session, principal, found, owner, sent=sent, resent=resent, taken=taken + resent)
    file = round_file(session, principal, found.id) if method == "bacs" else None
    return Outcome(found, sent, resent, taken + resent, file)


def _interrupt(session: Session, found: Round, owner: str) -> None:
    """The adapter did not answer: end the round so the next run can start at once (it
    resends what this one left unacknowledged)."""
    session.rollback()
    session.execute(
        update(Round)
        .where(Round.id == found.id, Round.owner == owner)
        .values(status="interrupted", finished_at=utcnow())
    )
    session.commit()


def _finish(
    session: Session, principal: Principal, found: Round, owner: str, **counts: int
) -> None:
    found.counts = {key: (found.counts or {}).get(key, 0) + value for key, value in counts.items()}
    session.execute(
        update(Round)
        .where(Round.id == found.id, Round.owner == owner)
        .values(status="finished", finished_at=utcnow(), counts=found.counts)
    )
    audit.record(
        session, actor=principal.actor, action="payments.round", entity_type="round",
        entity_id=found.id, tenant_id=found.tenant_id, user_id=principal.user_id, detail=counts,
    )  # fmt: skip
    session.commit()
    session.refresh(found)


def get_round(session: Session, principal: Principal, round_id: int) -> Round:
    """One of the caller's area's rounds (council staff)."""
    principal.require("payments.view")
    found = session.get(Round, round_id)
    if found is None or not principal.council or found.tenant_id != principal.tenant_id:
        raise NotFound(f"There is no payment round {round_id} that you can see.")
    return found


def rounds(session: Session, principal: Principal, scheme_id: int) -> list[Round]:
    """The scheme's rounds, newest first (council staff; partners see none)."""
    scheme = access.scheme(session, principal, scheme_id)
    if not principal.council:
        return []
    return list(
        session.scalars(select(Round).where(Round.scheme_id == scheme.id).order_by(Round.id.desc()))
    )


def round_file(session: Session, principal: Principal, round_id: int) -> bytes:
    """A Bacs round's Standard 18 file, made again from its attempts: the same bytes every
    time (audited: it holds payees' names and accounts)."""
    found = get_round(session, principal, round_id)
    if found.method != "bacs":
        raise InvalidInput(f"Round {round_id} paid through a provider; it has no Bacs file.")
    sent = list(
        session.scalars(
            select(Attempt).where(Attempt.round_id == found.id).order_by(Attempt.reference)
        )
    )
    adapter = adapter_for(found)
    audit.record(
        session, actor=principal.actor, action="payments.bacs_file", entity_type="round",
        entity_id=found.id, tenant_id=found.tenant_id, user_id=principal.user_id,
        detail={"records": len(sent)},
    )  # fmt: skip
    session.commit()
    data = adapter.submit(_instructions(session, sent)).file
    assert data is not None
    return data


@unit_of_work
def hand_over(session: Session, principal: Principal, payment_id: int, receipt: str) -> Payment:
    """Record that a partner handed an approved cash payment to the person: sent and
    confirmed at once, with the receipt or note given. Doing it twice changes nothing."""
    principal.require("payments.handover")
    payment = access.one(session, principal, Payment, payment_id)
    if payment.method != "cash":
        raise InvalidInput(f"Payment {payment_id} is not paid in cash.")
    if payment.status == "confirmed":
        return payment
    if payment.status != "approved":
        raise Conflict(
            f"Payment {payment_id} is {payment.status}; only approved ones are handed over."
        )
    if not receipt.strip():
        raise InvalidInput("receipt: give the receipt number or a note of the hand-over.")
    [attempt] = attempts.send(
        session, payment.tenant_id, [payment.id], adapter="cash", actor=principal.actor
    )
    detail = {"receipt": receipt.strip()[:200], "by": principal.actor}
    attempts.resolve(
        session,
        payment.tenant_id,
        [attempt.reference],
        "succeeded",
        actor=principal.actor,
        detail=detail,
    )
    audit.record(
        session, actor=principal.actor, action="payments.hand_over", entity_type="payment",
        entity_id=payment.id, tenant_id=payment.tenant_id, user_id=principal.user_id,
    )  # fmt: skip
    session.commit()
    session.refresh(payment)
    return payment

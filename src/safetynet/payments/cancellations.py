"""Cancelling an award: the person no longer needs it, or it was asked for in error.

An award still waiting for a decision, or approved and not yet fully paid, can be cancelled.
Each of its payments not yet sent (requested, approved, or failed and waiting for a retry) is
cancelled, and an approved payment's money goes back to the fund through the ledger. Payments
already sent or paid are left as they are: a sent one settles as its provider or bank says, and
money paid out is corrected by a reversal, never by cancelling. Cancelling twice changes
nothing more.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.errors import Conflict, InvalidInput
from safetynet.payments import access, awards, rounds, states
from safetynet.payments.models import Approval, Award, Payment
from safetynet.payments.work import unit_of_work

CANCELLABLE = ("requested", "approved")
UNSENT = ("requested", "approved", "failed")  # payment statuses a cancellation stops
REASON_MAX = 500


def _permission(principal: Principal, award: Award) -> None:
    """Withdrawing a request is the asker's side's; undoing an approval needs the power to
    approve (the money goes back to the fund)."""
    principal.require("payments.request" if award.status == "requested" else "payments.approve")


@unit_of_work
def cancel_award(session: Session, principal: Principal, award_id: int, reason: str) -> Award:
    """Cancel an award that is requested or approved: its unsent payments are cancelled and
    their money returns to the fund (audited, with the reason). A repeat changes nothing."""
    award = access.one(session, principal, Award, award_id)
    if award.status == "cancelled":
        return award
    if award.status not in CANCELLABLE:
        raise Conflict(f"Award {award.id} has been {award.status}; it cannot be cancelled.")
    _permission(principal, award)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason: say why the award is cancelled.")
    scheme = access.scheme(session, principal, award.scheme_id)
    awards.lock_scheme(session, scheme)
    session.refresh(award)
    if award.status not in CANCELLABLE:  # decided or cancelled while we waited for the lock
        session.rollback()
        return cancel_award(session, principal, award_id, reason)
    stopped = _cancel_payments(session, principal, award)
    _record(session, principal, award, reason[:REASON_MAX], stopped)
    session.commit()
    session.refresh(award)
    return award


def _cancel_payments(session: Session, principal: Principal, award: Award) -> int:
    """Cancel the award's unsent payments, each from where it is; how many."""
    rows = session.execute(
        select(Payment.id, Payment.status).where(
            Payment.award_id == award.id, Payment.status.in_(UNSENT)
        )
    ).all()
    stopped = 0
    for status in UNSENT:
        ids = sorted(int(pid) for pid, s in rows if s == status)
        if ids:
            moved = states.move(
                session, award.tenant_id, ids, status, "cancelled", actor=principal.actor
            )
            stopped += len(moved)
    return stopped


def _record(
    session: Session, principal: Principal, award: Award, reason: str, stopped: int
) -> None:
    award.status = "cancelled"
    session.add(
        Approval(
            tenant_id=award.tenant_id,
            award_id=award.id,
            decision="cancelled",
            actor=principal.actor,
            user_id=principal.user_id,
            role=principal.role,
            note=reason,
        )  # fmt: skip
    )
    audit.record(
        session, actor=principal.actor, action="payments.award_cancel", entity_type="award",
        entity_id=award.id, tenant_id=award.tenant_id, user_id=principal.user_id,
        reason=reason, detail={"payments_cancelled": stopped},
    )  # fmt: skip


@unit_of_work
def cancel_payment(session: Session, principal: Principal, payment_id: int, reason: str) -> Payment:
    """Stop an approved or failed payment for good; its money goes back to the fund."""
    rounds.council_only(principal)
    payment = access.one(session, principal, Payment, payment_id)
    if payment.status not in ("approved", "failed"):
        raise Conflict(f"Payment {payment_id} is {payment.status}; it cannot be cancelled now.")
    if not reason.strip():
        raise InvalidInput("reason: say why the payment is cancelled.")
    states.move(
        session, payment.tenant_id, [payment.id], payment.status, "cancelled", actor=principal.actor
    )
    audit.record(
        session, actor=principal.actor, action="payments.cancel", entity_type="payment",
        entity_id=payment.id, tenant_id=payment.tenant_id, user_id=principal.user_id,
        reason=reason.strip()[:500],
    )  # fmt: skip
    session.commit()
    session.refresh(payment)
    return payment

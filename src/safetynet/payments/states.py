"""The payment state machine, and the ledger movement each step makes.

    requested -> approved -> sent -> confirmed -> reversed
                    |          '---> failed -> sent (a retry: a new attempt, a new reference)
                    '-> cancelled      failed -> cancelled        requested -> cancelled

Every step is a compare-and-set (`UPDATE ... WHERE status = <from>`): of two processes making
the same step at once, exactly one moves the payment and posts to the ledger; the other finds
it already moved and does nothing. That is what makes repeated or crossed callbacks harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from safetynet.db import utcnow
from safetynet.payments import bulk, ledger
from safetynet.payments.models import Payment, Scheme

STATUSES = {
    "requested": "Requested",
    "approved": "Approved",
    "sent": "Sent",
    "confirmed": "Confirmed",
    "failed": "Failed",
    "reversed": "Reversed",
    "cancelled": "Cancelled",
}
TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"approved", "cancelled"}),
    "approved": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"confirmed", "failed"}),
    "confirmed": frozenset({"reversed"}),
    "failed": frozenset({"sent", "cancelled"}),
    "reversed": frozenset(),
    "cancelled": frozenset(),
}
# Which accounts each step moves the money between (from, to); None: no money moves.
MONEY: dict[tuple[str, str], tuple[str, str] | None] = {
    ("requested", "approved"): ("fund", "payable"),
    ("requested", "cancelled"): None,
    ("approved", "sent"): ("payable", "in_transit"),
    ("failed", "sent"): ("payable", "in_transit"),
    ("sent", "confirmed"): ("in_transit", "paid"),
    ("sent", "failed"): ("in_transit", "payable"),
    ("confirmed", "reversed"): ("paid", "fund"),
    ("approved", "cancelled"): ("payable", "fund"),
    ("failed", "cancelled"): ("payable", "fund"),
}
# Money committed to payees (counts against the scheme's budget).
COMMITTED = ("payable", "in_transit", "paid")
CHUNK = 5_000


@dataclass(frozen=True)
class Moved:
    """A payment that made a step: its id, scheme and amount."""

    id: int
    scheme_id: int
    amount_pence: int


def allowed(source: str, target: str) -> bool:
    """True when a payment may go from `source` to `target`."""
    return target in TRANSITIONS.get(source, frozenset())


def account_code(prefix: str, scheme: Scheme) -> str:
    """The ledger account code for `prefix` in this scheme (the fund's, for fund accounts)."""
    return f"fund:{scheme.fund_id}" if prefix == "fund" else f"{prefix}:{scheme.id}"


def scheme_accounts(session: Session, scheme: Scheme) -> dict[str, int]:
    """The ledger account ids a scheme's payments move between, made on first use."""
    names = {"fund": f"Fund {scheme.fund_id}", "payable": f"{scheme.name}: approved, unsent"}
    names |= {"in_transit": f"{scheme.name}: sent", "paid": f"{scheme.name}: paid out"}
    return {
        prefix: ledger.account(session, scheme.tenant_id, account_code(prefix, scheme), name)
        for prefix, name in names.items()
    }


def move(
    session: Session,
    tenant_id: int,
    ids: Sequence[int],
    source: str,
    target: str,
    *,
    actor: str,
    **values: object,
) -> list[Moved]:
    """Move these payments from `source` to `target` where they still are at `source`, with
    the ledger entries, in the caller's unit of work; the payments that moved."""
    if not allowed(source, target):
        raise ValueError(f"a payment cannot go from {source} to {target}")
    moved: list[Moved] = []
    for chunk in bulk.chunks(session, ids):
        rows = session.execute(
            update(Payment)
            .where(
                bulk.among(session, Payment.id, chunk),
                Payment.tenant_id == tenant_id,
                Payment.status == source,
            )
            .values(status=target, updated_at=utcnow(), **values)
            .returning(Payment.id, Payment.scheme_id, Payment.amount_pence)
        ).all()
        moved += [Moved(int(i), int(s), int(a)) for i, s, a in rows]
    _post(session, tenant_id, moved, source, target, actor)
    return moved


def _post(
    session: Session, tenant_id: int, moved: list[Moved], source: str, target: str, actor: str
) -> None:
    legs = MONEY[(source, target)]
    if legs is None or not moved:
        return
    schemes = {
        s.id: s
        for s in session.scalars(select(Scheme).where(Scheme.id.in_({m.scheme_id for m in moved})))
    }
    accounts = {sid: scheme_accounts(session, scheme) for sid, scheme in schemes.items()}
    kind = f"payment.{target}" if source != "failed" else "payment.retry"
    entries = [
        ledger.transfer(
            kind,
            accounts[m.scheme_id][legs[0]],
            accounts[m.scheme_id][legs[1]],
            m.amount_pence,
            payment_id=m.id,
        )
        for m in sorted(moved, key=lambda m: m.id)
    ]
    ledger.post(session, tenant_id, entries, actor=actor)


def committed(session: Session, scheme: Scheme) -> int:
    """Pence the scheme has committed to payees (approved, sent or paid), from the running
    balances: three rows read."""
    codes = [account_code(prefix, scheme) for prefix in COMMITTED]
    return sum(ledger.balances(session, scheme.tenant_id, codes).values())

"""The double-entry ledger: accounts with running balances, balanced transactions, reversals.

Every movement of money is a transaction whose postings sum to zero. Balances are kept on the
account row, moved by one `UPDATE ... RETURNING` per account per write: that takes the row's
lock in PostgreSQL (and the write lock in SQLite), so concurrent writers queue rather than
race, and reading a balance is one row whatever the history. Postings are append-only (database
triggers refuse changes); a mistake is corrected by `reverse`, never by editing.

Accounts of a council area, by code:
- `funding:<fund>`: where a fund's money comes from (a source account; it goes negative);
- `fund:<fund>`: money available to the fund's schemes (never negative);
- `payable:<scheme>`: approved, not yet sent (or failed, waiting for a retry);
- `in_transit:<scheme>`: sent, waiting for the provider or bank to confirm;
- `paid:<scheme>`: confirmed as paid out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput
from safetynet.payments import bulk
from safetynet.payments.models import LedgerAccount, LedgerPosting, LedgerTransaction
from safetynet.payments.work import savepoint

KINDS = {"funding": "source", "fund": "fund", "payable": "liability", "in_transit": "clearing"}
KINDS["paid"] = "expense"


@dataclass(frozen=True)
class Entry:
    """One transaction to write: (account id, signed pence) legs summing to zero."""

    kind: str
    legs: tuple[tuple[int, int], ...]
    payment_id: int | None = None
    memo: str | None = None
    reverses_id: int | None = None


def account(session: Session, tenant_id: int, code: str, name: str | None = None) -> int:
    """The id of the area's account `code` (e.g. `fund:3`), made on first use."""
    found = session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.tenant_id == tenant_id, LedgerAccount.code == code
        )
    )
    if found is not None:
        return found
    prefix = code.split(":", 1)[0]
    if prefix not in KINDS:
        raise InvalidInput(f"There is no kind of ledger account called '{prefix}'.")
    row = LedgerAccount(
        tenant_id=tenant_id, code=code, kind=KINDS[prefix], name=name or code, balance_pence=0
    )
    session.add(row)
    session.flush()
    return row.id


def transfer(kind: str, source: int, target: int, pence: int, **extra: object) -> Entry:
    """An entry moving `pence` from one account to another."""
    return Entry(kind, ((source, -pence), (target, pence)), **extra)  # type: ignore[arg-type]


def _check(entry: Entry) -> None:
    if not entry.legs or sum(amount for _, amount in entry.legs) != 0:
        raise InvalidInput(f"A ledger transaction must balance: '{entry.kind}' does not.")
    if any(amount == 0 for _, amount in entry.legs):
        raise InvalidInput(f"A ledger posting of nothing in '{entry.kind}' is not allowed.")


def _move_balances(session: Session, entries: Sequence[Entry]) -> dict[int, int]:
    """Apply each account's total change; the balance each account had before this write."""
    totals: dict[int, int] = defaultdict(int)
    for entry in entries:
        for account_id, amount in entry.legs:
            totals[account_id] += amount
    before = {}
    for account_id in sorted(totals):  # one lock order everywhere: no deadlocks
        count = sum(1 for e in entries for a, _ in e.legs if a == account_id)
        after = session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.id == account_id)
            .values(
                balance_pence=LedgerAccount.balance_pence + totals[account_id],
                postings=LedgerAccount.postings + count,
            )
            .returning(LedgerAccount.balance_pence)
        ).scalar_one()
        before[account_id] = after - totals[account_id]
    return before


def post(session: Session, tenant_id: int, entries: Sequence[Entry], *, actor: str) -> list[int]:
    """Write these transactions in the caller's unit of work; their ids, in order.

    Conflict when a fund would go below zero (the store refuses it; nothing is written)."""
    if not entries:
        return []
    for entry in entries:
        _check(entry)
    try:
        with savepoint(session):
            balances = _move_balances(session, entries)
            ids = _insert(session, tenant_id, entries, balances, actor)
    except IntegrityError as error:
        if "fund_not_negative" in str(error.orig):
            raise Conflict(
                "There is not enough money left in the fund for this. Add money to the fund "
                "or reduce the amount."
            ) from None
        raise
    return ids


def _insert(
    session: Session,
    tenant_id: int,
    entries: Sequence[Entry],
    balances: dict[int, int],
    actor: str,
) -> list[int]:
    now = utcnow()
    rows: list[dict[str, object]] = [
        {
            "tenant_id": tenant_id,
            "kind": e.kind,
            "payment_id": e.payment_id,
            "memo": e.memo,
            "reverses_id": e.reverses_id,
            "actor": actor,
            "created_at": now,
        }
        for e in entries
    ]
    ids = _add_transactions(session, rows)
    postings = []
    for tx_id, entry in zip(ids, entries, strict=True):
        for account_id, amount in entry.legs:
            balances[account_id] += amount
            postings.append(
                {
                    "transaction_id": tx_id,
                    "account_id": account_id,
                    "amount_pence": amount,
                    "balance_after_pence": balances[account_id],
                }
            )
    bulk.add_rows(session, LedgerPosting, postings)
    return ids


def _add_transactions(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert the transactions; their ids in the rows' order. On PostgreSQL the ids are drawn
    from the sequence first and the rows copied in (a round posts tens of thousands)."""
    if bulk.on_postgres(session):
        ids = bulk.next_ids(session, LedgerTransaction, len(rows))
        bulk.add_rows(
            session, LedgerTransaction, [r | {"id": i} for r, i in zip(rows, ids, strict=True)]
        )
        return ids
    return list(
        session.scalars(
            insert(LedgerTransaction).returning(LedgerTransaction.id, sort_by_parameter_order=True),
            rows,
        )
    )


def reverse(session: Session, tenant_id: int, transaction_id: int, *, actor: str, memo: str) -> int:
    """Correct a transaction by posting its exact opposite (each may be reversed once)."""
    original = session.get(LedgerTransaction, transaction_id)
    if original is None or original.tenant_id != tenant_id:
        raise InvalidInput(f"There is no ledger transaction {transaction_id} in this area.")
    if original.reverses_id is not None:
        raise Conflict(f"Transaction {transaction_id} is itself a reversal; post a new one.")
    if session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == transaction_id)
    ):
        raise Conflict(f"Transaction {transaction_id} has already been reversed.")
    legs = session.execute(
        select(LedgerPosting.account_id, LedgerPosting.amount_pence)
        .where(LedgerPosting.transaction_id == transaction_id)
        .order_by(LedgerPosting.id)
    ).all()
    entry = Entry(
        f"reversal:{original.kind}"[:32],
        tuple((a, -amount) for a, amount in legs),
        payment_id=original.payment_id,
        memo=memo[:200],
        reverses_id=transaction_id,
    )
    return post(session, tenant_id, [entry], actor=actor)[0]


def balance(session: Session, account_id: int) -> int:
    """An account's balance in pence: one row read, however long its history."""
    return int(
        session.execute(
            select(LedgerAccount.balance_pence).where(LedgerAccount.id == account_id)
        ).scalar_one()
    )


def balances(session: Session, tenant_id: int, codes: Sequence[str]) -> dict[str, int]:
    """Balances of the area's accounts with these codes (0 for an account not yet used)."""
    rows = session.execute(
        select(LedgerAccount.code, LedgerAccount.balance_pence).where(
            LedgerAccount.tenant_id == tenant_id, LedgerAccount.code.in_(list(codes))
        )
    ).all()
    found = {code: int(pence) for code, pence in rows}
    return {code: found.get(code, 0) for code in codes}


def statement(session: Session, account_id: int, limit: int = 100) -> list[LedgerPosting]:
    """The account's latest postings, newest first, each with the balance after it."""
    return list(
        session.scalars(
            select(LedgerPosting)
            .where(LedgerPosting.account_id == account_id)
            .order_by(LedgerPosting.id.desc())
            .limit(limit)
        )
    )

"""Reconciliation: a bank or provider statement (CSV) read against the payments sent.

Columns (any order, any case): `reference`, `amount` (pounds, e.g. 50.00), `status` (`paid`,
`failed` or `returned`) and `value_date` (2026-11-30 or 30/11/2026). A file with any bad row is
refused whole, each problem named by row and column. Each line is then matched by reference:
- `paid`: a pending attempt is confirmed (Bacs learns it here); the payment is reconciled;
- `failed`: a pending attempt fails (the payment can be retried);
- `returned`: a confirmed payment is reversed (its money goes back to the fund);
- a reference we never sent, an amount that differs, or a status that contradicts what we
  know, is kept as an exception for someone to look at.
The same file again changes nothing (it is known by its SHA-256); a line already reconciled
by another file is noted as such and changes nothing either.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import InvalidInput, PermissionDenied
from safetynet.payments import attempts, bulk, states
from safetynet.payments.models import Attempt, Payment, StatementImport, StatementLine
from safetynet.payments.work import unit_of_work

COLUMNS = ("reference", "amount", "status", "value_date")
LINE_STATUSES = ("paid", "failed", "returned")
MAX_SHOWN = 50
EXCEPTIONS = ("unknown_reference", "amount_differs", "disagrees")


@dataclass(frozen=True)
class Line:
    """One statement line, checked."""

    row: int
    reference: str
    pence: int
    status: str
    value_date: date


def _pence(text: str) -> int | None:
    try:
        value = Decimal(text.replace("£", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def _day(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _row(number: int, cells: dict[str, str]) -> tuple[Line | None, list[str]]:
    reference = (cells.get("reference") or "").strip()
    pence, day = _pence(cells.get("amount") or ""), _day(cells.get("value_date") or "")
    status = (cells.get("status") or "").strip().lower()
    problems = []
    if not reference or len(reference) > 18:
        problems.append(f"row {number}, reference: give the payment reference (1-18 characters).")
    if pence is None:
        problems.append(f"row {number}, amount: write pounds and pence like 50.00, more than 0.")
    if status not in LINE_STATUSES:
        problems.append(f"row {number}, status: use one of {', '.join(LINE_STATUSES)}.")
    if day is None:
        problems.append(f"row {number}, value_date: write a date like 2026-11-30 or 30/11/2026.")
    if problems:
        return None, problems
    assert pence is not None and day is not None
    return Line(number, reference, pence, status, day), []


def read_statement(data: bytes, filename: str) -> list[Line]:
    """The statement's lines; InvalidInput naming every bad row and column otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{filename}: save the statement as CSV in UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text))
    headings = {(h or "").strip().lower() for h in reader.fieldnames or []}
    missing = [c for c in COLUMNS if c not in headings]
    if missing:
        raise InvalidInput(f"{filename}: the statement has no column {', '.join(missing)}.")
    lines, problems = [], []
    for number, raw in enumerate(reader, start=2):
        line, found = _row(number, {(k or "").strip().lower(): v or "" for k, v in raw.items()})
        problems += found
        if line:
            lines.append(line)
    if problems:
        shown = problems[:MAX_SHOWN] + (
            [f"… and {len(problems) - MAX_SHOWN} more"] if len(problems) > MAX_SHOWN else []
        )
        raise InvalidInput(
            f"{filename}: {len(problems)} problem(s); nothing was imported.", details=shown
        )
    if not lines:
        raise InvalidInput(f"{filename}: the statement has no lines.")
    return lines


def _known(session: Session, tenant_id: int, references: list[str]) -> dict[str, tuple]:
    """Per reference: (attempt status, payment id, payment amount, payment status, reconciled)."""
    found: dict[str, tuple] = {}
    for chunk in bulk.chunks(session, references):
        rows = session.execute(
            select(Attempt.reference, Attempt.status, Payment.id, Payment.amount_pence,
                   Payment.status, Payment.reconciled_at)
            .join(Payment, Payment.id == Attempt.payment_id)
            .where(Attempt.tenant_id == tenant_id,
                   bulk.among(session, Attempt.reference, chunk))
        ).all()  # fmt: skip
        found |= {r[0]: tuple(r[1:]) for r in rows}
    return found


def _outcome(line: Line, known: tuple | None) -> str:
    """What a line means for its payment (before anything is changed)."""
    if known is None:
        return "unknown_reference"
    attempt_status, _, pence, payment_status, reconciled = known
    if pence != line.pence:
        return "amount_differs"
    if line.status == "paid":
        if attempt_status == "pending":
            return "confirmed"
        if attempt_status == "succeeded":
            return "already_reconciled" if reconciled else "matched"
        return "disagrees"
    if line.status == "failed":
        return (
            "failed"
            if attempt_status == "pending"
            else ("already_failed" if attempt_status == "failed" else "disagrees")
        )
    if payment_status == "confirmed":
        return "reversed"
    return "already_reversed" if payment_status == "reversed" else "disagrees"


def _apply(
    session: Session,
    principal: Principal,
    tenant_id: int,
    lines: list[Line],
    outcomes: dict[int, str],
    known,
) -> None:
    refs: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        refs[outcomes[line.row]].append(line.reference)
    actor = principal.actor
    attempts.resolve(session, tenant_id, refs["confirmed"], "succeeded", actor=actor)
    attempts.resolve(session, tenant_id, refs["failed"], "failed", actor=actor)
    reversed_ids = [known[r][1] for r in refs["reversed"]]
    states.move(session, tenant_id, reversed_ids, "confirmed", "reversed", actor=actor)
    settled = [known[r][1] for r in refs["confirmed"] + refs["matched"]]
    for chunk in bulk.chunks(session, settled):
        session.execute(
            update(Payment)
            .where(bulk.among(session, Payment.id, chunk), Payment.reconciled_at.is_(None))
            .values(reconciled_at=utcnow())
        )


@unit_of_work
def import_statement(
    session: Session, principal: Principal, filename: str, data: bytes
) -> tuple[StatementImport, bool]:
    """Reconcile a statement file (audited); (the import, True) the first time, (the earlier
    import, False) when this very file was imported before — and then nothing changes."""
    principal.require("payments.reconcile")
    if not principal.council:
        raise PermissionDenied("Only the council's staff reconcile statements.")
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(
        select(StatementImport).where(
            StatementImport.tenant_id == principal.tenant_id, StatementImport.sha256 == digest
        )
    )
    if earlier is not None:
        return earlier, False
    lines = read_statement(data, filename)
    known = _known(session, principal.tenant_id, [line.reference for line in lines])
    outcomes = {line.row: _outcome(line, known.get(line.reference)) for line in lines}
    _apply(session, principal, principal.tenant_id, lines, outcomes, known)
    counts: dict[str, int] = defaultdict(int)
    for outcome in outcomes.values():
        counts[outcome] += 1
    found = StatementImport(
        tenant_id=principal.tenant_id, filename=filename[:255], sha256=digest,
        imported_by=principal.actor, counts=dict(counts),
    )  # fmt: skip
    session.add(found)
    session.flush()
    _keep_lines(session, found, lines, outcomes, known)
    audit.record(
        session, actor=principal.actor, action="payments.reconcile", entity_type="statement",
        entity_id=found.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail=dict(counts),
    )  # fmt: skip
    session.commit()
    return found, True


def _keep_lines(
    session: Session, found: StatementImport, lines: list[Line], outcomes, known
) -> None:
    rows = [
        {
            "import_id": found.id,
            "tenant_id": found.tenant_id,
            "row_number": line.row,
            "reference": line.reference,
            "amount_pence": line.pence,
            "status": line.status,
            "value_date": line.value_date,
            "payment_id": known[line.reference][1] if line.reference in known else None,
            "outcome": outcomes[line.row],
        }  # fmt: skip
        for line in lines
    ]
    bulk.add_rows(session, StatementLine, rows)


def exceptions(session: Session, principal: Principal, import_id: int) -> list[StatementLine]:
    """The lines of one of the area's statement imports that need someone to look at them."""
    principal.require("payments.reconcile")
    return list(
        session.scalars(
            select(StatementLine)
            .where(
                StatementLine.import_id == import_id,
                StatementLine.tenant_id == principal.tenant_id,
                StatementLine.outcome.in_(EXCEPTIONS),
            )
            .order_by(StatementLine.row_number)
        )
    )


def imports(session: Session, principal: Principal) -> list[StatementImport]:
    """The area's statement imports, newest first (council staff)."""
    principal.require("payments.reconcile")
    return list(
        session.scalars(
            select(StatementImport)
            .where(StatementImport.tenant_id == principal.tenant_id)
            .order_by(StatementImport.id.desc())
        )
    )

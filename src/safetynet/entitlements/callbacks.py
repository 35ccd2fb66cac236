"""The call-back queue: self-checks residents shared with their council area, asking to be
called back, and what staff did about each.

A shared self-check starts as `new`; staff record outcomes (`no_answer`, `called_back`,
`closed`), each kept as a row of `call_back_outcomes` with who, when and an optional note, so
the history is the audit trail of the work. Every view of a call-back (which shows the
resident's contact details) and every outcome writes an audit event naming only ids.

Callers pass the council area (tenant) they act for; `entitlements.access` decides who may.
Closed call-backs are deleted by retention after `SAFETYNET_CALLBACK_RETENTION_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.db import utcnow
from safetynet.entitlements.engine import BENEFITS as ESTIMATED
from safetynet.entitlements.models import CallBackOutcome, EntitlementCheck
from safetynet.entitlements.questions import BENEFITS as RECEIVABLE
from safetynet.entitlements.questions import TENURES
from safetynet.entitlements.schemas import engine_places
from safetynet.errors import InvalidInput, NotFound

STATUSES = {
    "new": "New",
    "no_answer": "No answer",
    "called_back": "Called back",
    "closed": "Closed",
}
# What staff may record: a call-back goes back to "new" only by a new share.
OUTCOMES = {
    "no_answer": "Tried to call back, no answer",
    "called_back": "Called back",
    "closed": "Closed: nothing more to do",
}
NOTE_MAX = 2_000
LIST_LIMIT = 500
_ORDER = case({s: i for i, s in enumerate(STATUSES)}, value=EntitlementCheck.callback_status)


@dataclass(frozen=True)
class Queue:
    """One page of the queue: the call-backs shown, how many of each status the area has,
    and whether more matched than are shown."""

    items: list[EntitlementCheck]
    counts: dict[str, int]
    status: str | None
    more: bool

    @property
    def total(self) -> int:
        """Call-backs of every status."""
        return sum(self.counts.values())


def _shared(tenant_id: int):  # the area's call-backs: shared self-checks only
    return (EntitlementCheck.tenant_id == tenant_id) & EntitlementCheck.callback_status.is_not(None)


def counts(session: Session, tenant_id: int) -> dict[str, int]:
    """How many of the area's call-backs have each status (every status named)."""
    rows = session.execute(
        select(EntitlementCheck.callback_status, func.count())
        .where(_shared(tenant_id))
        .group_by(EntitlementCheck.callback_status)
    ).all()
    found = {str(status): int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in STATUSES}


def queue(session: Session, tenant_id: int, status: str | None = None) -> Queue:
    """The area's call-backs, new ones first and oldest first within a status, optionally of
    one status. Reads no contact details (the list does not show them)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status: choose one of {', '.join(STATUSES)}, not '{status}'.")
    query = select(EntitlementCheck).where(_shared(tenant_id))
    if status is not None:
        query = query.where(EntitlementCheck.callback_status == status)
    query = query.order_by(_ORDER, EntitlementCheck.created_at, EntitlementCheck.id)
    rows = list(session.scalars(query.limit(LIST_LIMIT + 1)))
    return Queue(rows[:LIST_LIMIT], counts(session, tenant_id), status, len(rows) > LIST_LIMIT)


def _find(session: Session, tenant_id: int, check_id: int, *, lock: bool = False):
    query = select(EntitlementCheck).where(_shared(tenant_id), EntitlementCheck.id == check_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound(f"There is no call-back {check_id} in your council area.")
    return found


def history(session: Session, check_id: int) -> list[CallBackOutcome]:
    """The outcomes recorded for a call-back, oldest first."""
    return list(
        session.scalars(
            select(CallBackOutcome)
            .where(CallBackOutcome.check_id == check_id)
            .order_by(CallBackOutcome.id)
        )
    )


def view(
    session: Session, tenant_id: int, check_id: int, *, actor: str, user_id: int | None
) -> tuple[EntitlementCheck, list[CallBackOutcome]]:
    """A call-back with its contact details and history; the view is audited (and committed)
    before anything is returned. NotFound outside the area."""
    found = _find(session, tenant_id, check_id)
    audit.record(
        session,
        actor=actor,
        action="callbacks.view",
        entity_type="entitlement_check",
        entity_id=found.id,
        tenant_id=tenant_id,
        user_id=user_id,
    )
    session.commit()
    return found, history(session, found.id)


def _clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"note: keep the note to {NOTE_MAX:,} characters or fewer.")
    return text or None


def _repeats(latest: CallBackOutcome | None, status: str, note: str | None, user_id: int | None):
    """True when the latest outcome is this very one (a form sent twice)."""
    return latest is not None and (latest.status, latest.note, latest.user_id) == (
        status,
        note,
        user_id,
    )


def record_outcome(
    session: Session,
    tenant_id: int,
    check_id: int,
    *,
    status: str,
    note: str | None,
    actor: str,
    user_id: int | None,
    seen: int | None = None,
) -> tuple[EntitlementCheck, bool]:
    """Record what happened with a call-back, in one transaction with its audit event; True
    when recorded. `seen` is how many outcomes the form showed: when more are recorded now
    and the latest is this same one, the form was sent twice and nothing more is added."""
    if status not in OUTCOMES:
        raise InvalidInput(f"status: choose one of {', '.join(OUTCOMES)}, not '{status}'.")
    text = _clean_note(note)
    found = _find(session, tenant_id, check_id, lock=True)
    past = history(session, found.id)
    if seen is not None and len(past) > seen and _repeats(past[-1], status, text, user_id):
        session.commit()
        return found, False
    now, before = utcnow(), found.callback_status
    session.add(
        CallBackOutcome(
            check_id=found.id, tenant_id=tenant_id, status=status, note=text,
            recorded_at=now, recorded_by=actor, user_id=user_id,
        )
    )  # fmt: skip
    found.callback_status, found.callback_updated_at = status, now
    audit.record(
        session,
        actor=actor,
        action="callbacks.status",
        entity_type="entitlement_check",
        entity_id=found.id,
        tenant_id=tenant_id,
        user_id=user_id,
        detail={"from": before, "to": status, "note": text is not None},
    )
    session.commit()
    return found, True


def closed_before(tenant_id: int, cutoff: datetime):
    """A query of the area's call-backs closed before `cutoff` (retention)."""
    return select(EntitlementCheck.id).where(
        _shared(tenant_id),
        EntitlementCheck.callback_status == "closed",
        EntitlementCheck.callback_updated_at < cutoff,
    )


def delete_closed(session: Session, tenant_id: int, cutoff: datetime, *, dry_run: bool) -> int:
    """Delete (or only count) the area's call-backs closed before `cutoff`, with their
    outcomes; the caller's transaction commits it."""
    ids = list(session.scalars(closed_before(tenant_id, cutoff)))
    if dry_run:
        return len(ids)
    deleted = 0
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        session.execute(delete(CallBackOutcome).where(CallBackOutcome.check_id.in_(chunk)))
        result = session.execute(delete(EntitlementCheck).where(EntitlementCheck.id.in_(chunk)))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def _pounds(value: float) -> str:
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _person(index: int, person: dict[str, Any]) -> tuple[str, str]:
    parts = [f"aged {person.get('age')}"]
    for key, label in (
        ("employment_income", "pay"),
        ("self_employment_income", "self-employment profit"),
        ("state_pension", "State Pension"),
        ("private_pension", "other pensions"),
    ):
        if person.get(key):
            parts.append(f"{label} {_pounds(person[key])} a year")
    if person.get("disabled"):
        parts.append("disabled or long-term condition")
    if person.get("in_education"):
        parts.append("in school or college")
    return f"Person {index}", ", ".join(parts)


def household_rows(inputs: dict[str, Any]) -> list[tuple[str, str]]:
    """The household a resident described, as (question, answer) rows in their words."""
    places = engine_places()
    council = inputs.get("local_authority") or ""
    rows = [
        ("Council", places["local_authorities"].get(council, council)),
        ("Home", dict(TENURES).get(inputs.get("tenure") or "", inputs.get("tenure") or "")),
        ("Rent a month", _pounds(inputs.get("rent_monthly") or 0)),
        ("Council tax a year", _pounds(inputs.get("council_tax_annual") or 0)),
        ("Savings", _pounds(inputs.get("savings") or 0)),
        ("Lives with a partner", "Yes" if inputs.get("couple") else "No"),
    ]
    if inputs.get("brma"):
        rows.append(("Rental area", places["brmas"].get(inputs["brma"], inputs["brma"])))
    receiving = [dict(RECEIVABLE).get(b, b) for b in inputs.get("receives") or []]
    rows.append(("Already gets", ", ".join(receiving) or "None"))
    people = inputs.get("people") or []
    rows += [_person(i, p) for i, p in enumerate(people, start=1)]
    return rows


def consented_at(check: EntitlementCheck) -> datetime | None:
    """When the resident gave their consent (kept with its words), if it reads as a time."""
    given = (check.consent or {}).get("given_at")
    try:
        return datetime.fromisoformat(given) if given else None
    except ValueError:
        return None


def results(check: EntitlementCheck) -> dict[str, Any]:
    """The check's results as the resident saw them: each benefit to claim a month and a
    year, and their total; those the resident said they already get, apart; and the social
    tariffs with the saving a year."""
    receives = set((check.inputs or {}).get("receives") or [])
    benefits = sorted(check.benefits.items(), key=lambda item: -item[1])
    claim = [(name, pence) for name, pence in benefits if name not in receives]
    total = sum(pence for _, pence in claim)
    return {
        "year": check.year,
        "total_annual_pence": total,
        "total_monthly_pence": round(total / 12),
        "benefits": [_benefit(name, pence) for name, pence in claim],
        "already": [_benefit(name, pence) for name, pence in benefits if name in receives],
        "tariffs": list(check.tariffs or []),
    }


def _benefit(name: str, pence: int) -> dict[str, Any]:
    return {
        "benefit": name,
        "label": ESTIMATED.get(name, name.replace("_", " ").capitalize()),
        "annual_pence": pence,
        "monthly_pence": round(pence / 12),
    }

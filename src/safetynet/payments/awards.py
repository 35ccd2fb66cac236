"""Awards: a caseworker asks for money for an enrolled person, a second person approves it.

- Caps per person across partners (through the resident linkage found): at most so much in a
  week, and in any rolling period; at most so many instalments an award. Checked when an award
  is asked for and again when it is approved.
- Four eyes: the person who asked cannot approve; an approver's role has a limit per award
  (the scheme's `approval_limits`), above which a higher role must approve.
- Budget hard stop: approving never takes the scheme's committed money over its budget, nor
  the fund below zero (the ledger refuses that in the store itself).

Requests and approvals take the scheme's lock (`Scheme.revision`), so two partners asking
for the same person at once are checked one after the other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, PermissionDenied
from safetynet.payments import access, bulk, idempotency, states
from safetynet.payments.models import Approval, Award, Enrolment, Payment, Scheme
from safetynet.payments.schemes import same_person_enrolments
from safetynet.payments.work import unit_of_work

COUNTING = ("requested", "approved", "sent", "confirmed", "failed")  # towards the caps
NOTE_MAX = 2_000


@dataclass(frozen=True)
class AwardRequest:
    """What is asked for: pence per instalment, how many, how often, from which day."""

    enrolment_id: int
    amount_pence: int
    first_due: date
    instalments: int = 1
    note: str | None = None

    def dues(self, frequency_days: int) -> list[date]:
        """The day each instalment falls due."""
        return [
            self.first_due + timedelta(days=i * frequency_days) for i in range(self.instalments)
        ]


def pounds(pence: int) -> str:
    """£ with pence, e.g. £1,234.50."""
    return f"£{pence / 100:,.2f}"


def cap_problems(
    scheme: Scheme, existing: list[tuple[date, int]], new: list[tuple[date, int]]
) -> list[str]:
    """Which caps the new payments would break for one person, given their other payments in
    the scheme (any partner's). Pure: no store."""
    found = []
    if scheme.cap_week_pence is not None:
        weeks: dict[tuple[int, int], int] = defaultdict(int)
        for day, pence in existing + new:
            weeks[day.isocalendar()[:2]] += pence
        for day, _ in new:
            if weeks[day.isocalendar()[:2]] > scheme.cap_week_pence:
                found.append(
                    f"amount: this person would get more than {pounds(scheme.cap_week_pence)} "
                    f"in the week of {day - timedelta(days=day.weekday()):%d %B %Y}."
                )
                break
    if scheme.cap_period_pence is not None and scheme.cap_period_days:
        found += _period_problem(scheme.cap_period_pence, scheme.cap_period_days, existing, new)
    return found


def _period_problem(
    cap: int, days: int, existing: list[tuple[date, int]], new: list[tuple[date, int]]
) -> list[str]:
    every = sorted(existing + new)
    new_days = [d for d, _ in new]
    for end, _ in every:
        start = end - timedelta(days=days - 1)
        if not any(start <= d <= end for d in new_days):
            continue
        if sum(p for d, p in every if start <= d <= end) > cap:
            return [
                f"amount: this person would get more than {pounds(cap)} in the {days} days "
                f"to {end:%d %B %Y}."
            ]
    return []


def lock_scheme(session: Session, scheme: Scheme) -> None:
    """Take the scheme's lock for this transaction (a row lock; SQLite's write lock)."""
    session.execute(
        update(Scheme).where(Scheme.id == scheme.id).values(revision=Scheme.revision + 1)
    )


def person_payments(session: Session, enrolment: Enrolment, *, exclude_award: int | None = None):
    """(due day, pence) of every payment in the scheme to this person that counts towards the
    caps, whichever partner asked for it."""
    ids = [e.id for e in same_person_enrolments(session, enrolment)]
    query = select(Payment.due_on, Payment.amount_pence).where(
        Payment.enrolment_id.in_(ids), Payment.status.in_(COUNTING)
    )
    if exclude_award is not None:
        query = query.where(Payment.award_id != exclude_award)
    return [(d, int(p)) for d, p in session.execute(query).all()]


def _request_problems(scheme: Scheme, enrolment: Enrolment, ask: AwardRequest) -> list[str]:
    found = []
    if ask.amount_pence <= 0:
        found.append("amount: ask for more than £0.")
    if ask.instalments < 1 or (scheme.max_instalments and ask.instalments > scheme.max_instalments):
        most = scheme.max_instalments or 1
        found.append(f"instalments: this scheme pays 1 to {most} instalments an award.")
    if ask.first_due < scheme.starts_on or (scheme.ends_on and ask.first_due > scheme.ends_on):
        found.append("first_due: choose a day while the scheme is running.")
    if ask.note and len(ask.note) > NOTE_MAX:
        found.append(f"note: keep the note to {NOTE_MAX:,} characters.")
    if enrolment.ended_at is not None:
        found.append("enrolment: this person's enrolment has ended.")
    return found


@unit_of_work
def request_award(
    session: Session, principal: Principal, ask: AwardRequest, *, key: str | None = None
) -> Award:
    """Ask for an award for an enrolled person (audited). Its payments are made, one per
    instalment, as `requested`. The same idempotency key again returns the first award."""
    principal.require("payments.request")
    if key and (done := idempotency.earlier(session, principal.tenant_id, key, "award")):
        return access.one(session, principal, Award, done)
    enrolment = access.one(session, principal, Enrolment, ask.enrolment_id)
    scheme = access.scheme(session, principal, enrolment.scheme_id)
    problems = _request_problems(scheme, enrolment, ask)
    if problems:
        raise InvalidInput(problems[0], details=problems)
    if key and (done := idempotency.reserve(session, principal.tenant_id, key, "award")):
        return access.one(session, principal, Award, done)
    lock_scheme(session, scheme)
    dues = ask.dues(scheme.frequency_days)
    caps = cap_problems(
        scheme, person_payments(session, enrolment), [(d, ask.amount_pence) for d in dues]
    )
    if caps:
        raise InvalidInput(caps[0], details=caps)
    award = _make(session, principal, scheme, enrolment, ask, dues)
    if key:
        idempotency.settle(session, principal.tenant_id, key, award.id)
    session.commit()
    return award


def _make(
    session: Session,
    principal: Principal,
    scheme: Scheme,
    enrolment: Enrolment,
    ask: AwardRequest,
    dues: list[date],
) -> Award:
    award = Award(
        tenant_id=scheme.tenant_id, scheme_id=scheme.id, enrolment_id=enrolment.id,
        organisation_id=enrolment.organisation_id, amount_pence=ask.amount_pence,
        instalments=ask.instalments, frequency_days=scheme.frequency_days,
        first_due=ask.first_due, total_pence=ask.amount_pence * ask.instalments,
        note=(ask.note or "").strip() or None, requested_by=principal.actor,
        requested_by_user_id=principal.user_id, status="requested",
    )  # fmt: skip
    session.add(award)
    session.flush()
    session.add_all(
        Payment(
            tenant_id=scheme.tenant_id,
            scheme_id=scheme.id,
            award_id=award.id,
            enrolment_id=enrolment.id,
            organisation_id=enrolment.organisation_id,
            instalment=n,
            due_on=day,
            amount_pence=ask.amount_pence,
            method=enrolment.method,
            status="requested",
        )  # fmt: skip
        for n, day in enumerate(dues, start=1)
    )
    audit.record(
        session, actor=principal.actor, action="payments.award_request", entity_type="award",
        entity_id=award.id, tenant_id=scheme.tenant_id, user_id=principal.user_id,
        detail={"pence": award.total_pence, "instalments": award.instalments},
    )  # fmt: skip
    session.flush()
    return award


def _may_approve(principal: Principal, scheme: Scheme, award: Award) -> None:
    """Four eyes and the role's delegated limit."""
    if award.requested_by_user_id is not None and award.requested_by_user_id == principal.user_id:
        raise PermissionDenied(
            "You asked for this award, so someone else must approve it (four eyes)."
        )
    limit = scheme.approval_limits.get(principal.role)
    if limit is None or award.total_pence > limit:
        allowed = f"up to {pounds(limit)}" if limit is not None else "no awards"
        raise PermissionDenied(
            f"Your role ({principal.role}) may approve {allowed} in this scheme; this award is "
            f"{pounds(award.total_pence)}. Ask someone with a higher role to approve it."
        )


@unit_of_work
def decide(
    session: Session,
    principal: Principal,
    award_id: int,
    *,
    approve: bool,
    note: str | None = None,
    key: str | None = None,
) -> Award:
    """Approve or reject an award (audited). Approving commits its money from the fund; a
    repeat of the same decision by the same person changes nothing."""
    principal.require("payments.approve")
    award = access.one(session, principal, Award, award_id)
    scheme = access.scheme(session, principal, award.scheme_id)
    wanted = "approved" if approve else "rejected"
    if award.status == wanted and _decided_by(session, award, principal):
        return award
    if award.status != "requested":
        raise Conflict(f"Award {award.id} has already been {award.status}.")
    _may_approve(principal, scheme, award)
    lock_scheme(session, scheme)
    session.refresh(award)
    if award.status != "requested":  # decided while we waited for the lock
        session.rollback()
        return decide(session, principal, award_id, approve=approve, note=note, key=key)
    if approve:
        _approve_payments(session, principal, scheme, award)
    else:
        ids = _payment_ids(session, award)
        states.move(session, award.tenant_id, ids, "requested", "cancelled", actor=principal.actor)
    _record(session, principal, award, wanted, note)
    session.commit()
    return award


def _payment_ids(session: Session, award: Award) -> list[int]:
    return list(session.scalars(select(Payment.id).where(Payment.award_id == award.id)))


def _approve_payments(session: Session, principal: Principal, scheme: Scheme, award: Award) -> None:
    enrolment = session.get(Enrolment, award.enrolment_id)
    assert enrolment is not None
    mine = [(d, int(p)) for d, p in session.execute(
        select(Payment.due_on, Payment.amount_pence).where(Payment.award_id == award.id)
    ).all()]  # fmt: skip
    caps = cap_problems(scheme, person_payments(session, enrolment, exclude_award=award.id), mine)
    if caps:
        raise Conflict(caps[0], details=caps)
    states.move(
        session, award.tenant_id, _payment_ids(session, award), "requested", "approved",
        actor=principal.actor,
    )  # fmt: skip
    if states.committed(session, scheme) > scheme.budget_pence:
        raise Conflict(
            f"Approving this award would take {scheme.name} over its budget of "
            f"{pounds(scheme.budget_pence)}. Nothing was approved."
        )


def _record(
    session: Session, principal: Principal, award: Award, decision: str, note: str | None
) -> None:
    award.status, award.decided_at = decision, utcnow()
    session.add(
        Approval(
            tenant_id=award.tenant_id,
            award_id=award.id,
            decision=decision,
            actor=principal.actor,
            user_id=principal.user_id,
            role=principal.role,
            note=(note or "").strip()[:NOTE_MAX] or None,
        )  # fmt: skip
    )
    audit.record(
        session, actor=principal.actor, action=f"payments.award_{decision}", entity_type="award",
        entity_id=award.id, tenant_id=award.tenant_id, user_id=principal.user_id,
        detail={"pence": award.total_pence},
    )  # fmt: skip


def _decided_by(session: Session, award: Award, principal: Principal) -> bool:
    latest = session.scalar(
        select(Approval).where(Approval.award_id == award.id).order_by(Approval.id.desc())
    )
    return latest is not None and latest.user_id == principal.user_id


def approvals(session: Session, award: Award) -> list[Approval]:
    """The decisions on an award, oldest first."""
    return list(
        session.scalars(select(Approval).where(Approval.award_id == award.id).order_by(Approval.id))
    )


@unit_of_work
def approve_many(
    session: Session, principal: Principal, award_ids: list[int], note: str | None = None
) -> int:
    """Approve many awards of one scheme at once (a manager's batch), in one transaction:
    each is checked as `decide` checks one (four eyes, the role's limit, caps), and the budget
    once for all. Awards already decided are left alone; how many were approved."""
    principal.require("payments.approve")
    found: list[Award] = []
    for chunk in bulk.chunks(session, award_ids):
        found += session.scalars(
            access.readable(principal, Award).where(
                bulk.among(session, Award.id, chunk), Award.status == "requested"
            )
        )
    if not found:
        return 0
    if len({a.scheme_id for a in found}) > 1:
        raise InvalidInput("Approve the awards of one scheme at a time.")
    scheme = access.scheme(session, principal, found[0].scheme_id)
    for award in found:
        _may_approve(principal, scheme, award)
    lock_scheme(session, scheme)
    if scheme.cap_week_pence is not None or scheme.cap_period_pence is not None:
        for award in found:
            _check_caps(session, scheme, award)
    payment_ids = _payments_of(session, [a.id for a in found])
    states.move(
        session, scheme.tenant_id, payment_ids, "requested", "approved", actor=principal.actor
    )
    if states.committed(session, scheme) > scheme.budget_pence:
        raise Conflict(f"Approving these awards would take {scheme.name} over its budget of "
                       f"{pounds(scheme.budget_pence)}. Nothing was approved.")  # fmt: skip
    _record_many(session, principal, found, note)
    session.commit()
    return len(found)


def _check_caps(session: Session, scheme: Scheme, award: Award) -> None:
    enrolment = session.get(Enrolment, award.enrolment_id)
    assert enrolment is not None
    mine = [(d, int(p)) for d, p in session.execute(
        select(Payment.due_on, Payment.amount_pence).where(Payment.award_id == award.id)
    ).all()]  # fmt: skip
    caps = cap_problems(scheme, person_payments(session, enrolment, exclude_award=award.id), mine)
    if caps:
        raise Conflict(f"Award {award.id}: {caps[0]}", details=caps)


def _payments_of(session: Session, award_ids: list[int]) -> list[int]:
    found: list[int] = []
    for chunk in bulk.chunks(session, award_ids):
        found += session.scalars(
            select(Payment.id).where(bulk.among(session, Payment.award_id, chunk))
        )
    return found


def _record_many(
    session: Session, principal: Principal, found: list[Award], note: str | None
) -> None:
    now = utcnow()
    ids = [a.id for a in found]
    for chunk in bulk.chunks(session, ids):
        session.execute(
            update(Award)
            .where(bulk.among(session, Award.id, chunk))
            .values(status="approved", decided_at=now)
        )
    bulk.add_rows(
        session,
        Approval,
        [
            {"tenant_id": a.tenant_id, "award_id": a.id, "decision": "approved",
             "actor": principal.actor, "user_id": principal.user_id, "role": principal.role,
             "note": (note or "").strip()[:NOTE_MAX] or None, "decided_at": now}
            for a in found
        ],
    )  # fmt: skip
    audit.record(
        session, actor=principal.actor, action="payments.award_approved_many",
        entity_type="scheme", entity_id=found[0].scheme_id, tenant_id=found[0].tenant_id,
        user_id=principal.user_id, detail={"awards": len(found)},
    )  # fmt: skip

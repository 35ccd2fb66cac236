"""What managers and caseworkers read: spend against budget (by partner and ward), a payee's
history (audited), the awards waiting for a decision, and people enrolled by more than one
partner (through the residents linkage found)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Organisation
from safetynet.accounts.permissions import Principal
from safetynet.payments import access, ledger, states
from safetynet.payments.models import Attempt, Award, Enrolment, Payment, Scheme

SPENT = ("sent", "confirmed")


@dataclass
class Spend:
    """A scheme's money: budget, committed, paid, left in the fund; by partner and ward."""

    scheme: Scheme
    budget: int
    committed: int
    paid: int
    fund_left: int
    by_partner: list[tuple[str, int, int]] = field(default_factory=list)  # name, committed, paid
    by_ward: list[tuple[str, int]] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)


def _by_status(session: Session, principal: Principal, scheme: Scheme) -> dict[str, int]:
    rows = session.execute(
        access.readable(principal, Payment)
        .with_only_columns(Payment.status, func.sum(Payment.amount_pence))
        .where(Payment.scheme_id == scheme.id)
        .group_by(Payment.status)
    ).all()
    return {str(s): int(p or 0) for s, p in rows}


def _by_partner(
    session: Session, principal: Principal, scheme: Scheme
) -> list[tuple[str, int, int]]:
    rows = session.execute(
        access.readable(principal, Payment)
        .with_only_columns(Organisation.name, Payment.status, func.sum(Payment.amount_pence))
        .join(Organisation, Organisation.id == Payment.organisation_id)
        .where(Payment.scheme_id == scheme.id, Payment.status.in_(("approved", "failed", *SPENT)))
        .group_by(Organisation.name, Payment.status)
    ).all()
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, status, pence in rows:
        table[name][0] += int(pence or 0)
        if status == "confirmed":
            table[name][1] += int(pence or 0)
    return sorted((name, c, p) for name, (c, p) in table.items())


def _by_ward(session: Session, principal: Principal, scheme: Scheme) -> list[tuple[str, int]]:
    from safetynet.places.service import postcode_wards

    rows = session.execute(
        access.readable(principal, Payment)
        .with_only_columns(Enrolment.postcode, func.sum(Payment.amount_pence))
        .join(Enrolment, Enrolment.id == Payment.enrolment_id)
        .where(Payment.scheme_id == scheme.id, Payment.status.in_(("approved", "failed", *SPENT)))
        .group_by(Enrolment.postcode)
    ).all()
    lookup = postcode_wards(session, scheme.tenant_id)
    wards = (
        dict(zip(lookup["postcode"].to_list(), lookup["ward_name"].to_list(), strict=True))
        if lookup.height
        else {}
    )
    table: dict[str, int] = defaultdict(int)
    for postcode, pence in rows:
        table[wards.get(postcode or "", "Ward not known")] += int(pence or 0)
    return sorted(table.items(), key=lambda kv: -kv[1])


def spend(session: Session, principal: Principal, scheme_id: int) -> Spend:
    """Spend against budget, as the running balances say it now; partners see their own
    organisation's part (the scheme totals are the council's)."""
    principal.require("payments.view")
    scheme = access.scheme(session, principal, scheme_id)
    codes = [states.account_code(p, scheme) for p in (*states.COMMITTED, "fund")]
    payable, in_transit, paid, fund = ledger.balances(session, scheme.tenant_id, codes).values()
    found = Spend(scheme, scheme.budget_pence, payable + in_transit + paid, paid, fund)
    found.by_status = _by_status(session, principal, scheme)
    found.by_partner = _by_partner(session, principal, scheme)
    found.by_ward = _by_ward(session, principal, scheme)
    if not principal.council:
        mine = found.by_status
        found.committed = sum(mine.get(s, 0) for s in ("approved", "failed", *SPENT))
        found.paid, found.fund_left = mine.get("confirmed", 0), 0
    return found


@dataclass(frozen=True)
class Budget:
    """One scheme's headline money for the dashboard; `budget` is None for a partner, who
    sees only its own organisation's committed and paid."""

    scheme_id: int
    name: str
    budget: int | None
    committed: int
    paid: int


def budgets(session: Session, principal: Principal) -> list[Budget]:
    """Spend against budget of every scheme the caller reads, current to the last decision
    or callback: the council's from the ledger's running balances (three rows a scheme), a
    partner's from its own payments."""
    principal.require("payments.view")
    from safetynet.payments import schemes as scheme_service

    found = []
    for scheme in scheme_service.schemes(session, principal):
        if principal.council:
            codes = [states.account_code(p, scheme) for p in states.COMMITTED]
            payable, in_transit, paid = ledger.balances(session, scheme.tenant_id, codes).values()
            found.append(Budget(scheme.id, scheme.name, scheme.budget_pence,
                                payable + in_transit + paid, paid))  # fmt: skip
        else:
            mine = _by_status(session, principal, scheme)
            committed = sum(mine.get(s, 0) for s in ("approved", "failed", *SPENT))
            found.append(Budget(scheme.id, scheme.name, None, committed, mine.get("confirmed", 0)))
    return found


@dataclass
class PayeeHistory:
    """One enrolled person and every payment to them, with its attempts."""

    enrolment: Enrolment
    awards: list[Award]
    payments: list[Payment]
    attempts: dict[int, list[Attempt]]
    also_enrolled_by: int  # other enrolments of the same person in the scheme


def payee(session: Session, principal: Principal, enrolment_id: int) -> PayeeHistory:
    """A payee's enrolment, awards, payments and attempts; the view is audited first."""
    principal.require("payments.view")
    enrolment = access.one(session, principal, Enrolment, enrolment_id)
    audit.record_read(
        session, actor=principal.actor, action="payments.payee_view", entity_type="enrolment",
        entity_id=enrolment.id, tenant_id=enrolment.tenant_id, user_id=principal.user_id,
    )  # fmt: skip
    session.commit()
    found_awards = list(
        session.scalars(select(Award).where(Award.enrolment_id == enrolment.id).order_by(Award.id))
    )
    payments = list(
        session.scalars(
            select(Payment)
            .where(Payment.enrolment_id == enrolment.id)
            .order_by(Payment.due_on, Payment.id)
        )
    )
    tries: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in session.scalars(
        select(Attempt)
        .where(Attempt.payment_id.in_([p.id for p in payments]))
        .order_by(Attempt.number)
    ):
        tries[attempt.payment_id].append(attempt)
    from safetynet.payments.schemes import same_person_enrolments

    others = len(same_person_enrolments(session, enrolment)) - 1
    return PayeeHistory(enrolment, found_awards, payments, dict(tries), others)


def waiting(session: Session, principal: Principal) -> list[Award]:
    """Awards waiting for a decision that the caller may read, oldest first."""
    principal.require("payments.view")
    return list(
        session.scalars(
            access.readable(principal, Award)
            .where(Award.status == "requested")
            .order_by(Award.id)
            .limit(500)
        )
    )


@dataclass(frozen=True)
class Duplicate:
    """A person enrolled in one scheme by more than one organisation."""

    resident_id: int
    enrolment_ids: list[int]
    organisations: int


def duplicates(session: Session, principal: Principal, scheme_id: int) -> list[Duplicate]:
    """People (residents, through linkage) enrolled in the scheme by two or more
    organisations. A partner sees the flag on its own enrolments only, never the other
    partner's enrolment."""
    principal.require("payments.view")
    scheme = access.scheme(session, principal, scheme_id)
    rows = session.execute(
        select(Enrolment.resident_id, Enrolment.id, Enrolment.organisation_id)
        .where(Enrolment.scheme_id == scheme.id, Enrolment.resident_id.is_not(None))
        .order_by(Enrolment.id)
    ).all()
    from safetynet.link import residents as link_residents

    people: dict[int, list[tuple[int, int]]] = defaultdict(list)
    canonical: dict[int, int] = {}
    for resident_id, enrolment_id, org in rows:
        assert resident_id is not None
        if resident_id not in canonical:
            ids = link_residents.same_person(session, scheme.tenant_id, resident_id) or {
                resident_id
            }
            canonical |= {i: min(ids) for i in ids}
        people[canonical[resident_id]].append((enrolment_id, org))
    found = []
    for resident_id, enrolled in people.items():
        orgs = {org for _, org in enrolled}
        if len(orgs) < 2:
            continue
        visible = [
            e for e, org in enrolled if principal.council or org == principal.organisation_id
        ]
        if visible:
            found.append(Duplicate(resident_id, visible, len(orgs)))
    return found

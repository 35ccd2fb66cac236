"""Funds and schemes (set up by the council's administrators) and enrolments (made by partners'
caseworkers, with the person's consent and as little about them as will do)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Organisation, OrganisationKind
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safetynet.link import residents as link_residents
from safetynet.payments import access, idempotency, ledger
from safetynet.payments.models import Enrolment, Fund, Scheme, SchemePartner
from safetynet.payments.work import unit_of_work

METHODS = {
    "provider": "Voucher or cash-out provider",
    "bacs": "Bank transfer (Bacs file for the council's finance system)",
    "cash": "Cash handed over by the partner",
}
CONSENT_TEXT = (
    "I agree that {organisation} may share my name and the payments I get from {scheme} with "
    "the council, so that the council can pay me and check that nobody is paid twice."
)
DEFAULT_LIMITS = {"partner": 20_000, "caseworker": 50_000, "admin": 10**12}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass
class SchemeTerms:
    """What a scheme is: money, amounts, caps, approval limits, methods and partners."""

    slug: str
    name: str
    fund: str
    budget_pence: int
    amount_pence: int
    starts_on: date
    partners: list[str] = field(default_factory=list)
    eligibility: str = ""
    max_instalments: int | None = None
    frequency_days: int = 7
    cap_week_pence: int | None = None
    cap_period_pence: int | None = None
    cap_period_days: int | None = None
    approval_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    methods: list[str] = field(default_factory=lambda: ["provider", "cash"])
    ends_on: date | None = None


def _admin(principal: Principal) -> None:
    principal.require("payments.schemes")
    if not principal.council:
        raise PermissionDenied("Only the council's administrators set up funds and schemes.")


def fund_named(session: Session, tenant_id: int, name: str) -> Fund:
    """The area's fund called `name`."""
    found = session.scalar(select(Fund).where(Fund.tenant_id == tenant_id, Fund.name == name))
    if found is None:
        raise NotFound(f"There is no fund called '{name}' in this area; create it first.")
    return found


@unit_of_work
def create_fund(session: Session, principal: Principal, name: str) -> Fund:
    """A new fund with its ledger accounts (empty until money is added)."""
    _admin(principal)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name: give the fund a name of 1 to 200 characters.")
    if session.scalar(
        select(Fund.id).where(Fund.tenant_id == principal.tenant_id, Fund.name == name)
    ):
        raise Conflict(f"name: this area already has a fund called '{name}'.")
    fund = Fund(tenant_id=principal.tenant_id, name=name, created_by=principal.actor)
    session.add(fund)
    session.flush()
    audit.record(
        session, actor=principal.actor, action="payments.fund_create", entity_type="fund",
        entity_id=fund.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
    )  # fmt: skip
    session.commit()
    return fund


@unit_of_work
def add_money(session: Session, principal: Principal, fund_name: str, pence: int, memo: str) -> int:
    """Put money into a fund (a ledger transaction from its funding account); the balance."""
    _admin(principal)
    if pence <= 0:
        raise InvalidInput("amount: add more than £0.")
    fund = fund_named(session, principal.tenant_id, fund_name)
    source = ledger.account(session, fund.tenant_id, f"funding:{fund.id}", f"{fund.name}: funding")
    target = ledger.account(session, fund.tenant_id, f"fund:{fund.id}", fund.name)
    entry = ledger.transfer("fund.add", source, target, pence, memo=memo[:200])
    ledger.post(session, fund.tenant_id, [entry], actor=principal.actor)
    audit.record(
        session, actor=principal.actor, action="payments.fund_add", entity_type="fund",
        entity_id=fund.id, tenant_id=fund.tenant_id, user_id=principal.user_id,
        detail={"pence": pence},
    )  # fmt: skip
    session.commit()
    return ledger.balance(session, target)


def _check_terms(terms: SchemeTerms) -> None:
    problems = []
    if not SLUG.match(terms.slug):
        problems.append("slug: use lower-case letters, digits and hyphens (e.g. 'hsf-2026').")
    if terms.amount_pence <= 0 or terms.budget_pence <= 0:
        problems.append("amount and budget: both must be more than £0.")
    if (terms.cap_period_pence is None) != (terms.cap_period_days is None):
        problems.append("cap: give both the amount and the number of days of a period cap.")
    unknown = [m for m in terms.methods if m not in METHODS]
    if unknown or not terms.methods:
        problems.append(f"methods: choose from {', '.join(METHODS)}.")
    if problems:
        raise InvalidInput(problems[0], details=problems)


@unit_of_work
def create_scheme(session: Session, principal: Principal, terms: SchemeTerms) -> Scheme:
    """A new scheme drawing on one of the area's funds, with the partners allowed to enrol."""
    _admin(principal)
    _check_terms(terms)
    fund = fund_named(session, principal.tenant_id, terms.fund)
    if session.scalar(
        select(Scheme.id).where(Scheme.tenant_id == principal.tenant_id, Scheme.slug == terms.slug)
    ):
        raise Conflict(f"slug: this area already has a scheme called '{terms.slug}'.")
    values = {k: v for k, v in vars(terms).items() if k not in ("fund", "partners")}
    scheme = Scheme(
        tenant_id=principal.tenant_id, fund_id=fund.id, created_by=principal.actor, **values
    )
    session.add(scheme)
    session.flush()
    for slug in terms.partners:
        session.add(
            SchemePartner(scheme_id=scheme.id, organisation_id=_partner(session, principal, slug))
        )
    audit.record(
        session, actor=principal.actor, action="payments.scheme_create", entity_type="scheme",
        entity_id=scheme.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail={"partners": len(terms.partners)},
    )  # fmt: skip
    session.commit()
    return scheme


def _partner(session: Session, principal: Principal, slug: str) -> int:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None or org.tenant_id != principal.tenant_id:
        raise NotFound(f"partners: there is no organisation '{slug}' in this area.")
    return org.id


def partners(session: Session, scheme: Scheme) -> list[Organisation]:
    """The organisations allowed to enrol people in the scheme."""
    return list(
        session.scalars(
            select(Organisation)
            .join(SchemePartner, SchemePartner.organisation_id == Organisation.id)
            .where(SchemePartner.scheme_id == scheme.id)
            .order_by(Organisation.name)
        )
    )


@dataclass
class Person:
    """Who is being enrolled: the least a partner needs, and how they will be paid."""

    name: str
    consent: bool
    method: str
    partner_ref: str | None = None
    resident_id: int | None = None
    postcode: str | None = None
    phone: str | None = None
    bank_sort_code: str | None = None
    bank_account: str | None = None
    bank_name: str | None = None


def _bank(person: Person) -> list[str]:
    if person.method != "bacs":
        return []
    sort = re.sub(r"[\s-]", "", person.bank_sort_code or "")
    account = re.sub(r"\s", "", person.bank_account or "")
    found = []
    if not re.fullmatch(r"\d{6}", sort):
        found.append("bank_sort_code: give the 6-digit sort code, like 12-34-56.")
    if not re.fullmatch(r"\d{8}", account):
        found.append("bank_account: give the 8-digit account number.")
    if not (person.bank_name or "").strip():
        found.append("bank_name: give the name on the account (up to 18 characters).")
    person.bank_sort_code, person.bank_account = sort, account
    person.bank_name = (person.bank_name or "").strip().upper()[:18]
    return found


def person_problems(person: Person, scheme: Scheme) -> list[str]:
    """What is wrong with an enrolment form, each naming its field (empty when nothing)."""
    found = []
    if not person.name.strip() or len(person.name) > 200:
        found.append("name: give the name the person is known by (up to 200 characters).")
    if not person.consent:
        found.append("consent: the person must agree before they are enrolled.")
    if person.method not in scheme.methods:
        choices = ", ".join(scheme.methods)
        found.append(f"method: this scheme pays by {choices}.")
    if person.partner_ref and len(person.partner_ref) > 100:
        found.append("partner_ref: keep your reference to 100 characters.")
    return found + _bank(person)


def _enrolling_org(session: Session, principal: Principal, scheme: Scheme) -> int:
    org = session.get(Organisation, principal.organisation_id)
    assert org is not None
    allowed = {p.id for p in partners(session, scheme)}
    if org.kind != OrganisationKind.COUNCIL and org.id not in allowed:
        raise PermissionDenied("Your organisation is not a partner of this scheme.")
    return org.id


def _resident(session: Session, principal: Principal, person: Person) -> int | None:
    """The resident (from linkage) the person is, if the caller named one they can see, or
    their own reference finds one."""
    if person.resident_id is not None:
        from safetynet.link.resident_access import current

        return current(session, principal, person.resident_id).id
    if person.partner_ref:
        return link_residents.resident_for_reference(
            session, tenant_id=principal.tenant_id,
            organisation_id=principal.organisation_id, person_ref=person.partner_ref,
        )  # fmt: skip
    return None


@unit_of_work
def enrol(
    session: Session,
    principal: Principal,
    scheme_id: int,
    person: Person,
    *,
    key: str | None = None,
) -> Enrolment:
    """Enrol a person in a scheme for the caller's organisation, with their consent (audited).
    The same idempotency key again returns the first enrolment."""
    principal.require("payments.enrol")
    scheme = access.scheme(session, principal, scheme_id)
    if key and (done := idempotency.reserve(session, principal.tenant_id, key, "enrol")):
        return access.one(session, principal, Enrolment, done)
    problems = person_problems(person, scheme)
    if problems:
        raise InvalidInput(problems[0], details=problems)
    org_id = _enrolling_org(session, principal, scheme)
    org = session.get(Organisation, org_id)
    enrolment = Enrolment(
        tenant_id=principal.tenant_id, scheme_id=scheme.id, organisation_id=org_id,
        resident_id=_resident(session, principal, person), name=person.name.strip(),
        partner_ref=(person.partner_ref or "").strip() or None,
        postcode=(person.postcode or "").strip().upper()[:10] or None,
        phone=(person.phone or "").strip()[:32] or None, method=person.method,
        bank_sort_code=person.bank_sort_code if person.method == "bacs" else None,
        bank_account=person.bank_account if person.method == "bacs" else None,
        bank_name=person.bank_name if person.method == "bacs" else None,
        consent_text=CONSENT_TEXT.format(organisation=org.name if org else "", scheme=scheme.name),
        consent_at=utcnow(), enrolled_by=principal.actor,
    )  # fmt: skip
    session.add(enrolment)
    session.flush()
    if key:
        idempotency.settle(session, principal.tenant_id, key, enrolment.id)
    audit.record(
        session, actor=principal.actor, action="payments.enrol", entity_type="enrolment",
        entity_id=enrolment.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail={"scheme": scheme.id, "linked": enrolment.resident_id is not None},
    )  # fmt: skip
    session.commit()
    return enrolment


def schemes(session: Session, principal: Principal) -> list[Scheme]:
    """The schemes the caller may read, by name."""
    principal.require("payments.view")
    return list(session.scalars(access.readable_schemes(principal).order_by(Scheme.name)))


def enrolments(session: Session, principal: Principal, scheme_id: int) -> list[Enrolment]:
    """The scheme's enrolments the caller may read (names shown: the list is audited)."""
    principal.require("payments.view")
    scheme = access.scheme(session, principal, scheme_id)
    rows = list(
        session.scalars(
            access.readable(principal, Enrolment)
            .where(Enrolment.scheme_id == scheme.id)
            .order_by(Enrolment.id)
        )
    )
    audit.record_read(
        session, actor=principal.actor, action="payments.enrolments", entity_type="scheme",
        entity_id=scheme.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail={"shown": len(rows)},
    )  # fmt: skip
    session.commit()
    return rows


def same_person_enrolments(session: Session, enrolment: Enrolment) -> list[Enrolment]:
    """The scheme's enrolments of this person, whichever partner made them: by resident when
    linkage knows them, else this enrolment alone."""
    if enrolment.resident_id is None:
        return [enrolment]
    ids = link_residents.same_person(session, enrolment.tenant_id, enrolment.resident_id)
    return list(
        session.scalars(
            select(Enrolment).where(
                Enrolment.scheme_id == enrolment.scheme_id, Enrolment.resident_id.in_(ids or {-1})
            )
        )
    )

"""The demo's payments: a council crisis-support scheme paid through two food banks.

Through the real services and the demo's own users, so four eyes, caps, the budget and the
audit all apply: the council's administrator sets up a fund and a scheme; each partner's
caseworker enrols people from the partner's own client list (their client number links the
enrolment to the resident linkage found, so a person both partners know is flagged) and asks
for awards; the partner's second user approves them; a few are paid in cash by the partner; the
council runs a Bacs round and reconciles the bank's statement of it (one payment returned as
failed, for the exceptions to show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts.models import Organisation, User
from safetynet.accounts.permissions import Principal
from safetynet.errors import SafetynetError
from safetynet.link.models import ResidentRecord
from safetynet.payments import awards, reconcile, rounds, schemes
from safetynet.payments.models import Attempt, Enrolment, Payment, Round
from safetynet.sources.models import Record, Source

FUND = "Household Support Fund"
PARTNERS = ("north-foodbank", "riverside-pantry")
PER_PARTNER = 12
CASH_EVERY = 4  # every fourth person is paid in cash by the partner


@dataclass
class PaymentsDemo:
    """What the demo made: the scheme, its enrolments and awards, the round and the statement."""

    scheme_id: int
    enrolments: int
    awards: int
    round_id: int
    sent: int
    reconciled: dict[str, int]
    flagged: int


def _user(session: Session, role: str, org: str) -> Principal:
    user = session.scalar(select(User).where(User.email == f"{role}@{org}.demo.example"))
    assert user is not None, f"the demo has no {role} at {org}"
    return Principal.of(user)


def _monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _clients(session: Session, org: str, wanted: set[int]) -> list[tuple[str, str, str, int]]:
    """(client number, name, postcode, resident) of the partner's listed clients: those whose
    resident is in `wanted` first (people another partner knows too), then the rest."""
    rows = session.execute(
        select(Record.person_ref, Record.forename, Record.surname, Record.postcode,
               ResidentRecord.resident_id)
        .join(Source, Source.id == Record.source_id)
        .join(Organisation, Organisation.id == Source.organisation_id)
        .outerjoin(ResidentRecord, ResidentRecord.record_id == Record.id)
        .where(Organisation.slug == org, Record.person_ref.is_not(None))
        .order_by(Record.id)
        .limit(PER_PARTNER * 40)
    ).all()  # fmt: skip
    people = [(str(r), f"{f or ''} {s or ''}".strip(), p or "", int(rid or 0))
              for r, f, s, p, rid in rows if f or s]  # fmt: skip
    people.sort(key=lambda person: person[3] not in wanted)
    unique = {person[0]: person for person in reversed(people)}  # one per client number
    return sorted(unique.values(), key=people.index)[:PER_PARTNER]


def _scheme(session: Session, admin: Principal, starts: date) -> int:
    schemes.create_fund(session, admin, FUND)
    schemes.add_money(session, admin, FUND, 250_000_00, "Household Support Fund grant")
    terms = schemes.SchemeTerms(
        slug="crisis-support", name="Crisis support", fund=FUND, budget_pence=50_000_00,
        amount_pence=5_000, starts_on=starts, partners=list(PARTNERS),
        eligibility="Residents in crisis referred by a partner food bank.", max_instalments=4,
        cap_week_pence=10_000, cap_period_pence=50_000, cap_period_days=183,
        methods=["bacs", "cash", "provider"],
    )  # fmt: skip
    return schemes.create_scheme(session, admin, terms).id


def _enrol_and_award(
    session: Session, scheme_id: int, org: str, first_due: date, wanted: set[int]
) -> tuple[list[int], list[int]]:
    """Enrol the partner's clients, ask for awards and approve them (four eyes); the
    enrolments' residents and the cash payments made."""
    caseworker, approver = _user(session, "caseworker", org), _user(session, "partner", org)
    residents: list[int] = []
    cash: list[int] = []
    for i, (ref, name, postcode, resident) in enumerate(_clients(session, org, wanted)):
        method = "cash" if i % CASH_EVERY == 0 else "bacs"
        person = schemes.Person(name=name, consent=True, method=method, partner_ref=ref,
                                postcode=postcode or None)  # fmt: skip
        if method == "bacs":
            person.bank_sort_code, person.bank_account = (
                f"{40 + i:02d}{i:02d}00",
                f"{31_000_000 + i:08d}",
            )
            person.bank_name = name.upper()[:18]
        enrolment = schemes.enrol(session, caseworker, scheme_id, person)
        ask = awards.AwardRequest(enrolment.id, 5_000, first_due, instalments=1 + i % 2,
                                  note="Emergency food and fuel")  # fmt: skip
        try:
            award = awards.request_award(session, caseworker, ask)
        except SafetynetError:  # the cap across partners refuses a second award: as it should
            session.rollback()
            continue
        awards.decide(session, approver, award.id, approve=True, note="Checked with the client")
        residents.append(resident)
        if method == "cash":
            cash += session.scalars(
                select(Payment.id).where(Payment.award_id == award.id, Payment.instalment == 1)
            )
    for payment_id in cash:
        rounds.hand_over(session, caseworker, payment_id, f"Receipt {payment_id:05d}")
    return residents, cash


def _bank_statement(session: Session, round_id: int, value_date: date) -> bytes:
    """The bank's statement of the round: every credit paid but the last, which failed."""
    sent = session.execute(
        select(Attempt.reference, Payment.amount_pence)
        .join(Payment, Payment.id == Attempt.payment_id)
        .where(Attempt.round_id == round_id)
        .order_by(Attempt.reference)
    ).all()
    lines = ["reference,amount,status,value_date"]
    for n, (reference, pence) in enumerate(sent, start=1):
        status = "failed" if n == len(sent) else "paid"
        lines.append(f"{reference},{pence / 100:.2f},{status},{value_date.isoformat()}")
    return ("\n".join(lines) + "\n").encode()


def set_up_payments(session: Session, council: str, today: date | None = None) -> PaymentsDemo:
    """The scheme, two partners' enrolments and approved awards, cash handed over, and a
    reconciled Bacs round of the payments due this week."""
    today = today or date.today()
    monday = _monday(today)
    admin, analyst = _user(session, "admin", council), _user(session, "analyst", council)
    scheme_id = _scheme(session, admin, monday - timedelta(days=28))
    first, _ = _enrol_and_award(session, scheme_id, PARTNERS[0], monday, set())
    _enrol_and_award(session, scheme_id, PARTNERS[1], monday, {r for r in first[:2] if r})
    done = rounds.disburse(session, admin, scheme_id, method="bacs", due_by=monday)
    statement = _bank_statement(session, done.round.id, monday + timedelta(days=2))
    found, _ = reconcile.import_statement(session, analyst, "bank-statement.csv", statement)
    from safetynet.payments import reports

    return PaymentsDemo(
        scheme_id=scheme_id,
        enrolments=len(session.scalars(select(Enrolment.id)).all()),
        awards=len(session.scalars(select(Payment.award_id).distinct()).all()),
        round_id=session.scalars(select(Round.id)).one(),
        sent=done.sent,
        reconciled=dict(found.counts),
        flagged=len(reports.duplicates(session, admin, scheme_id)),
    )

"""Enrolments and awards: consent, caps across partners through linkage, four eyes and
delegated limits, the budget hard stop, idempotency keys, and who can see what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from safetynet.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safetynet.payments import access, awards, schemes, states
from safetynet.payments.models import Award, Enrolment, Payment, Scheme
from tests.payments.conftest import START, build, linked_person, person


def _ask(enrolment, pence=5_000, first=START, instalments=1):
    return awards.AwardRequest(enrolment.id, pence, first, instalments)


@pytest.mark.nostore
def test_caps_count_a_week_and_any_rolling_period():
    scheme = Scheme(cap_week_pence=10_000, cap_period_pence=20_000, cap_period_days=30)
    monday = date(2026, 11, 2)
    assert awards.cap_problems(scheme, [(monday, 5_000)], [(monday + timedelta(6), 5_000)]) == []
    assert (
        "week of 02 November 2026"
        in awards.cap_problems(scheme, [(monday, 5_000)], [(monday + timedelta(6), 5_001)])[0]
    )
    spaced = [(monday + timedelta(days=7 * i), 5_000) for i in range(4)]
    assert awards.cap_problems(scheme, spaced[:3], spaced[3:]) == []
    assert (
        "in the 30 days to" in awards.cap_problems(scheme, spaced, [(monday + timedelta(29), 1)])[0]
    )
    # A payment earlier than the others still counts against every window it falls in.
    assert (
        "30 days to 23 November"
        in awards.cap_problems(scheme, spaced[1:], [(monday + timedelta(days=1), 5_001)])[0]
    )


def test_enrolling_needs_consent_and_bank_details_only_for_bacs(db, pw):
    with pytest.raises(InvalidInput) as refused:
        schemes.enrol(db, pw["north"], pw.scheme.id, person(consent=False, method="bacs"))
    assert refused.value.details[0].startswith("consent:")
    assert {d.split(":")[0] for d in refused.value.details} == {
        "consent", "bank_sort_code", "bank_account", "bank_name",
    }  # fmt: skip
    cash = schemes.enrol(db, pw["north"], pw.scheme.id, person(method="cash"))
    assert (cash.bank_account, cash.consent_text.startswith("I agree that North Org")) == (
        None,
        True,
    )
    details = {"bank_sort_code": "12-34-56", "bank_account": "1234 5678", "bank_name": "s ex"}
    bank = schemes.enrol(db, pw["north"], pw.scheme.id, person(method="bacs", **details))
    assert (bank.bank_sort_code, bank.bank_account, bank.bank_name) == (
        "123456",
        "12345678",
        "S EX",
    )


def test_a_partner_not_named_by_the_scheme_cannot_enrol(db):
    world = build(db, partners=["north"])
    with pytest.raises(NotFound):
        schemes.enrol(db, world["south"], world.scheme.id, person())
    assert schemes.enrol(db, world["caseworker"], world.scheme.id, person()).organisation_id


def test_four_eyes_the_requester_cannot_approve_their_own_award(db, pw):
    enrolment = schemes.enrol(db, pw["north"], pw.scheme.id, person())
    award = awards.request_award(db, pw["north"], _ask(enrolment))
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        awards.decide(db, pw["north"], award.id, approve=True)
    assert awards.decide(db, pw["north2"], award.id, approve=True).status == "approved"
    [approval] = awards.approvals(db, award)
    assert (approval.role, approval.decision) == ("partner", "approved")


def test_a_role_approves_only_up_to_its_delegated_limit(db, pw):
    enrolment = schemes.enrol(db, pw["north"], pw.scheme.id, person())
    award = awards.request_award(db, pw["north"], _ask(enrolment, 5_000, instalments=5))
    with pytest.raises(PermissionDenied, match=r"up to £200.00 .* this award is £250.00"):
        awards.decide(db, pw["north2"], award.id, approve=True)
    with pytest.raises(PermissionDenied, match="does not allow"):
        awards.decide(db, pw["analyst"], award.id, approve=True)  # analysts never approve
    assert awards.decide(db, pw["caseworker"], award.id, approve=True).status == "approved"


def test_the_budget_is_a_hard_stop(db):
    world = build(db, budget_pence=12_000, cap_week_pence=None, cap_period_pence=None,
                  cap_period_days=None)  # fmt: skip
    first = schemes.enrol(db, world["north"], world.scheme.id, person("A"))
    second = schemes.enrol(db, world["north"], world.scheme.id, person("B"))
    one = awards.request_award(db, world["north"], _ask(first, 5_000, instalments=2))
    two = awards.request_award(db, world["north"], _ask(second, 5_000))
    awards.decide(db, world["caseworker"], one.id, approve=True)
    with pytest.raises(Conflict, match="over its budget of £120.00"):
        awards.decide(db, world["caseworker"], two.id, approve=True)
    assert db.get(Award, two.id).status == "requested"
    assert states.committed(db, world.scheme) == 10_000


def test_an_empty_fund_stops_approval_even_within_budget(db):
    world = build(db, money=4_999)
    enrolment = schemes.enrol(db, world["north"], world.scheme.id, person())
    award = awards.request_award(db, world["north"], _ask(enrolment))
    with pytest.raises(Conflict, match="not enough money left in the fund"):
        awards.decide(db, world["north2"], award.id, approve=True)
    assert {p.status for p in db.scalars(select(Payment))} == {"requested"}


def test_caps_hold_across_partners_through_the_resident_linkage_found(db, pw, tmp_path):
    resident = linked_person(db, tmp_path)
    at_north = schemes.enrol(db, pw["north"], pw.scheme.id, person(partner_ref="C1"))
    at_south = schemes.enrol(db, pw["south"], pw.scheme.id, person(partner_ref="C1"))
    assert at_north.resident_id == at_south.resident_id == resident
    awards.request_award(db, pw["north"], _ask(at_north, 6_000))
    with pytest.raises(InvalidInput, match="more than £100.00 in the week of 02 November"):
        awards.request_award(db, pw["south"], _ask(at_south, 6_000, START + timedelta(days=3)))
    # Someone else at south (not linked) is not held back by north's award.
    other = schemes.enrol(db, pw["south"], pw.scheme.id, person("Pat", partner_ref="C2"))
    assert awards.request_award(db, pw["south"], _ask(other, 6_000)).status == "requested"


def test_the_same_idempotency_key_makes_one_award(db, pw):
    enrolment = schemes.enrol(db, pw["north"], pw.scheme.id, person(), key="enrol-1")
    again = schemes.enrol(db, pw["north"], pw.scheme.id, person(), key="enrol-1")
    assert again.id == enrolment.id
    first = awards.request_award(db, pw["north"], _ask(enrolment), key="k-1")
    second = awards.request_award(db, pw["north"], _ask(enrolment), key="k-1")
    assert first.id == second.id
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
    with pytest.raises(Conflict, match="already used for 'enrol'"):
        awards.request_award(db, pw["north"], _ask(enrolment), key="enrol-1")


def test_a_partner_sees_only_its_own_and_another_council_sees_nothing(db, pw):
    north = schemes.enrol(db, pw["north"], pw.scheme.id, person())
    award = awards.request_award(db, pw["north"], _ask(north))
    for outsider in (pw["south"], pw["otheradmin"]):
        with pytest.raises(NotFound):
            access.one(db, outsider, Enrolment, north.id)
        with pytest.raises(NotFound):
            awards.decide(db, outsider, award.id, approve=True)
    with pytest.raises(NotFound):
        access.scheme(db, pw["otheradmin"], pw.scheme.id)
    assert [e.id for e in schemes.enrolments(db, pw["admin"], pw.scheme.id)] == [north.id]
    assert schemes.enrolments(db, pw["south"], pw.scheme.id) == []


def test_rejecting_an_award_cancels_its_payments_and_moves_no_money(db, pw):
    enrolment = schemes.enrol(db, pw["north"], pw.scheme.id, person())
    award = awards.request_award(db, pw["north"], _ask(enrolment, 2_000, instalments=3))
    awards.decide(db, pw["north2"], award.id, approve=False, note="not eligible")
    assert {p.status for p in db.scalars(select(Payment))} == {"cancelled"}
    assert states.committed(db, pw.scheme) == 0
    with pytest.raises(Conflict, match="already been rejected"):
        awards.decide(db, pw["caseworker"], award.id, approve=True)


def test_a_role_the_scheme_gives_no_limit_approves_nothing(db):
    world = build(db, approval_limits={"admin": 10**9})
    enrolment = schemes.enrol(db, world["north"], world.scheme.id, person())
    award = awards.request_award(db, world["north"], _ask(enrolment))
    with pytest.raises(PermissionDenied, match="may approve no awards"):
        awards.decide(db, world["north2"], award.id, approve=True)


def test_approving_many_at_once_checks_each_and_the_budget_once(db):
    world = build(db, budget_pence=11_000, cap_week_pence=None, cap_period_pence=None,
                  cap_period_days=None)  # fmt: skip
    made = []
    for name in ("A", "B", "C"):
        enrolment = schemes.enrol(db, world["north"], world.scheme.id, person(name))
        made.append(awards.request_award(db, world["north"], _ask(enrolment)).id)
    with pytest.raises(PermissionDenied, match="someone else"):
        awards.approve_many(db, world["north"], made)
    with pytest.raises(Conflict, match="over its budget"):
        awards.approve_many(db, world["caseworker"], made)
    assert {a.status for a in db.scalars(select(Award))} == {"requested"}
    assert awards.approve_many(db, world["caseworker"], made[:2]) == 2
    assert awards.approve_many(db, world["caseworker"], made[:2]) == 0
    assert states.committed(db, world.scheme) == 10_000

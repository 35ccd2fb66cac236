"""The dashboard's payments panel: the council sees each scheme's spend against budget, live
from the ledger; a partner sees only what its own organisation committed and paid."""

from __future__ import annotations

from fastapi.testclient import TestClient

from safetynet.payments import awards, schemes
from tests.payments.conftest import PASSWORD, START, person
from tests.web.conftest import sign_in


def _award(db, pw, org: str, pence: int) -> None:
    enrolment = schemes.enrol(db, pw[org], pw.scheme.id, person(method="cash"))
    award = awards.request_award(db, pw[org], awards.AwardRequest(enrolment.id, pence, START))
    awards.decide(db, pw[f"{org}2"], award.id, approve=True)


def _spend_table(email: str) -> str:
    from safetynet.web.app import create_app

    browser = TestClient(create_app())
    sign_in(browser, email, PASSWORD)
    page = browser.get("/").text
    return " ".join(page[page.index('id="payments-spend"') :].split("</table>")[0].split())


def test_the_council_sees_spend_against_budget_and_a_partner_its_own(db, pw):
    _award(db, pw, "north", 5_000)
    _award(db, pw, "south", 7_500)
    council = _spend_table("admin@tc.example")
    assert "against budget" in council and "Hardship Fund" in council
    assert "£100,000.00" in council and "£125.00" in council and "£99,875.00" in council
    north = _spend_table("north@north.example")
    assert "by North Org" in north and "£50.00" in north
    assert "£125.00" not in north and "£75.00" not in north and "Budget" not in north
    _award(db, pw, "north", 2_500)  # a new approval shows at once (the panel is not cached)
    assert "£150.00" in _spend_table("admin@tc.example")

"""A caseworker's entitlement check on a resident's page: pre-filled from the linked sources,
edited, run, saved to the resident, past checks listed; caseworkers and admins of the area only."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from safetynet.accounts import service as accounts
from safetynet.audit import AuditEvent
from safetynet.config import get_settings
from safetynet.entitlements.models import EntitlementCheck
from tests.entitlements.linked_area import build_area
from tests.web.conftest import PASSWORD, sign_in


class FormValues(HTMLParser):
    """What a browser would send for a page's form: inputs, checked boxes, selected options."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))


def form_of(html: str) -> dict[str, Any]:
    parser = FormValues()
    parser.feed(html[html.index('action="/residents/') :])
    found: dict[str, Any] = {}
    for name, value in parser.values:
        found.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 or k == "receives" else v[0] for k, v in found.items()}


@pytest.fixture
def area(db, monkeypatch) -> dict[str, int]:
    monkeypatch.setenv("SAFETYNET_SCREENING_LOCAL_AUTHORITY", "Sheffield")
    get_settings.cache_clear()
    found = build_area(db)
    for role in ("caseworker", "analyst"):
        accounts.create_user(
            db,
            email=f"{role}@north.example",
            full_name=f"A {role}",
            organisation="north",
            role=role,
            password=PASSWORD,
            actor="test",
        )
    return found


def test_a_caseworker_checks_a_resident_prefilled_from_the_sources_and_saves_it(client, db, area):
    sign_in(client, "caseworker@north.example")
    path = f"/residents/{area['partner']}/entitlements"
    page = client.get(path)
    assert page.status_code == 200
    assert f'href="/residents/{area["partner"]}"' in page.text  # back to the resident's page
    form = form_of(page.text)
    # The couple (35 and 33) and the child the free school meals list gives (assumed 8).
    assert sorted(int(form[f"p{i}_age"]) for i in (1, 2, 3)) == [8, 33, 35]
    assert form["local_authority"] == "Sheffield" and form["tenure"] == "other"
    assert "free_school_meals" in page.text  # where the children came from
    assert "No checks saved for this resident yet" in page.text

    form["action"] = "save"
    saved = client.post(path, data=form)
    assert saved.status_code == 200, saved.text[:2000]
    # Couple 35 and 33 with a child of 8 (born after 6 April 2017), no housing costs, no
    # income: UC = (628.10 couple + 292.81 child) × 12 = 920.91 × 12 = £11,050.92 a year;
    # Child Benefit = 26.05 × 52 = £1,354.60. Total £12,405.52 a year.
    assert "Check saved to the resident" in saved.text and "£12,405.52" in saved.text
    assert "£920.91" in saved.text
    row = db.scalars(select(EntitlementCheck)).one()
    assert row.resident_id == area["partner"] and row.kind == "caseworker"
    assert row.benefits == {"universal_credit": 1_105_092, "child_benefit": 135_460}
    assert row.created_by == "caseworker@north.example"
    assert row.provenance and row.provenance["children"]["kind"] == "free_school_meals"
    assert 'id="past"' in saved.text and "caseworker@north.example" in saved.text

    # Edited: the parent earns £15,000 a year. Checked without saving.
    form = form_of(saved.text) | {"action": "check"}
    older = next(i for i in (1, 2, 3) if form[f"p{i}_age"] == "35")
    form[f"p{older}_employment_income"] = "15000"
    checked = client.post(path, data=form)
    assert checked.status_code == 200 and "Check saved" not in checked.text
    assert "Less £" in checked.text  # UC reduced for the earnings
    assert len(list(db.scalars(select(EntitlementCheck)))) == 1
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"entitlements.prefill", "entitlements.check.save", "entitlements.check.view"} <= actions


def test_a_bad_answer_is_shown_against_its_field_and_the_form_kept(client, db, area):
    sign_in(client, "caseworker@north.example")
    path = f"/residents/{area['partner']}/entitlements"
    form = form_of(client.get(path).text) | {"action": "save", "p1_age": "200"}
    form["tenure"], form["rent_monthly"] = "owner_outright", "400"
    refused = client.post(path, data=form)
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert 'href="#p1_age"' in refused.text and "Person 1, age" in refused.text
    assert 'value="200"' in refused.text and 'value="400"' in refused.text
    assert db.scalars(select(EntitlementCheck)).first() is None
    form["p1_age"] = "thirty"
    assert "Person 1, age: enter a number" in client.post(path, data=form).text


def test_an_owner_paying_rent_is_refused_naming_the_rent(client, db, area):
    sign_in(client, "caseworker@north.example")
    path = f"/residents/{area['partner']}/entitlements"
    form = form_of(client.get(path).text) | {"action": "check"}
    form["tenure"], form["rent_monthly"] = "owner_mortgage", "400"
    refused = client.post(path, data=form)
    assert refused.status_code == 400 and 'href="#rent_monthly"' in refused.text
    assert "an owner-occupier (owner_mortgage) pays no rent" in refused.text


def test_analysts_cannot_check_and_nobody_sees_another_areas_resident(client, db, area):
    sign_in(client, "analyst@north.example")
    assert client.get(f"/residents/{area['partner']}/entitlements").status_code == 403
    client.cookies.clear()
    sign_in(client, "caseworker@north.example")
    assert client.get("/residents/999999/entitlements").status_code == 404


def test_with_no_council_known_the_form_is_blank_and_says_why(client, db, area, monkeypatch):
    monkeypatch.delenv("SAFETYNET_SCREENING_LOCAL_AUTHORITY")
    get_settings.cache_clear()
    sign_in(client, "caseworker@north.example")
    page = client.get(f"/residents/{area['partner']}/entitlements")
    assert page.status_code == 200 and "Not pre-filled: no council known" in page.text
    assert "p1_age" in page.text and 'value="35"' not in page.text

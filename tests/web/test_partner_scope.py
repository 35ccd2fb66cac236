"""A partner's staff, whatever their role, see what their organisation supplied plus what an
agreement lets it see back; the council-wide pages are the council's.

The area (tests/gaps/world.py): the council's CTR, HB, UC and FSM lists and the North Food
Bank's visits. Carol (C) is on the council's CTR list and visits the food bank; Fred (F) is
known only to the council; Ann (A) only to the food bank.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from safetynet.accounts import service as accounts
from safetynet.accounts import sessions
from safetynet.accounts.models import DataSharingAgreement, User
from safetynet.entitlements.models import EntitlementCheck
from safetynet.gaps.models import OutreachList
from tests import factories
from tests.gaps import world
from tests.web.conftest import PASSWORD, sign_in

ROLES = ("admin", "analyst", "caseworker", "partner")


@pytest.fixture
def area(db, tmp_path) -> dict[str, Any]:
    """The gaps world, with a user of every role at the council and at the food bank, each
    with an API token; and a second charity, south, with no see-back."""
    built = world.build(db, tmp_path)
    factories.organisation(db, slug="south", name="South Advice")
    tokens = {}
    for org in ("council", "north", "south"):
        for role in ROLES:
            user = accounts.create_user(
                db, email=f"{role}@{org}.example", full_name=f"{role} {org}",
                organisation=org, role=role, password=PASSWORD, actor="test",
            )  # fmt: skip
            tokens[f"{org}:{role}"] = sessions.create_api_token(db, user, name="t")[0]
    return {"ids": built.ids, "tenant": built.tenant_id, "tokens": tokens}


def see_back(db, *items: str) -> None:
    """Let the food bank see `items` back under its agreement."""
    terms = db.scalars(
        select(DataSharingAgreement).where(DataSharingAgreement.reference == "DSA-NORTH")
    ).one()
    terms.see_back = list(items)
    db.commit()


def api(client, area, who: str, method: str, path: str, **kwargs: Any):
    headers = {"Authorization": f"Bearer {area['tokens'][who]}"}
    return client.request(method, path, headers=headers, **kwargs)


COUNCIL_WIDE = [
    ("GET", "/api/v1/review"),
    ("GET", "/api/v1/link-runs"),
    ("POST", "/api/v1/link-runs"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/call-backs"),
    ("GET", "/api/v1/privacy/retention"),
]


@pytest.mark.parametrize("role", ["admin", "analyst", "caseworker"])
def test_a_partners_staff_in_any_role_are_refused_the_council_wide_pages(client, area, role):
    for method, path in COUNCIL_WIDE:
        response = api(client, area, f"north:{role}", method, path)
        assert response.status_code == 403, (path, response.status_code)
        assert "only the council's staff" in response.json()["detail"]
    # The council's own staff in the same role are not refused for that reason.
    assert api(client, area, f"council:{role}", "GET", "/api/v1/call-backs").status_code in (
        200,
        403,
    )


def test_the_council_wide_pages_are_not_in_a_partner_admins_navigation(client, area):
    sign_in(client, "admin@north.example")
    page = client.get("/").text
    for path in ("/link-runs", "/review", "/audit", "/call-backs", "/privacy"):
        assert f'href="{path}"' not in page
    assert 'href="/users"' in page  # their own organisation's users
    client.cookies.clear()
    sign_in(client, "admin@council.example")
    page = client.get("/").text
    assert all(f'href="{p}"' in page for p in ("/link-runs", "/review", "/audit"))


def test_a_resident_known_only_to_the_council_is_not_there_for_a_partner(client, area):
    fred = area["ids"]["F"]
    for who in ("north:caseworker", "north:admin"):
        assert api(client, area, who, "GET", f"/api/v1/residents/{fred}").status_code == 404
        checks = api(client, area, who, "GET", f"/api/v1/residents/{fred}/entitlements")
        assert checks.status_code == 404  # it answered 200 with the council's checks
    assert api(client, area, "council:caseworker", "GET", f"/api/v1/residents/{fred}").is_success


def test_a_partner_reads_only_its_own_records_of_a_shared_resident(client, area):
    carol = area["ids"]["C"]
    mine = api(client, area, "north:caseworker", "GET", f"/api/v1/residents/{carol}").json()
    assert {r["source"] for r in mine["records"]} == {"visits"}
    council = api(client, area, "council:caseworker", "GET", f"/api/v1/residents/{carol}").json()
    assert {r["source"] for r in council["records"]} == {"ctr", "visits"}


def _check(db, area, resident: str, organisation: str | None) -> int:
    org_id = accounts.get_organisation(db, organisation).id if organisation else None
    row = EntitlementCheck(
        tenant_id=area["tenant"], resident_id=area["ids"][resident], organisation_id=org_id,
        kind="caseworker", year=2025, inputs={}, benefits={"universal_credit": 100_000},
        total_pence=100_000, created_by=f"caseworker@{organisation or 'council'}.example",
    )  # fmt: skip
    db.add(row)
    db.commit()
    return row.id


def test_a_partner_sees_its_own_checks_and_the_councils_only_when_allowed_back(client, db, area):
    carol = area["ids"]["C"]
    council_check, own_check = _check(db, area, "C", None), _check(db, area, "C", "north")
    path = f"/api/v1/residents/{carol}/entitlements"
    seen = api(client, area, "north:caseworker", "GET", path).json()
    assert [c["id"] for c in seen] == [own_check]
    see_back(db, "entitlement_estimates")
    seen = api(client, area, "north:caseworker", "GET", path).json()
    assert [c["id"] for c in seen] == [own_check, council_check]
    everything = api(client, area, "council:caseworker", "GET", path).json()
    assert [c["id"] for c in everything] == [own_check, council_check]


def test_a_partners_prefill_reads_only_the_lists_it_may(db, area):
    from safetynet.accounts.permissions import Principal
    from safetynet.entitlements import access, screening

    setup = screening.assumptions(year=2025, local_authority="Sheffield", brma=None, council_tax=0)
    carol = area["ids"]["C"]

    def kinds(email: str) -> set[str]:
        user = db.scalars(select(User).where(User.email == email)).one()
        found = access.prefill(db, Principal.of(user), carol, setup)
        assert found is not None
        return {v["kind"] for v in found.provenance.values() if isinstance(v, dict) and "kind" in v}

    assert kinds("caseworker@north.example") == {"foodbank_attendance"}
    assert "council_tax_reduction" in kinds("caseworker@council.example")


def test_a_partner_sees_who_is_missing_among_its_own_clients_only_when_allowed_back(
    client, db, area
):
    as_of = {"as_of": world.AS_OF.isoformat()}
    refused = api(client, area, "north:analyst", "GET", "/api/v1/gaps", params=as_of)
    assert refused.status_code == 403 and "gap flags" in refused.json()["detail"]
    see_back(db, "gap_flags")
    report = api(client, area, "north:analyst", "GET", "/api/v1/gaps", params=as_of).json()
    rules = {r["id"]: r["residents"] for r in report["rules"]}
    # Ann visits and is not on CTR; Fred (HB, no Pension Credit) is the council's alone.
    assert rules["foodbank-no-ctr"] == 1 and rules["pension-age-hb-no-pc"] == 0
    council = api(client, area, "council:analyst", "GET", "/api/v1/gaps", params=as_of).json()
    assert {r["id"]: r["residents"] for r in council["rules"]}["pension-age-hb-no-pc"] == 1
    other = api(client, area, "south:analyst", "GET", "/api/v1/gaps", params=as_of)
    assert other.status_code == 403


def test_a_partner_sees_the_outreach_lists_it_made_and_not_the_councils(client, db, area):
    see_back(db, "gap_flags")
    body = {"reason": "call our clients", "format": "csv", "as_of": world.AS_OF.isoformat()}
    council = api(client, area, "council:analyst", "POST", "/api/v1/gaps/foodbank-no-ctr/export",
                  json=body)  # fmt: skip
    mine = api(client, area, "north:analyst", "POST", "/api/v1/gaps/foodbank-no-ctr/export",
               json=body)  # fmt: skip
    assert council.status_code == mine.status_code == 200
    council_id, mine_id = (int(r.headers["Outreach-List-Id"]) for r in (council, mine))
    assert (
        db.get(OutreachList, mine_id).organisation_id == accounts.get_organisation(db, "north").id
    )
    listed = api(client, area, "north:caseworker", "GET", "/api/v1/outreach").json()
    assert [x["outreach_list"]["id"] for x in listed] == [mine_id]
    theirs = api(client, area, "north:caseworker", "GET", f"/api/v1/outreach/{council_id}")
    assert theirs.status_code == 404
    status = {"resident_id": area["ids"]["A"], "status": "contacted"}
    refused = api(client, area, "north:caseworker", "POST",
                  f"/api/v1/outreach/{council_id}/status", json=status)  # fmt: skip
    assert refused.status_code == 404
    everything = api(client, area, "council:caseworker", "GET", "/api/v1/outreach").json()
    assert {x["outreach_list"]["id"] for x in everything} == {council_id, mine_id}


def test_a_partners_outreach_list_has_only_the_contact_details_it_supplied(client, db, area):
    see_back(db, "gap_flags")
    body = {"reason": "call our clients", "format": "csv", "as_of": world.AS_OF.isoformat()}
    done = api(client, area, "north:analyst", "POST", "/api/v1/gaps/foodbank-no-ctr/export",
               json=body)  # fmt: skip
    text = done.content.decode("utf-8-sig")
    assert "07700 900001" in text  # Ann's phone, from the food bank's own list
    assert "likely_unclaimed_gbp" not in text  # estimates are not seen back


def test_a_user_a_partner_admin_makes_is_a_partner_user_whatever_the_role(client, db, area):
    made = api(client, area, "north:admin", "POST", "/api/v1/users", json={
        "email": "new@north.example", "full_name": "New Analyst", "organisation": "north",
        "role": "analyst",
    })  # fmt: skip
    assert made.status_code == 201
    other = api(client, area, "north:admin", "POST", "/api/v1/users", json={
        "email": "new@council.example", "full_name": "Council?", "organisation": "council",
        "role": "admin",
    })  # fmt: skip
    assert other.status_code == 404
    user = db.scalars(select(User).where(User.email == "new@north.example")).one()
    token = sessions.create_api_token(db, user, name="t")[0]
    for path in ("/api/v1/review", "/api/v1/link-runs", "/api/v1/audit"):
        got = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 403, path


def test_a_partner_cannot_mark_a_resident_it_does_not_hold_as_do_not_contact(client, area):
    body = {"reason": "asked not to be called"}
    fred, ann = area["ids"]["F"], area["ids"]["A"]
    path = "/api/v1/residents/{}/do-not-contact"
    refused = api(client, area, "north:caseworker", "POST", path.format(fred), json=body)
    assert refused.status_code == 404
    assert api(client, area, "north:caseworker", "POST", path.format(ann), json=body).is_success


def test_the_who_is_missing_page_lists_only_a_partners_own_clients(client, db, area):
    see_back(db, "gap_flags")
    sign_in(client, "caseworker@north.example")
    page = client.get("/gaps/pension-age-hb-no-pc", params={"as_of": world.AS_OF.isoformat()})
    assert page.status_code == 200 and "Fred" not in page.text
    page = client.get("/gaps/foodbank-no-ctr", params={"as_of": world.AS_OF.isoformat()})
    assert "Able" in page.text


def test_a_partner_sees_a_residents_other_programmes_only_when_allowed_back(client, db, area):
    carol = area["ids"]["C"]
    path = f"/api/v1/residents/{carol}"
    assert api(client, area, "north:caseworker", "GET", path).json()["programmes"] is None
    see_back(db, "linked_programmes")
    seen = api(client, area, "north:caseworker", "GET", path).json()
    assert seen["programmes"] == ["council tax reduction"]  # not other partners' client lists
    assert {r["source"] for r in seen["records"]} == {"visits"}  # still not the CTR record
    sign_in(client, "caseworker@north.example")
    page = client.get(f"/residents/{carol}").text
    assert "on these support programmes: council tax reduction" in page


def test_a_partners_who_is_missing_page_says_it_counts_its_own_clients(client, db, area):
    see_back(db, "gap_flags")
    sign_in(client, "analyst@north.example")
    page = client.get("/gaps", params={"as_of": world.AS_OF.isoformat()}).text
    assert "You see your own organisation" in page
    client.cookies.clear()
    sign_in(client, "analyst@council.example")
    page = client.get("/gaps", params={"as_of": world.AS_OF.isoformat()}).text
    assert "You see your own organisation" not in page

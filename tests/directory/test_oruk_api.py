"""The public ORUK read API: every record of every endpoint meets the vendored schemas, the
paging fields are the standard's, filters work, and nothing personal is served."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet.accounts.models import Tenant
from safetynet.directory import service, synthetic, validation
from safetynet.directory import taxonomies as tx
from tests.directory.conftest import SMALL

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page",
             "empty", "contents"}  # fmt: skip


@pytest.fixture
def api(db, areas) -> tuple[TestClient, str, synthetic.Feed]:
    from safetynet.web.app import create_app

    made = synthetic.directory(seed=11, area="Testshire", size=SMALL)
    service.write_made_here(db, areas.testshire, made, actor="test")
    slug = db.scalar(select(Tenant.slug).where(Tenant.id == areas.testshire))
    return TestClient(create_app(), follow_redirects=False), f"/api/oruk/{slug}", made


def _all(client: TestClient, url: str, **params: object) -> list[dict]:
    """Every item of a paged list, checking each page's paging fields."""
    found, number = [], 1
    while True:
        page = client.get(url, params={"page": number, "per_page": 7, **params})
        assert page.status_code == 200, page.text
        body = page.json()
        assert set(body) == PAGE_KEYS
        assert body["page_number"] == number and body["size"] == len(body["contents"])
        assert body["first_page"] == (number == 1)
        found += body["contents"]
        if body["last_page"]:
            assert body["total_items"] == len(found)
            assert body["total_pages"] == number
            return found
        number += 1


def test_every_record_the_api_serves_meets_the_standard(api):
    client, base, made = api
    about = client.get(f"{base}/").json()
    assert about["version"] == "3.0" and about["openapi_url"].endswith("openapi.json")
    services = _all(client, f"{base}/services")
    assert len(services) == 36
    assert validation.check_all("service", services) == []
    for summary in services:
        full = client.get(f"{base}/services/{summary['id']}").json()
        assert validation.problems("service", full) == [], summary["id"]
        assert {k: full[k] for k in summary} == summary
    places = _all(client, f"{base}/service_at_locations")
    assert len(places) == sum(len(s.get("service_at_locations", [])) for s in made.services)
    assert validation.check_all("service_at_location", places) == []
    one = client.get(f"{base}/service_at_locations/{places[0]['id']}").json()
    assert validation.problems("service_at_location", one) == []
    assert validation.problems("service", one["service"]) == []
    taxonomies = _all(client, f"{base}/taxonomies")
    assert validation.check_all("taxonomy", taxonomies) == []
    assert {t["name"] for t in taxonomies} >= {tx.KIND, synthetic.SERVICE_TYPE_TAXONOMY}
    for t in taxonomies:
        assert client.get(f"{base}/taxonomies/{t['id']}").json() == t
    terms = _all(client, f"{base}/taxonomy_terms")
    assert validation.check_all("taxonomy_term", terms) == []
    assert client.get(f"{base}/taxonomy_terms/{terms[0]['id']}").json() == terms[0]


def test_filters_narrow_the_lists(api):
    client, base, made = api
    counsellors = _all(
        client, f"{base}/services", taxonomy_term_id=tx.term_id(tx.KIND, "counsellor")
    )
    assert len(counsellors) == 25
    food = next(t["id"] for t in made.terms if t["term"] == "Food bank")
    tagged = [s for s in made.services if food in {a["taxonomy_term_id"] for a in s["attributes"]}]
    expected = sorted(s["name"] for s in tagged)
    assert sorted(s["name"] for s in _all(client, f"{base}/services", taxonomy_term_id=food)) == (
        expected
    )
    assert len(_all(client, f"{base}/services", text="counselling")) == 25
    assert all(s["minimum_age"] >= 18 for s in _all(client, f"{base}/services", minimum_age=18))
    types = next(t["id"] for t in made.taxonomies)
    terms = _all(client, f"{base}/taxonomy_terms", taxonomy_id=types)
    assert len(terms) == len(synthetic.SERVICE_TYPES)


def test_the_public_api_serves_no_practitioners_gender_and_no_contacts_names(api):
    client, base, _ = api
    for summary in _all(client, f"{base}/services", text="counselling")[:5]:
        full = client.get(f"{base}/services/{summary['id']}").json()
        taxonomies = {a["taxonomy_term"]["taxonomy"] for a in full["attributes"]}
        assert tx.GENDER not in taxonomies and tx.KIND in taxonomies
        assert full["contacts"] == [] and full["phones"] == []  # counsellors have none
    community = tx.term_id(tx.KIND, "service")
    advice = _all(client, f"{base}/services", taxonomy_term_id=community)[0]
    full = client.get(f"{base}/services/{advice['id']}").json()
    assert [c["title"] for c in full["contacts"]] == ["Duty adviser"]
    assert all("name" not in c for c in full["contacts"])
    assert full["contacts"][0]["phones"][0]["number"].startswith("01632 960")


def test_unknown_areas_and_ids_and_bad_paging_are_problems(api):
    client, base, _ = api
    missing = client.get("/api/oruk/nowhere/services")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{base}/services/00000000-0000-4000-8000-000000000000").status_code == 404
    bad = client.get(f"{base}/services", params={"per_page": 0})
    assert bad.status_code == 422 and "per_page" in bad.json()["detail"]
    assert client.get(f"{base}/services", params={"minimum_age": "old"}).status_code == 422


def test_another_areas_services_are_not_served_under_this_one(api, db, areas):
    client, base, made = api
    other = db.scalar(select(Tenant.slug).where(Tenant.id == areas.otherton))
    assert client.get(f"/api/oruk/{other}/services").json()["total_items"] == 0
    assert client.get(f"/api/oruk/{other}/services/{made.services[0]['id']}").status_code == 404


def test_the_api_import_twin_refuses_a_partner_and_names_bad_records(api, db, areas):
    from safetynet.accounts import sessions
    from safetynet.accounts.models import User

    client, base, made = api

    def token(email: str) -> str:
        user = db.scalar(select(User).where(User.email == email))
        return sessions.create_api_token(db, user, name="t")[0]

    body = {"services": made.services[:2]}
    partner = {"Authorization": f"Bearer {token('partner@north.example')}"}
    assert client.post("/api/v1/directory/imports", json=body, headers=partner).status_code == 403
    analyst = {"Authorization": f"Bearer {token('analyst@tc.example')}"}
    done = client.post("/api/v1/directory/imports", json=body, headers=analyst)
    assert done.status_code == 200 and done.json()["services"] == 2
    broken = {"services": [dict(made.services[0], status="gone")]}
    refused = client.post("/api/v1/directory/imports", json=broken, headers=analyst)
    assert refused.status_code == 422
    assert f"service {made.services[0]['id']}: field 'status'" in refused.json()["detail"]

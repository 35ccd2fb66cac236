"""A triage's needs open the resident's matches with the need form prefilled: the mapping
from triage needs to directory terms, and the page that uses it."""

from __future__ import annotations

import dataclasses

from safetynet.match.area import area_loader
from safetynet.match.columns import ProviderColumns
from safetynet.match.triage_needs import DIRECTORY_TERMS, directory_needs
from safetynet.triage import service as triages
from safetynet.triage.forms import NEEDS
from tests.triage.test_browser import ANSWERS
from tests.web.conftest import sign_in


def test_every_triage_need_has_directory_terms_and_only_offered_ones_are_used() -> None:
    assert set(DIRECTORY_TERMS) == set(NEEDS)
    assert all(DIRECTORY_TERMS.values())
    mapped = directory_needs(["device", "isolation", "skills_transacting", "accessibility"],
                             ["Digital skills", "Warm space", "Food bank"])
    assert mapped.terms == ["digital skills", "warm space"]
    assert mapped.unmet == []
    none = directory_needs(["device", "isolation"], ["food bank"])
    assert none.terms == [] and none.unmet == [NEEDS["device"], NEEDS["isolation"]]


def _with_digital_services(area) -> ProviderColumns:
    first, second, *rest = area.world.providers
    return ProviderColumns.build([
        dataclasses.replace(first, categories=frozenset({"digital skills"})),
        dataclasses.replace(second, categories=frozenset({"befriending"})), *rest])


def _answers() -> dict:
    return {k: v for k, v in ANSWERS.items() if v != ""}


def test_the_triage_result_opens_matches_with_its_needs_ticked(db, area, client) -> None:
    cols = _with_digital_services(area)
    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: cols)
    done = triages.take(db, area.people["caseworker"], area.resident_id, _answers())
    assert {"device", "isolation"} <= set(done.needs)
    assert sign_in(client, "caseworker@tc.example", "a long test passphrase").status_code == 303
    result = client.get(f"/triage/{done.id}").text
    link = f'/residents/{area.resident_id}/matches?triage={done.id}'
    assert 'id="find-for-needs"' in result and link in result
    page = client.get(link)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="from-triage"' in html and "Ticked below: digital skills, befriending" in html
    for term in ("digital skills", "befriending"):
        assert f'value="{term}" checked' in html
    assert 'value="debt" checked' not in html
    # the prefilled need finds services, with reasons
    shown = client.post(f"/residents/{area.resident_id}/matches",
                        data={"needs": ["digital skills", "befriending"], "languages": "en",
                              "csrf_token": _token(html)})
    assert shown.status_code == 200 and "helps with" in shown.text


def _token(html: str) -> str:
    from tests.web.conftest import csrf_of

    return csrf_of(html)


def test_another_residents_or_unknown_triage_is_not_found(db, area, client) -> None:
    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: area.cols)
    assert sign_in(client, "caseworker@tc.example", "a long test passphrase").status_code == 303
    assert client.get(f"/residents/{area.resident_id}/matches?triage=999").status_code == 404
    done = triages.take(db, area.people["caseworker"], area.resident_id, _answers())
    other = area.resident_id + 999
    assert client.get(f"/residents/{other}/matches?triage={done.id}").status_code == 404


def _postcode_directory(db, tmp_path) -> None:
    from safetynet.places import reference
    from safetynet.places import service as places
    from tests import factories
    from tests.places.test_reference import NSPL_PLACED, WARDS

    tenant = places.council_area(db, "Testshire")
    lookup = factories.csv_file(tmp_path, WARDS, name="wards.csv")
    places.import_wards(db, tenant=tenant, lookup=lookup, boundaries=None, actor="test")
    path = factories.csv_file(tmp_path, NSPL_PLACED, name="nspl.csv")
    reference.import_file(db, tenant=tenant, kind="postcodes", path=path, actor="test")


NEED = {"needs": ["debt"], "formats": ["in_person"], "languages": "en", "max_cost": "",
        "max_distance_km": "5", "low_income": "yes"}


def test_where_they_travel_from_can_be_a_postcode(db, area, client, tmp_path) -> None:
    _postcode_directory(db, tmp_path)
    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: area.cols)
    assert sign_in(client, "caseworker@tc.example", "a long test passphrase").status_code == 303
    url = f"/residents/{area.resident_id}/matches"
    token = _token(client.get(url).text)
    by_postcode = client.post(url, data=NEED | {"postcode": "db1 1aa", "csrf_token": token})
    by_place = client.post(url, data=NEED | {"lat": "53.381234", "lon": "-1.470001",
                                             "csrf_token": token})
    assert by_postcode.status_code == by_place.status_code == 200
    ids = r'name="service_id" type="checkbox" value="(\d+)"'
    import re

    assert re.findall(ids, by_postcode.text) == re.findall(ids, by_place.text) != []
    assert " km away" in by_postcode.text
    unknown = client.post(url, data=NEED | {"postcode": "DZ1 1AB", "csrf_token": token})
    assert unknown.status_code == 400 and 'href="#postcode"' in unknown.text
    assert "DZ1 1AB is not a live postcode of this area" in unknown.text
    assert 'value="DZ1 1AB"' in unknown.text  # what was typed is kept
    both = client.post(url, data=NEED | {"postcode": "DB1 1AA", "lat": "53.4", "lon": "-1.4",
                                         "csrf_token": token})
    assert both.status_code == 400 and "not both" in both.text


def test_the_api_places_a_postcode_too(db, area, client, tmp_path) -> None:
    from tests.match.conftest import token_for

    _postcode_directory(db, tmp_path)
    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: area.cols)
    headers = token_for(db, area.people["caseworker"])
    url = f"/api/v1/match/residents/{area.resident_id}/matches"
    body = {"needs": ["debt"], "formats": ["in_person"], "max_distance_km": 5}
    found = client.post(url, json=body | {"postcode": "DB1 1AA"}, headers=headers)
    assert found.status_code == 200, found.text
    unknown = client.post(url, json=body | {"postcode": "DB9 9ZZ"}, headers=headers)
    assert unknown.status_code == 422  # InvalidInput, as problem+json
    assert "DB9 9ZZ is not a live postcode" in unknown.json()["detail"]

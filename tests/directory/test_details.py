"""Contacts and phones, service areas, funding, accessibility and organisation identifiers:
imported (JSON and CSV), kept, exported and served as the standard has them — and a contact's
name never kept."""

from __future__ import annotations

import copy
import csv
import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safetynet.accounts.models import Tenant
from safetynet.directory import service, tabular, validation
from safetynet.directory import taxonomies as tx
from safetynet.directory.models import (
    DirectoryAccessibility,
    DirectoryContact,
    DirectoryOrganisationIdentifier,
    DirectoryPhone,
    DirectoryServiceArea,
)
from safetynet.errors import InvalidInput

SID, ORG, LOC = (str(uuid.uuid5(tx.NAMESPACE, f"details-test/{n}")) for n in ("s", "o", "l"))
URL = "https://advice.example.org"
BOX = {"type": "Polygon", "coordinates": [[[-1.6, 53.3], [-1.3, 53.3], [-1.3, 53.5],
                                           [-1.6, 53.5], [-1.6, 53.3]]]}  # fmt: skip


def _id(name: str) -> str:
    return str(uuid.uuid5(tx.NAMESPACE, f"details-test/{name}"))


def advice(**changes: object) -> dict:
    """An advice service with every part, as a feed would send it (a contact with a name)."""
    record = {
        "id": SID, "name": "Debt advice", "url": URL, "status": "active",
        "organization": {
            "id": ORG, "name": "Advice Trust", "description": "A charity.",
            "organization_identifiers": [{"id": _id("chc"), "identifier_scheme": "GB-CHC",
                                          "identifier_type": "Charity number",
                                          "identifier": "1100001"}],
            "phones": [{"id": _id("org-phone"), "number": "01632 960001"}],
        },
        "service_at_locations": [{"id": _id("sal"), "location": {
            "id": LOC, "name": "Advice centre", "latitude": 53.38, "longitude": -1.47,
            "accessibility": [{"id": _id("access"), "description": "Step-free entrance",
                               "details": "Ring the bell", "url": "https://advice.example.org/a"}],
            "contacts": [{"id": _id("reception"), "title": "Reception"}]}}],
        "contacts": [{"id": _id("duty"), "name": "Ann Persona", "title": "Duty adviser",
                      "email": "duty@advice.example.org",
                      "phones": [{"id": _id("duty-phone"), "number": "01632 960002",
                                  "description": "Mornings"}]}],
        "phones": [{"id": _id("helpline"), "number": "0808 157 0000", "type": "voice",
                    "description": "Helpline"}],
        "service_areas": [
            {"id": _id("area"), "name": "Testshire", "extent": json.dumps(BOX),
             "extent_type": "geojson"},
            {"id": _id("area-text"), "name": "North ward", "extent": "North of the river",
             "extent_type": "text", "uri": "https://example.org/wards/north"}],
        "funding": [{"id": _id("fund"), "source": "Testshire Council grant"}],
        "attributes": [{"id": _id("kind"), "taxonomy_term_id": tx.term_id(tx.KIND, "service")}],
    }  # fmt: skip
    record.update(changes)
    return record


def _feed(*services: dict) -> service.Feed:
    return service.Feed(services=[copy.deepcopy(s) for s in services], taxonomies=[], terms=[])


def _without_url(value: object) -> object:
    """A record with the `url`s the profile's quirk adds taken out (to compare with input)."""
    if isinstance(value, list):
        return [_without_url(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_url(v) for k, v in value.items() if not (k == "url" and v == URL)}
    return value


def test_every_part_is_kept_and_exported_as_sent_but_a_contacts_name(db, areas):
    counts = service.import_feed(db, areas.people["analyst"], _feed(advice()), origin="t")
    assert counts.contact_names_left_out == 1
    [out] = service.export(db, areas.testshire)["services"]
    assert validation.problems("service", out) == []
    sent = advice()
    del sent["contacts"][0]["name"]
    for key in ("contacts", "phones", "service_areas", "funding"):
        assert _without_url(out[key]) == sent[key], key
    org = out["organization"]
    assert org["organization_identifiers"] == sent["organization"]["organization_identifiers"]
    assert _without_url(org["phones"]) == sent["organization"]["phones"]
    location = out["service_at_locations"][0]["location"]
    assert location["accessibility"] == sent["service_at_locations"][0]["location"]["accessibility"]
    assert _without_url(location["contacts"]) == [
        {"id": _id("reception"), "title": "Reception", "phones": []}]  # fmt: skip
    assert "Ann Persona" not in json.dumps(service.export(db, areas.testshire))
    assert "name" not in DirectoryContact.__table__.c


def test_the_public_api_serves_every_part_and_it_meets_the_standard(db, areas):
    from safetynet.web.app import create_app

    service.import_feed(db, areas.people["analyst"], _feed(advice()), origin="t")
    slug = db.scalar(select(Tenant.slug).where(Tenant.id == areas.testshire))
    client = TestClient(create_app())
    full = client.get(f"/api/oruk/{slug}/services/{SID}").json()
    assert validation.problems("service", full) == []
    assert full["contacts"][0]["title"] == "Duty adviser" and "name" not in full["contacts"][0]
    assert [p["number"] for p in full["phones"]] == ["0808 157 0000"]
    assert {a["name"] for a in full["service_areas"]} == {"Testshire", "North ward"}
    assert full["organization"]["organization_identifiers"][0]["identifier"] == "1100001"
    one = client.get(f"/api/oruk/{slug}/service_at_locations/{_id('sal')}").json()
    assert validation.problems("service_at_location", one) == []
    assert one["location"]["accessibility"][0]["description"] == "Step-free entrance"


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_importing_again_replaces_the_parts_of_services_organisations_and_locations(db, areas):
    service.import_feed(db, areas.people["analyst"], _feed(advice()), origin="t")
    assert [_count(db, m) for m in (DirectoryContact, DirectoryPhone, DirectoryServiceArea)] == [
        2, 3, 2]  # fmt: skip
    changed = advice(contacts=[], phones=[], service_areas=[])
    changed["organization"] = dict(
        changed["organization"],
        organization_identifiers=[
            {"id": _id("coh"), "identifier_type": "Company number", "identifier": "01234567"}
        ],
    )
    del changed["organization"]["phones"]
    changed["service_at_locations"][0]["location"]["accessibility"] = []
    service.import_feed(db, areas.people["analyst"], _feed(changed), origin="t")
    assert db.scalars(select(DirectoryContact.title)).all() == ["Reception"]
    assert _count(db, DirectoryPhone) == 0 and _count(db, DirectoryServiceArea) == 0
    assert db.scalars(select(DirectoryOrganisationIdentifier.identifier)).all() == ["01234567"]
    assert _count(db, DirectoryAccessibility) == 0


def test_a_part_id_used_twice_or_by_another_record_is_refused_and_nothing_saved(db, areas):
    twice = advice(phones=[{"id": _id("duty-phone"), "number": "0808 157 0001"}])
    with pytest.raises(InvalidInput) as refused:
        service.import_feed(db, areas.people["analyst"], _feed(twice), origin="t")
    assert f"phone {_id('duty-phone')}: field 'id': appears twice in this import" in (
        refused.value.details)  # fmt: skip
    assert _count(db, DirectoryPhone) == 0
    service.import_feed(db, areas.people["analyst"], _feed(advice()), origin="t")
    other = advice(id=_id("other service"), service_at_locations=[],
                   organization={"id": _id("other org"), "name": "B", "description": ""},
                   phones=[], service_areas=[], funding=[])  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        service.import_feed(db, areas.people["analyst"], _feed(other), origin="t")
    assert refused.value.details == [f"contact {_id('duty')}: field 'id': is already the id of "
                                     "another record in the directory"]  # fmt: skip
    assert _count(db, DirectoryContact) == 2  # the first import's, untouched


def test_a_geojson_service_area_that_is_no_area_is_refused(db, areas):
    for extent, why in (("{not json", "not JSON"),
                        (json.dumps({"type": "Point", "coordinates": [-1.4, 53.4]}),
                         "a GeoJSON Point is not an area"),
                        (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}),
                         "a ring has fewer than four positions")):  # fmt: skip
        bad = advice(service_areas=[{"id": _id("area"), "extent": extent,
                                     "extent_type": "GeoJSON"}])  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            service.import_feed(db, areas.people["analyst"], _feed(bad), origin="t")
        [problem] = refused.value.details
        assert problem.startswith(f"service {SID}: field 'service_areas[0].extent': is not a "
                                  "GeoJSON area: ") and why in problem  # fmt: skip
    assert _count(db, DirectoryServiceArea) == 0


def _write(path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_csv_form_carries_every_part_too(db, areas, tmp_path):
    _write(
        tmp_path / "services.csv",
        [
            {
                "id": SID,
                "name": "Debt advice",
                "url": URL,
                "status": "active",
                "organization_id": ORG,
            }
        ],
    )
    _write(
        tmp_path / "organizations.csv",
        [{"id": ORG, "name": "Advice Trust", "description": "A charity."}],
    )
    _write(
        tmp_path / "organization_identifiers.csv",
        [
            {
                "id": _id("chc"),
                "organization_id": ORG,
                "identifier_type": "Charity number",
                "identifier": "1100001",
            }
        ],
    )
    _write(tmp_path / "locations.csv", [{"id": LOC, "name": "Advice centre"}])
    _write(
        tmp_path / "service_at_location.csv",
        [{"id": _id("sal"), "service_id": SID, "location_id": LOC}],
    )
    _write(
        tmp_path / "accessibility.csv",
        [{"id": _id("access"), "location_id": LOC, "description": "Step-free entrance"}],
    )
    _write(
        tmp_path / "contacts.csv",
        [
            {
                "id": _id("duty"),
                "service_id": SID,
                "location_id": "",
                "name": "Ann Persona",
                "title": "Duty adviser",
            },
            {
                "id": _id("reception"),
                "service_id": "",
                "location_id": LOC,
                "name": "",
                "title": "Reception",
            },
        ],
    )
    _write(
        tmp_path / "phones.csv",
        [
            {"id": _id("helpline"), "service_id": SID, "contact_id": "", "number": "0808 157 0000"},
            {
                "id": _id("duty-phone"),
                "service_id": "",
                "contact_id": _id("duty"),
                "number": "01632 960002",
            },
        ],
    )
    _write(
        tmp_path / "service_areas.csv",
        [
            {
                "id": _id("area"),
                "service_id": SID,
                "extent": json.dumps(BOX),
                "extent_type": "geojson",
            }
        ],
    )
    _write(tmp_path / "funding.csv", [{"id": _id("fund"), "service_id": SID,
                                       "source": "Testshire Council grant"}])  # fmt: skip
    feed = tabular.read_folder(tmp_path)
    counts = service.import_feed(db, areas.people["analyst"], feed, origin="csv")
    assert counts.contact_names_left_out == 1
    [out] = service.export(db, areas.testshire)["services"]
    assert [p["number"] for p in out["phones"]] == ["0808 157 0000"]
    assert [p["number"] for p in out["contacts"][0]["phones"]] == ["01632 960002"]
    location = out["service_at_locations"][0]["location"]
    assert [c["title"] for c in location["contacts"]] == ["Reception"]
    assert location["accessibility"][0]["description"] == "Step-free entrance"
    assert out["organization"]["organization_identifiers"][0]["identifier"] == "1100001"
    assert out["service_areas"][0]["extent_type"] == "geojson"
    assert out["funding"][0]["source"] == "Testshire Council grant"

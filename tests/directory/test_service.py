"""Importing ORUK feeds into an area (all or nothing), exporting them again, searching, and the
read function the matching engine uses."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from safetynet.audit import AuditEvent
from safetynet.directory import feeds, service, tabular, validation
from safetynet.directory import taxonomies as tx
from safetynet.directory.models import DirectoryLanguage, DirectoryService
from safetynet.errors import InvalidInput, PermissionDenied

ORG = "6b1f3c1e-6c55-4c38-9d1f-2f1a3c0a0001"
SID = "6b1f3c1e-6c55-4c38-9d1f-2f1a3c0a0002"
LOC = "6b1f3c1e-6c55-4c38-9d1f-2f1a3c0a0003"


def _attr(taxonomy: str, term: str, value: object = None) -> dict:
    record = {"id": str(uuid.uuid4()), "taxonomy_term_id": tx.term_id(taxonomy, term),
              "link_id": SID}  # fmt: skip
    if value is not None:
        record["value"] = str(value)
    return record


def counsellor(**changes: object) -> dict:
    """One counsellor's offer, written by hand as a feed would carry it."""
    record = {
        "id": SID, "name": "Bereavement counselling", "url": "https://grief.example.org",
        "status": "active", "minimum_age": 16, "maximum_age": 25,
        "organization": {"id": ORG, "name": "Grief Support Trust", "description": "A charity."},
        "service_at_locations": [{"id": str(uuid.uuid4()), "location": {
            "id": LOC, "name": "Grief rooms", "latitude": 53.38, "longitude": -1.47,
            "addresses": [{"id": str(uuid.uuid4()), "address_1": "1 High Street",
                           "city": "Testshire", "state_province": "", "postal_code": "DB1 2AB",
                           "country": "GB", "address_type": "physical"}]}}],
        "languages": [{"id": str(uuid.uuid4()), "name": "English", "code": "en"},
                      {"id": str(uuid.uuid4()), "name": "Polish", "code": "pl"}],
        "cost_options": [
            {"id": str(uuid.uuid4()), "option": "Full price", "amount": 45},
            {"id": str(uuid.uuid4()), "option": "Students", "amount": 12.5}],
        "attributes": [_attr(tx.KIND, "counsellor"), _attr(tx.FORMAT, "video"),
                       _attr(tx.FORMAT, "in-person"), _attr(tx.GENDER, "female"),
                       _attr(tx.RESIDENCY, "area"), _attr(tx.MEASURE, "capacity", 12),
                       _attr(tx.MEASURE, "available", 3)],
    }  # fmt: skip
    record.update(changes)
    return record


def _feed(*services: dict) -> service.Feed:
    return service.Feed(services=list(services), taxonomies=[], terms=[])


def test_a_counsellor_is_imported_and_read_back_for_matching(db, areas):
    counts = service.import_feed(db, areas.people["analyst"], _feed(counsellor()), origin="t")
    assert (counts.services, counts.organisations, counts.locations) == (1, 1, 1)
    [p] = service.providers(db, areas.testshire, "counsellor")
    assert (p.oruk_id, p.name, p.organisation, p.kind) == (
        SID, "Bereavement counselling", "Grief Support Trust", "counsellor")  # fmt: skip
    assert p.languages == ("English", "Polish")
    assert p.formats == ("in-person", "video")
    assert (p.gender, p.residency, p.capacity, p.available) == ("female", "area", 12, 3)
    assert (p.cost_pence, p.concessions) == (4500, ("Students",))
    assert (p.minimum_age, p.maximum_age) == (16, 25)
    assert (p.latitude, p.longitude, p.postcode) == (53.38, -1.47, "DB1 2AB")
    assert service.providers(db, areas.testshire, "vacancy") == []
    assert service.providers(db, areas.otherton) == []
    assert db.scalar(select(func.count()).where(AuditEvent.action == "directory.import")) == 1


def test_an_import_with_one_bad_record_saves_nothing_and_names_the_record_and_field(db, areas):
    bad_id = str(uuid.uuid4())
    bad = counsellor(id=bad_id, status="open")
    with pytest.raises(InvalidInput) as refused:
        service.import_feed(db, areas.people["analyst"], _feed(counsellor(), bad), origin="t")
    assert f"service {bad_id}: field 'status'" in refused.value.message
    assert "nothing was saved" in refused.value.message
    assert db.scalar(select(func.count()).select_from(DirectoryService)) == 0


def test_our_own_checks_refuse_unknown_terms_and_negative_ages(db, areas):
    record = counsellor(minimum_age=-1)
    record["attributes"].append(
        {
            "id": str(uuid.uuid4()),
            "taxonomy_term": {"id": str(uuid.uuid4()), "taxonomy": tx.FORMAT, "term": "telepathy"},
        }  # fmt: skip
    )
    with pytest.raises(InvalidInput) as refused:
        service.import_feed(db, areas.people["analyst"], _feed(record), origin="t")
    details = refused.value.details
    assert f"service {SID}: field 'minimum_age': -1 must be a whole number, 0 or more" in details
    assert any("'telepathy' is not a term of safetynet:format" in d for d in details)
    assert db.scalar(select(func.count()).select_from(DirectoryService)) == 0


def test_a_service_address_that_is_not_a_web_address_is_refused(db, areas):
    with pytest.raises(InvalidInput, match=f"service {SID}: field 'url': must be a web address"):
        service.import_feed(
            db, areas.people["analyst"], _feed(counsellor(url="javascript:alert(1)")), origin="t"
        )


def test_importing_a_service_again_replaces_it(db, areas):
    analyst = areas.people["analyst"]
    service.import_feed(db, analyst, _feed(counsellor()), origin="t")
    changed = counsellor(name="Grief counselling", languages=[])
    service.import_feed(db, analyst, _feed(changed), origin="t")
    assert db.scalars(select(DirectoryService.name)).all() == ["Grief counselling"]
    assert db.scalar(select(func.count()).select_from(DirectoryLanguage)) == 0


def test_only_the_councils_admins_and_analysts_import(db, areas):
    for who in ("caseworker", "partner"):
        with pytest.raises(PermissionDenied):
            service.import_feed(db, areas.people[who], _feed(counsellor()), origin="t")


def test_an_export_meets_the_standard_and_imports_elsewhere_unchanged(db, areas, small_feed):
    service.import_feed(db, areas.people["analyst"], small_feed, origin="synthetic")
    exported = service.export(db, areas.testshire)
    assert len(exported["services"]) == 36
    assert validation.check_all("service", exported["services"]) == []
    assert validation.check_all("taxonomy", exported["taxonomies"]) == []
    assert validation.check_all("taxonomy_term", exported["taxonomy_terms"]) == []
    again = feeds.feed_of(json.loads(json.dumps(exported)), "export")
    service.import_feed(db, areas.people["other"], again, origin="export")
    assert service.export(db, areas.otherton) == exported
    kinds = service.counts(db, areas.otherton)
    assert kinds == {"service": 6, "counsellor": 25, "vacancy": 5}


def test_the_public_export_leaves_out_the_practitioners_gender(db, areas):
    service.import_feed(db, areas.people["analyst"], _feed(counsellor()), origin="t")
    staff = service.export(db, areas.testshire)["services"][0]["attributes"]
    public = service.export(db, areas.testshire, public=True)["services"][0]["attributes"]
    assert tx.term_id(tx.GENDER, "female") in {a["taxonomy_term_id"] for a in staff}
    assert tx.term_id(tx.GENDER, "female") not in {a["taxonomy_term_id"] for a in public}


def test_searches_filter_by_words_kind_terms_and_ages(db, areas, small_feed):
    service.import_feed(db, areas.people["analyst"], small_feed, origin="synthetic")

    def names(**filters: object) -> list[str]:
        query = service.services_query(db, areas.testshire, service.Filters(**filters))
        return list(db.scalars(query.with_only_columns(DirectoryService.name)))

    assert len(names(kind="vacancy")) == 5
    assert names(taxonomy_term_id=tx.term_id(tx.KIND, "counsellor")) == names(kind="counsellor")
    food = [t for t in small_feed.terms if t["term"] == "Food bank"][0]
    with_food = names(taxonomy_term_id=food["id"])
    assert with_food and all(n.startswith("Food bank at") for n in with_food)
    assert names(text="FOOD BANK") == with_food
    assert all(n for n in names(minimum_age=18))
    young = names(maximum_age=25)
    assert young and all("counselling" in n for n in young)


def test_a_folder_of_oruk_csv_files_is_imported(db, areas, tmp_path):
    (tmp_path / "services.csv").write_text(
        "id,organization_id,name,url,status,minimum_age\n"
        f"{SID},{ORG},Debt advice,https://debt.example.org,active,18\n"
    )
    (tmp_path / "organizations.csv").write_text(
        f"id,name,description\n{ORG},Debt Help,Free advice.\n"
    )
    (tmp_path / "locations.csv").write_text(f"id,name,latitude,longitude\n{LOC},Hub,53.1,-1.2\n")
    (tmp_path / "service_at_location.csv").write_text(
        f"id,service_id,location_id\n{uuid.uuid4()},{SID},{LOC}\n"
    )
    (tmp_path / "languages.csv").write_text(
        f"id,service_id,name,code\n{uuid.uuid4()},{SID},Urdu,ur\n"
    )
    (tmp_path / "attribute.csv").write_text(
        "id,link_id,link_type,link_entity,taxonomy_term_id\n"
        f"{uuid.uuid4()},{SID},,service,{tx.term_id(tx.FORMAT, 'phone')}\n"
    )
    feed = tabular.read_folder(tmp_path)
    service.import_feed(db, areas.people["analyst"], feed, origin=str(tmp_path))
    [p] = service.providers(db, areas.testshire)
    assert (p.name, p.organisation, p.languages, p.formats) == (
        "Debt advice", "Debt Help", ("Urdu",), ("phone",))  # fmt: skip
    assert (p.minimum_age, p.latitude) == (18, 53.1)


def test_a_bad_csv_cell_names_file_row_and_column(tmp_path):
    (tmp_path / "services.csv").write_text("id,name,minimum_age\nx,A,eighteen\n")
    with pytest.raises(InvalidInput, match="services.csv, row 2, column minimum_age: 'eighteen'"):
        tabular.read_folder(tmp_path)


def test_a_json_file_that_is_not_json_is_refused_with_its_line(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text('{"services": [\n  {"id": }\n]}')
    with pytest.raises(InvalidInput, match=r"feed.json: line 2, column 10: not valid JSON"):
        feeds.read_json(path)

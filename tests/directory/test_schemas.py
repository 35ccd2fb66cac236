"""The vendored ORUK 3.0 schemas: they load, they refuse what breaks the standard, and every
record the synthetic generator makes meets them."""

from __future__ import annotations

import json
import uuid

import pytest

from safetynet.directory import synthetic, validation
from tests.directory.conftest import SMALL

pytestmark = pytest.mark.nostore


def test_the_schemas_and_their_licence_are_vendored():
    names = {p.name for p in validation.SCHEMA_DIR.iterdir()}
    assert {"service.json", "service_at_location.json", "taxonomy.json", "taxonomy_term.json",
            "LICENSE", "README.md"} <= names  # fmt: skip
    assert "Attribution Share-Alike 4.0" in (validation.SCHEMA_DIR / "LICENSE").read_text()
    service = json.loads((validation.SCHEMA_DIR / "service.json").read_text())
    assert service["required"] == ["id", "name", "status", "url"]


def test_every_synthetic_record_meets_the_standard():
    feed = synthetic.directory(seed=3, area="Testshire", size=SMALL)
    assert len(feed.services) == 36
    assert validation.check_all("service", feed.services) == []
    assert validation.check_all("taxonomy", feed.taxonomies) == []
    assert validation.check_all("taxonomy_term", feed.terms) == []


def test_a_broken_record_is_refused_naming_its_id_and_field():
    sid = str(uuid.uuid4())
    record = {"id": sid, "name": "Advice", "status": "open", "url": "https://a.example",
              "service_at_locations": [{"id": "not-a-uuid"}]}  # fmt: skip
    found = [str(p) for p in validation.problems("service", record)]
    where = "field 'service_at_locations[0].id'"
    assert f"service {sid}: {where}: 'not-a-uuid' is not a 'uuid'" in found
    assert any(p.startswith(f"service {sid}: field 'status': 'open' is not one of") for p in found)


def test_accessibility_identifiers_and_metadata_are_vendored_and_checked():
    def record(access: dict, identifier: dict) -> dict:
        return {"id": str(uuid.uuid4()), "name": "A", "status": "active", "url": "https://a.example",
                "organization": {"id": str(uuid.uuid4()), "name": "O", "description": "",
                                 "organization_identifiers": [identifier]},
                "service_at_locations": [{"id": str(uuid.uuid4()), "location": {
                    "id": str(uuid.uuid4()), "accessibility": [access]}}]}  # fmt: skip

    good = record({"id": str(uuid.uuid4()), "description": "Step-free"},
                  {"id": str(uuid.uuid4()), "identifier_type": "Charity number",
                   "identifier": "1100001"})  # fmt: skip
    assert validation.problems("service", good) == []
    bad = record(
        {"id": str(uuid.uuid4()), "metadata": [{"id": "m"}]},
        {"id": str(uuid.uuid4()), "identifier_type": "Charity number"},
    )
    found = {p.field: p.message for p in validation.problems("service", bad)}
    missing = found["organization.organization_identifiers[0]"]
    assert missing == "'identifier' is a required property"
    where = "service_at_locations[0].location.accessibility[0].metadata[0]"
    assert found[where].endswith("is a required property")  # metadata.json's own rules


def test_phones_and_contacts_nested_where_the_profile_does_not_define_them_are_checked():
    sid = str(uuid.uuid4())
    record = {"id": sid, "name": "A", "status": "active", "url": "https://a.example",
              "phones": [{"id": str(uuid.uuid4())}],
              "organization": {"id": str(uuid.uuid4()), "name": "O", "description": "",
                               "contacts": [{"id": "not-a-uuid"}]}}  # fmt: skip
    filled = validation.fill_profile_quirks(record)
    found = [str(p) for p in validation.problems("service", filled)]
    assert f"service {sid}: field 'phones[0]': 'number' is a required property" in found
    where = "field 'organization.contacts[0].id'"
    assert f"service {sid}: {where}: 'not-a-uuid' is not a 'uuid'" in found
    assert len(found) == 2


def test_sub_records_without_a_url_are_given_the_service_address():
    record = {"id": str(uuid.uuid4()), "name": "A", "status": "active", "url": "https://a.example",
              "languages": [{"id": str(uuid.uuid4()), "name": "Welsh"}]}  # fmt: skip
    assert validation.problems("service", record)  # the profile as published requires url
    filled = validation.fill_profile_quirks(record)
    assert filled["languages"][0]["url"] == "https://a.example"
    assert validation.problems("service", filled) == []

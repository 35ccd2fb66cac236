"""Reading the ORUK tabular form: a folder of CSV files, one per table, named as the schemas'
`path`s (`services.csv`, `organizations.csv`, `locations.csv`, `service_at_location.csv`,
`address.csv`, `attribute.csv`, `taxonomies.csv`, `taxonomy_terms.csv`, `languages.csv`,
`cost_options.csv`, `schedule.csv`, `contacts.csv`, `phones.csv`, `service_areas.csv`,
`funding.csv`, `accessibility.csv`, `organization_identifiers.csv`). Only `services.csv` is
required. Contacts and phones hang off whichever of `service_id`, `organization_id`,
`location_id` (and, for phones, `contact_id`) they name.

Rows are joined by their `*_id` columns into nested service records, so the CSV form is checked
by the same schemas and written by the same code as the JSON form. Numbers are read as numbers
where the schema says so; an empty cell is a missing value. A bad cell names file, row and
column.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safetynet.directory.service import Feed
from safetynet.errors import InvalidInput

FILES = {
    "services": "services.csv",
    "organizations": "organizations.csv",
    "locations": "locations.csv",
    "service_at_locations": "service_at_location.csv",
    "addresses": "address.csv",
    "attributes": "attribute.csv",
    "taxonomies": "taxonomies.csv",
    "taxonomy_terms": "taxonomy_terms.csv",
    "languages": "languages.csv",
    "cost_options": "cost_options.csv",
    "schedules": "schedule.csv",
    "contacts": "contacts.csv",
    "phones": "phones.csv",
    "service_areas": "service_areas.csv",
    "funding": "funding.csv",
    "accessibility": "accessibility.csv",
    "organization_identifiers": "organization_identifiers.csv",
}
NUMBERS = {"minimum_age", "maximum_age", "latitude", "longitude", "amount", "interval"}
MOST_ROWS = 2_000_000


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows: list[dict[str, Any]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                if number > MOST_ROWS:
                    raise InvalidInput(f"{path.name}: more than {MOST_ROWS:,} rows.")
                rows.append(_typed(path.name, number, row))
    except UnicodeDecodeError as bad:
        raise InvalidInput(f"{path.name}: the file is not UTF-8 text.") from bad
    except csv.Error as bad:
        raise InvalidInput(f"{path.name}: not a readable CSV file ({bad}).") from bad
    return rows


def _typed(name: str, number: int, row: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for column, value in row.items():
        if column is None or value is None or value.strip() == "":
            continue
        text = value.strip()
        if column in NUMBERS:
            try:
                found[column] = float(text) if "." in text else int(text)
            except ValueError as bad:
                raise InvalidInput(
                    f"{name}, row {number}, column {column}: '{text[:40]}' is not a number."
                ) from bad
        else:
            found[column] = text
    return found


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            grouped[row[key]].append(row)
    return grouped


def read_folder(folder: Path) -> Feed:
    """A feed from a folder of ORUK CSV files."""
    if not (folder / FILES["services"]).is_file():
        raise InvalidInput(f"{folder}: there is no {FILES['services']} in this folder.")
    t = {key: _read(folder / name) for key, name in FILES.items()}
    terms = {row["id"]: row for row in t["taxonomy_terms"] if row.get("id")}
    locations = {row["id"]: dict(row) for row in t["locations"] if row.get("id")}
    for location_id, addresses in _by(t["addresses"], "location_id").items():
        if location_id in locations:
            locations[location_id]["addresses"] = addresses
    organisations = {row["id"]: row for row in t["organizations"] if row.get("id")}
    children = {
        "service_at_locations": _by(t["service_at_locations"], "service_id"),
        "attributes": _by(t["attributes"], "link_id"),
        "languages": _by(t["languages"], "service_id"),
        "cost_options": _by(t["cost_options"], "service_id"),
        "schedules": _by(t["schedules"], "service_id"),
    }
    group = _grouper(t)
    _nest_details(group, organisations, locations)
    services = []
    for row in t["services"]:
        record = _with_parts(dict(row), group, "service_id")
        sid = row.get("id", "")
        if row.get("organization_id") in organisations:
            record["organization"] = organisations[row["organization_id"]]
        for key, grouped in children.items():
            record[key] = [dict(child) for child in grouped.get(sid, [])]
        for place in record["service_at_locations"]:
            if place.get("location_id") in locations:
                place["location"] = locations[place["location_id"]]
        for attribute in record["attributes"]:
            attribute.pop("link_entity", None)
            if attribute.get("taxonomy_term_id") in terms:
                attribute["taxonomy_term"] = terms[attribute["taxonomy_term_id"]]
        services.append(record)
    return Feed(services=services, taxonomies=t["taxonomies"], terms=t["taxonomy_terms"])


Grouped = Callable[[str, str], dict[str, list[dict[str, Any]]]]


def _grouper(t: dict[str, list[dict[str, Any]]]) -> Grouped:
    """`group(table, column)`: the table's rows by that column, worked out once."""
    done: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}

    def group(table: str, column: str) -> dict[str, list[dict[str, Any]]]:
        if (table, column) not in done:
            done[(table, column)] = _by(t[table], column)
        return done[(table, column)]

    return group


def _with_parts(record: dict[str, Any], group: Grouped, key: str) -> dict[str, Any]:
    """The record with its contacts (each with its phones) and phones, and for a service its
    service areas and funding, found by the `key` column (`service_id`, ...) of their files."""
    own = record.get("id")
    if not own:
        return record
    contacts = [dict(c) for c in group("contacts", key).get(own, [])]
    for contact in contacts:
        contact["phones"] = [dict(p) for p in group("phones", "contact_id").get(contact["id"], [])]
    names = ["contacts", "phones"] + (["service_areas", "funding"] if key == "service_id" else [])
    for name in names:
        rows = contacts if name == "contacts" else group(name, key).get(own, [])
        rows = [r for r in rows if name != "phones" or not r.get("contact_id")]
        if rows:
            record[name] = [dict(r) for r in rows]
    return record


def _nest_details(group: Grouped, organisations: dict, locations: dict) -> None:
    """Organisations' identifiers, contacts and phones; locations' accessibility, contacts and
    phones."""
    for oid, org in organisations.items():
        _with_parts(org, group, "organization_id")
        found = group("organization_identifiers", "organization_id").get(oid, [])
        if found:
            org["organization_identifiers"] = [dict(r) for r in found]
    for lid, location in locations.items():
        _with_parts(location, group, "location_id")
        found = group("accessibility", "location_id").get(lid, [])
        if found:
            location["accessibility"] = [dict(r) for r in found]

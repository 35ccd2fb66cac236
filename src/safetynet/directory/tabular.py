"""Reading the ORUK tabular form: a folder of CSV files, one per table, named as the schemas'
`path`s (`services.csv`, `organizations.csv`, `locations.csv`, `service_at_location.csv`,
`address.csv`, `attribute.csv`, `taxonomies.csv`, `taxonomy_terms.csv`, `languages.csv`,
`cost_options.csv`, `schedule.csv`). Only `services.csv` is required.

Rows are joined by their `*_id` columns into nested service records, so the CSV form is checked
by the same schemas and written by the same code as the JSON form. Numbers are read as numbers
where the schema says so; an empty cell is a missing value. A bad cell names file, row and
column.
"""

from __future__ import annotations

import csv
from collections import defaultdict
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
    services = []
    for row in t["services"]:
        record = dict(row)
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

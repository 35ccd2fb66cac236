"""Checking ORUK 3.0 records against the vendored JSON schemas (`schemas/oruk-3.0/`).

One validator per kind of record (service, service_at_location, taxonomy, taxonomy_term,
organization), sharing one registry of the schema files, so `$ref`s between them resolve
locally and nothing is fetched. A problem names the record's id and the field, in words a
person fixing a feed can act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

SCHEMA_DIR = Path(__file__).parent / "schemas" / "oruk-3.0"
BASE = "https://schemas.safetynet.invalid/oruk-3.0/"
KINDS = ("service", "service_at_location", "taxonomy", "taxonomy_term", "organization",
         "contact", "phone")  # fmt: skip
MOST_PROBLEMS = 50  # a broken feed lists this many, then says how many more


@dataclass(frozen=True)
class Problem:
    """One way a record breaks the standard."""

    kind: str
    record_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"field '{self.field}'" if self.field else "the record"
        return f"{self.kind} {self.record_id}: {where}: {self.message}"


@cache
def registry() -> Registry:
    """Every vendored schema file, under a base URI that resolves their relative `$ref`s."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=_dialect())
        resources.append((BASE + path.name, resource))
    return Registry().with_resources(resources)


def _dialect() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


@cache
def validator(kind: str) -> Draft202012Validator:
    """The validator for one kind of ORUK record."""
    if kind not in KINDS:
        raise KeyError(f"No ORUK schema for '{kind}'.")
    schema = {"$ref": BASE + f"{kind}.json"}
    return Draft202012Validator(
        schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _field(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problems(kind: str, record: Any) -> list[Problem]:
    """Everything wrong with one record (an empty list when it meets the standard)."""
    record_id = str(record.get("id", "(no id)")) if isinstance(record, dict) else "(not an object)"
    try:
        found = sorted(validator(kind).iter_errors(record), key=lambda e: list(e.absolute_path))
        listed = [(_field(e.absolute_path), _short(e.message)) for e in found]
        listed += [
            (f"{where}.{field}" if field else where, message)
            for where, sub, item in nested(record)
            for field, message in _own(sub, item)
        ]
        return [Problem(kind, record_id, field, message) for field, message in listed]
    except Unresolvable as missing:
        return [Problem(kind, record_id, "", f"uses a part of ORUK this directory does not "
                        f"accept ({missing}); leave that part out")]  # fmt: skip


def _own(kind: str, record: Any) -> list[tuple[str, str]]:
    found = sorted(validator(kind).iter_errors(record), key=lambda e: list(e.absolute_path))
    return [(_field(e.absolute_path), _short(e.message)) for e in found]


def nested(record: Any, where: str = "") -> list[tuple[str, str, Any]]:
    """Contacts and phones nested where HSDS 3.0 puts them but the UK profile's schemas do not
    (a service's, organisation's, location's or contact's `phones`; an organisation's or
    location's `contacts`), as (field, kind, item): each is checked against its own schema.
    A service's own `contacts` are checked by the service schema already."""
    found: list[tuple[str, str, Any]] = []
    if isinstance(record, list):
        for i, item in enumerate(record):
            found += nested(item, f"{where}[{i}]")
        return found
    if not isinstance(record, dict):
        return found
    for key, value in record.items():
        path = f"{where}.{key}" if where else key
        if key in ("phones", "contacts") and isinstance(value, list) and path != "contacts":
            kind = "phone" if key == "phones" else "contact"
            found += [(f"{path}[{i}]", kind, item) for i, item in enumerate(value)]
        if isinstance(value, (dict, list)):
            found += nested(value, path)
    return found


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


# The published profile requires `url` of these though it never defines it (see the schemas'
# README); a feed that leaves it out is given the service's own address before the check.
URL_QUIRK = ("schedules", "languages", "cost_options", "contacts", "funding")


def fill_profile_quirks(service: Any) -> Any:
    """The service record, its sub-records (and contacts and phones nested anywhere in it)
    given the service's `url` where they lack one."""
    if not isinstance(service, dict) or not isinstance(service.get("url"), str):
        return service
    for key in URL_QUIRK:
        items = service.get(key)
        if isinstance(items, list):
            service[key] = [
                {"url": service["url"], **item} if isinstance(item, dict) else item
                for item in items
            ]
    for _, _, item in nested(service):
        if isinstance(item, dict):
            item.setdefault("url", service["url"])
    return service


def check_all(kind: str, records: Iterable[Any]) -> list[Problem]:
    """Problems of many records, stopping after `MOST_PROBLEMS`."""
    found: list[Problem] = []
    for record in records:
        found.extend(problems(kind, record))
        if len(found) >= MOST_PROBLEMS:
            break
    return found

"""The parts of ORUK records beyond a service's offer: contacts and phones (of services,
organisations, locations and contacts), service areas, funding, the accessibility of locations
and organisations' identifiers — read from records into rows, loaded back in bulk, and written
out as records again.

Privacy: a contact is kept as a role or desk (`title`, `department`, `email`, phones). Its
`name` is a person's name and is never stored: the import leaves it out and counts how many it
left out. `metadata` (which names who edited a record), a part's own `attributes` and a phone's
`languages` are checked against the schemas but not kept.

The UK profile requires `url` of contacts, phones and funding without defining it (see the
schemas' README); records written here carry the service's address there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from safetynet.directory import nearby
from safetynet.directory.models import (
    DirectoryAccessibility,
    DirectoryContact,
    DirectoryFunding,
    DirectoryOrganisationIdentifier,
    DirectoryPhone,
    DirectoryServiceArea,
)

# Rows carry their owner as (kind, ORUK id); kind names the owner's id column.
OWNER_COLUMNS = {"service": "service_id", "organisation": "organisation_id",
                 "location": "location_id", "contact": "contact_id"}  # fmt: skip
MODELS: dict[str, Any] = {"contacts": DirectoryContact, "phones": DirectoryPhone,
          "service_areas": DirectoryServiceArea, "funding": DirectoryFunding,
          "accessibility": DirectoryAccessibility,
          "identifiers": DirectoryOrganisationIdentifier}  # fmt: skip


@dataclass
class Rows:
    """Rows of the parts, by table, and what was left out for privacy."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    names_left_out: int = 0


def _text(value: Any, limit: int) -> str | None:
    return None if value in (None, "") else str(value)[:limit]


def _add_phones(rows: Rows, owner: tuple[str, str], phones: Any) -> None:
    for phone in phones or []:
        rows.tables["phones"].append({
            "oruk_id": phone["id"], "owner": owner, "number": _text(phone.get("number"), 40),
            "type": _text(phone.get("type"), 32), "description": phone.get("description"),
        })  # fmt: skip


def add_reach(rows: Rows, owner: tuple[str, str], record: dict[str, Any]) -> None:
    """The contacts (and their phones) and the phones of one service, organisation or
    location; a contact's name is counted and left out."""
    for contact in record.get("contacts") or []:
        if contact.get("name"):
            rows.names_left_out += 1
        rows.tables["contacts"].append({
            "oruk_id": contact["id"], "owner": owner, "title": _text(contact.get("title"), 300),
            "department": _text(contact.get("department"), 300),
            "email": _text(contact.get("email"), 254),
        })  # fmt: skip
        _add_phones(rows, ("contact", contact["id"]), contact.get("phones"))
    _add_phones(rows, owner, record.get("phones"))


def add_service_parts(rows: Rows, record: dict[str, Any]) -> list[tuple[str, str]]:
    """A service's contacts, phones, service areas and funding; problems as (field, why)."""
    problems = []
    owner = ("service", record["id"])
    add_reach(rows, owner, record)
    for i, area in enumerate(record.get("service_areas") or []):
        row = {"oruk_id": area["id"], "owner": owner, "name": _text(area.get("name"), 300),
               "description": area.get("description"), "extent": area.get("extent"),
               "extent_type": _text(area.get("extent_type"), 16),
               "uri": _text(area.get("uri"), 500),
               "south": None, "north": None, "west": None, "east": None}  # fmt: skip
        if row["extent"] and str(row["extent_type"] or "").lower() == "geojson":
            try:
                box = nearby.bounds(nearby.polygons(str(row["extent"])))
            except ValueError as bad:
                problems.append((f"service_areas[{i}].extent", f"is not a GeoJSON area: {bad}"))
                continue
            row.update(zip(("south", "north", "west", "east"), box, strict=True))
        rows.tables["service_areas"].append(row)
    for money in record.get("funding") or []:
        rows.tables["funding"].append({"oruk_id": money["id"], "owner": owner,
                                       "source": money.get("source")})  # fmt: skip
    return problems


def add_organisation_parts(rows: Rows, record: dict[str, Any]) -> None:
    """An organisation's identifiers, contacts and phones."""
    owner = ("organisation", record["id"])
    add_reach(rows, owner, record)
    for ident in record.get("organization_identifiers") or []:
        rows.tables["identifiers"].append({
            "oruk_id": ident["id"], "owner": owner,
            "identifier_scheme": _text(ident.get("identifier_scheme"), 64),
            "identifier_type": _text(ident.get("identifier_type"), 100) or "",
            "identifier": _text(ident.get("identifier"), 100) or "",
        })  # fmt: skip


def add_location_parts(rows: Rows, record: dict[str, Any]) -> None:
    """A location's accessibility, contacts and phones."""
    owner = ("location", record["id"])
    add_reach(rows, owner, record)
    for access in record.get("accessibility") or []:
        rows.tables["accessibility"].append({
            "oruk_id": access["id"], "owner": owner, "description": access.get("description"),
            "details": access.get("details"), "url": _text(access.get("url"), 500),
        })  # fmt: skip


@dataclass
class Parts:
    """Loaded parts, by owner: (kind, our id) for contacts and phones, our id for the rest."""

    contacts: dict[tuple[str, int], list[Any]] = field(default_factory=lambda: defaultdict(list))
    phones: dict[tuple[str, int], list[Any]] = field(default_factory=lambda: defaultdict(list))
    service_areas: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    funding: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    accessibility: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    identifiers: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))


def _rows(session: Session, model: Any, condition: Any) -> list[Any]:
    columns = list(model.__table__.c)
    return list(session.execute(select(*columns).where(condition).order_by(model.id)).all())


def _owner_of(row: Any) -> tuple[str, int]:
    for kind, column in OWNER_COLUMNS.items():
        if getattr(row, column, None) is not None:
            return kind, getattr(row, column)
    raise ValueError(f"row {row.id} has no owner")  # the write never makes one


def load(session: Session, services: list[int], orgs: list[int], locations: list[int]) -> Parts:
    """Every part of these services, organisations and locations (ids lists kept short by the
    caller: `load_children` passes them in chunks)."""
    parts = Parts()
    c, p = DirectoryContact, DirectoryPhone
    owned = or_(
        c.service_id.in_(services), c.organisation_id.in_(orgs), c.location_id.in_(locations)
    )
    contacts = _rows(session, c, owned)
    for row in contacts:
        parts.contacts[_owner_of(row)].append(row)
    phone_owned = or_(
        p.service_id.in_(services),
        p.organisation_id.in_(orgs),
        p.location_id.in_(locations),
        p.contact_id.in_([r.id for r in contacts]),
    )
    for row in _rows(session, p, phone_owned):
        parts.phones[_owner_of(row)].append(row)
    for name, model, column, ids in (
        ("service_areas", DirectoryServiceArea, "service_id", services),
        ("funding", DirectoryFunding, "service_id", services),
        ("accessibility", DirectoryAccessibility, "location_id", locations),
        ("identifiers", DirectoryOrganisationIdentifier, "organisation_id", orgs),
    ):
        into = getattr(parts, name)
        for row in _rows(session, model, getattr(model, column).in_(ids)):
            into[getattr(row, column)].append(row)
    return parts


def _drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


def _phone(row: Any, url: str) -> dict[str, Any]:
    return _drop_none({"id": row.oruk_id, "url": url, "number": row.number, "type": row.type,
                       "description": row.description})  # fmt: skip


def reach(parts: Parts, kind: str, owner_id: int, url: str) -> dict[str, list[dict[str, Any]]]:
    """`contacts` (each with its `phones`) and `phones` of one owner, as ORUK records."""
    contacts = []
    for row in parts.contacts.get((kind, owner_id), []):
        record = _drop_none({"id": row.oruk_id, "url": url, "title": row.title,
                             "department": row.department, "email": row.email})  # fmt: skip
        record["phones"] = [_phone(x, url) for x in parts.phones.get(("contact", row.id), [])]
        contacts.append(record)
    phones = [_phone(x, url) for x in parts.phones.get((kind, owner_id), [])]
    return {"contacts": contacts, "phones": phones}


def service_parts(parts: Parts, service_id: int, url: str) -> dict[str, list[dict[str, Any]]]:
    """A service's contacts, phones, service areas and funding, as ORUK records."""
    found = reach(parts, "service", service_id, url)
    found["service_areas"] = [
        _drop_none({"id": a.oruk_id, "name": a.name, "description": a.description,
                    "extent": a.extent, "extent_type": a.extent_type, "uri": a.uri})
        for a in parts.service_areas.get(service_id, [])
    ]  # fmt: skip
    found["funding"] = [_drop_none({"id": f.oruk_id, "url": url, "source": f.source})
                        for f in parts.funding.get(service_id, [])]  # fmt: skip
    return found


def organisation_parts(parts: Parts, org_id: int, url: str) -> dict[str, list[dict[str, Any]]]:
    """An organisation's identifiers, contacts and phones (only those it has)."""
    found = reach(parts, "organisation", org_id, url)
    found["organization_identifiers"] = [
        _drop_none({"id": i.oruk_id, "identifier_scheme": i.identifier_scheme,
                    "identifier_type": i.identifier_type, "identifier": i.identifier})
        for i in parts.identifiers.get(org_id, [])
    ]  # fmt: skip
    return {k: v for k, v in found.items() if v}


def location_parts(parts: Parts, location_id: int, url: str) -> dict[str, list[dict[str, Any]]]:
    """A location's accessibility, contacts and phones (only those it has)."""
    found = reach(parts, "location", location_id, url)
    found["accessibility"] = [
        _drop_none({"id": a.oruk_id, "description": a.description,
                    "details": a.details, "url": a.url})
        for a in parts.accessibility.get(location_id, [])
    ]  # fmt: skip
    return {k: v for k, v in found.items() if v}

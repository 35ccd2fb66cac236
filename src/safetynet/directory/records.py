"""From our tables to ORUK 3.0 records: what the read API serves and the export writes.

A service's children are loaded for many services at once (`load_children`), so an export of
twenty thousand services is a handful of queries. Safety Net's provider profile goes out as
attributes of its `safetynet:` taxonomies; the public API leaves out the practitioner's gender
(`public=True`), which staff exports keep.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.directory import details
from safetynet.directory import taxonomies as tx
from safetynet.directory.models import (
    DirectoryAttribute,
    DirectoryCostOption,
    DirectoryLanguage,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectorySchedule,
    DirectoryServiceAtLocation,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
)
from safetynet.directory.store import chunks


@dataclass
class Children:
    """Everything hanging off a set of services, by service id. Rows are plain result rows
    (read by attribute, like the models), so an export of tens of thousands of services does
    not build an ORM object for each of its ~100,000 children."""

    organisations: dict[int, Any] = field(default_factory=dict)
    places: dict[int, list[tuple[Any, Any]]] = field(default_factory=lambda: defaultdict(list))
    attributes: dict[int, list[tuple[Any, Any, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    schedules: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    costs: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    languages: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    parts: details.Parts = field(default_factory=details.Parts)


def columns(model: Any) -> list[Any]:
    """Every column of a model's table, to select plain rows."""
    return list(model.__table__.c)


def _rows_by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for part in chunks(sorted(ids)):
        for row in session.execute(select(*columns(model)).where(model.id.in_(part))):
            found[row.id] = row
    return found


def load_children(session: Session, services: list[Any]) -> Children:
    """Organisations, places, attributes, schedules, costs and languages of these services."""
    kids = Children()
    org_ids = {s.organisation_id for s in services if s.organisation_id}
    kids.organisations = _rows_by_id(session, DirectoryOrganisation, org_ids)
    for part in chunks([s.id for s in services]):
        _load_part(session, kids, part)
    _load_details(session, kids, [s.id for s in services])
    return kids


def _load_details(session: Session, kids: Children, service_ids: list[int]) -> None:
    """Contacts, phones, areas, funding, accessibility and identifiers, in chunks of owners."""
    orgs = sorted(kids.organisations)
    locations = sorted({loc.id for places in kids.places.values() for _, loc in places})
    for start in range(0, max(len(service_ids), len(orgs), len(locations)), 500):
        end = start + 500
        found = details.load(session, service_ids[start:end], orgs[start:end],
                             locations[start:end])  # fmt: skip
        for name in ("contacts", "phones", "service_areas", "funding", "accessibility",
                     "identifiers"):  # fmt: skip
            for owner, rows in getattr(found, name).items():
                getattr(kids.parts, name)[owner].extend(rows)


def _load_part(session: Session, kids: Children, ids: list[int]) -> None:
    sal = DirectoryServiceAtLocation
    places = session.execute(
        select(*columns(sal)).where(sal.service_id.in_(ids)).order_by(sal.id)
    ).all()
    locations = _rows_by_id(session, DirectoryLocation, {p.location_id for p in places})
    for place in places:
        kids.places[place.service_id].append((place, locations[place.location_id]))
    a, t, x = DirectoryAttribute, DirectoryTaxonomyTerm, DirectoryTaxonomy
    attributes = session.execute(
        select(*columns(a)).where(a.service_id.in_(ids)).order_by(a.id)
    ).all()
    terms: dict[int, Any] = {}
    for part in chunks(sorted({row.term_id for row in attributes})):
        for row in session.execute(
            select(*columns(t), x.oruk_id.label("taxonomy_oruk_id"))
            .outerjoin(x, x.id == t.taxonomy_id)
            .where(t.id.in_(part))
        ):
            terms[row.id] = row
    for row in attributes:
        term = terms[row.term_id]
        kids.attributes[row.service_id].append((row, term, term.taxonomy_oruk_id))
    tables: tuple[tuple[Any, dict[int, list[Any]]], ...] = (
        (DirectorySchedule, kids.schedules),
        (DirectoryCostOption, kids.costs),
        (DirectoryLanguage, kids.languages),
    )
    for model, into in tables:
        for row in session.execute(
            select(*columns(model)).where(model.service_id.in_(ids)).order_by(model.id)
        ):
            into[row.service_id].append(row)


def _drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


def organisation_record(org: Any, parts: details.Parts | None = None, url: str = "") -> dict:
    """An ORUK organization (with its identifiers, contacts and phones when `parts` are
    given; `url` is the service's, for the profile's quirk)."""
    record = _drop_none(
        {
            "id": org.oruk_id,
            "name": org.name,
            "description": org.description,
            "email": org.email,
            "website": org.website,
        }  # fmt: skip
    )
    if parts is not None:
        record.update(details.organisation_parts(parts, org.id, url))
    return record


def location_record(loc: Any, parts: details.Parts | None = None, url: str = "") -> dict:
    """An ORUK location, with its physical address when we hold one (and its accessibility,
    contacts and phones when `parts` are given)."""
    record = _drop_none(
        {
            "id": loc.oruk_id,
            "name": loc.name,
            "description": loc.description,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
        }  # fmt: skip
    )
    if loc.address_1 and loc.city and loc.postal_code:
        address_id = str(uuid.uuid5(tx.NAMESPACE, f"{loc.oruk_id}/address"))
        record["addresses"] = [
            {
                "id": address_id,
                "location_id": loc.oruk_id,
                "address_1": loc.address_1,
                "city": loc.city,
                "state_province": "",
                "postal_code": loc.postal_code,
                "country": "GB",
                "address_type": "physical",
            }  # fmt: skip
        ]
    if parts is not None:
        record.update(details.location_parts(parts, loc.id, url))
    return record


def sal_record(
    sal: Any, loc: Any, service_oruk_id: str, parts: details.Parts | None = None, url: str = ""
) -> dict[str, Any]:
    """An ORUK service_at_location with its location."""
    return {
        "id": sal.oruk_id,
        "service_id": service_oruk_id,
        "location_id": loc.oruk_id,
        "location": location_record(loc, parts, url),
    }


def taxonomy_record(taxonomy: Any) -> dict[str, Any]:
    """An ORUK taxonomy."""
    return _drop_none(
        {
            "id": taxonomy.oruk_id,
            "name": taxonomy.name,
            "description": taxonomy.description,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        }  # fmt: skip
    )


def term_record(term: Any, taxonomy_oruk_id: str | None) -> dict[str, Any]:
    """An ORUK taxonomy term."""
    return _drop_none(
        {
            "id": term.oruk_id,
            "taxonomy": term.taxonomy,
            "taxonomy_id": taxonomy_oruk_id,
            "term": term.term,
            "parent_id": term.parent_oruk_id,
            "term_uri": term.term_uri,
        }  # fmt: skip
    )


def service_summary(s: Any) -> dict[str, Any]:
    """The one-to-one fields of a service (the paged list's items)."""
    return _drop_none(
        {
            "id": s.oruk_id,
            "name": s.name,
            "description": s.description,
            "url": s.url,
            "email": s.email,
            "status": s.status,
            "minimum_age": s.minimum_age,
            "maximum_age": s.maximum_age,
            "assured_date": s.assured_date.isoformat() if s.assured_date else None,
            "last_modified": s.last_modified.isoformat().replace("+00:00", "Z"),
        }  # fmt: skip
    )


def service_record(s: Any, kids: Children, *, public: bool) -> dict[str, Any]:
    """A fully nested ORUK service."""
    record = service_summary(s)
    org = kids.organisations.get(s.organisation_id or 0)
    if org is not None:
        record["organization_id"] = org.oruk_id
        record["organization"] = organisation_record(org, kids.parts, s.url)
    record["service_at_locations"] = [
        sal_record(sal, loc, s.oruk_id, kids.parts, s.url) for sal, loc in kids.places.get(s.id, [])
    ]
    record["attributes"] = our_attributes(s, public=public) + [
        _attribute(s.oruk_id, a, t, x) for a, t, x in kids.attributes.get(s.id, [])
    ]
    record["languages"] = [
        _drop_none(
            {
                "id": lang.oruk_id,
                "service_id": s.oruk_id,
                "url": s.url,
                "name": lang.name,
                "code": lang.code,
            }
        )  # fmt: skip
        for lang in kids.languages.get(s.id, [])
    ]
    record["cost_options"] = [_cost(s, c) for c in kids.costs.get(s.id, [])]
    record["schedules"] = [_schedule(s, x) for x in kids.schedules.get(s.id, [])]
    record.update(details.service_parts(kids.parts, s.id, s.url))
    return record


def _cost(s: Any, c: Any) -> dict[str, Any]:
    amount = None if c.amount_pence is None else c.amount_pence / 100
    return _drop_none(
        {
            "id": c.oruk_id,
            "service_id": s.oruk_id,
            "url": s.url,
            "option": c.option,
            "amount": amount,
            "amount_description": c.amount_description,
        }  # fmt: skip
    )


def _schedule(s: Any, x: Any) -> dict[str, Any]:
    return _drop_none(
        {
            "id": x.oruk_id,
            "service_id": s.oruk_id,
            "url": s.url,
            "freq": x.freq,
            "interval": x.interval,
            "byday": x.byday,
            "opens_at": x.opens_at,
            "closes_at": x.closes_at,
            "description": x.description,
            "valid_from": x.valid_from.isoformat() if x.valid_from else None,
            "valid_to": x.valid_to.isoformat() if x.valid_to else None,
        }  # fmt: skip
    )


def _attribute(link_id: str, a: Any, t: Any, taxonomy_oruk_id: str | None) -> dict[str, Any]:
    return _drop_none(
        {
            "id": a.oruk_id,
            "link_id": link_id,
            "taxonomy_term_id": t.oruk_id,
            "link_type": a.link_type,
            "value": a.value,
            "taxonomy_term": term_record(t, taxonomy_oruk_id),
        }  # fmt: skip
    )


def _ours(link_id: str, taxonomy: str, term: str, value: Any = None) -> dict[str, Any]:
    term_oruk_id = tx.term_id(taxonomy, term)
    return _drop_none(
        {
            "id": tx.attribute_id(link_id, taxonomy, term),
            "link_id": link_id,
            "taxonomy_term_id": term_oruk_id,
            "link_type": "safetynet",
            "value": None if value is None else str(value),
            "taxonomy_term": {
                "id": term_oruk_id,
                "taxonomy": taxonomy,
                "taxonomy_id": tx.taxonomy_id(taxonomy),
                "term": term,
            },
        }  # fmt: skip
    )


def our_attributes(s: Any, *, public: bool) -> list[dict[str, Any]]:
    """The provider profile as attributes of Safety Net's taxonomies."""
    found = [_ours(s.oruk_id, tx.KIND, s.kind)]
    found += [_ours(s.oruk_id, tx.FORMAT, f) for f in s.formats.split(",") if f]
    if s.gender and not public:
        found.append(_ours(s.oruk_id, tx.GENDER, s.gender))
    if s.sector:
        found.append(_ours(s.oruk_id, tx.SECTOR, s.sector))
    if s.residency:
        found.append(_ours(s.oruk_id, tx.RESIDENCY, s.residency))
    for measure, column in tx.MEASURE_COLUMNS.items():
        value = getattr(s, column)
        if value is not None:
            found.append(_ours(s.oruk_id, tx.MEASURE, measure, value))
    return found

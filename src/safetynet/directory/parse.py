"""From ORUK 3.0 records (already checked against the schemas) to rows of our tables.

A `Batch` gathers the rows of many nested service records (and any taxonomies and terms sent
beside them), keyed by ORUK id, so one write can upsert the shared ones (organisations,
locations, taxonomies, terms) and replace the services whole. Values the schema cannot check
(dates, ages, money, Safety Net's own attributes) are checked here, each refusal naming the
record and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from safetynet.db import utcnow
from safetynet.directory import details
from safetynet.directory import taxonomies as tx
from safetynet.directory.validation import Problem

PROFILE_COLUMNS = ("kind", "formats", "gender", "sector", "residency", "capacity", "available",
                   "hours_per_week", "pay_pence_per_hour")  # fmt: skip


@dataclass
class Batch:
    """Rows to write, by table; children name their parents by ORUK id."""

    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    taxonomies: dict[str, dict[str, Any]] = field(default_factory=dict)
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: list[dict[str, Any]] = field(default_factory=list)
    sals: list[dict[str, Any]] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    costs: list[dict[str, Any]] = field(default_factory=list)
    languages: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Contacts, phones, areas, funding, accessibility, identifiers (see `details`); the
    # organisations' and locations' records are kept whole (the last sent wins) and their
    # parts read once all services are in.
    parts: details.Rows = field(default_factory=details.Rows)
    organisation_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    location_records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def refuse(self, record_id: str, where: str, message: str) -> None:
        """Note a problem with a service record."""
        self.problems.append(Problem("service", record_id, where, message))


def _text(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


def _date(batch: Batch, rid: str, where: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        batch.refuse(rid, where, f"'{value}' is not a date (YYYY-MM-DD)")
        return None


def _moment(batch: Batch, rid: str, value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        batch.refuse(rid, "last_modified", f"'{value}' is not a date and time (ISO 8601)")
        return None


def _whole(batch: Batch, rid: str, where: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        batch.refuse(rid, where, f"'{value}' is not a number")
        return None
    if number < 0 or number != int(number):
        batch.refuse(rid, where, f"{value} must be a whole number, 0 or more")
        return None
    return int(number)


def organisation_row(record: dict[str, Any]) -> dict[str, Any]:
    """Our columns for an ORUK organization."""
    return {
        "oruk_id": record["id"],
        "name": _text(record.get("name"), 300) or "",
        "description": record.get("description") or "",
        "email": _text(record.get("email"), 254),
        "website": _text(record.get("website"), 500),
    }


def location_row(record: dict[str, Any]) -> dict[str, Any]:
    """Our columns for an ORUK location (its first physical address, if any)."""
    addresses = record.get("addresses") or []
    physical = [a for a in addresses if a.get("address_type") == "physical"] or addresses
    address = physical[0] if physical else {}
    return {
        "oruk_id": record["id"],
        "name": _text(record.get("name"), 300),
        "description": record.get("description"),
        "latitude": record.get("latitude"),
        "longitude": record.get("longitude"),
        "address_1": _text(address.get("address_1"), 300),
        "city": _text(address.get("city"), 100),
        "postal_code": _text(address.get("postal_code"), 16),
    }


def taxonomy_row(record: dict[str, Any]) -> dict[str, Any]:
    """Our columns for an ORUK taxonomy."""
    return {
        "oruk_id": record["id"],
        "name": _text(record.get("name"), 300) or "",
        "description": record.get("description") or "",
        "uri": _text(record.get("uri"), 500),
        "version": _text(record.get("version"), 50),
    }


def term_row(record: dict[str, Any]) -> dict[str, Any]:
    """Our columns for an ORUK taxonomy term (its taxonomy named by ORUK id)."""
    return {
        "oruk_id": record["id"],
        "taxonomy_oruk_id": record.get("taxonomy_id"),
        "taxonomy": _text(record.get("taxonomy"), 300) or "",
        "term": _text(record.get("term") or record.get("name"), 300) or "",
        "parent_oruk_id": record.get("parent_id"),
        "term_uri": _text(record.get("term_uri"), 500),
    }


def add_taxonomies(batch: Batch, records: list[dict[str, Any]]) -> None:
    """Taxonomies, with any terms nested in them."""
    for record in records:
        batch.taxonomies[record["id"]] = taxonomy_row(record)
        for term in record.get("taxonomy_terms") or []:
            batch.terms[term["id"]] = term_row({"taxonomy_id": record["id"], **term})


def add_terms(batch: Batch, records: list[dict[str, Any]]) -> None:
    """Taxonomy terms sent on their own."""
    for record in records:
        batch.terms[record["id"]] = term_row(record)


def add_services(batch: Batch, records: list[dict[str, Any]]) -> None:
    """Nested service records, with everything they carry."""
    for record in records:
        _add_service(batch, record)
    for organisation in batch.organisation_records.values():
        details.add_organisation_parts(batch.parts, organisation)
    for location in batch.location_records.values():
        details.add_location_parts(batch.parts, location)


def _add_service(batch: Batch, record: dict[str, Any]) -> None:
    rid = record["id"]
    organisation = record.get("organization") or None
    if organisation:
        batch.organisations[organisation["id"]] = organisation_row(organisation)
        batch.organisation_records[organisation["id"]] = organisation
    row = {
        "oruk_id": rid,
        "organisation_oruk_id": record.get("organization_id") or (organisation or {}).get("id"),
        "name": _text(record.get("name"), 300),
        "description": record.get("description") or "",
        "url": _text(record.get("url"), 500),
        "email": _text(record.get("email"), 254),
        "status": record.get("status") or "active",
        "minimum_age": _whole(batch, rid, "minimum_age", record.get("minimum_age")),
        "maximum_age": _whole(batch, rid, "maximum_age", record.get("maximum_age")),
        "assured_date": _date(batch, rid, "assured_date", record.get("assured_date")),
        "last_modified": _moment(batch, rid, record.get("last_modified")) or utcnow(),
    }
    if not str(row["url"] or "").lower().startswith(("https://", "http://")):
        batch.refuse(rid, "url", "must be a web address starting https:// (or http://)")
    row.update(_profile(batch, rid, record.get("attributes") or []))
    batch.services.append(row)
    _add_places(batch, rid, record.get("service_at_locations") or [])
    _add_offers(batch, rid, record)
    for where, why in details.add_service_parts(batch.parts, record):
        batch.refuse(rid, where, why)


def _add_places(batch: Batch, rid: str, sals: list[dict[str, Any]]) -> None:
    for i, sal in enumerate(sals):
        location = sal.get("location") or None
        location_id = sal.get("location_id") or (location or {}).get("id")
        if not location_id:
            batch.refuse(rid, f"service_at_locations[{i}]", "names no location")
            continue
        if location:
            batch.locations[location_id] = location_row(location)
            batch.location_records[location_id] = location
        batch.sals.append({"oruk_id": sal["id"], "service": rid, "location": location_id})


def _add_offers(batch: Batch, rid: str, record: dict[str, Any]) -> None:
    for i, lang in enumerate(record.get("languages") or []):
        if not lang.get("name") and not lang.get("code"):
            batch.refuse(rid, f"languages[{i}]", "gives neither a name nor a code")
            continue
        name = lang.get("name") or lang.get("code")
        batch.languages.append(
            {
                "oruk_id": lang["id"],
                "service": rid,
                "name": _text(name, 100),
                "code": _text(lang.get("code"), 16),
            }  # fmt: skip
        )
    for i, cost in enumerate(record.get("cost_options") or []):
        amount = cost.get("amount")
        if amount is not None and float(amount) < 0:
            batch.refuse(rid, f"cost_options[{i}].amount", "must not be negative")
        batch.costs.append(
            {
                "oruk_id": cost["id"],
                "service": rid,
                "option": _text(cost.get("option"), 300),
                "amount_pence": None if amount is None else round(float(amount) * 100),
                "amount_description": _text(cost.get("amount_description"), 300),
            }  # fmt: skip
        )
    for i, s in enumerate(record.get("schedules") or []):
        where = f"schedules[{i}]"
        batch.schedules.append(
            {
                "oruk_id": s["id"],
                "service": rid,
                "freq": s.get("freq"),
                "interval": _whole(batch, rid, f"{where}.interval", s.get("interval")),
                "byday": _text(s.get("byday"), 64),
                "opens_at": _text(s.get("opens_at"), 16),
                "closes_at": _text(s.get("closes_at"), 16),
                "description": s.get("description"),
                "valid_from": _date(batch, rid, f"{where}.valid_from", s.get("valid_from")),
                "valid_to": _date(batch, rid, f"{where}.valid_to", s.get("valid_to")),
            }  # fmt: skip
        )


def _profile(batch: Batch, rid: str, attributes: list[dict[str, Any]]) -> dict[str, Any]:
    """The provider profile from Safety Net's attributes; other attributes go to the batch."""
    profile: dict[str, Any] = dict.fromkeys(PROFILE_COLUMNS)
    profile["kind"] = "service"
    formats: list[str] = []
    for i, attribute in enumerate(attributes):
        where = f"attributes[{i}]"
        term = attribute.get("taxonomy_term") or {}
        term_oruk_id = attribute.get("taxonomy_term_id") or term.get("id")
        ours = tx.BY_ID.get(term_oruk_id or "")
        if ours is None and tx.is_ours(term.get("taxonomy")):
            ours = tx.Term(str(term["taxonomy"]), str(term.get("term") or ""))
        if ours is not None:
            _apply(batch, rid, where, profile, formats, ours, attribute.get("value"))
        elif not term_oruk_id:
            batch.refuse(rid, where, "names no taxonomy term (taxonomy_term_id)")
        else:
            if term.get("id"):
                batch.terms[term["id"]] = term_row(term)
            batch.attributes.append(
                {
                    "oruk_id": attribute["id"],
                    "service": rid,
                    "term": term_oruk_id,
                    "link_type": _text(attribute.get("link_type"), 64),
                    "value": _text(attribute.get("value"), 200),
                }  # fmt: skip
            )
    profile["formats"] = ",".join(sorted(set(formats)))
    return profile


def _apply(
    batch: Batch,
    rid: str,
    where: str,
    profile: dict[str, Any],
    formats: list[str],
    term: tx.Term,
    value: Any,
) -> None:
    """Put one of Safety Net's attributes into the profile, refusing unknown terms."""
    known = tx.TERMS.get(term.taxonomy)
    if known is None or (term.taxonomy in tx.CLOSED and term.term not in known):
        allowed = ", ".join(known) if known else "none"
        batch.refuse(rid, where, f"'{term.term}' is not a term of {term.taxonomy} ({allowed})")
        return
    if term.taxonomy == tx.FORMAT:
        formats.append(term.term)
    elif term.taxonomy == tx.MEASURE:
        column = tx.MEASURE_COLUMNS[term.term]
        profile[column] = _whole(batch, rid, f"{where}.value", value)
    else:
        column = {tx.KIND: "kind", tx.GENDER: "gender", tx.SECTOR: "sector"}.get(
            term.taxonomy, "residency"
        )
        profile[column] = term.term[:64]

"""Writing a `Batch` of directory rows into one council area, in bulk.

Organisations, locations, taxonomies and terms are upserted by ORUK id; a service already held
under the same ORUK id is replaced whole (its places, attributes, schedules, costs and
languages go with it). The caller owns the transaction, so an import commits whole or not at
all. Bulk `INSERT`s of plain dictionaries keep twenty thousand services to seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, insert, select, text, update
from sqlalchemy.orm import Session

from safetynet.db import Base
from safetynet.directory import details
from safetynet.directory import taxonomies as tx
from safetynet.directory.models import (
    DirectoryAttribute,
    DirectoryCostOption,
    DirectoryLanguage,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectorySchedule,
    DirectoryService,
    DirectoryServiceAtLocation,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
)
from safetynet.directory.parse import Batch
from safetynet.directory.validation import Problem
from safetynet.errors import InvalidInput

CHUNK = 500
PART_KINDS = {"contacts": "contact", "phones": "phone", "service_areas": "service_area",
              "funding": "funding", "accessibility": "accessibility",
              "identifiers": "organization_identifier"}  # fmt: skip
M = TypeVar("M")


@dataclass(frozen=True)
class Counts:
    """How many of each were written."""

    services: int
    organisations: int
    locations: int
    taxonomies: int
    terms: int
    contact_names_left_out: int = 0


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Slices of a list, for `IN (...)` lists a database accepts."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ids_by_oruk(session: Session, model: Any, tenant_id: int) -> dict[str, int]:
    """ORUK id -> our id, for every row of a table in one area."""
    rows = session.execute(select(model.oruk_id, model.id).where(model.tenant_id == tenant_id))
    return {row[0]: row[1] for row in rows}


def _upsert(session: Session, model: Any, tenant_id: int, rows: dict[str, dict]) -> dict:
    """Update rows already held, insert the rest; ORUK id -> our id for the whole table."""
    held = ids_by_oruk(session, model, tenant_id)
    changed = [{"id": held[k], **v} for k, v in rows.items() if k in held]
    new = [{"tenant_id": tenant_id, **v} for k, v in rows.items() if k not in held]
    if changed:
        session.execute(update(model), changed)
    if new:
        session.execute(insert(model.__table__), new)
    return ids_by_oruk(session, model, tenant_id) if new else held


def ensure_our_taxonomies(session: Session, tenant_id: int, sectors: Iterable[str] = ()) -> None:
    """Safety Net's taxonomies and their terms in this area (and any new sectors)."""
    taxonomies = {
        tx.taxonomy_id(name): {
            "oruk_id": tx.taxonomy_id(name),
            "name": name,
            "description": tx.DESCRIPTIONS[name],
            "uri": None,
            "version": "1",
        }  # fmt: skip
        for name in tx.TERMS
    }
    taxonomy_ids = _upsert(session, DirectoryTaxonomy, tenant_id, taxonomies)
    wanted = [(t, term) for t, names in tx.TERMS.items() for term in names]
    wanted += [(tx.SECTOR, s) for s in sorted(set(sectors)) if s not in tx.SECTORS]
    held = ids_by_oruk(session, DirectoryTaxonomyTerm, tenant_id)
    new = [
        {
            "tenant_id": tenant_id,
            "oruk_id": tx.term_id(t, term),
            "taxonomy_id": taxonomy_ids[tx.taxonomy_id(t)],
            "taxonomy": t,
            "term": term,
        }  # fmt: skip
        for t, term in wanted
        if tx.term_id(t, term) not in held
    ]
    if new:
        session.execute(insert(cast(Table, DirectoryTaxonomyTerm.__table__)), new)


def _write_terms(session: Session, tenant_id: int, batch: Batch) -> dict[str, int]:
    taxonomy_ids = _upsert(session, DirectoryTaxonomy, tenant_id, batch.taxonomies)
    rows = {}
    for oruk_id, row in batch.terms.items():
        values = dict(row)
        values["taxonomy_id"] = taxonomy_ids.get(values.pop("taxonomy_oruk_id") or "")
        rows[oruk_id] = values
    return _upsert(session, DirectoryTaxonomyTerm, tenant_id, rows)


def _replace_services(session: Session, tenant_id: int, batch: Batch, orgs: dict) -> dict:
    """Drop services held under the batch's ORUK ids, insert the batch's; ORUK id -> id."""
    wanted = [s["oruk_id"] for s in batch.services]
    for part in chunks(wanted):
        session.execute(
            delete(DirectoryService).where(
                DirectoryService.tenant_id == tenant_id, DirectoryService.oruk_id.in_(part)
            )
        )
    rows = []
    for s in batch.services:
        values = {k: v for k, v in s.items() if k != "organisation_oruk_id"}
        values["organisation_id"] = orgs.get(s["organisation_oruk_id"] or "")
        rows.append({"tenant_id": tenant_id, **values})
    for part in chunks(rows, 5000):
        session.execute(insert(cast(Table, DirectoryService.__table__)), part)
    return ids_by_oruk(session, DirectoryService, tenant_id)


def _missing(batch: Batch, kind: str, rows: list[dict], key: str, known: dict) -> None:
    for row in rows:
        if row[key] not in known:
            batch.problems.append(
                Problem(
                    "service",
                    row["service"],
                    kind,
                    f"names {key} {row[key]}, which is "
                    "neither in this import nor already in the directory",
                )  # fmt: skip
            )


def _children(batch: Batch, tenant_id: int, services: dict, **parents: tuple) -> list:
    """(model, rows) for each child table, with parents' ORUK ids turned into our ids."""
    out = []
    for model, rows, extra in (
        (DirectoryServiceAtLocation, batch.sals, parents["location"]),
        (DirectoryAttribute, batch.attributes, parents["term"]),
        (DirectorySchedule, batch.schedules, None),
        (DirectoryCostOption, batch.costs, None),
        (DirectoryLanguage, batch.languages, None),
    ):
        built = []
        for row in rows:
            values = {k: v for k, v in row.items() if k not in ("service", "location", "term")}
            values.update(tenant_id=tenant_id, service_id=services[row["service"]])
            if extra is not None:
                column, key, ids = extra
                values[column] = ids[row[key]]
            built.append(values)
        out.append((model, built))
    return out


def write(session: Session, tenant_id: int, batch: Batch) -> Counts:
    """Write the batch into the area, or refuse it whole if anything is wrong."""
    _refuse(batch)
    sectors = [s["sector"] for s in batch.services if s.get("sector")]
    ensure_our_taxonomies(session, tenant_id, sectors)
    orgs = _upsert(session, DirectoryOrganisation, tenant_id, batch.organisations)
    locations = _upsert(session, DirectoryLocation, tenant_id, batch.locations)
    terms = _write_terms(session, tenant_id, batch)
    _missing(batch, "service_at_locations", batch.sals, "location", locations)
    _missing(batch, "attributes", batch.attributes, "term", terms)
    _refuse(batch)
    services = _replace_services(session, tenant_id, batch, orgs)
    children = _children(
        batch, tenant_id, services,
        location=("location_id", "location", locations), term=("term_id", "term", terms),
    )  # fmt: skip
    for model, rows in children:
        for part in chunks(rows, 5000):
            session.execute(insert(model.__table__), part)
    owners = {"service": services, "organisation": orgs, "location": locations}
    write_parts(session, tenant_id, batch, owners)
    return Counts(
        services=len(batch.services),
        organisations=len(batch.organisations),
        locations=len(batch.locations),
        taxonomies=len(batch.taxonomies),
        terms=len(batch.terms),
        contact_names_left_out=batch.parts.names_left_out,
    )


def _clear_parts(session: Session, tenant_id: int, batch: Batch, owners: dict) -> None:
    """Drop the parts of the organisations and locations the batch sends whole (a service's
    parts went with it); a contact's phones go with the contact."""
    for kind, records in (("organisation", batch.organisation_records),
                          ("location", batch.location_records)):  # fmt: skip
        ids = [owners[kind][oruk_id] for oruk_id in records]
        column = details.OWNER_COLUMNS[kind]
        for model in details.MODELS.values():
            if column not in model.__table__.c:
                continue
            for part in chunks(ids):
                session.execute(
                    delete(model).where(
                        model.tenant_id == tenant_id, getattr(model, column).in_(part)
                    )
                )


def _part_rows(batch: Batch, name: str, tenant_id: int, owners: dict) -> list[dict]:
    """The batch's rows of one part table, owners' ORUK ids turned into our ids; refuses an
    id sent twice or already held by another record."""
    columns = details.MODELS[name].__table__.c
    # every row names every owner column (None but one), as a bulk insert wants the same keys
    blank = {c: None for c in details.OWNER_COLUMNS.values() if c in columns}
    rows, seen = [], set()
    for row in batch.parts.tables.get(name, []):
        kind, oruk_id = row["owner"]
        if row["oruk_id"] in seen:
            batch.problems.append(Problem(PART_KINDS[name], row["oruk_id"], "id",
                                          "appears twice in this import"))  # fmt: skip
        seen.add(row["oruk_id"])
        values = blank | {k: v for k, v in row.items() if k != "owner"}
        values.update(tenant_id=tenant_id, **{details.OWNER_COLUMNS[kind]: owners[kind][oruk_id]})
        rows.append(values)
    return rows


def write_parts(session: Session, tenant_id: int, batch: Batch, owners: dict) -> None:
    """Contacts, phones, service areas, funding, accessibility and identifiers, after their
    owners; contacts first, as phones may belong to them."""
    _clear_parts(session, tenant_id, batch, owners)
    for name in ("contacts", "phones", "service_areas", "funding", "accessibility", "identifiers"):
        model = details.MODELS[name]
        rows = _part_rows(batch, name, tenant_id, owners)
        held = ids_by_oruk(session, model, tenant_id)
        for row in rows:
            if row["oruk_id"] in held:
                why = "is already the id of another record in the directory"
                batch.problems.append(Problem(PART_KINDS[name], row["oruk_id"], "id", why))
        _refuse(batch)
        for part in chunks(rows, 5000):
            session.execute(insert(model.__table__), part)
        if name == "contacts":
            owners["contact"] = ids_by_oruk(session, model, tenant_id)


def refresh_statistics(session: Session) -> None:
    """On PostgreSQL, have the planner look at the directory's tables again after an import:
    with the statistics of an empty or much smaller directory it joins tens of thousands of
    rows by nested loops (the `proximity` filter took 12 s instead of 0.1 s just after the
    demo's import). SQLite plans without them. Run after the import's commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = sorted(t for t in Base.metadata.tables if t.startswith("directory_"))
    session.execute(text(f"ANALYZE {', '.join(tables)}"))
    session.commit()


def _refuse(batch: Batch) -> None:
    if batch.problems:
        raise ImportRefused(batch.problems)


class ImportRefused(InvalidInput):
    """A directory import broke the standard: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = [str(p) for p in problems[:20]]
        more = len(problems) - len(shown)
        tail = f" (and {more} more)" if more > 0 else ""
        super().__init__(
            f"The directory import was refused, nothing was saved: {len(problems)} "
            f"problem{'s' if len(problems) != 1 else ''}{tail}. First: {shown[0]}",
            details=shown,
        )
        self.problems = problems

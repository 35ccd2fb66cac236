"""Subject access: everything the product holds about one resident, across every source and
domain, as one readable file (UK GDPR Art. 15).

Sections are found, not listed by hand: every table with a `resident_id` column contributes
its rows, and so does every table with a `record_id` column for the person's records (the
front desk's visits, for one), so a new domain's data about people is included without
changing this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.audit import AuditEvent
from safetynet.errors import InvalidInput, NotFound
from safetynet.exports import neutralise
from safetynet.link.models import LinkDecision, Resident, ResidentRecord
from safetynet.sources.models import Record, Source, SourceImport

# Columns that say nothing about the person, only how the product keeps them.
LEFT_OUT = {"tenant_id", "password_hash", "token_hash", "csrf_secret"}


@dataclass
class SubjectAccess:
    """The sections of a subject-access response, each a list of rows."""

    resident_id: int
    resident_ids: list[int]
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _ids_of(session: Session, tenant_id: int, resident_id: int) -> list[int]:
    """The person's current id first, then every id merged into it (the same person)."""
    resident = session.get(Resident, resident_id)
    if resident is None or resident.tenant_id != tenant_id:
        raise NotFound(f"There is no resident {resident_id} in this area.")
    seen = {resident.id}
    while resident.merged_into_id is not None and resident.merged_into_id not in seen:
        survivor = session.get(Resident, resident.merged_into_id)
        if survivor is None:
            break
        resident = survivor
        seen.add(resident.id)
    ids, frontier = {resident.id}, [resident.id]
    while frontier:
        merged = session.scalars(select(Resident.id).where(Resident.merged_into_id.in_(frontier)))
        frontier = [i for i in merged if i not in ids]
        ids.update(frontier)
    return [resident.id, *sorted(ids - {resident.id})]


def _row(obj: Any, columns: list[str]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns if c not in LEFT_OUT}


def collect(session: Session, tenant_id: int, resident_id: int) -> SubjectAccess:
    """Gather every section about the resident (nothing is written)."""
    from safetynet import migrations

    ids = _ids_of(session, tenant_id, resident_id)
    found = SubjectAccess(ids[0], ids)
    found.sections["records"] = _records(session, ids)
    metadata = migrations.model_metadata()
    record_ids = [r["id"] for r in found.sections["records"]]
    for table in metadata.sorted_tables:
        if table.name == "resident_records":
            continue
        if "resident_id" in table.c:
            found.sections[table.name] = _rows_about(session, table, ids)
        elif "record_id" in table.c:
            found.sections[table.name] = _rows_about(session, table, record_ids, "record_id")
    found.sections["link_decisions"] = _decisions(session, tenant_id, found.sections["records"])
    found.sections["audit_events"] = _audit(session, tenant_id, ids)
    return found


def _records(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Record, Source.name, SourceImport.file_name, SourceImport.imported_at)
        .join(ResidentRecord, ResidentRecord.record_id == Record.id)
        .join(Source, Source.id == Record.source_id)
        .join(SourceImport, SourceImport.id == Record.import_id)
        .where(ResidentRecord.resident_id.in_(ids))
        .order_by(Record.id)
    ).all()
    columns = [c.name for c in Record.__table__.columns]
    return [
        {"source": name, "file": file, "imported_at": at, **_row(record, columns)}
        for record, name, file, at in rows
    ]


def _rows_about(
    session: Session, table: Table, ids: list[int], column: str = "resident_id"
) -> list[dict[str, Any]]:
    rows = session.execute(select(table).where(table.c[column].in_(ids))).mappings()
    return [{k: v for k, v in row.items() if k not in LEFT_OUT} for row in rows]


def _decisions(session: Session, tenant_id: int, records: list[dict]) -> list[dict[str, Any]]:
    keys = {
        f"{r['source_id']}:{r['person_ref']}" if r["person_ref"] else f"#{r['id']}" for r in records
    }
    if not keys:
        return []
    rulings = session.scalars(
        select(LinkDecision).where(
            LinkDecision.tenant_id == tenant_id,
            or_(LinkDecision.key_l.in_(keys), LinkDecision.key_r.in_(keys)),
        )
    )
    columns = [c.name for c in LinkDecision.__table__.columns]
    return [_row(r, columns) for r in rulings]


def _audit(session: Session, tenant_id: int, ids: list[int]) -> list[dict[str, Any]]:
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.tenant_id == tenant_id,
            AuditEvent.entity_type == "resident",
            AuditEvent.entity_id.in_(ids),
        )
        .order_by(AuditEvent.id)
    )
    columns = ["occurred_at", "actor", "action", "reason"]
    return [_row(e, columns) for e in events]


def export(
    session: Session,
    tenant_id: int,
    resident_id: int,
    out: Path,
    *,
    actor: str,
    reason: str,
    user_id: int | None = None,
) -> SubjectAccess:
    """Write the resident's subject-access file (XLSX, a sheet per section; or JSON) and
    audit it with its reason."""
    if not reason.strip():
        raise InvalidInput("Give the reason for the export (e.g. the request's reference).")
    if out.suffix.lower() not in (".xlsx", ".json"):
        raise InvalidInput(f"Write the file as .xlsx or .json, not {out.suffix or 'no suffix'}.")
    found = collect(session, tenant_id, resident_id)
    (_write_json if out.suffix.lower() == ".json" else _write_xlsx)(found, out)
    audit.record(
        session,
        actor=actor,
        action="privacy.subject_access",
        entity_type="resident",
        entity_id=resident_id,
        tenant_id=tenant_id,
        user_id=user_id,
        reason=reason,
        detail={s: len(rows) for s, rows in found.sections.items()},
    )
    session.commit()
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def _write_json(found: SubjectAccess, out: Path) -> None:
    import json

    body = {
        "resident_id": found.resident_id,
        "also_known_as": [i for i in found.resident_ids if i != found.resident_id],
        **found.sections,
    }
    out.write_text(json.dumps(body, default=str, indent=2, ensure_ascii=False), encoding="utf-8")


def _write_xlsx(found: SubjectAccess, out: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out))
    summary = book.add_worksheet("Summary")
    summary.write_row(0, 0, ["Section", "Rows"])
    for n, (name, rows) in enumerate(found.sections.items(), start=1):
        summary.write_row(n, 0, [name, len(rows)])
        sheet = book.add_worksheet(name[:31])
        headings = sorted({k for row in rows for k in row}, key=lambda k: (k != "id", k))
        sheet.write_row(0, 0, headings)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, [neutralise(_plain(row.get(h))) for h in headings])
    book.close()

"""The sources domain's public face: import, list, undo, and read back an import's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, desc, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.db import utcnow
from safetynet.errors import Conflict, NotFound
from safetynet.exports import write_table
from safetynet.sources.imports import (
    ImportOutcome,
    ImportRefused,
    ImportRequest,
    run_import,
)
from safetynet.sources.models import (
    ImportIssue,
    ImportStatus,
    Record,
    RejectedRow,
    Source,
    SourceImport,
    SourceMode,
)

__all__ = [
    "ImportOutcome",
    "ImportRefused",
    "ImportRequest",
    "run_import",
    "list_imports",
    "undo_import",
    "get_import",
    "import_issues",
    "rejected_rows",
    "list_sources",
    "current_records_count",
    "export_rejected",
]


@dataclass
class ImportRow:
    """One line of the import history."""

    id: int
    organisation: str
    source: str
    kind: str
    version: int
    status: str
    file_name: str
    rows_loaded: int
    rows_rejected: int
    warnings: int
    imported_at: datetime
    imported_by: str


def list_imports(
    session: Session, *, source: str | None = None, limit: int = 50
) -> list[ImportRow]:
    """The latest imports, newest first, optionally for one source name."""
    query = select(SourceImport, Source).join(Source).order_by(desc(SourceImport.id)).limit(limit)
    if source:
        query = query.where(Source.name == source)
    return [
        ImportRow(
            i.id,
            s.organisation.slug,
            s.name,
            s.kind,
            i.version,
            i.status,
            i.file_name,
            i.rows_loaded,
            i.rows_rejected,
            i.warnings,
            i.imported_at,
            i.imported_by,
        )
        for i, s in session.execute(query).all()
    ]


def get_import(session: Session, import_id: int) -> SourceImport:
    """The import with this id."""
    found = session.get(SourceImport, import_id)
    if found is None:
        raise NotFound(f"There is no import {import_id}. `safetynet import list` shows them.")
    return found


def undo_import(session: Session, import_id: int, *, reason: str, actor: str) -> SourceImport:
    """Withdraw an import whole: its records go; a snapshot's previous version is current again."""
    found = get_import(session, import_id)
    if found.status == ImportStatus.WITHDRAWN:
        raise Conflict(f"Import {import_id} was already withdrawn on {found.ended_at:%d %B %Y}.")
    was_active = found.status == ImportStatus.ACTIVE
    for model in (Record, ImportIssue, RejectedRow):
        session.execute(delete(model).where(model.import_id == import_id))
    found.status = ImportStatus.WITHDRAWN
    found.ended_at, found.ended_by, found.ended_reason = utcnow(), actor, reason
    reinstated = _reinstate_previous(session, found) if was_active else None
    audit.record(
        session,
        actor=actor,
        action="import.undo",
        entity_type="import",
        entity_id=found.id,
        tenant_id=found.tenant_id,
        reason=reason,
        detail={"reinstated_import_id": reinstated.id if reinstated else None},
    )
    session.commit()
    return found


def _reinstate_previous(session: Session, withdrawn: SourceImport) -> SourceImport | None:
    query = select(SourceImport).where(
        SourceImport.source_id == withdrawn.source_id,
        SourceImport.status == ImportStatus.SUPERSEDED,
    )
    if withdrawn.source.mode == SourceMode.APPEND:
        query = query.where(SourceImport.file_sha256 == withdrawn.file_sha256)
    previous = session.scalar(query.order_by(desc(SourceImport.version)).limit(1))
    if previous is not None:
        previous.status = ImportStatus.ACTIVE
    return previous


def import_issues(
    session: Session, import_id: int, *, severity: str | None = None, limit: int = 1000
) -> list[ImportIssue]:
    """The problems found in an import, in row order."""
    get_import(session, import_id)
    query = select(ImportIssue).where(ImportIssue.import_id == import_id)
    if severity:
        query = query.where(ImportIssue.severity == severity)
    return list(
        session.scalars(query.order_by(ImportIssue.row_number, ImportIssue.id).limit(limit))
    )


def rejected_rows(session: Session, import_id: int) -> list[RejectedRow]:
    """Rows left out by --skip-invalid-rows, with their raw cells and reasons."""
    get_import(session, import_id)
    return list(
        session.scalars(
            select(RejectedRow)
            .where(RejectedRow.import_id == import_id)
            .order_by(RejectedRow.row_number)
        )
    )


def list_sources(session: Session) -> list[Source]:
    """Every source, by organisation then name."""
    return list(session.scalars(select(Source).order_by(Source.organisation_id, Source.name)))


def current_records_count(session: Session, source_id: int) -> int:
    """How many records the source holds now (its active imports)."""
    from sqlalchemy import func

    return (
        session.scalar(
            select(func.count(Record.id))
            .join(SourceImport, Record.import_id == SourceImport.id)
            .where(Record.source_id == source_id, SourceImport.status == ImportStatus.ACTIVE)
        )
        or 0
    )


def export_rejected(
    session: Session, import_id: int, path: Path, *, reason: str, actor: str
) -> int:
    """Write an import's rejected rows (raw cells + reasons) to CSV/XLSX; audited."""
    found = get_import(session, import_id)
    rows = rejected_rows(session, import_id)
    header = ["row", "reasons", *(rows[0].raw.keys() if rows else [])]
    body = ([r.row_number, r.reasons, *r.raw.values()] for r in rows)
    count = write_table(path, header, body)
    audit.record(
        session,
        actor=actor,
        action="export.rejected_rows",
        entity_type="import",
        entity_id=found.id,
        tenant_id=found.tenant_id,
        reason=reason,
        detail={"rows": count, "format": path.suffix.lstrip(".")},
    )
    session.commit()
    return count

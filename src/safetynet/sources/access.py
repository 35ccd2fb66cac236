"""Sources and imports as a signed-in caller sees them: scoped reads and uploads.

Partners see their own organisation's sources and imports; council staff see their area's.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager

from safetynet.accounts.models import Organisation
from safetynet.accounts.permissions import Principal
from safetynet.accounts.service import get_organisation
from safetynet.errors import InvalidInput, NotFound
from safetynet.sources.imports import ImportOutcome, ImportRequest, run_import
from safetynet.sources.models import ImportIssue, ImportStatus, Source, SourceImport


@dataclass
class SourceSummary:
    """A source with its organisation, current records and latest version."""

    source: Source
    organisation: str
    records: int
    imports: int
    latest_version: int


def readable_sources(principal: Principal) -> Select[Any]:
    """The sources the caller may see: their area's (council) or their own organisation's."""
    return select(Source).where(principal.scope(Source.tenant_id, Source.organisation_id))


def readable_imports(principal: Principal) -> Select[Any]:
    """The imports the caller may see: of the sources they may see."""
    return select(SourceImport).where(
        SourceImport.source_id.in_(readable_sources(principal).with_only_columns(Source.id))
    )


def sources(session: Session, principal: Principal) -> list[SourceSummary]:
    """The caller's visible sources with their current record counts."""
    principal.require("sources.view")
    counts = dict(
        session.execute(
            select(SourceImport.source_id, func.sum(SourceImport.rows_loaded))
            .where(SourceImport.status == ImportStatus.ACTIVE)
            .group_by(SourceImport.source_id)
        ).all()
    )
    versions = {
        sid: (n, v)
        for sid, n, v in session.execute(
            select(SourceImport.source_id, func.count(), func.max(SourceImport.version)).group_by(
                SourceImport.source_id
            )
        ).all()
    }
    query = (
        readable_sources(principal)
        .add_columns(Organisation.name)
        .join(Organisation)
        .order_by(Organisation.name, Source.name)
    )
    return [
        SourceSummary(s, org, int(counts.get(s.id) or 0), *versions.get(s.id, (0, 0)))
        for s, org in session.execute(query).all()
    ]


def get_source(session: Session, principal: Principal, source_id: int) -> Source:
    """One source within the caller's scope (404 outside it)."""
    principal.require("sources.view")
    source = session.scalar(readable_sources(principal).where(Source.id == source_id))
    if source is None:
        raise NotFound(f"There is no source with id {source_id}.")
    return source


def imports(
    session: Session, principal: Principal, *, source_id: int | None = None, limit: int = 100
) -> list[SourceImport]:
    """The caller's visible imports, newest first (optionally of one source)."""
    principal.require("imports.view")
    query = (
        readable_imports(principal)
        .join(Source)
        .options(contains_eager(SourceImport.source).joinedload(Source.organisation))
        .order_by(SourceImport.id.desc())
        .limit(limit)
    )
    if source_id is not None:
        query = query.where(SourceImport.source_id == source_id)
    return list(session.scalars(query))


def get_import(session: Session, principal: Principal, import_id: int) -> SourceImport:
    """One import within the caller's scope (404 outside it)."""
    principal.require("imports.view")
    found = session.scalar(readable_imports(principal).where(SourceImport.id == import_id))
    if found is None:
        raise NotFound(f"There is no import with id {import_id}.")
    return found


def issues(
    session: Session, principal: Principal, import_id: int, *, limit: int = 100
) -> list[ImportIssue]:
    """The first problems found in one visible import, in row order."""
    get_import(session, principal, import_id)
    query = (
        select(ImportIssue)
        .where(ImportIssue.import_id == import_id)
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def upload_organisations(session: Session, principal: Principal) -> list[Organisation]:
    """Organisations the caller may import for: their area's (council) or their own."""
    principal.require("imports.create")
    query = select(Organisation).where(principal.scope(Organisation.tenant_id, Organisation.id))
    return list(session.scalars(query.order_by(Organisation.name)))


def import_file(session: Session, principal: Principal, request: ImportRequest) -> ImportOutcome:
    """Import a file for an organisation in the caller's scope, as the caller."""
    principal.require("imports.create")
    principal.check_organisation(get_organisation(session, request.organisation))
    return run_import(session, request, actor=principal.actor)


def import_count(session: Session, principal: Principal) -> int:
    """Imports on record (any status) within the caller's scope."""
    principal.require("imports.view")
    query = (
        select(func.count(SourceImport.id))
        .join(Source)
        .where(principal.scope(Source.tenant_id, Source.organisation_id))
    )
    return session.scalar(query) or 0


def record_count(session: Session, principal: Principal) -> int:
    """Current records (active imports) within the caller's scope."""
    principal.require("sources.view")
    return (
        session.scalar(
            select(func.coalesce(func.sum(SourceImport.rows_loaded), 0))
            .join(Source)
            .where(
                SourceImport.status == ImportStatus.ACTIVE,
                principal.scope(Source.tenant_id, Source.organisation_id),
            )
        )
        or 0
    )


def upload_path(folder: Path, file_name: str) -> Path:
    """Where to keep an upload: a new random folder (outside any served one), safe file name."""
    import re
    import secrets

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name).name).lstrip(".")[:120] or "upload"
    target = folder / secrets.token_hex(16)
    target.mkdir(parents=True, exist_ok=False)
    return target / safe


def keep_upload(upload: Any, settings: Any) -> Path:
    """Keep a web or API upload (`UploadFile`) under the data folder's `uploads`, checked
    against `SAFETYNET_UPLOAD_MAX_BYTES`: its path (see `save_upload`)."""
    folder = settings.data_dir / "uploads"
    return save_upload(upload.file, upload.filename or "upload", folder, settings.upload_max_bytes)


def save_upload(stream: BinaryIO, file_name: str, folder: Path, limit: int) -> Path:
    """Keep an upload under a random folder; refuse it (keeping nothing) past `limit` bytes."""
    path = upload_path(folder, file_name)
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise InvalidInput(
            f"{file_name} is more than {limit:,} bytes, the most this service accepts in one "
            "upload. Split the file, or ask an analyst to import it with the command line."
        )
    return path


ACCEPTED_SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


def check_upload_type(path: Path, file_name: str) -> None:
    """Refuse a file whose name or content is not CSV, XLSX or Parquet (content decides)."""
    from safetynet.sources.readers import FileProblem, sniff_format

    suffix = Path(file_name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise FileProblem(
            f"{file_name} is not a CSV, XLSX or Parquet file. Save the list in one of those "
            "formats and upload it again."
        )
    sniffed = sniff_format(path)
    with path.open("rb") as handle:
        head = handle.read(8192)
    if sniffed == "csv" and b"\x00" in head:
        raise FileProblem(
            f"{file_name} is not a text (CSV) file: its content is binary. Upload the list as "
            "CSV, XLSX or Parquet."
        )
    if sniffed != ACCEPTED_SUFFIXES[suffix]:
        raise FileProblem(
            f"{file_name} is named like a {ACCEPTED_SUFFIXES[suffix].upper()} file but its "
            f"content is {sniffed.upper()}. Check you chose the right file."
        )

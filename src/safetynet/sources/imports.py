"""Importing one partner file into a source: all or nothing, under a data-sharing agreement."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Organisation
from safetynet.accounts.service import covering_agreement, get_organisation
from safetynet.config import get_settings
from safetynet.db import refresh_statistics
from safetynet.errors import Conflict, InvalidInput, check_length
from safetynet.sources import store
from safetynet.sources.mapping import Mapping, build_mapping, read_mapping_file
from safetynet.sources.models import (
    APPEND_KINDS,
    ImportStatus,
    Source,
    SourceImport,
    SourceKind,
    SourceMode,
)
from safetynet.sources.readers import FileProblem, OpenedFile, open_table
from safetynet.sources.validate import BatchResult, Validator, reason_label

SAMPLE_ISSUES = 200
BULK_ROWS = 1_000  # an import this big refreshes the store's statistics (see db.refresh_statistics)


@dataclass
class ImportRequest:
    """What the user asked to load, and how."""

    path: Path
    organisation: str
    source: str
    kind: str | None = None
    mode: str | None = None
    mapping_file: Path | None = None
    sheet: str | None = None
    skip_invalid_rows: bool = False
    replace: bool = False
    dry_run: bool = False


@dataclass
class ImportOutcome:
    """What happened: counts, the mapping used, the first issues and the commonest reasons."""

    file_name: str
    file_format: str
    organisation: str
    source: str
    mapping: Mapping
    import_id: int | None = None
    version: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    errors: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    reasons: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    notices: list[str] = field(default_factory=list)
    dry_run: bool = False

    def top_reasons(self, severity: str, n: int = 3) -> list[tuple[str, int]]:
        """The commonest problems of one severity, as (description, count)."""
        picked = [
            (reason_label(fld, code), count)
            for (sev, fld, code), count in self.reasons.most_common()
            if sev == severity
        ]
        return picked[:n]


class ImportRefused(InvalidInput):
    """The file has errors and nothing was written; the outcome holds the report."""

    def __init__(self, message: str, outcome: ImportOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


Progress = Callable[[int], None]


def run_import(
    session: Session,
    request: ImportRequest,
    *,
    actor: str,
    progress: Progress | None = None,
    on_mapping: Callable[[ImportOutcome], None] | None = None,
) -> ImportOutcome:
    """Read, map, standardise, validate and store a partner file in one transaction."""
    organisation = get_organisation(session, request.organisation)
    overrides = read_mapping_file(request.mapping_file) if request.mapping_file else {}
    opened = open_partner_file(request.path, overrides, request.sheet)
    mapping = build_mapping(
        opened.header,
        overrides,
        file_name=opened.path.name,
        mapping_name=str(request.mapping_file or "mapping"),
    )
    outcome = ImportOutcome(
        opened.path.name,
        opened.format,
        organisation.slug,
        request.source,
        mapping,
        dry_run=request.dry_run,
    )
    outcome.notices += _notices(mapping)
    if on_mapping:
        on_mapping(outcome)
    try:
        return _load(session, request, organisation, opened, outcome, actor, progress)
    except BaseException:
        session.rollback()
        raise


def open_partner_file(path: Path, overrides: dict[str, Any], sheet: str | None) -> OpenedFile:
    """Open a partner file with the mapping file's reading options, within the size limit."""
    options = overrides.get("options") or {}
    limit = get_settings().import_max_bytes
    size = path.stat().st_size if path.is_file() else 0
    if size > limit:
        raise FileProblem(
            f"{path.name} is {size:,} bytes, more than the {limit:,} allowed "
            "(SAFETYNET_IMPORT_MAX_BYTES)."
        )
    return open_table(
        path,
        sheet=sheet or options.get("sheet"),
        batch_rows=get_settings().import_batch_rows,
        encoding=options.get("encoding"),
        delimiter=options.get("delimiter"),
    )


def _notices(mapping: Mapping) -> list[str]:
    if not {"dob", "postcode", "address"} & set(mapping.columns):
        return [
            "This file has no date of birth, postcode or address: its people will be hard "
            "to link to other lists."
        ]
    return []


def _load(
    session: Session,
    request: ImportRequest,
    organisation: Organisation,
    opened: OpenedFile,
    outcome: ImportOutcome,
    actor: str,
    progress: Progress | None,
) -> ImportOutcome:
    agreement = covering_agreement(session, organisation, outcome.mapping.fields(), on=date.today())
    source = _source(session, organisation, request)
    digest, size = file_digest(opened.path)
    twin = _identical_import(session, source, digest)
    if twin is not None and not request.replace:
        raise Conflict(
            f"{opened.path.name} is identical to import {twin.id} (version {twin.version}) of "
            f"source '{source.name}', loaded on {twin.imported_at:%d %B %Y}. Nothing was "
            "imported. To load it again as a new version, add --replace."
        )
    version = (
        session.scalar(
            select(func.max(SourceImport.version)).where(SourceImport.source_id == source.id)
        )
        or 0
    ) + 1
    record = SourceImport(
        tenant_id=organisation.tenant_id,
        source_id=source.id,
        agreement_id=agreement.id,
        version=version,
        status=ImportStatus.ACTIVE,
        file_name=opened.path.name,
        file_format=opened.format,
        file_sha256=digest,
        file_bytes=size,
        sheet=opened.sheet,
        mapping=outcome.mapping.as_dict() | {"formats": {}},
        imported_by=actor,
    )
    session.add(record)
    session.flush()
    validator = _stream(session, opened, outcome, record, request, progress)
    _finish(session, request, outcome, record, source, validator, twin, actor)
    return outcome


def _source(session: Session, organisation: Organisation, request: ImportRequest) -> Source:
    source = session.scalar(
        select(Source).where(
            Source.organisation_id == organisation.id, Source.name == request.source
        )
    )
    if source is not None:
        if source.kind == SourceKind.FRONT_DESK:
            raise InvalidInput(
                f"'{source.name}' is {organisation.name}'s front desk: its records are typed "
                "at the front desk, not imported. Import this file into another source."
            )
        if request.kind and request.kind != source.kind:
            raise InvalidInput(
                f"Source '{source.name}' of {organisation.name} holds "
                f"{source.kind} records, not {request.kind}."
            )
        return source
    check_length("A source's name", request.source, 100)
    if not request.kind:
        raise InvalidInput(
            f"{organisation.name} has no source called '{request.source}'. To "
            "create it with this import, say what it holds with --kind "
            f"({', '.join(SourceKind)})."
        )
    if request.kind not in set(SourceKind):
        raise InvalidInput(f"Kind '{request.kind}' is not one of: {', '.join(SourceKind)}.")
    if request.kind == SourceKind.FRONT_DESK:
        raise InvalidInput(
            "Front-desk records are typed at the front desk (/front-desk), not imported from "
            "a file. Import this list under another kind."
        )
    mode = request.mode or (
        SourceMode.APPEND if request.kind in APPEND_KINDS else SourceMode.SNAPSHOT
    )
    if mode not in set(SourceMode):
        raise InvalidInput(f"Mode '{mode}' is not one of: {', '.join(SourceMode)}.")
    source = Source(
        tenant_id=organisation.tenant_id,
        organisation_id=organisation.id,
        name=request.source,
        kind=request.kind,
        mode=mode,
    )
    session.add(source)
    session.flush()
    return source


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 of the file's bytes and its size: the same file imported twice is spotted."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _identical_import(session: Session, source: Source, digest: str) -> SourceImport | None:
    return session.scalar(
        select(SourceImport).where(
            SourceImport.source_id == source.id,
            SourceImport.file_sha256 == digest,
            SourceImport.status == ImportStatus.ACTIVE,
        )
    )


def _stream(
    session: Session,
    opened: OpenedFile,
    outcome: ImportOutcome,
    record: SourceImport,
    request: ImportRequest,
    progress: Progress | None,
) -> Validator:
    """Validate batch after batch; each batch is written while the next one is validated."""
    validator = Validator(outcome.mapping, opened.header)
    bulk = store.Bulk.of(session)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        pending: Future[None] | None = None
        for batch in opened.batches:
            result = validator.run(batch)
            outcome.rows_read += len(batch.rows)
            _tally(outcome, result.issues)
            if (request.skip_invalid_rows or outcome.errors == 0) and not request.dry_run:
                if pending:
                    pending.result()  # one writer at a time; re-raises its failure here
                result.records = with_keys(bulk, record, result.records)
                pending = writer.submit(write_batch, bulk, record.id, result)
            outcome.rows_rejected += result.rejected.height
            outcome.rows_loaded += result.records.height
            if progress:
                progress(outcome.rows_read)
        if pending:
            pending.result()
    return validator


def with_keys(bulk: store.Bulk, record: SourceImport, records: pl.DataFrame) -> pl.DataFrame:
    """Records with their import, source, tenant and household ids (households made here)."""
    keys = store.household_keys(records, record.source_id)
    return records.with_columns(
        store.assign_households(bulk, record.tenant_id, keys).alias("household_id"),
        *store.search_key_columns(records),
        pl.lit(record.tenant_id).alias("tenant_id"),
        pl.lit(record.source_id).alias("source_id"),
        pl.lit(record.id).alias("import_id"),
    )


def write_batch(bulk: store.Bulk, import_id: int, result: BatchResult) -> None:
    """Append a validated batch's records, issues and rejected rows to the import."""
    ids = pl.lit(import_id).alias("import_id")
    bulk.write_rows("records", store.RECORD_COLUMNS, result.records)
    bulk.write_rows("import_issues", store.ISSUE_COLUMNS, result.issues.with_columns(ids))
    bulk.write_rows("rejected_rows", store.REJECTED_COLUMNS, result.rejected.with_columns(ids))


def _tally(outcome: ImportOutcome, issues: pl.DataFrame) -> None:
    if issues.is_empty():
        return
    counts = issues.group_by("severity", "field", "code").len()
    for severity, fld, code, n in counts.iter_rows():
        outcome.reasons[(severity, fld or "row", code)] += n
    outcome.errors += issues.filter(pl.col("severity") == "error").height
    outcome.warnings += issues.filter(pl.col("severity") == "warning").height
    room = SAMPLE_ISSUES - len(outcome.sample)
    if room > 0:
        ordered = issues.sort("severity", "row_number")  # errors before warnings
        outcome.sample += ordered.head(room).to_dicts()


def _finish(
    session: Session,
    request: ImportRequest,
    outcome: ImportOutcome,
    record: SourceImport,
    source: Source,
    validator: Validator,
    twin: SourceImport | None,
    actor: str,
) -> None:
    name = outcome.file_name
    if outcome.rows_read == 0:
        raise FileProblem(f"{name} has a header row but no data rows: there is nothing to import.")
    if outcome.errors and not request.skip_invalid_rows:
        rows = outcome.rows_rejected
        raise ImportRefused(
            f"{name}: {rows:,} of {outcome.rows_read:,} rows have errors, so nothing was "
            "imported. Fix them in the file and import it again, or add --skip-invalid-rows "
            "to load the valid rows and keep the rest aside for correction.",
            outcome,
        )
    if outcome.rows_loaded == 0:
        raise ImportRefused(f"{name}: every row has errors; nothing was imported.", outcome)
    if request.dry_run:
        session.rollback()
        return
    _supersede(session, source, record, twin)
    record.rows_read, record.rows_loaded = outcome.rows_read, outcome.rows_loaded
    record.rows_rejected, record.warnings = outcome.rows_rejected, outcome.warnings
    record.mapping = outcome.mapping.as_dict() | {"formats": validator.formats}
    record.summary = {
        "reasons": [[*key, n] for key, n in outcome.reasons.most_common()],
        "notices": outcome.notices,
    }
    audit.record(
        session,
        actor=actor,
        action="import.create",
        entity_type="import",
        entity_id=record.id,
        tenant_id=record.tenant_id,
        detail={
            "source_id": source.id,
            "rows_loaded": outcome.rows_loaded,
            "rows_rejected": outcome.rows_rejected,
            "version": record.version,
        },
    )
    session.commit()
    outcome.import_id, outcome.version = record.id, record.version
    if outcome.rows_loaded >= BULK_ROWS:
        refresh_statistics(session, "records", "households", "imports")


def _supersede(
    session: Session, source: Source, record: SourceImport, twin: SourceImport | None
) -> None:
    """A snapshot replaces every earlier version; an append replaces only its identical twin."""
    if source.mode == SourceMode.SNAPSHOT:
        earlier = session.scalars(
            select(SourceImport).where(
                SourceImport.source_id == source.id,
                SourceImport.status == ImportStatus.ACTIVE,
                SourceImport.id != record.id,
            )
        )
        for old in earlier:
            old.status = ImportStatus.SUPERSEDED
    elif twin is not None:
        twin.status = ImportStatus.SUPERSEDED

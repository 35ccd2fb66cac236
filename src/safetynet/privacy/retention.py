"""Retention: records kept past their data-sharing agreement's retention period are deleted,
with a report of what went (UK GDPR storage limitation).

When a record's clock starts depends on its list:
- a list replaced or withdrawn (an ended import): from the day it ended;
- the current version of a caseload snapshot: from the day it was imported (a snapshot no
  partner has refreshed in the retention period is stale);
- the current version of an attendance log: from each visit's date (else the import's).
Rows kept aside as rejected go with their import's records. Residents keep their ids (outreach
history refers to them) but no personal data once their records are gone.

Self-checks residents shared for a call back (kept with their consent, under no agreement) go
`SAFETYNET_CALLBACK_RETENTION_DAYS` after the call-back was closed, with their history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import DataSharingAgreement, Tenant
from safetynet.config import get_settings
from safetynet.entitlements import callbacks
from safetynet.link.models import ResidentRecord, ReviewPair
from safetynet.sources.models import ImportStatus, Record, RejectedRow, Source, SourceImport

# Why a record's clock ran out, by the rule that started it (see the module's docstring).
REASONS = {
    "ended": "list replaced or withdrawn",
    "stale": "snapshot not refreshed within the period",
    "visits": "visits older than the period",
}


@dataclass
class SourceDue:
    """What one source has past retention, for one reason."""

    source: str
    agreement: str
    retention_days: int
    reason: str = "ended"
    records: int = 0
    rejected_rows: int = 0
    links: int = 0  # the records' places in residents (resident_records)
    review_pairs: int = 0

    @property
    def why(self) -> str:
        """The reason in words."""
        return REASONS[self.reason]


@dataclass
class RetentionReport:
    """What a retention run found (and, unless a dry run, deleted)."""

    as_of: date
    dry_run: bool
    sources: list[SourceDue] = field(default_factory=list)
    call_backs: int = 0  # closed call-backs past `callback_retention_days`
    call_back_days: int = 0

    @property
    def records(self) -> int:
        """Records past retention, all sources."""
        return sum(s.records for s in self.sources)

    @property
    def tables(self) -> dict[str, int]:
        """Rows past retention (or deleted) by table."""
        return {
            "records": self.records,
            "resident_records": sum(s.links for s in self.sources),
            "review_pairs": sum(s.review_pairs for s in self.sources),
            "rejected_rows": sum(s.rejected_rows for s in self.sources),
        }


def _cutoff(days: int, as_of: date) -> datetime:
    return datetime.combine(as_of - timedelta(days=days), time.min, tzinfo=timezone.utc)  # noqa: UP017


def _due_records(session: Session, imp: SourceImport, mode: str, days: int, as_of: date):
    """A query of the import's record ids past retention on `as_of`."""
    cutoff = _cutoff(days, as_of)
    query = select(Record.id).where(Record.import_id == imp.id)
    if imp.status != ImportStatus.ACTIVE:
        ended = _ended_at(session, imp, mode)
        return query if ended and ended < cutoff else None
    if mode == "snapshot":
        return query if imp.imported_at < cutoff else None
    oldest_kept = as_of - timedelta(days=days)
    visited = Record.visit_date < oldest_kept
    undated = Record.visit_date.is_(None) & (imp.imported_at < cutoff)
    return query.where(or_(visited, undated))


def _ended_at(session: Session, imp: SourceImport, mode: str) -> datetime | None:
    """When a list stopped being current: withdrawn (its `ended_at`), or replaced — a
    superseded import records no end, so it ended when the version replacing it came in (for
    a snapshot, the next version; for an appended list, the next import of the same file)."""
    if imp.ended_at is not None:
        return imp.ended_at
    later = select(func.min(SourceImport.imported_at)).where(
        SourceImport.source_id == imp.source_id, SourceImport.version > imp.version
    )
    if mode != "snapshot":
        later = later.where(SourceImport.file_sha256 == imp.file_sha256)
    found: datetime | None = session.scalar(later)
    if found is not None and found.tzinfo is None:  # SQLite hands times back naive (UTC)
        found = found.replace(tzinfo=timezone.utc)  # noqa: UP017
    return found


def _reason(imp: SourceImport, mode: str) -> str:
    if imp.status != ImportStatus.ACTIVE:
        return "ended"
    return "stale" if mode == "snapshot" else "visits"


@dataclass
class _Rows:
    """Rows past retention (or deleted) for one import, by table."""

    records: int = 0
    links: int = 0
    review_pairs: int = 0
    rejected_rows: int = 0


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), 5_000):
        yield ids[start : start + 5_000]


def _pairs_naming(chunk: list[int]) -> Any:
    return or_(ReviewPair.record_id_l.in_(chunk), ReviewPair.record_id_r.in_(chunk))


def _count(
    session: Session, record_ids: list[int], ended_import: int | None, pairs_seen: set[int]
) -> _Rows:
    """What deleting these records would take with them (a dry run: nothing changes)."""
    rows = _Rows(records=len(record_ids))
    for chunk in _chunks(record_ids):
        rows.links += (
            session.scalar(select(func.count()).where(ResidentRecord.record_id.in_(chunk))) or 0
        )
        named = set(session.scalars(select(ReviewPair.id).where(_pairs_naming(chunk))))
        rows.review_pairs += len(named - pairs_seen)  # a pair of two due records counts once
        pairs_seen.update(named)
    if ended_import is not None:
        rows.rejected_rows = (
            session.scalar(select(func.count()).where(RejectedRow.import_id == ended_import)) or 0
        )
    return rows


def _delete(
    session: Session, record_ids: list[int], ended_import: int | None, _: set[int]
) -> _Rows:
    """Delete records and what points at them (an ended import's rejected rows too); counts
    what each delete removed, so a run racing another reports only its own deletions."""
    rows = _Rows()

    def run(statement: Any) -> int:
        return int(getattr(session.execute(statement), "rowcount", 0) or 0)

    for chunk in _chunks(record_ids):
        rows.links += run(delete(ResidentRecord).where(ResidentRecord.record_id.in_(chunk)))
        rows.review_pairs += run(delete(ReviewPair).where(_pairs_naming(chunk)))
        rows.records += run(delete(Record).where(Record.id.in_(chunk)))
    if ended_import is not None:
        rows.rejected_rows = run(delete(RejectedRow).where(RejectedRow.import_id == ended_import))
    return rows


def run_retention(
    session: Session,
    tenant: Tenant,
    *,
    actor: str,
    as_of: date,
    dry_run: bool = False,
    user_id: int | None = None,
) -> RetentionReport:
    """Delete (or, with `dry_run`, only count) what the area holds past retention, whole."""
    report = RetentionReport(as_of, dry_run)
    rows = session.execute(
        select(SourceImport, Source, DataSharingAgreement)
        .join(Source, Source.id == SourceImport.source_id)
        .join(DataSharingAgreement, DataSharingAgreement.id == SourceImport.agreement_id)
        .where(SourceImport.tenant_id == tenant.id)
        .order_by(Source.name, SourceImport.version)
    ).all()
    by_source: dict[tuple[int, int, str], SourceDue] = {}
    pairs_seen: set[int] = set()
    for imp, source, agreement in rows:
        due = _due_records(session, imp, source.mode, agreement.retention_days, as_of)
        if due is None:
            continue
        reason = _reason(imp, source.mode)
        counted = by_source.setdefault(
            (source.id, agreement.id, reason),
            SourceDue(source.name, agreement.reference, agreement.retention_days, reason),
        )
        ids = list(session.scalars(due))
        ended = imp.id if reason != "visits" else None
        found = (_count if dry_run else _delete)(session, ids, ended, pairs_seen)
        counted.records += found.records
        counted.links += found.links
        counted.review_pairs += found.review_pairs
        counted.rejected_rows += found.rejected_rows
    report.sources = [s for s in by_source.values() if s.records or s.rejected_rows]
    report.call_back_days = get_settings().callback_retention_days
    cutoff = _cutoff(report.call_back_days, as_of)
    report.call_backs = callbacks.delete_closed(session, tenant.id, cutoff, dry_run=dry_run)
    if not dry_run:
        _record_retention(session, tenant, report, actor=actor, user_id=user_id)
        session.commit()
    return report


def _record_retention(
    session: Session, tenant: Tenant, report: RetentionReport, *, actor: str, user_id: int | None
) -> None:
    """The audit event of a retention run: what it deleted (counts only)."""
    audit.record(
        session,
        actor=actor,
        action="privacy.retention",
        entity_type="tenant",
        entity_id=tenant.id,
        tenant_id=tenant.id,
        user_id=user_id,
        detail={
            "as_of": str(report.as_of),
            "records_deleted": report.records,
            "rejected_rows_deleted": report.tables["rejected_rows"],
            "resident_links_deleted": report.tables["resident_records"],
            "review_pairs_deleted": report.tables["review_pairs"],
            "sources": len(report.sources),
            "call_backs_deleted": report.call_backs,
        },
    )

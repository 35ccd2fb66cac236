"""Retention: records kept past their data-sharing agreement's retention period are deleted,
with a report of what went (UK GDPR storage limitation).

When a record's clock starts depends on its list:
- a list replaced or withdrawn (an ended import): from the day it ended;
- the current version of a caseload snapshot: from the day it was imported (a snapshot no
  partner has refreshed in the retention period is stale);
- the current version of an attendance log: from each visit's date (else the import's).
Rows kept aside as rejected go with their import's records. Residents keep their ids (outreach
history refers to them) but no personal data once their records are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import DataSharingAgreement, Tenant
from safetynet.link.models import ResidentRecord, ReviewPair
from safetynet.sources.models import ImportStatus, Record, RejectedRow, Source, SourceImport


@dataclass
class SourceDue:
    """What one source has past retention."""

    source: str
    agreement: str
    retention_days: int
    records: int = 0
    rejected_rows: int = 0


@dataclass
class RetentionReport:
    """What a retention run found (and, unless a dry run, deleted)."""

    as_of: date
    dry_run: bool
    sources: list[SourceDue] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Records past retention, all sources."""
        return sum(s.records for s in self.sources)


def _cutoff(days: int, as_of: date) -> datetime:
    return datetime.combine(as_of - timedelta(days=days), time.min, tzinfo=timezone.utc)  # noqa: UP017


def _due_records(session: Session, imp: SourceImport, mode: str, days: int, as_of: date):
    """A query of the import's record ids past retention on `as_of`."""
    cutoff = _cutoff(days, as_of)
    query = select(Record.id).where(Record.import_id == imp.id)
    if imp.status != ImportStatus.ACTIVE:
        return query if imp.ended_at and imp.ended_at < cutoff else None
    if mode == "snapshot":
        return query if imp.imported_at < cutoff else None
    oldest_kept = as_of - timedelta(days=days)
    visited = Record.visit_date < oldest_kept
    undated = Record.visit_date.is_(None) & (imp.imported_at < cutoff)
    return query.where(or_(visited, undated))


def run_retention(
    session: Session, tenant: Tenant, *, actor: str, as_of: date, dry_run: bool = False
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
    by_source: dict[int, SourceDue] = {}
    for imp, source, agreement in rows:
        due = _due_records(session, imp, source.mode, agreement.retention_days, as_of)
        if due is None:
            continue
        counted = by_source.setdefault(
            source.id, SourceDue(source.name, agreement.reference, agreement.retention_days)
        )
        ids = list(session.scalars(due))
        counted.records += len(ids)
        ended = imp.status != ImportStatus.ACTIVE or source.mode == "snapshot"
        if ended:
            counted.rejected_rows += (
                session.scalar(select(func.count()).where(RejectedRow.import_id == imp.id)) or 0
            )
        if not dry_run:
            _delete(session, ids, imp.id if ended else None)
    report.sources = [s for s in by_source.values() if s.records or s.rejected_rows]
    if not dry_run:
        audit.record(
            session,
            actor=actor,
            action="privacy.retention",
            entity_type="tenant",
            entity_id=tenant.id,
            tenant_id=tenant.id,
            detail={
                "as_of": str(as_of),
                "records_deleted": report.records,
                "rejected_rows_deleted": sum(s.rejected_rows for s in report.sources),
                "sources": len(report.sources),
            },
        )
        session.commit()
    return report


def _delete(session: Session, record_ids: list[int], import_id: int | None) -> None:
    """Delete records and what points at them; an ended import's rejected rows too."""
    for start in range(0, len(record_ids), 5_000):
        chunk = record_ids[start : start + 5_000]
        session.execute(delete(ResidentRecord).where(ResidentRecord.record_id.in_(chunk)))
        session.execute(
            delete(ReviewPair).where(
                or_(ReviewPair.record_id_l.in_(chunk), ReviewPair.record_id_r.in_(chunk))
            )
        )
        session.execute(delete(Record).where(Record.id.in_(chunk)))
    if import_id is not None:
        session.execute(delete(RejectedRow).where(RejectedRow.import_id == import_id))

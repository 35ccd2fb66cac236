"""Withdrawing an import after it was linked (`safetynet import undo`).

The sources domain deletes an import's records; residents are the link domain's, so this
takes the records out of them first, in the same transaction: each resident keeps its id and
its other records (as a split would), a resident left with none ends, pairs waiting for review
that name a withdrawn record go, and the audit log says what changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.link.models import LinkRun, Resident, ResidentRecord, ReviewPair
from safetynet.sources import service as sources
from safetynet.sources.models import ImportStatus, Record, SourceImport

CHUNK = 5_000  # record ids per statement (SQLite allows 32,766 bound parameters)


@dataclass
class Released:
    """What taking records out of residents changed."""

    links: int = 0  # records taken out of residents
    residents_ended: int = 0  # residents left with no records
    review_pairs: int = 0  # pairs waiting for review that named a withdrawn record


def withdraw_import(
    session: Session, import_id: int, *, reason: str, actor: str
) -> tuple[SourceImport, Released]:
    """Withdraw an import whole, linked or not, in one transaction (see the module's note)."""
    found = sources.get_import(session, import_id)
    released = Released()
    if found.status != ImportStatus.WITHDRAWN:  # else sources says it already was
        ids = list(session.scalars(select(Record.id).where(Record.import_id == import_id)))
        released = release_records(session, found.tenant_id, ids)
    if released.links or released.review_pairs:
        audit.record(
            session,
            actor=actor,
            action="link.records.withdrawn",
            entity_type="import",
            entity_id=import_id,
            tenant_id=found.tenant_id,
            reason=reason,
            detail=vars(released),
        )
    return sources.undo_import(session, import_id, reason=reason, actor=actor), released


def release_records(session: Session, tenant_id: int, record_ids: list[int]) -> Released:
    """Take records out of their residents (no commit): residents keep their ids, and those
    left with no records end with the area's latest link run."""
    released = Released()
    touched: set[int] = set()
    for chunk in _chunks(record_ids):
        held = ResidentRecord.record_id.in_(chunk)
        touched |= set(session.scalars(select(ResidentRecord.resident_id).where(held)))
        released.links += _deleted(session, delete(ResidentRecord).where(held))
        naming = or_(ReviewPair.record_id_l.in_(chunk), ReviewPair.record_id_r.in_(chunk))
        released.review_pairs += _deleted(session, delete(ReviewPair).where(naming))
    session.flush()
    empty = _without_records(session, touched)
    if empty:
        latest = session.scalar(select(func.max(LinkRun.id)).where(LinkRun.tenant_id == tenant_id))
        for resident in session.scalars(select(Resident).where(Resident.id.in_(empty))):
            resident.ended_by_run_id = latest
        released.residents_ended = len(empty)
    return released


def _without_records(session: Session, residents: set[int]) -> list[int]:
    still = set()
    for chunk in _chunks(sorted(residents)):
        still |= set(
            session.scalars(
                select(ResidentRecord.resident_id)
                .where(ResidentRecord.resident_id.in_(chunk))
                .distinct()
            )
        )
    return sorted(residents - still)


def _deleted(session: Session, statement: object) -> int:
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)  # type: ignore[call-overload]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]

"""Reading residents back: the current residents of a council area with their records.

Read-only. Every read starts from `readable_records`, which keeps to one tenant, to current
residents and current imports, and (for a caller acting for an organisation) to the lists
that organisation may read: its own, and those supplied to it under an agreement in force.
Callers record the read in the audit log (the gaps service does, for every list and report).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from safetynet.accounts.models import AgreementParty, DataSharingAgreement, Organisation
from safetynet.link.models import Resident, ResidentRecord
from safetynet.sources.models import ImportStatus, Record, Source, SourceImport

FACT_SCHEMA = {
    "resident_id": pl.Int64,
    "record_id": pl.Int64,
    "source_id": pl.Int64,
    "source_name": pl.String,
    "kind": pl.String,
    "mode": pl.String,
    "household_id": pl.Int64,
    "dob": pl.Date,
    "postcode": pl.String,
    "event_date": pl.Date,
    "award_end": pl.Date,
    "children_count": pl.Int64,
    "imported_on": pl.Date,
}
CONTACT_SCHEMA = {
    "resident_id": pl.Int64,
    "record_id": pl.Int64,
    "organisation": pl.String,
    "source_name": pl.String,
    "mode": pl.String,
    "forename": pl.String,
    "surname": pl.String,
    "address": pl.String,
    "postcode": pl.String,
    "phone": pl.String,
    "email": pl.String,
    "event_date": pl.Date,
}


def readable_organisations(session: Session, organisation_id: int, on: date) -> set[int]:
    """Organisations whose lists `organisation_id` may read: itself, and those supplying it
    under an agreement in force on `on`."""
    received = select(AgreementParty.agreement_id).where(
        AgreementParty.organisation_id == organisation_id, AgreementParty.role == "recipient"
    )
    rows = session.execute(
        select(AgreementParty.organisation_id, DataSharingAgreement)
        .join(DataSharingAgreement, DataSharingAgreement.id == AgreementParty.agreement_id)
        .where(AgreementParty.agreement_id.in_(received), AgreementParty.role == "supplier")
    ).all()
    return {organisation_id} | {org for org, terms in rows if terms.is_active_on(on)}


def readable_records(
    session: Session, *columns: Any, tenant_id: int, organisation_id: int | None = None
) -> Select[Any]:
    """SELECT `columns` over the readable records of the area's current residents.

    `organisation_id=None` reads the whole area (the council's analysts at the command line).
    """
    query = (
        select(*columns)
        .select_from(ResidentRecord)
        .join(Resident, Resident.id == ResidentRecord.resident_id)
        .join(Record, Record.id == ResidentRecord.record_id)
        .join(SourceImport, SourceImport.id == Record.import_id)
        .join(Source, Source.id == Record.source_id)
        .where(
            Resident.tenant_id == tenant_id,
            Resident.ended_by_run_id.is_(None),
            Record.tenant_id == tenant_id,
            SourceImport.status == ImportStatus.ACTIVE,
        )
    )
    if organisation_id is not None:
        allowed = readable_organisations(session, organisation_id, date.today())
        query = query.where(Source.organisation_id.in_(allowed))
    return query


def residents_supplied_by(session: Session, *, tenant_id: int, organisation_id: int) -> set[int]:
    """Current residents holding a current record that `organisation_id` itself supplied."""
    return set(
        session.scalars(
            readable_records(session, ResidentRecord.resident_id, tenant_id=tenant_id)
            .where(Source.organisation_id == organisation_id)
            .distinct()
        )
    )


def resident_facts(
    session: Session,
    *,
    tenant_id: int,
    organisation_id: int | None = None,
    extra_columns: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per readable record: its resident, source kind, household, date of birth,
    postcode, dates and children; plus `extra:<column>` for each extras column asked for."""
    rows = session.execute(
        readable_records(
            session,
            ResidentRecord.resident_id,
            Record.id,
            Record.source_id,
            Source.name,
            Source.kind,
            Source.mode,
            Record.household_id,
            Record.dob,
            Record.postcode,
            Record.visit_date,
            Record.award_start,
            Record.award_end,
            Record.children_count,
            SourceImport.imported_at,
            Record.extras,
            tenant_id=tenant_id,
            organisation_id=organisation_id,
        ).order_by(Record.id)
    ).all()
    facts = [
        (*r[:9], r[9] or r[10], r[11], r[12], r[13].date(), *_extras(r[14], extra_columns))
        for r in rows
    ]
    schema = FACT_SCHEMA | {f"extra:{c}": pl.String for c in extra_columns}
    return pl.DataFrame(facts, schema=schema, orient="row")


def _extras(extras: Any, columns: Sequence[str]) -> list[str | None]:
    """The asked-for extras cells as text (None where absent)."""
    if not columns:
        return []
    if not isinstance(extras, dict):
        return [None] * len(columns)
    return [None if extras.get(c) is None else str(extras[c]) for c in columns]


def resident_contacts(
    session: Session,
    resident_ids: Sequence[int],
    *,
    tenant_id: int,
    organisation_id: int | None = None,
) -> pl.DataFrame:
    """Name, address (as the list gave it), postcode, phone and email of each readable record
    of these residents, with the organisation and list each came from."""
    wanted = list(resident_ids)
    found: list[Any] = []
    for start in range(0, len(wanted), 5000):
        found += session.execute(
            readable_records(
                session,
                ResidentRecord.resident_id,
                Record.id,
                Organisation.name,
                Source.name,
                Source.mode,
                Record.forename,
                Record.surname,
                func.coalesce(Record.address_raw, Record.address),
                Record.postcode,
                Record.phone,
                Record.email,
                Record.visit_date,
                Record.award_start,
                SourceImport.imported_at,
                tenant_id=tenant_id,
                organisation_id=organisation_id,
            )
            .join(Organisation, Organisation.id == Source.organisation_id)
            .where(ResidentRecord.resident_id.in_(wanted[start : start + 5000]))
        ).all()
    rows = [(*r[:11], r[11] or r[12] or r[13].date()) for r in found]
    return pl.DataFrame(rows, schema=CONTACT_SCHEMA, orient="row")


def records_of_residents(
    session: Session, resident_ids: Sequence[int], *, tenant_id: int
) -> dict[int, list[int]]:
    """Record ids of each current resident (to follow a person through later link runs)."""
    rows = session.execute(
        readable_records(
            session, ResidentRecord.resident_id, ResidentRecord.record_id, tenant_id=tenant_id
        ).where(ResidentRecord.resident_id.in_(list(resident_ids)))
    ).all()
    found: dict[int, list[int]] = {rid: [] for rid in resident_ids}
    for resident_id, record_id in rows:
        found[resident_id].append(record_id)
    return found


def residents_holding(session: Session, record_ids: Sequence[int], *, tenant_id: int) -> set[int]:
    """Current residents that hold any of these records."""
    if not record_ids:
        return set()
    return set(
        session.scalars(
            readable_records(session, ResidentRecord.resident_id, tenant_id=tenant_id).where(
                ResidentRecord.record_id.in_(list(record_ids))
            )
        )
    )


def same_person(session: Session, tenant_id: int, resident_id: int) -> set[int]:
    """Every resident id that names this person: the resident they are now (following
    merges) and each resident merged into them, however long ago. Empty when the id is not
    one of the area's residents. Other domains (payments' caps) compare people with it."""
    current = session.get(Resident, resident_id)
    seen: set[int] = set()
    while current is not None and current.merged_into_id is not None and current.id not in seen:
        seen.add(current.id)
        current = session.get(Resident, current.merged_into_id)
    if current is None or current.tenant_id != tenant_id:
        return set()
    found, frontier = {current.id}, {current.id}
    while frontier:
        frontier = (
            set(session.scalars(select(Resident.id).where(Resident.merged_into_id.in_(frontier))))
            - found
        )
        found |= frontier
    return found


def resident_for_reference(
    session: Session, *, tenant_id: int, organisation_id: int, person_ref: str
) -> int | None:
    """The current resident holding the record an organisation's own lists give this person
    reference (its client number), if linkage has placed one."""
    return session.scalar(
        readable_records(session, ResidentRecord.resident_id, tenant_id=tenant_id)
        .where(Source.organisation_id == organisation_id, Record.person_ref == person_ref)
        .order_by(Record.id.desc())
        .limit(1)
    )

"""Outreach: lists of the residents a gap rule finds, exported with contact details (audited),
each person's contact status over time, the do-not-contact list, and take-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.db import utcnow
from safetynet.errors import InvalidInput, NotFound
from safetynet.exports import write_table
from safetynet.gaps import contacts
from safetynet.gaps.models import (
    REACHED,
    ContactStatus,
    DoNotContact,
    OutreachEntry,
    OutreachList,
    OutreachStatusChange,
)
from safetynet.gaps.rules import RuleBook
from safetynet.gaps.service import UNKNOWN_WARD, Reader, find_gaps
from safetynet.link import residents
from safetynet.link.models import Resident
from safetynet.places import service as places

EXPORT_HEADER = ("list_id", "resident_id", "ward", *contacts.FIELDS, "status")


def unclaimed_pence(session: Session, tenant_id: int, resident_ids: list[int]) -> dict[int, int]:
    """£ a year likely unclaimed per resident, in pence, from the latest entitlement
    screening (empty until one has run): outreach lists sort by it."""
    from safetynet.entitlements.screening import unclaimed_by_resident

    wanted = set(resident_ids)
    return {r: p for r, p in unclaimed_by_resident(session, tenant_id).items() if r in wanted}


def do_not_contact_ids(session: Session, tenant_id: int) -> set[int]:
    """Current residents who must not be contacted: those added, and whoever now holds their
    records after later link runs merged or split them."""
    wishes = list(session.scalars(select(DoNotContact).where(DoNotContact.tenant_id == tenant_id)))
    held = residents.residents_holding(
        session, [r for w in wishes for r in w.record_ids], tenant_id=tenant_id
    )
    return {w.resident_id for w in wishes} | held


def _resident(session: Session, reader: Reader, resident_id: int) -> Resident:
    """A resident of the reader's area, or NotFound (another area's resident is not there)."""
    resident = session.get(Resident, resident_id)
    if resident is None or resident.tenant_id != reader.tenant.id:
        raise NotFound(f"There is no resident {resident_id} in {reader.tenant.name}.")
    return resident


def add_do_not_contact(session: Session, reader: Reader, resident_id: int, reason: str) -> bool:
    """Put a resident on the do-not-contact list (False if already there)."""
    if not reason.strip():
        raise InvalidInput("Give the reason the resident is not to be contacted (--reason).")
    _resident(session, reader, resident_id)
    found = session.scalar(
        select(DoNotContact).where(
            DoNotContact.tenant_id == reader.tenant.id, DoNotContact.resident_id == resident_id
        )
    )
    if found:
        return False
    records = residents.records_of_residents(session, [resident_id], tenant_id=reader.tenant.id)
    wish = DoNotContact(
        tenant_id=reader.tenant.id,
        resident_id=resident_id,
        record_ids=records[resident_id],
        reason=reason,
        added_by=reader.actor,
    )
    session.add(wish)
    audit.record(
        session,
        actor=reader.actor,
        action="resident.do_not_contact",
        entity_type="resident",
        entity_id=resident_id,
        tenant_id=reader.tenant.id,
        reason=reason,
    )
    session.commit()
    return True


def list_do_not_contact(session: Session, reader: Reader) -> list[DoNotContact]:
    """The area's do-not-contact list, oldest first."""
    query = select(DoNotContact).where(DoNotContact.tenant_id == reader.tenant.id)
    return list(session.scalars(query.order_by(DoNotContact.id)))


@dataclass
class OutreachOutcome:
    """A list made and written."""

    outreach: OutreachList
    rows: int
    excluded_do_not_contact: int
    path: Path


def _ward_filter(
    frame: pl.DataFrame, ward: str | None, known: dict[str, str]
) -> tuple[pl.DataFrame, str | None]:
    """Residents of one ward, named by code or name ('unknown' for no ward), and its code.
    `known` maps the area's ward codes to names."""
    if not ward:
        return frame, None
    wanted = ward.strip().lower()
    if wanted in ("unknown", UNKNOWN_WARD.lower()):
        return frame.filter(pl.col("ward_code").is_null()), "unknown"
    code = next((c for c, n in known.items() if wanted in (c.lower(), n.lower())), None)
    if code is None:
        raise InvalidInput(
            f"There is no ward '{ward}'. Wards: {', '.join(sorted(known.values())) or 'none'}"
            " (import them with `safetynet places wards import`), or 'unknown'."
        )
    return frame.filter(pl.col("ward_code") == code), code


def _check_export_request(reason: str, out: Path) -> None:
    """An outreach export needs a reason (for the audit log) and a .csv or .xlsx file."""
    if not reason.strip():
        raise InvalidInput(
            "Give the reason for this export (--reason); it is kept in the audit log."
        )
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidInput(f"{out.name}: write the list to a .csv or .xlsx file.")


def export_outreach(
    session: Session,
    reader: Reader,
    book: RuleBook,
    *,
    rule_id: str,
    out: Path,
    reason: str,
    ward: str | None = None,
    as_of: date | None = None,
) -> OutreachOutcome:
    """Make an outreach list of the residents `rule_id` finds and write it to `out`.

    Residents on the do-not-contact list are left out (and counted). The list is kept so
    each person's contact status can be recorded; the export is audited with its reason.
    """
    rule = book.rule(rule_id)
    _check_export_request(reason, out)
    as_of = as_of or date.today()
    result = find_gaps(session, reader, book, as_of=as_of, purpose=f"outreach list: {reason}")
    if rule_id in result.not_run:
        raise InvalidInput(
            f"Rule '{rule_id}' cannot run: no list in {reader.tenant.name} says who is on "
            f"{', '.join(result.not_run[rule_id])}."
        )
    found = result.residents.filter(pl.col("resident_id").is_in(result.found[rule_id]))
    known = {w.code: w.name for w in places.wards(session, reader.tenant.id)}
    found, ward = _ward_filter(found, ward, known)
    blocked = do_not_contact_ids(session, reader.tenant.id)
    kept = found.filter(~pl.col("resident_id").is_in(list(blocked)))
    outreach = OutreachList(
        tenant_id=reader.tenant.id,
        rule_id=rule_id,
        rule_title=rule.title,
        programme=rule.programme,
        organisation_id=reader.clients_of,
        ward_code=ward,
        as_of=as_of,
        reason=reason,
        created_by=reader.actor,
        counts={"residents": kept.height, "excluded_do_not_contact": found.height - kept.height},
    )
    session.add(outreach)
    session.flush()
    rows = _rows(session, reader, outreach, kept)
    written = write_table(out, [*EXPORT_HEADER, *_value_header(rows)], rows)
    audit.record(
        session,
        actor=reader.actor,
        action="export.outreach_list",
        entity_type="outreach_list",
        entity_id=outreach.id,
        tenant_id=reader.tenant.id,
        reason=reason,
        detail={"rule": rule_id, "rows": written, "file": out.name, **outreach.counts},
    )
    session.commit()
    return OutreachOutcome(outreach, written, found.height - kept.height, out)


def _rows(
    session: Session, reader: Reader, outreach: OutreachList, kept: pl.DataFrame
) -> list[tuple]:
    """One export row per resident (contact details from the source that supplied each), with
    entries stored; sorted by £ unclaimed when screening has run, else by ward."""
    ids = kept.get_column("resident_id").to_list()
    found = residents.resident_contacts(
        session, ids, tenant_id=reader.tenant.id, organisation_id=reader.contacts_of
    )
    details = contacts.best_contacts(found)
    values = unclaimed_pence(session, reader.tenant.id, ids) if reader.estimates else {}
    table = kept.select("resident_id", "ward_code", "ward_name").join(
        details, on="resident_id", how="left"
    )
    table = table.with_columns(
        pence=pl.col("resident_id").replace_strict(values, default=None, return_dtype=pl.Int64)
    ).sort(["pence", "ward_name", "resident_id"], descending=[True, False, False], nulls_last=True)
    rows = []
    for row in table.iter_rows(named=True):
        session.add(
            OutreachEntry(
                list_id=outreach.id, resident_id=row["resident_id"], ward_code=row["ward_code"]
            )
        )
        money = [f"{row['pence'] / 100:.2f}" if row["pence"] is not None else ""] if values else []
        rows.append(
            (outreach.id, row["resident_id"], row["ward_name"])
            + tuple(row[c] for c in contacts.FIELDS)
            + (ContactStatus.TO_CONTACT.value, *money)
        )
    session.flush()
    return rows


def _value_header(rows: list[tuple]) -> list[str]:
    """The £ column, only once screening gives values."""
    return ["likely_unclaimed_gbp"] if rows and len(rows[0]) > len(EXPORT_HEADER) else []


def set_status(
    session: Session,
    reader: Reader,
    *,
    list_id: int,
    resident_id: int,
    status: str,
    note: str | None = None,
) -> OutreachEntry:
    """Record where contact with one person on a list stands (kept as a dated history)."""
    if status not in set(ContactStatus):
        raise InvalidInput(f"Status '{status}' is not one of: {', '.join(ContactStatus)}.")
    outreach = get_list(session, reader, list_id)
    entry = session.scalar(
        select(OutreachEntry).where(
            OutreachEntry.list_id == outreach.id, OutreachEntry.resident_id == resident_id
        )
    )
    if entry is None:
        raise NotFound(f"Resident {resident_id} is not on outreach list {list_id}.")
    now = utcnow()
    entry.status, entry.status_at = status, now
    if status in REACHED and entry.first_contacted_at is None:
        entry.first_contacted_at = now
    session.add(
        OutreachStatusChange(
            entry_id=entry.id, status=status, changed_at=now, changed_by=reader.actor, note=note
        )
    )
    audit.record(
        session,
        actor=reader.actor,
        action="outreach.status",
        entity_type="resident",
        entity_id=resident_id,
        tenant_id=reader.tenant.id,
        detail={"list": list_id, "status": status},
    )
    session.commit()
    return entry


def readable_lists(reader: Reader) -> Select[Any]:
    """The outreach lists this reader may see: the area's (the council's staff), or those
    its own organisation made (a partner's staff)."""
    query = select(OutreachList).where(OutreachList.tenant_id == reader.tenant.id)
    if reader.clients_of is not None:
        query = query.where(OutreachList.organisation_id == reader.clients_of)
    return query


def get_list(session: Session, reader: Reader, list_id: int) -> OutreachList:
    """An outreach list the reader may see (NotFound otherwise)."""
    outreach = session.scalar(readable_lists(reader).where(OutreachList.id == list_id))
    if outreach is None:
        raise NotFound(f"There is no outreach list {list_id} in {reader.tenant.name}.")
    return outreach


def lists(session: Session, reader: Reader) -> list[tuple[OutreachList, dict[str, int]]]:
    """The reader's outreach lists, newest first, with how many people are at each status."""
    found = list(session.scalars(readable_lists(reader).order_by(OutreachList.id.desc())))
    statuses: dict[int, dict[str, int]] = {o.id: {} for o in found}
    rows = session.execute(
        select(OutreachEntry.list_id, OutreachEntry.status).where(
            OutreachEntry.list_id.in_(list(statuses))
        )
    ).all()
    for list_id, status in rows:
        statuses[list_id][status] = statuses[list_id].get(status, 0) + 1
    return [(o, statuses[o.id]) for o in found]

"""One resident as a signed-in caller sees them: their linked records with who supplied
each, their outreach statuses, and merging or splitting them.

Council staff read every current record of their area's resident. A partner reads only the
records `link.residents.readable_records` lets their organisation read (their own, and any
supplied to them under an agreement in force), and a resident with none of those is not
found; they see outreach statuses only where an agreement they supply under lets them see
contact status back (`see_back`). Every view is audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.access import may_see_back
from safetynet.accounts.models import Organisation
from safetynet.accounts.permissions import Principal
from safetynet.errors import NotFound
from safetynet.link import review
from safetynet.link.models import Resident, ResidentRecord
from safetynet.link.residents import readable_records
from safetynet.sources.models import Record, Source, SourceImport, SourceKind

# Caseloads of support programmes, as against partners' own client and attendance lists.
PROGRAMME_KINDS = (
    SourceKind.COUNCIL_TAX_REDUCTION,
    SourceKind.HOUSING_BENEFIT,
    SourceKind.UNIVERSAL_CREDIT,
    SourceKind.FREE_SCHOOL_MEALS,
    SourceKind.HOUSEHOLD_SUPPORT_FUND,
)


@dataclass
class Status:
    """Where outreach to the resident stands on one list."""

    list_id: int
    rule_title: str
    status: str
    status_at: datetime
    organisation_id: int | None = None  # the partner that made the list (None: the council)


@dataclass
class ResidentView:
    """What the caller may see of one resident."""

    resident: Resident
    records: list[dict]
    statuses: list[Status] | None  # None: the caller may not see contact statuses
    do_not_contact: bool = False
    sources: list[str] = field(default_factory=list)
    # For a partner seeing linked programmes back: the kinds of list the resident is on
    # across the area (not the records). None: not asked for, or not allowed.
    programmes: list[str] | None = None

    @property
    def name(self) -> str:
        """The name most of the readable records give ("" when none gives one)."""
        return _most_common(r["name"] for r in self.records)

    @property
    def born(self) -> date | None:
        """The date of birth most of the readable records give."""
        return _most_common(r["dob"] for r in self.records) or None

    @property
    def address(self) -> str:
        """The address of the newest readable record that gives one, with its postcode (or
        the newest postcode alone, when no record gives a street address)."""
        newest = sorted(self.records, key=lambda r: r["imported_at"], reverse=True)
        for r in newest:
            if r["address"]:
                return " ".join(p for p in (r["address"], r["postcode"]) if p)
        return next((r["postcode"] for r in newest if r["postcode"]), "")


def _most_common(values: Iterable[Any]) -> Any:
    """The value given most often, ignoring blanks (the first given wins a tie)."""
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else ""


def current(session: Session, principal: Principal, resident_id: int) -> Resident:
    """The resident (following merges) if the caller may see any of their records."""
    principal.require("residents.view")
    resident = review.current_resident(session, principal.tenant_id, resident_id)
    if not principal.council and not _records(session, principal, resident.id):
        raise NotFound(f"There is no resident {resident_id} in this area.")
    return resident


def _records(session: Session, principal: Principal, resident_id: int) -> list[dict]:
    rows = session.execute(
        readable_records(
            session,
            Record,
            Source.name,
            Organisation.name,
            SourceImport.version,
            SourceImport.imported_at,
            tenant_id=principal.tenant_id,
            organisation_id=None if principal.council else principal.organisation_id,
        )
        .join(Organisation, Organisation.id == Source.organisation_id)
        .where(ResidentRecord.resident_id == resident_id)
        .order_by(Organisation.name, Source.name, Record.id)
    ).all()
    return [
        {
            "record": r.id,
            "row": r.row_id,
            "organisation": org,
            "source": source,
            "version": version,
            "imported_at": imported,
            "name": " ".join(p for p in (r.forename, r.surname) if p),
            "dob": r.dob,
            "address": r.address_raw or r.address,
            "postcode": r.postcode,
            "phone": r.phone,
            "email": r.email,
            "event": r.visit_date or r.award_start,
        }
        for r, source, org, version, imported in rows
    ]


def view(session: Session, principal: Principal, resident: Resident) -> ResidentView:
    """The resident's readable records, outreach statuses (where allowed), audited."""
    from safetynet.gaps.models import OutreachEntry, OutreachList
    from safetynet.gaps.outreach import do_not_contact_ids

    records = _records(session, principal, resident.id)
    statuses = None
    if may_see_back(session, principal, "contact_status"):
        rows = session.execute(
            select(
                OutreachList.id,
                OutreachList.rule_title,
                OutreachEntry,
                OutreachList.organisation_id,
            )
            .join(OutreachEntry, OutreachEntry.list_id == OutreachList.id)
            .where(
                OutreachList.tenant_id == principal.tenant_id,
                OutreachEntry.resident_id == resident.id,
            )
            .order_by(OutreachList.id.desc())
        ).all()
        statuses = [Status(i, t, e.status, e.status_at, org) for i, t, e, org in rows]
    blocked = resident.id in do_not_contact_ids(session, principal.tenant_id)
    audit.record_read(
        session,
        actor=principal.actor,
        action="resident.view",
        entity_type="resident",
        entity_id=resident.id,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={"records_shown": len(records)},
    )
    session.commit()
    names = sorted({f"{r['organisation']} ({r['source']})" for r in records})
    programmes = None
    if not principal.council and may_see_back(session, principal, "linked_programmes"):
        programmes = linked_programmes(session, principal.tenant_id, resident.id)
    return ResidentView(resident, records, statuses, blocked, names, programmes)


def linked_programmes(session: Session, tenant_id: int, resident_id: int) -> list[str]:
    """The support programmes (universal credit, free school meals…) whose caseloads hold a
    current record of the resident, across the area: what a partner may see back, without
    the records. Other partners' client lists are never named: that someone uses an advice
    service or a food bank is theirs to tell."""
    kinds = session.scalars(
        readable_records(session, Source.kind, tenant_id=tenant_id)
        .where(ResidentRecord.resident_id == resident_id, Source.kind.in_(PROGRAMME_KINDS))
        .distinct()
    )
    return sorted(k.replace("_", " ") for k in kinds)


def merge(
    session: Session, principal: Principal, resident_id: int, other_id: int, reason: str
) -> Resident:
    """Join two of the area's residents who are one person (a ruling later runs keep)."""
    principal.require("residents.manage")
    return review.merge_residents(
        session,
        principal.tenant_id,
        resident_id,
        other_id,
        actor=principal.actor,
        reason=reason.strip(),
    )


def split(
    session: Session, principal: Principal, resident_id: int, record_ids: list[int], reason: str
) -> Resident:
    """Move some of a resident's records to a new resident (a ruling later runs keep)."""
    principal.require("residents.manage")
    return review.split_resident(
        session,
        principal.tenant_id,
        resident_id,
        record_ids,
        actor=principal.actor,
        reason=reason.strip(),
    )

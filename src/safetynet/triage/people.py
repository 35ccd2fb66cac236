"""What the triage lists need to know of the area's residents, from the linked records:
name, date of birth, where they live (and who else does), their ward; and each resident's
latest completed triage. Read-only and unaudited: the list functions that call these audit
what they show.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.gaps.service import UNKNOWN_WARD
from safetynet.link.models import Resident, ResidentRecord
from safetynet.link.residents import readable_records
from safetynet.places.service import postcode_wards
from safetynet.sources.models import Record, SourceImport
from safetynet.triage.models import TriageOutcome


@dataclass
class Person:
    """One current resident as the lists show them."""

    resident_id: int
    name: str = ""
    dob: date | None = None
    postcode: str = ""
    home: str = ""  # UPRN, or postcode and address, of their newest record giving one
    ward_name: str = UNKNOWN_WARD
    reasons: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    def age(self, on: date) -> int | None:
        """Age in whole years on `on`."""
        if self.dob is None:
            return None
        before_birthday = (on.month, on.day) < (self.dob.month, self.dob.day)
        return on.year - self.dob.year - before_birthday


def home_key(uprn: str | None, postcode: str | None, address: str | None) -> str:
    """Where a record says the person lives: the UPRN when known, else the postcode with the
    address's words in lower case ('' when the record gives no address)."""
    if uprn:
        return f"uprn:{uprn.strip()}"
    if postcode and address:
        words = "".join(c if c.isalnum() else " " for c in address.lower()).split()
        return f"addr:{postcode.replace(' ', '').upper()}:{' '.join(words)}"
    return ""


def people(
    session: Session, tenant_id: int, only: Collection[int] | None = None
) -> dict[int, Person]:
    """The area's current residents (or `only` those) with name, birth date, home and ward."""
    query = readable_records(
        session, ResidentRecord.resident_id, Record.forename, Record.surname, Record.dob,
        Record.postcode, Record.address, Record.uprn, SourceImport.imported_at,
        tenant_id=tenant_id,
    ).order_by(SourceImport.imported_at, Record.id)  # fmt: skip
    if only is not None:
        query = query.where(ResidentRecord.resident_id.in_(sorted(only)))
    rows = session.execute(query).all()
    gathered: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        gathered[row[0]].append(row)
    wards = dict(postcode_wards(session, tenant_id).select("postcode", "ward_name").iter_rows())
    found = {rid: _person(rid, records) for rid, records in gathered.items()}
    for p in found.values():
        p.ward_name = wards.get(p.postcode, UNKNOWN_WARD)
    return found


def _person(rid: int, records: list[Any]) -> Person:
    """The most given name and birth date; the newest postcode and home (records are oldest
    first)."""
    names = [" ".join(p for p in (r[1], r[2]) if p) for r in records if r[1] or r[2]]
    home = next((h for h in (home_key(r[6], r[4], r[5]) for r in reversed(records)) if h), "")
    return Person(
        resident_id=rid,
        name=_most_given(names) or "",
        dob=_most_given([r[3] for r in records if r[3]]),
        postcode=next((r[4] for r in reversed(records) if r[4]), ""),
        home=home,
    )


def _most_given(values: list[Any]) -> Any:
    """The value given most often (the first given wins a tie); None when there are none."""
    if len(values) <= 1:
        return values[0] if values else None
    return Counter(values).most_common(1)[0][0]


def household_sizes(found: dict[int, Person]) -> Counter[str]:
    """How many current residents live at each home."""
    return Counter(p.home for p in found.values() if p.home)


def successors(session: Session, tenant_id: int) -> dict[int, int]:
    """Merged or ended resident id -> the resident they are now (following merges)."""
    rows = session.execute(
        select(Resident.id, Resident.merged_into_id).where(
            Resident.tenant_id == tenant_id, Resident.merged_into_id.is_not(None)
        )
    ).all()
    merged: dict[int, int] = {old: new for old, new in rows if new is not None}
    found: dict[int, int] = {}
    for start in merged:
        now, seen = start, set()
        while now in merged and now not in seen:
            seen.add(now)
            now = merged[now]
        found[start] = now
    return found


def latest_needs(session: Session, tenant_id: int, as_of: date) -> dict[int, list[str]]:
    """The needs found by each current resident's newest triage completed by the end of
    `as_of` (a triage taken for a resident since merged into another counts for the one
    they became)."""
    end = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    rows = session.execute(
        select(TriageOutcome.resident_id, TriageOutcome.needs)
        .where(
            TriageOutcome.tenant_id == tenant_id,
            TriageOutcome.status == "complete",
            TriageOutcome.resident_id.is_not(None),
            TriageOutcome.completed_at < end,
        )
        .order_by(TriageOutcome.completed_at, TriageOutcome.id)
    ).all()
    now = successors(session, tenant_id)
    return {now.get(rid, rid): list(needs) for rid, needs in rows if rid is not None}

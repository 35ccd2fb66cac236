"""Digital-inclusion needs by ward, from each resident's latest completed triage: the figure
on the decision dashboard and the list behind it come from the same function, so they agree.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput
from safetynet.paging import Page, PageRequest, page_of_items
from safetynet.places.service import council_area
from safetynet.triage.forms import NEEDS
from safetynet.triage.people import Person, latest_needs, people


def with_needs(session: Session, tenant_id: int, as_of: date) -> list[Person]:
    """Residents whose latest triage by `as_of` found any need, by ward then name."""
    latest = {rid: found for rid, found in latest_needs(session, tenant_id, as_of).items() if found}
    chosen = []
    for rid, person in people(session, tenant_id, only=latest).items():
        person.needs = [n for n in NEEDS if n in latest[rid]]
        chosen.append(person)
    return sorted(chosen, key=lambda p: (p.ward_name, p.name, p.resident_id))


def needs_by_ward(session: Session, area: str | int | None, as_of: date) -> dict[str, Counter[str]]:
    """ward name -> need -> residents whose latest triage found it (and 'any': residents with
    at least one need). `area` is the council area's id, name or short name."""
    tenant_id = area if isinstance(area, int) else council_area(session, area).id
    counts: dict[str, Counter[str]] = {}
    for person in with_needs(session, tenant_id, as_of):
        ward = counts.setdefault(person.ward_name, Counter())
        ward.update(person.needs)
        ward["any"] += 1
    return counts


def needs_list(
    session: Session,
    principal: Principal,
    as_of: date,
    page: PageRequest,
    *,
    ward: str | None = None,
    need: str | None = None,
) -> Page[Person]:
    """The residents behind the figures (a ward, a need, or both), one page; audited."""
    principal.require("triage.isolation")
    if need and need not in NEEDS:
        raise InvalidInput(f"'{need}' is not a need: use one of {', '.join(NEEDS)}.")
    rows = [
        p
        for p in with_needs(session, principal.tenant_id, as_of)
        if (not ward or p.ward_name == ward) and (not need or need in p.needs)
    ]
    found = page_of_items(rows, page)
    audit.record(session, actor=principal.actor, action="triage.needs_list", entity_type="tenant",
                 entity_id=principal.tenant_id, tenant_id=principal.tenant_id,
                 user_id=principal.user_id,
                 detail={"ward": ward, "need": need, "shown": len(found.items),
                         "total": found.total})  # fmt: skip
    session.commit()
    return found

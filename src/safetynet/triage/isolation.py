"""The isolation-risk list: older residents who live alone, as the linked data shows it (the
only current resident at their address or UPRN, across every source), and residents whose
latest triage found an isolation need. A page of it, or all of it as a CSV; both audited.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.errors import InvalidInput
from safetynet.exports import write_table
from safetynet.paging import Page, PageRequest, page_of_items
from safetynet.triage.people import Person, household_sizes, latest_needs, people

ALONE = "{age} or over, the only resident at their address"
TRIAGE = "Triage found an isolation need"
HEADER = ("resident_id", "name", "age", "postcode", "ward", "reasons")
REASON_LIMIT = 500


def at_risk(session: Session, tenant_id: int, as_of: date, age: int | None = None) -> list[Person]:
    """Everyone on the list, those with both reasons first, then oldest first."""
    oldest = age or get_settings().triage_isolation_age
    found = people(session, tenant_id)
    sizes = household_sizes(found)
    for p in found.values():
        years = p.age(as_of)
        if years is not None and years >= oldest and p.home and sizes[p.home] == 1:
            p.reasons.append(ALONE.format(age=oldest))
    for rid, needs in latest_needs(session, tenant_id, as_of).items():
        if rid in found and "isolation" in needs:
            found[rid].reasons.append(TRIAGE)
    listed = [p for p in found.values() if p.reasons]
    return sorted(listed, key=lambda p: (-len(p.reasons), -(p.age(as_of) or 0), p.resident_id))


def isolation_page(
    session: Session, principal: Principal, as_of: date, page: PageRequest
) -> Page[Person]:
    """One page of the list; the view is audited."""
    principal.require("triage.isolation")
    found = page_of_items(at_risk(session, principal.tenant_id, as_of), page)
    _audit(session, principal, "triage.isolation_view", len(found.items), found.total, None)
    return found


def export_isolation(
    session: Session, principal: Principal, as_of: date, reason: str
) -> tuple[Path, int]:
    """The whole list as a CSV in a new temporary folder (the caller removes it once sent),
    audited with the reason given."""
    principal.require("triage.isolation")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Enter why you need this list.")
    if len(reason) > REASON_LIMIT:
        raise InvalidInput(f"The reason must be {REASON_LIMIT} characters or fewer.")
    listed = at_risk(session, principal.tenant_id, as_of)
    path = Path(tempfile.mkdtemp(prefix="safetynet-isolation-")) / f"isolation-{as_of}.csv"
    write_table(path, HEADER, (_row(p, as_of) for p in listed))
    _audit(session, principal, "triage.isolation_export", len(listed), len(listed), reason)
    return path, len(listed)


def _row(p: Person, as_of: date) -> tuple:
    return (p.resident_id, p.name, p.age(as_of), p.postcode, p.ward_name, "; ".join(p.reasons))


def _audit(
    session: Session, principal: Principal, action: str, shown: int, total: int, reason: str | None
) -> None:
    audit.record(session, actor=principal.actor, action=action, entity_type="tenant",
                 entity_id=principal.tenant_id, tenant_id=principal.tenant_id,
                 user_id=principal.user_id, reason=reason,
                 detail={"shown": shown, "total": total})  # fmt: skip
    session.commit()

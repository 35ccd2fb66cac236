"""Allocations kept for the allocation page: a waiting list allocated at once is stored as a
proposal (who to whom, with the reasons, and why anyone was left out) so a caseworker can page
through it, and confirming refers it in one transaction, once.

The allocation itself is `batch`'s (capacity-aware, with fair exposure); this module keeps its
result, reads it back within the caller's scope (audited) and confirms it. Confirming twice,
or two people confirming at once, refers once: the first confirmation claims the allocation
by moving it from proposed to confirmed in the same transaction as the referrals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from safetynet import audit, paging
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import InvalidInput, NotFound
from safetynet.match import batch
from safetynet.match.columns import ProviderColumns, candidates
from safetynet.match.models import Allocation, AllocationRow, AllocationStatus
from safetynet.match.schemas import SeekerIn
from safetynet.paging import Page, PageRequest

# Who an allocation can be drawn from (the triage lists need `triage.isolation`).
GROUPS = {
    "needs": "Residents whose latest triage found needs",
    "isolation": "Residents at risk of isolation",
    "file": "Residents in a file of seekers",
}
FULL = "Every provider that fits them is full (no places free)."
NOTHING_FITS = "Nothing in the directory fits their needs and limits."
TAKEN = "The places that fit them went to residents of this group they suited better."


@dataclass(frozen=True)
class Used:
    """A provider's share of an allocation: how many were proposed to it, of its free places."""

    service_id: int
    name: str
    proposed: int
    places_free: int | None  # None: no longer in the directory


@dataclass(frozen=True)
class AllocationPage:
    """One page of an allocation's rows, with the totals the page shows above them."""

    allocation: Allocation
    rows: Page[AllocationRow]
    used: list[Used]


def readable_allocations(principal: Principal) -> Select[Any]:
    """The allocations this caller may read: the area's (council) or their organisation's."""
    return select(Allocation).where(
        principal.scope(Allocation.tenant_id, Allocation.organisation_id)
    )


def why_unplaced(cols: ProviderColumns, need: SeekerIn, resident_id: int) -> str:
    """Why a resident was given no provider: nothing fits them, all that fit are full, or the
    places that fit went to others of the group."""
    seeker = need.seeker(resident_id)
    if candidates(cols, seeker).allowed.any():
        return TAKEN
    roomy = dataclasses.replace(cols, capacity=np.ones(len(cols), dtype=cols.capacity.dtype))
    return FULL if candidates(roomy, seeker).allowed.any() else NOTHING_FITS


def propose(
    session: Session,
    principal: Principal,
    asked: Sequence[batch.Asked],
    cols: ProviderColumns,
    *,
    drawn_from: str,
    kind: str | None,
    strength: float,
) -> Allocation:
    """Allocate the group (nothing referred) and keep the proposal for the allocation page;
    one transaction, audited as `match.allocate` (how many, not who)."""
    proposals = batch.proposals_for(session, principal, asked, cols, strength=strength)
    kept = Allocation(
        tenant_id=principal.tenant_id,
        organisation_id=principal.organisation_id,
        drawn_from=drawn_from[:200],
        kind=kind,
        strength=strength,
        seekers=len(proposals),
        placed=sum(p.service_id is not None for p in proposals),
        status=AllocationStatus.PROPOSED.value,
        referred=0,
        made_by=principal.actor,
    )
    session.add(kept)
    session.flush()
    session.add_all(
        AllocationRow(
            allocation_id=kept.id,
            tenant_id=principal.tenant_id,
            resident_id=p.resident_id,
            line=line,
            service_id=p.service_id,
            service_name=p.service_name,
            score=p.score,
            reasons=list(p.reasons[:5]),
            need=p.need.model_dump(mode="json", exclude_none=True),
            unplaced=None if p.service_id else why_unplaced(cols, p.need, p.resident_id),
        )
        for line, p in enumerate(proposals, start=1)
    )
    session.commit()
    return kept


def get_allocation(session: Session, principal: Principal, allocation_id: int) -> Allocation:
    """One allocation the caller may read (404 otherwise, never 'forbidden')."""
    principal.require("match.refer")
    found: Allocation | None = session.scalar(
        readable_allocations(principal).where(Allocation.id == allocation_id)
    )
    if found is None:
        raise NotFound(f"There is no allocation {allocation_id}.")
    return found


def recent(session: Session, principal: Principal, limit: int = 20) -> list[Allocation]:
    """The caller's most recent allocations (no one named: counts only)."""
    principal.require("match.refer")
    return list(
        session.scalars(readable_allocations(principal).order_by(Allocation.id.desc()).limit(limit))
    )


def page_of(
    session: Session,
    principal: Principal,
    allocation_id: int,
    asked: PageRequest,
    cols: ProviderColumns,
) -> AllocationPage:
    """One page of the allocation (who to whom, with reasons; the unplaced and why) and the
    capacity each provider would use; the view is audited (it names residents and needs)."""
    found = get_allocation(session, principal, allocation_id)
    rows = paging.page_of(
        session,
        select(AllocationRow)
        .where(AllocationRow.allocation_id == found.id)
        .order_by(AllocationRow.line),
        asked,
    )
    audit.record_read(
        session,
        actor=principal.actor,
        action="match.allocation_viewed",
        entity_type="match_allocation",
        entity_id=found.id,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={"page": rows.number, "rows": len(rows.items)},
    )
    session.commit()
    return AllocationPage(found, rows, _used(session, found.id, cols))


def _used(session: Session, allocation_id: int, cols: ProviderColumns) -> list[Used]:
    """Each provider proposed in the allocation, most used first, with its places free now."""
    free = {int(i): int(c) for i, c in zip(cols.ids, cols.capacity, strict=True)}
    rows = session.execute(
        select(AllocationRow.service_id, func.min(AllocationRow.service_name), func.count())
        .where(AllocationRow.allocation_id == allocation_id, AllocationRow.service_id.is_not(None))
        .group_by(AllocationRow.service_id)
        .order_by(func.count().desc(), AllocationRow.service_id)
    ).all()
    return [Used(int(sid or 0), name, int(n), free.get(int(sid or 0))) for sid, name, n in rows]


@dataclass(frozen=True)
class Confirmed:
    """What confirming did: referrals made now, or none because it was confirmed before."""

    allocation: Allocation
    referred: int
    already: bool


def confirm(
    session: Session, principal: Principal, allocation_id: int, cols: ProviderColumns
) -> Confirmed:
    """Refer every resident given a provider, all or none, in one transaction; a second
    confirmation (a resubmitted form) refers nothing. Audited as `match.allocation_confirmed`
    and `match.refer` for each referral."""
    principal.require("match.refer")
    found = get_allocation(session, principal, allocation_id)
    try:
        claimed = getattr(
            session.execute(
                update(Allocation)
                .where(
                    Allocation.id == found.id, Allocation.status == AllocationStatus.PROPOSED.value
                )
                .values(
                    status=AllocationStatus.CONFIRMED.value,
                    confirmed_at=utcnow(),
                    confirmed_by=principal.actor,
                )
                .execution_options(synchronize_session=False)
            ),
            "rowcount",
            0,
        )
        if not claimed:
            session.rollback()
            return Confirmed(session.get(Allocation, found.id) or found, 0, True)
        made = batch.refer_all(session, principal, _proposals(session, found), cols)
        session.execute(
            update(Allocation)
            .where(Allocation.id == found.id)
            .values(referred=made)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            actor=principal.actor,
            action="match.allocation_confirmed",
            entity_type="match_allocation",
            entity_id=found.id,
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            detail={"referred": made},
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    session.refresh(found)
    return Confirmed(found, made, False)


def _proposals(session: Session, found: Allocation) -> list[tuple[int, int, SeekerIn]]:
    rows = session.execute(
        select(AllocationRow.resident_id, AllocationRow.service_id, AllocationRow.need)
        .where(
            AllocationRow.allocation_id == found.id,
            AllocationRow.service_id.is_not(None),
            AllocationRow.resident_id.is_not(None),
        )
        .order_by(AllocationRow.line)
    ).all()
    if not rows:
        raise InvalidInput(
            "No one in this allocation was given a provider: there is nothing "
            "to refer. Propose again when places are free."
        )
    return [(int(rid), int(sid), SeekerIn(**need)) for rid, sid, need in rows]

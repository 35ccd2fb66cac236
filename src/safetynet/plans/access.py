"""Plans for a signed-in person: the council's own staff, their own area's plans only."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.gaps import access as gaps_access
from safetynet.gaps import service as gaps
from safetynet.plans import service
from safetynet.plans.models import Plan


def plans(session: Session, principal: Principal) -> list[Plan]:
    """The area's plans, newest first."""
    principal.require("plans.view")
    return service.plans(session, principal.tenant_id)


def get_plan(session: Session, principal: Principal, plan_id: int) -> Plan:
    """One plan of the caller's area (another area's is not found)."""
    principal.require("plans.view")
    return service.get_plan(session, principal.tenant_id, plan_id)


def draft(session: Session, principal: Principal, drafting: service.Drafting) -> Plan:
    """Draft a plan for the caller's area from today's data."""
    principal.require("plans.manage")
    reader = gaps_access.reader(session, principal)
    return service.draft(
        session,
        reader,
        gaps.rulebook(session=session, tenant_id=principal.tenant_id),
        drafting,
        actor=principal.actor,
    )


def measure(session: Session, principal: Principal, plan_id: int, as_of: date) -> Plan:
    """Re-measure a plan's actions from the data."""
    principal.require("plans.manage")
    plan = service.get_plan(session, principal.tenant_id, plan_id)
    reader = gaps_access.reader(session, principal)
    service.measure(
        session,
        reader,
        gaps.rulebook(session=session, tenant_id=principal.tenant_id),
        plan,
        as_of=as_of,
        actor=principal.actor,
    )
    return plan


def set_status(session: Session, principal: Principal, plan_id: int, status: str) -> Plan:
    """Mark a plan agreed or draft."""
    principal.require("plans.manage")
    plan = service.get_plan(session, principal.tenant_id, plan_id)
    return service.set_status(session, plan, status, actor=principal.actor)

"""A caseworker's entitlement check on a resident, and the call-back queue of self-checks
residents shared, as a signed-in caller uses them (the pages and the API share these
functions): the caller's role, organisation and council area are checked before anything is
read, and each read or change is audited (`checks`, `callbacks`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.entitlements import callbacks, checks, screening, service
from safetynet.entitlements.models import CallBackOutcome, EntitlementCheck
from safetynet.entitlements.residents import Assumptions
from safetynet.entitlements.schemas import HouseholdFile
from safetynet.errors import PermissionDenied


def user_of(session: Session, principal: Principal) -> User:
    """The caller's user row (the check functions record who checked)."""
    principal.require("entitlements.check")
    user = session.get(User, principal.user_id)
    assert user is not None
    return user


def setup(session: Session, tenant_id: int) -> Assumptions | None:
    """What the area's latest screening assumed (council, rental area, council tax), else the
    screening settings; None when no council is known."""
    latest = screening.latest_screening(session, tenant_id)
    if latest is not None:
        council_tax = float(latest.assumptions.get("council_tax_annual") or 0)
        brma = latest.assumptions.get("brma")
        return screening.assumptions(
            year=latest.year,
            local_authority=latest.local_authority,
            brma=brma,
            council_tax=council_tax,
        )
    if get_settings().screening_local_authority:
        return screening.assumptions(year=2025, local_authority=None, brma=None, council_tax=0)
    return None


def check_scope(session: Session, principal: Principal, resident_id: int) -> None:
    """Refuse (404) a resident outside the caller's council area, before anything is read."""
    checks.resident_to_check(session, user_of(session, principal), resident_id)


def saved_checks(
    session: Session, principal: Principal, resident_id: int
) -> list[EntitlementCheck]:
    """The resident's saved checks, newest first (audited)."""
    return checks.checks_for_resident(session, user_of(session, principal), resident_id)


def run_check(
    session: Session,
    principal: Principal,
    resident_id: int,
    household: HouseholdFile,
    *,
    save: bool,
) -> tuple[service.Check, EntitlementCheck | None]:
    """Check the household; with `save`, keep it on the resident's record with where the
    sources' figures came from. The resident's area is checked (and the view audited) first."""
    user = user_of(session, principal)
    if not save:
        checks.checks_for_resident(session, user, resident_id)
        return service.check_household(household), None
    checks.resident_to_check(session, user, resident_id)
    check = service.check_household(household)
    assumed = setup(session, principal.tenant_id)
    found = checks.prefill(session, user, resident_id, assumed) if assumed else None
    provenance = found.provenance if found else None
    saved = checks.save_caseworker_check(session, user, resident_id, household, check, provenance)
    return check, saved


def _call_back_handler(principal: Principal) -> None:
    """Council staff who handle call-backs; a partner's staff never, whatever their role."""
    principal.require("callbacks.handle")
    if not principal.council:
        raise PermissionDenied(
            "Call-backs hold residents' contact details given to the council, so only the "
            "council's own staff can see them."
        )


def call_back_queue(
    session: Session, principal: Principal, status: str | None = None
) -> callbacks.Queue:
    """The caller's area's call-backs (optionally of one status) and the counts by status;
    the read is audited."""
    _call_back_handler(principal)
    found = callbacks.queue(session, principal.tenant_id, status)
    audit.record_read(
        session,
        actor=principal.actor,
        action="callbacks.list",
        entity_type="tenant",
        entity_id=principal.tenant_id,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={"status": status, "shown": len(found.items)},
    )
    session.commit()
    return found


def call_back(
    session: Session, principal: Principal, check_id: int
) -> tuple[EntitlementCheck, list[CallBackOutcome]]:
    """One call-back of the caller's area, with contact details and history (audited);
    NotFound for another area's."""
    _call_back_handler(principal)
    return callbacks.view(
        session, principal.tenant_id, check_id, actor=principal.actor, user_id=principal.user_id
    )


def record_call_back(
    session: Session,
    principal: Principal,
    check_id: int,
    *,
    status: str,
    note: str | None = None,
    seen: int | None = None,
) -> tuple[EntitlementCheck, bool]:
    """Record a call-back's outcome (audited); False when it repeats the form just sent."""
    _call_back_handler(principal)
    return callbacks.record_outcome(
        session,
        principal.tenant_id,
        check_id,
        status=status,
        note=note,
        actor=principal.actor,
        user_id=principal.user_id,
        seen=seen,
    )

"""A caseworker's entitlement check on a resident, and the call-back queue of self-checks
residents shared, as a signed-in caller uses them (the pages and the API share these
functions): the caller's role, organisation and council area are checked before anything is
read, and each read or change is audited (`checks`, `callbacks`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.access import may_see_back
from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.entitlements import callbacks, checks, screening, service
from safetynet.entitlements.models import CallBackOutcome, EntitlementCheck
from safetynet.entitlements.residents import Assumptions, ScreenedHousehold
from safetynet.entitlements.schemas import HouseholdFile
from safetynet.link import resident_access


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


def _acting_for(session: Session, principal: Principal, resident_id: int) -> int | None:
    """The partner organisation the caller checks for (None: the council), once the resident
    is one they may check: the council's staff, anyone of their area; a partner's, only a
    resident it holds a readable record of (NotFound otherwise, before anything is read)."""
    user_of(session, principal)  # the permission
    if principal.council:
        return None
    resident_access.current(session, principal, resident_id)
    return principal.organisation_id


def check_scope(session: Session, principal: Principal, resident_id: int) -> None:
    """Refuse (404) a resident the caller may not check, before anything is read."""
    _acting_for(session, principal, resident_id)
    checks.resident_to_check(session, user_of(session, principal), resident_id)


def saved_checks(
    session: Session, principal: Principal, resident_id: int
) -> list[EntitlementCheck]:
    """The resident's saved checks, newest first (audited): all of them for the council's
    staff; a partner's own, or all where an agreement lets it see entitlement estimates back."""
    partner = _acting_for(session, principal, resident_id)
    everyone = partner is None or may_see_back(session, principal, "entitlement_estimates")
    made_by = None if everyone else partner
    return checks.checks_for_resident(
        session, user_of(session, principal), resident_id, made_by=made_by
    )


def prefill(
    session: Session, principal: Principal, resident_id: int, setup: Assumptions
) -> ScreenedHousehold | None:
    """The resident's household from the lists the caller may read, with provenance."""
    partner = _acting_for(session, principal, resident_id)
    user = user_of(session, principal)
    return checks.prefill(session, user, resident_id, setup, organisation_id=partner)


def run_check(
    session: Session,
    principal: Principal,
    resident_id: int,
    household: HouseholdFile,
    *,
    save: bool,
) -> tuple[service.Check, EntitlementCheck | None]:
    """Check the household; with `save`, keep it on the resident's record with where the
    sources' figures came from. The resident's scope is checked (and the view audited) first."""
    partner = _acting_for(session, principal, resident_id)
    user = user_of(session, principal)
    schemes = service.council_schemes(session=session, tenant_id=principal.tenant_id)
    if not save:
        saved_checks(session, principal, resident_id)
        return service.check_household(household, schemes=schemes), None
    checks.resident_to_check(session, user, resident_id)
    check = service.check_household(household, schemes=schemes)
    assumed = setup(session, principal.tenant_id)
    found = prefill(session, principal, resident_id, assumed) if assumed else None
    provenance = found.provenance if found else None
    saved = checks.save_caseworker_check(
        session, user, resident_id, household, check, provenance, organisation_id=partner
    )
    return check, saved


def _call_back_handler(principal: Principal) -> None:
    """Council staff who handle call-backs (the permission is the council's alone: a
    partner's staff never hold it, whatever their role)."""
    principal.require("callbacks.handle")


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

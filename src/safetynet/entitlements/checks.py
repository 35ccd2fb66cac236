"""Checks kept on purpose: a caseworker's, on a resident's record, pre-filled from the linked
sources; and a resident's self-check, shared with the council only with their consent.

The web pages call these; nothing else stores a check. A self-check that is not shared is
never stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Organisation, Role, User
from safetynet.db import utcnow
from safetynet.entitlements.models import EntitlementCheck
from safetynet.entitlements.residents import Assumptions, ScreenedHousehold, household_of
from safetynet.entitlements.schemas import HouseholdFile
from safetynet.entitlements.service import Check
from safetynet.errors import InvalidInput, NotFound, PermissionDenied
from safetynet.link.models import Resident

CHECKING_ROLES = {Role.CASEWORKER.value, Role.ADMIN.value}


def _tenant_of(session: Session, user: User) -> int:
    organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None
    return organisation.tenant_id


def _resident(session: Session, user: User, resident_id: int) -> Resident:
    """A resident the user may check: a caseworker or admin of the resident's council area."""
    if user.role not in CHECKING_ROLES:
        raise PermissionDenied("Only caseworkers and admins can check a resident's entitlements.")
    resident = session.get(Resident, resident_id)
    if resident is None or resident.tenant_id != _tenant_of(session, user):
        raise NotFound(f"There is no resident {resident_id}.")
    return resident


def resident_to_check(session: Session, user: User, resident_id: int) -> Resident:
    """The resident, when the user may check them (a NotFound outside their area)."""
    return _resident(session, user, resident_id)


def prefill(
    session: Session,
    user: User,
    resident_id: int,
    setup: Assumptions,
    *,
    organisation_id: int | None = None,
) -> ScreenedHousehold | None:
    """The resident's household as the linked sources describe it, with provenance, for a
    caseworker to correct and check: from the lists `organisation_id` may read (a partner's
    caseworker), or all of the area's (None: the council's)."""
    resident = _resident(session, user, resident_id)
    audit.record(
        session,
        actor=user.email,
        action="entitlements.prefill",
        entity_type="resident",
        entity_id=resident.id,
        tenant_id=resident.tenant_id,
        user_id=user.id,
    )
    session.commit()
    return household_of(session, resident.tenant_id, resident.id, setup, organisation_id)


def _record(household: HouseholdFile, check: Check, **fields: Any) -> EntitlementCheck:
    return EntitlementCheck(
        year=check.year,
        inputs=household.model_dump(mode="json"),
        benefits={e.benefit: e.annual_pence for e in check.benefits},
        total_pence=check.total_annual_pence,
        tariffs=[
            {
                "provider": o.tariff.provider,
                "name": o.tariff.name,
                "annual_saving_pence": o.annual_saving_pence,
            }
            for o in check.tariffs
        ],
        **fields,
    )


def save_caseworker_check(
    session: Session,
    user: User,
    resident_id: int,
    household: HouseholdFile,
    check: Check,
    provenance: dict[str, Any] | None = None,
    *,
    organisation_id: int | None = None,
) -> EntitlementCheck:
    """Save a caseworker's check to the resident's record, as made by `organisation_id` (a
    partner) or the council (None)."""
    resident = _resident(session, user, resident_id)
    saved = _record(
        household,
        check,
        tenant_id=resident.tenant_id,
        resident_id=resident.id,
        organisation_id=organisation_id,
        kind="caseworker",
        provenance=provenance,
        created_by=user.email,
    )
    session.add(saved)
    session.flush()
    audit.record(
        session,
        actor=user.email,
        action="entitlements.check.save",
        entity_type="entitlement_check",
        entity_id=saved.id,
        tenant_id=resident.tenant_id,
        user_id=user.id,
    )
    session.commit()
    return saved


def share_self_check(
    session: Session,
    tenant_id: int,
    household: HouseholdFile,
    check: Check,
    *,
    contact: dict[str, str],
    consent_text: str,
) -> EntitlementCheck:
    """Keep a resident's self-check because they asked the council to call back, with the
    words they agreed to and when."""
    if not consent_text.strip():
        raise InvalidInput("A self-check is only shared with the resident's explicit consent.")
    if not any(v.strip() for v in contact.values()):
        raise InvalidInput("contact: give a phone number or email address for the call back.")
    saved = _record(
        household,
        check,
        tenant_id=tenant_id,
        resident_id=None,
        kind="self_check",
        contact=contact,
        created_by="resident",
        consent={"text": consent_text, "given_at": utcnow().isoformat()},
        callback_status="new",
        callback_updated_at=utcnow(),
    )
    session.add(saved)
    session.flush()
    audit.record(
        session,
        actor="resident",
        action="entitlements.self_check.share",
        entity_type="entitlement_check",
        entity_id=saved.id,
        tenant_id=tenant_id,
    )
    session.commit()
    return saved


def checks_for_resident(
    session: Session, user: User, resident_id: int, *, made_by: int | None = None
) -> list[EntitlementCheck]:
    """A resident's saved checks, newest first: all of them, or (`made_by`) only those one
    partner organisation's caseworkers made."""
    resident = _resident(session, user, resident_id)
    audit.record(
        session,
        actor=user.email,
        action="entitlements.check.view",
        entity_type="resident",
        entity_id=resident.id,
        tenant_id=resident.tenant_id,
        user_id=user.id,
    )
    session.commit()
    query = select(EntitlementCheck).where(EntitlementCheck.resident_id == resident.id)
    if made_by is not None:
        query = query.where(EntitlementCheck.organisation_id == made_by)
    return list(session.scalars(query.order_by(EntitlementCheck.id.desc())))

"""Accounts as a signed-in caller sees them: scoped reads and the admin's user operations.

Every function takes the caller's Principal, checks the permission it needs and keeps to the
caller's scope, so the web pages and the API share one set of rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts import service
from safetynet.accounts.models import (
    AgreementParty,
    DataSharingAgreement,
    Organisation,
    User,
)
from safetynet.accounts.passwords import generate_password, hash_password
from safetynet.accounts.permissions import Principal
from safetynet.accounts.sessions import sign_out_everywhere
from safetynet.audit import AuditEvent
from safetynet.errors import Conflict, NotFound


def readable_audit_events(principal: Principal) -> Select[Any]:
    """The audit events the caller may read: their whole area's, for the council's admins
    only (the log names every partner's work)."""
    principal.require("audit.view")
    return select(AuditEvent).where(AuditEvent.tenant_id == principal.tenant_id)


def organisations(session: Session, principal: Principal) -> list[Organisation]:
    """The organisations the caller may see, by name."""
    principal.require("organisations.view")
    query = select(Organisation).where(principal.scope(Organisation.tenant_id, Organisation.id))
    return list(session.scalars(query.order_by(Organisation.name)))


def user_counts(session: Session, principal: Principal) -> dict[int, int]:
    """Active users per organisation within the caller's scope."""
    principal.require("organisations.view")
    rows = session.execute(
        select(User.organisation_id, func.count(User.id))
        .join(Organisation)
        .where(User.is_active, principal.scope(Organisation.tenant_id, Organisation.id))
        .group_by(User.organisation_id)
    ).all()
    return {org_id: int(n) for org_id, n in rows}


def users(session: Session, principal: Principal) -> list[User]:
    """The users the caller administers, by organisation then email."""
    principal.require("users.view")
    query = (
        select(User)
        .join(Organisation)
        .where(principal.scope(Organisation.tenant_id, Organisation.id))
        .order_by(Organisation.name, User.email)
    )
    return list(session.scalars(query))


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    """One user within the caller's scope (404 outside it)."""
    principal.require("users.view")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}.")
    principal.check_visible(
        tenant_id=user.organisation.tenant_id, organisation_id=user.organisation_id, what="user"
    )
    return user


def create_user(
    session: Session,
    principal: Principal,
    *,
    email: str,
    full_name: str,
    organisation: str,
    role: str,
) -> tuple[User, str]:
    """Add a user to an organisation in scope, with a random password shown once."""
    principal.require("users.manage")
    principal.check_organisation(service.get_organisation(session, organisation))
    password = generate_password()
    user = service.create_user(
        session,
        email=email,
        full_name=full_name,
        organisation=organisation,
        role=role,
        password=password,
        actor=principal.actor,
    )
    return user, password


def _change(session: Session, principal: Principal, user: User, action: str) -> None:
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        entity_type="user",
        entity_id=user.id,
        tenant_id=user.organisation.tenant_id,
        user_id=principal.user_id,
    )
    session.commit()


def deactivate_user(session: Session, principal: Principal, user_id: int) -> User:
    """Stop a user signing in; their sessions end now."""
    principal.require("users.manage")
    user = get_user(session, principal, user_id)
    if user.id == principal.user_id:
        raise Conflict("You cannot deactivate your own account.")
    if user.is_active:
        user.is_active = False
        sign_out_everywhere(session, user.id)
        _change(session, principal, user, "user.deactivate")
    return user


def reactivate_user(session: Session, principal: Principal, user_id: int) -> User:
    """Let a deactivated user sign in again. Their API tokens stay revoked (any made before
    the deactivation are revoked now): they make new ones."""
    principal.require("users.manage")
    user = get_user(session, principal, user_id)
    if not user.is_active:
        user.is_active = True
        sign_out_everywhere(session, user.id)
        _change(session, principal, user, "user.reactivate")
    return user


def reset_password(session: Session, principal: Principal, user_id: int) -> tuple[User, str]:
    """Give a user a new random password (shown once to the admin); their sessions end and
    their API tokens are revoked."""
    principal.require("users.manage")
    user = get_user(session, principal, user_id)
    password = generate_password()
    user.password_hash = hash_password(password)
    sign_out_everywhere(session, user.id)
    _change(session, principal, user, "user.password_reset")
    return user, password


def revoke_sessions(session: Session, principal: Principal, user_id: int) -> int:
    """Sign a user out everywhere: sessions end and API tokens are revoked; how many
    sessions ended."""
    principal.require("users.manage")
    user = get_user(session, principal, user_id)
    count, _tokens = sign_out_everywhere(session, user.id)
    _change(session, principal, user, "user.sessions_revoke")
    return count


def _agreements_query(principal: Principal) -> Select[DataSharingAgreement]:
    query = select(DataSharingAgreement).where(
        DataSharingAgreement.tenant_id == principal.tenant_id
    )
    if not principal.council:
        party = select(AgreementParty.agreement_id).where(
            AgreementParty.organisation_id == principal.organisation_id
        )
        query = query.where(DataSharingAgreement.id.in_(party))
    return query


def agreements(session: Session, principal: Principal) -> list[DataSharingAgreement]:
    """Agreements the caller may read: their area's, or (partners) those they are party to."""
    principal.require("agreements.view")
    query = _agreements_query(principal).order_by(DataSharingAgreement.id.desc())
    return list(session.scalars(query))


def get_agreement(
    session: Session, principal: Principal, agreement_id: int
) -> DataSharingAgreement:
    """One agreement the caller may read (404 otherwise)."""
    principal.require("agreements.view")
    found = session.scalar(
        _agreements_query(principal).where(DataSharingAgreement.id == agreement_id)
    )
    if found is None:
        raise NotFound(f"There is no data-sharing agreement with id {agreement_id}.")
    return found


def see_back(session: Session, organisation_id: int, on: date | None = None) -> set[str]:
    """What an organisation may see back under the agreements in force that it supplies."""
    on = on or date.today()
    rows = session.scalars(
        select(DataSharingAgreement)
        .join(AgreementParty, AgreementParty.agreement_id == DataSharingAgreement.id)
        .where(AgreementParty.organisation_id == organisation_id, AgreementParty.role == "supplier")
    )
    return {item for terms in rows if terms.is_active_on(on) for item in terms.see_back}


def may_see_back(session: Session, principal: Principal, item: str) -> bool:
    """True when the caller may see `item` (one of `service.SEE_BACK`) of the residents they
    serve: the council's staff always; a partner's only under an agreement in force that it
    supplies and that says so."""
    assert item in service.SEE_BACK, item
    return principal.council or item in see_back(session, principal.organisation_id)


def acting_as(session: Session, email: str) -> Principal:
    """The principal of the active user with this email: CLI commands act as a named user
    (`--as EMAIL`), so the same permissions, scoping and audit apply as on the pages."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        raise NotFound(f"--as: there is no active user {email}.")
    return Principal.of(user)

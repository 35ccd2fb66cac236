"""Accounts: tenants, organisations, users and data-sharing agreements.

Functions take a Session and commit once (or raise and leave nothing changed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import (
    AgreementParty,
    DataSharingAgreement,
    LawfulBasis,
    Organisation,
    OrganisationKind,
    Role,
    Tenant,
    User,
)
from safetynet.accounts.passwords import check_strength, hash_password
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound, check_length
from safetynet.sources.mapping import AGREEMENT_FIELDS

SEE_BACK = (
    "own_records",
    "linked_programmes",
    "gap_flags",
    "entitlement_estimates",
    "contact_status",
)
ART9_CONDITIONS = (
    "explicit_consent",
    "employment_social_security",
    "vital_interests",
    "substantial_public_interest",
    "health_social_care",
    "public_health",
    "legal_claims",
    "archiving_research",
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def slugify(text: str) -> str:
    """A short lower-case identifier from a name: 'North End Food Bank' -> 'north-end-food-bank'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]


def ensure_tenant(session: Session, name: str, *, slug: str | None = None) -> Tenant:
    """The council area called `name`, created if new (a single-council deployment has one)."""
    slug = slug or slugify(name)
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        tenant = Tenant(slug=slug, name=name)
        session.add(tenant)
        session.flush()
    return tenant


def _area(session: Session, tenant: str | None) -> Tenant:
    """The named council area (created on first use), or the only one there is."""
    if tenant:
        return ensure_tenant(session, tenant)
    areas = list(session.scalars(select(Tenant).limit(2)))
    if len(areas) != 1:
        raise InvalidInput(
            "Name the council area this organisation belongs to with --area "
            "(e.g. --area 'Sheffield City Council')."
        )
    return areas[0]


def create_organisation(
    session: Session,
    *,
    name: str,
    kind: str,
    tenant: str | None,
    slug: str | None = None,
    actor: str,
) -> Organisation:
    """Register an organisation in a council area (the area is created on first use)."""
    if kind not in set(OrganisationKind):
        raise InvalidInput(
            f"Organisation kind '{kind}' is not one of: {', '.join(OrganisationKind)}."
        )
    slug = slug or slugify(name)
    if session.scalar(select(Organisation).where(Organisation.slug == slug)):
        raise Conflict(f"An organisation with the short name '{slug}' already exists.")
    area = _area(session, tenant)
    organisation = Organisation(tenant_id=area.id, slug=slug, name=name, kind=kind)
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="organisation.create",
        entity_type="organisation",
        entity_id=organisation.id,
        tenant_id=area.id,
    )
    session.commit()
    return organisation


def get_organisation(session: Session, slug: str) -> Organisation:
    """The organisation with short name `slug`."""
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        known = ", ".join(session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
        raise NotFound(
            f"No organisation called '{slug}'. Known organisations: "
            f"{known or 'none yet (create one with `safetynet org create`)'}."
        )
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by council area then name."""
    return list(
        session.scalars(select(Organisation).order_by(Organisation.tenant_id, Organisation.name))
    )


def create_user(
    session: Session,
    *,
    email: str,
    full_name: str,
    organisation: str,
    role: str,
    password: str,
    actor: str,
) -> User:
    """Add a user with a checked password (hashed with argon2id; the clear text is not kept)."""
    email = email.strip().lower()
    check_length("An email address", email, 254)
    if not EMAIL.match(email):
        raise InvalidInput(f"'{email}' is not an email address.")
    check_length("A full name", full_name, 200)
    if role not in set(Role):
        raise InvalidInput(f"Role '{role}' is not one of: {', '.join(Role)}.")
    check_strength(password)
    org = get_organisation(session, organisation)
    if session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"A user with email {email} already exists.")
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        organisation_id=org.id,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        tenant_id=org.tenant_id,
        detail={"role": role},
    )
    session.commit()
    return user


def set_password(session: Session, *, email: str, password: str, actor: str) -> User:
    """Give the user with `email` a new (checked) password, from the command line: they are
    signed out everywhere and their API tokens revoked, as with an admin's reset on a page."""
    from safetynet.accounts.sessions import sign_out_everywhere

    email = email.strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"There is no user with email {email}. See `safetynet user list`.")
    check_strength(password)
    user.password_hash = hash_password(password)
    sessions_ended, tokens_revoked = sign_out_everywhere(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="user.password_reset",
        entity_type="user",
        entity_id=user.id,
        tenant_id=user.organisation.tenant_id,
        detail={"sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked},
    )
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by organisation then email."""
    return list(session.scalars(select(User).order_by(User.organisation_id, User.email)))


@dataclass
class AgreementTerms:
    """What a data-sharing agreement says (validated by `create_agreement`)."""

    reference: str
    title: str
    purpose: str
    lawful_basis: str
    suppliers: list[str]
    recipients: list[str]
    fields_allowed: list[str]
    retention_days: int
    start_date: date
    end_date: date | None = None
    special_category: bool = False
    art9_condition: str | None = None
    see_back: tuple[str, ...] = ()


def _check_terms(terms: AgreementTerms) -> None:
    problems = []
    if terms.lawful_basis not in set(LawfulBasis):
        problems.append(f"lawful basis must be one of: {', '.join(LawfulBasis)}")
    if terms.special_category and terms.art9_condition not in ART9_CONDITIONS:
        problems.append(
            "special-category data needs an Article 9 condition, one of: "
            + ", ".join(ART9_CONDITIONS)
        )
    unknown = sorted(set(terms.fields_allowed) - set(AGREEMENT_FIELDS))
    if unknown:
        problems.append(
            f"unknown field(s) {', '.join(unknown)}; fields are: " + ", ".join(AGREEMENT_FIELDS)
        )
    bad_see_back = sorted(set(terms.see_back) - set(SEE_BACK))
    if bad_see_back:
        problems.append(
            f"unknown see-back item(s) {', '.join(bad_see_back)}; choose from: "
            + ", ".join(SEE_BACK)
        )
    if terms.retention_days < 1:
        problems.append("retention must be at least one day")
    if terms.end_date and terms.end_date < terms.start_date:
        problems.append("the end date is before the start date")
    if not terms.suppliers:
        problems.append("name at least one supplying organisation")
    if not terms.purpose.strip():
        problems.append("state the purpose")
    if problems:
        raise InvalidInput("The agreement cannot be recorded: " + "; ".join(problems) + ".")


def create_agreement(
    session: Session, terms: AgreementTerms, *, actor: str
) -> DataSharingAgreement:
    """Record a data-sharing agreement between organisations of one council area."""
    _check_terms(terms)
    parties = [(get_organisation(session, s), "supplier") for s in terms.suppliers]
    parties += [(get_organisation(session, r), "recipient") for r in terms.recipients]
    tenants = {org.tenant_id for org, _ in parties}
    if len(tenants) != 1:
        raise InvalidInput("All parties to an agreement must belong to the same council area.")
    agreement = DataSharingAgreement(
        tenant_id=tenants.pop(),
        reference=terms.reference,
        title=terms.title,
        purpose=terms.purpose,
        lawful_basis=terms.lawful_basis,
        special_category=terms.special_category,
        art9_condition=terms.art9_condition,
        fields_allowed=sorted(set(terms.fields_allowed)),
        see_back=sorted(set(terms.see_back)),
        retention_days=terms.retention_days,
        start_date=terms.start_date,
        end_date=terms.end_date,
        parties=[AgreementParty(organisation_id=o.id, role=r) for o, r in parties],
    )
    session.add(agreement)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"An agreement with reference '{terms.reference}' already exists.") from exc
    audit.record(
        session,
        actor=actor,
        action="agreement.create",
        entity_type="agreement",
        entity_id=agreement.id,
        tenant_id=agreement.tenant_id,
    )
    session.commit()
    return agreement


def get_agreement(session: Session, reference: str) -> DataSharingAgreement:
    """The agreement with this reference."""
    agreement = session.scalar(
        select(DataSharingAgreement).where(DataSharingAgreement.reference == reference)
    )
    if agreement is None:
        raise NotFound(f"No data-sharing agreement with reference '{reference}'.")
    return agreement


def list_agreements(session: Session) -> list[DataSharingAgreement]:
    """Every agreement, newest first."""
    return list(
        session.scalars(select(DataSharingAgreement).order_by(DataSharingAgreement.id.desc()))
    )


def end_agreement(
    session: Session,
    reference: str,
    *,
    reason: str,
    actor: str,
) -> DataSharingAgreement:
    """End an agreement now: no further imports under it."""
    agreement = get_agreement(session, reference)
    if agreement.ended_at is not None:
        raise Conflict(f"Agreement '{reference}' already ended on {agreement.ended_at:%d %B %Y}.")
    agreement.ended_at = utcnow()
    agreement.ended_reason = reason
    audit.record(
        session,
        actor=actor,
        action="agreement.end",
        entity_type="agreement",
        entity_id=agreement.id,
        tenant_id=agreement.tenant_id,
        reason=reason,
    )
    session.commit()
    return agreement


def covering_agreement(
    session: Session, organisation: Organisation, fields: list[str], *, on: date
) -> DataSharingAgreement:
    """The active agreement under which `organisation` may supply `fields`, or a clear refusal."""
    supplied = list(
        session.scalars(
            select(DataSharingAgreement)
            .join(AgreementParty)
            .where(
                AgreementParty.organisation_id == organisation.id, AgreementParty.role == "supplier"
            )
            .order_by(DataSharingAgreement.id.desc())
        )
    )
    active = [a for a in supplied if a.is_active_on(on)]
    if not active:
        raise InvalidInput(
            f"No active data-sharing agreement covers {organisation.name} supplying data "
            f"({len(supplied)} agreement(s) on record, none in force today). An admin can "
            "record one with `safetynet agreement create`."
        )
    for agreement in active:
        if set(fields) <= set(agreement.fields_allowed):
            return agreement
    best = active[0]
    extra = sorted(set(fields) - set(best.fields_allowed))
    raise InvalidInput(
        f"The data-sharing agreement {best.reference} with {organisation.name} does not allow "
        f"these fields: {', '.join(extra)}. Leave those columns out (list them under 'ignore:' "
        "in a mapping file) or record an agreement that allows them."
    )

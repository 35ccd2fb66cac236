"""Who may do what: the permission table, the signed-in caller, and organisation scope.

Deny by default: a permission not granted is refused. Every web page and API route names one
permission (see `safetynet.web.deps.require`), and the service functions that read or change
organisation data check the caller's scope again, so no door can skip it.

What a role may do depends on the kind of organisation the user works for. Staff of a council
work for the whole council area (tenant). Staff of a partner (a charity, a housing
association…) work for their own organisation, whatever their role: the council-wide pages —
link runs, the review queue, the audit log, call-backs, retention, subject access, merging and
splitting residents — are the council's alone, and what a partner's people read is what their
organisation supplied, plus what a data-sharing agreement explicitly lets it see back. Each
entity's "readable" query (one per entity, in its domain's `access` module) says which rows
that is; `docs/web.md` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true

from safetynet.accounts.models import Organisation, OrganisationKind, Role, User
from safetynet.errors import NotFound, PermissionDenied

EVERYONE = frozenset(Role)
NOBODY: frozenset[Role] = frozenset()
ADMIN = frozenset({Role.ADMIN})
ADMIN_ANALYST = frozenset({Role.ADMIN, Role.ANALYST})
ADMIN_CASEWORKER = frozenset({Role.ADMIN, Role.CASEWORKER})
STAFF = frozenset({Role.ADMIN, Role.ANALYST, Role.CASEWORKER})
UPLOADERS = frozenset({Role.ADMIN, Role.ANALYST, Role.PARTNER})
FRONT_DESK = frozenset({Role.ADMIN, Role.CASEWORKER, Role.PARTNER})


@dataclass(frozen=True)
class Grant:
    """The roles holding a permission at a council, and at a partner organisation."""

    council: frozenset[Role]
    partner: frozenset[Role]


def both(roles: frozenset[Role]) -> Grant:
    """The same roles at a council and at a partner (each within its own scope)."""
    return Grant(roles, roles)


def council_only(roles: frozenset[Role]) -> Grant:
    """Roles at a council only: no partner's user holds it, whatever their role."""
    return Grant(roles, NOBODY)


PERMISSIONS: dict[str, Grant] = {
    "dashboard.view": both(EVERYONE),
    "account.manage": both(EVERYONE),  # one's own API tokens
    "organisations.view": Grant(ADMIN_ANALYST, ADMIN),  # a partner: its own organisation
    "users.view": both(ADMIN),  # a partner's admin: its own organisation's users
    "users.manage": both(ADMIN),
    "agreements.view": both(UPLOADERS),  # a partner: the agreements it is party to
    "sources.view": both(EVERYONE),  # a partner: its own lists
    "imports.view": both(EVERYONE),
    "imports.create": both(UPLOADERS),
    "link.view": council_only(STAFF),
    "link.run": council_only(ADMIN_ANALYST),
    "jobs.view": both(EVERYONE),  # a partner: its own organisation's jobs
    "audit.view": council_only(ADMIN),
    "review.view": council_only(ADMIN_ANALYST),  # the linkage review queue
    "review.decide": council_only(ADMIN_ANALYST),
    "residents.view": both(EVERYONE),  # a partner: residents with records it may read
    "residents.manage": council_only(ADMIN_ANALYST),  # merge and split
    # Who is missing, outreach lists and take-up. A partner's staff see their own clients
    # only, and only under an agreement that lets them see gap flags back (gaps.access).
    "gaps.view": both(STAFF),
    "outreach.view": both(STAFF),  # a partner: the lists it made
    "outreach.update": both(STAFF),  # contact statuses, do-not-contact
    "outreach.export": both(ADMIN_ANALYST),
    "entitlements.check": both(ADMIN_CASEWORKER),  # a partner: residents it may read
    "callbacks.handle": council_only(ADMIN_CASEWORKER),  # residents' shared self-checks
    "privacy.retention": council_only(ADMIN),
    "privacy.subject_access": council_only(ADMIN),
    # Payments (payments.access): partners' staff act only on their own organisation's
    # enrolments, awards and payments; schemes, rounds and reconciliation are the council's.
    "payments.view": both(EVERYONE),
    "payments.schemes": council_only(ADMIN),
    "payments.enrol": both(FRONT_DESK),
    "payments.request": both(FRONT_DESK),
    "payments.approve": both(FRONT_DESK),
    "payments.handover": both(FRONT_DESK),
    "payments.disburse": council_only(ADMIN),
    "payments.reconcile": council_only(ADMIN_ANALYST),
    # Delivery plans (plans.access): the council's own plans for its area, counts only.
    "plans.view": council_only(STAFF),
    "plans.manage": council_only(ADMIN_ANALYST),
    # Configuration packs (packs/): export this area's settings, apply another council's.
    "packs.manage": council_only(ADMIN_ANALYST),
    # The area's own configuration (areaconfig/): see what packs changed here and revert it.
    "areaconfig.manage": council_only(ADMIN),
    # The partners' front desk (frontdesk/): each organisation's desk finds its own clients
    # and records visits; everyone may read their own desk's counts.
    "frontdesk.use": both(FRONT_DESK),
    "frontdesk.report": both(EVERYONE),
    # Matching (match/): ranked matches for a resident the caller may read, and referrals;
    # a partner's staff see their own organisation's referrals. Training is the council's.
    "match.view": both(FRONT_DESK),
    "match.refer": both(FRONT_DESK),
    "match.train": council_only(ADMIN_ANALYST),
    # The service directory (directory/): services, counsellors and vacancies hold no personal
    # data, so everyone reads their area's; the council's admins and analysts import it.
    "directory.view": both(EVERYONE),
    "directory.manage": council_only(ADMIN_ANALYST),
    # Digital-inclusion triage (triage/): forms are the council's shared configuration; a
    # partner's staff take triages for residents they may read and see their own; the
    # isolation-risk list and the needs by ward are the council's.
    "triage.forms": council_only(ADMIN_ANALYST),
    "triage.take": both(FRONT_DESK),
    "triage.isolation": council_only(STAFF),
}


def grant_of(permission: str) -> Grant:
    """Who holds `permission` (a typo'd permission is a bug, not a silent deny)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission '{permission}'; add it to PERMISSIONS.")
    return PERMISSIONS[permission]


@dataclass(frozen=True)
class Principal:
    """The signed-in caller: who, in which organisation and area, with which role."""

    user_id: int
    email: str
    full_name: str
    role: str
    organisation_id: int
    organisation_name: str
    tenant_id: int
    council: bool

    @classmethod
    def of(cls, user: User) -> Principal:
        """The principal for a user (their organisation loaded)."""
        org = user.organisation
        return cls(
            user_id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            organisation_id=org.id,
            organisation_name=org.name,
            tenant_id=org.tenant_id,
            council=org.kind == OrganisationKind.COUNCIL,
        )

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"user:{self.email}"

    def can(self, permission: str) -> bool:
        """True when this caller's role, at their kind of organisation, holds `permission`."""
        grant = grant_of(permission)
        return Role(self.role) in (grant.council if self.council else grant.partner)

    def require(self, permission: str) -> None:
        """Refuse unless this caller's role holds `permission`."""
        if not self.can(permission):
            raise PermissionDenied(
                "Your account does not allow this. Ask an administrator if you need it."
                if self.council or grant_of(permission).partner
                else "This is the council's own work: only the council's staff can see it."
            )

    def sees(self, *, tenant_id: int, organisation_id: int | None) -> bool:
        """True when a row of this area and organisation is within this caller's scope."""
        if tenant_id != self.tenant_id:
            return False
        return self.council or organisation_id == self.organisation_id

    def scope(self, tenant_column: Any, organisation_column: Any) -> ColumnElement[bool]:
        """A WHERE clause keeping the rows this caller may see."""
        clause = tenant_column == self.tenant_id
        if not self.council:
            clause = clause & (organisation_column == self.organisation_id)
        return clause if clause is not None else true()

    def check_visible(self, *, tenant_id: int, organisation_id: int | None, what: str) -> None:
        """NotFound (never 'forbidden': no guessing ids) when the row is outside scope."""
        if not self.sees(tenant_id=tenant_id, organisation_id=organisation_id):
            raise NotFound(f"There is no {what} with that id.")

    def check_organisation(self, organisation: Organisation) -> None:
        """Refuse acting for an organisation outside this caller's scope."""
        self.check_visible(
            tenant_id=organisation.tenant_id,
            organisation_id=organisation.id,
            what="organisation",
        )

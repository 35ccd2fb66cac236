"""Who may do what: the role -> permission table, the signed-in caller, and organisation scope.

Deny by default: a permission not listed for a role is refused. Every web page and API route
names one permission (see `safetynet.web.deps.require`), and the service functions that read or
change organisation data check the caller's scope again, so no door can skip it.

Scope: staff of a council organisation see their whole council area (tenant); staff of a
partner (charity, housing association…) see only their own organisation's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true

from safetynet.accounts.models import Organisation, OrganisationKind, Role, User
from safetynet.errors import NotFound, PermissionDenied

EVERYONE = frozenset(Role)
COUNCIL_STAFF = frozenset({Role.ADMIN, Role.ANALYST, Role.CASEWORKER})
UPLOADERS = frozenset({Role.ADMIN, Role.ANALYST, Role.PARTNER})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "dashboard.view": EVERYONE,
    "account.manage": EVERYONE,  # one's own API tokens
    "organisations.view": frozenset({Role.ADMIN, Role.ANALYST}),
    "users.view": frozenset({Role.ADMIN}),
    "users.manage": frozenset({Role.ADMIN}),
    "agreements.view": frozenset({Role.ADMIN, Role.ANALYST, Role.PARTNER}),
    "sources.view": EVERYONE,
    "imports.view": EVERYONE,
    "imports.create": UPLOADERS,
    "link.view": COUNCIL_STAFF,
    "link.run": frozenset({Role.ADMIN, Role.ANALYST}),
    "jobs.view": EVERYONE,
    "audit.view": frozenset({Role.ADMIN}),
    "review.view": frozenset({Role.ADMIN, Role.ANALYST}),  # the linkage review queue
    "review.decide": frozenset({Role.ADMIN, Role.ANALYST}),
    "residents.view": EVERYONE,  # partners: only the records their agreements let them read
    "residents.manage": frozenset({Role.ADMIN, Role.ANALYST}),  # merge and split
    "gaps.view": COUNCIL_STAFF,  # who is missing, the residents found, take-up
    "outreach.view": COUNCIL_STAFF,
    "outreach.update": COUNCIL_STAFF,  # contact statuses, do-not-contact
    "outreach.export": frozenset({Role.ADMIN, Role.ANALYST}),
    "entitlements.check": frozenset({Role.ADMIN, Role.CASEWORKER}),  # a resident's check
    # Residents' shared self-checks: council staff only (entitlements.access)
    "callbacks.handle": frozenset({Role.ADMIN, Role.CASEWORKER}),
    "privacy.retention": frozenset({Role.ADMIN}),  # council admins only (privacy.access)
    "privacy.subject_access": frozenset({Role.ADMIN}),
    # Payments (payments.access): partners' staff act only on their own organisation's
    # enrolments, awards and payments; schemes, rounds and reconciliation are the council's.
    "payments.view": EVERYONE,
    "payments.schemes": frozenset({Role.ADMIN}),
    "payments.enrol": frozenset({Role.ADMIN, Role.CASEWORKER, Role.PARTNER}),
    "payments.request": frozenset({Role.ADMIN, Role.CASEWORKER, Role.PARTNER}),
    "payments.approve": frozenset({Role.ADMIN, Role.CASEWORKER, Role.PARTNER}),
    "payments.handover": frozenset({Role.ADMIN, Role.CASEWORKER, Role.PARTNER}),
    "payments.disburse": frozenset({Role.ADMIN}),
    "payments.reconcile": frozenset({Role.ADMIN, Role.ANALYST}),
}


def roles_with(permission: str) -> frozenset[Role]:
    """The roles holding `permission` (a typo'd permission is a bug, not a silent deny)."""
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
        """True when this caller's role holds `permission`."""
        return Role(self.role) in roles_with(permission)

    def require(self, permission: str) -> None:
        """Refuse unless this caller's role holds `permission`."""
        if not self.can(permission):
            raise PermissionDenied(
                "Your account does not allow this. Ask an administrator if you need it."
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

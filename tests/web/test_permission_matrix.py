"""Every route × every role at a council and at a partner × objects of the caller's own
organisation, another partner of the same area and another council: allowed or denied, from
one table.

ROUTES names each route's permission and the kind of object in its path. A route added to the
app without a row here fails `test_every_route_has_a_rule`; a route whose declared permission
differs from this table fails too, so loosening a rule is a visible change to this file.
GRANTS writes out who holds each permission at a council and at a partner.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from safetynet.accounts import sessions
from safetynet.accounts.models import Role
from safetynet.accounts.permissions import PERMISSIONS
from safetynet.web.deps import SESSION_COOKIE, route_permission
from tests.web.conftest import World

# (method, path) -> (permission, object kind in the path or None)
ROUTES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("GET", "/healthz"): ("public", None),
    ("GET", "/login"): ("public", None),
    ("POST", "/login"): ("public", None),
    ("GET", "/api/docs"): ("public", None),
    ("POST", "/logout"): ("dashboard.view", None),
    ("GET", "/"): ("dashboard.view", None),
    ("GET", "/account"): ("account.manage", None),
    ("POST", "/account/tokens"): ("account.manage", None),
    ("POST", "/account/tokens/{token_id}/revoke"): ("account.manage", "token"),
    ("GET", "/audit"): ("audit.view", None),
    ("GET", "/organisations"): ("organisations.view", None),
    ("GET", "/users"): ("users.view", None),
    ("GET", "/users/new"): ("users.manage", None),
    ("POST", "/users/new"): ("users.manage", "new_user"),
    ("GET", "/users/{user_id}"): ("users.view", "user"),
    ("GET", "/users/{user_id}/deactivate"): ("users.manage", "user"),
    ("POST", "/users/{user_id}/deactivate"): ("users.manage", "user"),
    ("POST", "/users/{user_id}/reactivate"): ("users.manage", "user"),
    ("POST", "/users/{user_id}/revoke-sessions"): ("users.manage", "user"),
    ("POST", "/users/{user_id}/reset-password"): ("users.manage", "user"),
    ("GET", "/agreements"): ("agreements.view", None),
    ("GET", "/agreements/{agreement_id}"): ("agreements.view", "agreement"),
    ("GET", "/sources"): ("sources.view", None),
    ("GET", "/sources/{source_id}"): ("sources.view", "source"),
    ("GET", "/imports"): ("imports.view", None),
    ("GET", "/imports/new"): ("imports.create", None),
    ("POST", "/imports/new"): ("imports.create", "upload"),
    ("GET", "/imports/{import_id}"): ("imports.view", "import"),
    ("POST", "/imports/{import_id}/rejected"): ("imports.view", "import"),
    ("GET", "/link-runs"): ("link.view", None),
    ("POST", "/link-runs"): ("link.run", None),
    ("GET", "/link-runs/{run_id}"): ("link.view", "run"),
    ("GET", "/jobs/{job_id}"): ("jobs.view", "job"),
    ("GET", "/api/v1/me"): ("dashboard.view", None),
    ("GET", "/api/v1/organisations"): ("organisations.view", None),
    ("GET", "/api/v1/users"): ("users.view", None),
    ("POST", "/api/v1/users"): ("users.manage", "new_user"),
    ("POST", "/api/v1/users/{user_id}/deactivate"): ("users.manage", "user"),
    ("POST", "/api/v1/users/{user_id}/reactivate"): ("users.manage", "user"),
    ("POST", "/api/v1/users/{user_id}/reset-password"): ("users.manage", "user"),
    ("POST", "/api/v1/users/{user_id}/revoke-sessions"): ("users.manage", "user"),
    ("GET", "/api/v1/agreements"): ("agreements.view", None),
    ("GET", "/api/v1/agreements/{agreement_id}"): ("agreements.view", "agreement"),
    ("GET", "/api/v1/sources"): ("sources.view", None),
    ("GET", "/api/v1/imports"): ("imports.view", None),
    ("GET", "/api/v1/imports/{import_id}"): ("imports.view", "import"),
    ("GET", "/api/v1/imports/{import_id}/issues"): ("imports.view", "import"),
    ("POST", "/api/v1/imports/{import_id}/rejected"): ("imports.view", "import"),
    ("POST", "/api/v1/imports"): ("imports.create", "upload"),
    ("GET", "/api/v1/link-runs"): ("link.view", None),
    ("GET", "/api/v1/link-runs/{run_id}"): ("link.view", "run"),
    ("POST", "/api/v1/link-runs"): ("link.run", None),
    ("GET", "/api/v1/jobs/{job_id}"): ("jobs.view", "job"),
    ("GET", "/api/v1/audit"): ("audit.view", None),
    ("GET", "/review"): ("review.view", None),
    ("GET", "/review/{pair_id}"): ("review.view", "pair"),
    ("POST", "/review/{pair_id}"): ("review.decide", "pair"),
    ("GET", "/residents"): ("residents.view", None),
    ("POST", "/residents"): ("residents.view", None),
    ("POST", "/api/v1/residents/search"): ("residents.view", None),
    ("GET", "/residents/{resident_id}"): ("residents.view", "resident"),
    ("POST", "/residents/{resident_id}/merge"): ("residents.manage", "resident"),
    ("POST", "/residents/{resident_id}/split"): ("residents.manage", "resident"),
    ("POST", "/residents/{resident_id}/do-not-contact"): ("outreach.update", "resident"),
    ("GET", "/gaps"): ("gaps.view", None),
    ("GET", "/gaps/{rule_id}"): ("gaps.view", "rule"),
    ("POST", "/gaps/{rule_id}/export"): ("outreach.export", "rule"),
    ("GET", "/outreach"): ("outreach.view", None),
    ("GET", "/outreach/{list_id}"): ("outreach.view", "outreach"),
    ("POST", "/outreach/{list_id}/status"): ("outreach.update", "outreach"),
    ("GET", "/takeup"): ("gaps.view", None),
    ("GET", "/places"): ("gaps.view", None),
    ("GET", "/api/v1/review"): ("review.view", None),
    ("GET", "/api/v1/review/{pair_id}"): ("review.view", "pair"),
    ("POST", "/api/v1/review/{pair_id}"): ("review.decide", "pair"),
    ("GET", "/api/v1/residents/{resident_id}"): ("residents.view", "resident"),
    ("POST", "/api/v1/residents/{resident_id}/merge"): ("residents.manage", "resident"),
    ("POST", "/api/v1/residents/{resident_id}/split"): ("residents.manage", "resident"),
    ("POST", "/api/v1/residents/{resident_id}/do-not-contact"): ("outreach.update", "resident"),
    ("GET", "/api/v1/gaps"): ("gaps.view", None),
    ("GET", "/api/v1/places/profiles"): ("gaps.view", None),
    ("GET", "/decisions"): ("gaps.view", None),
    ("GET", "/decisions/export"): ("gaps.view", None),
    ("GET", "/api/v1/decisions"): ("gaps.view", None),
    ("GET", "/plans"): ("plans.view", None),
    ("POST", "/plans"): ("plans.manage", None),
    ("GET", "/plans/{plan_id}"): ("plans.view", "plan"),
    ("GET", "/plans/{plan_id}/export"): ("plans.view", "plan"),
    ("POST", "/plans/{plan_id}/measure"): ("plans.manage", "plan"),
    ("POST", "/plans/{plan_id}/status"): ("plans.manage", "plan"),
    ("GET", "/api/v1/plans"): ("plans.view", None),
    ("POST", "/api/v1/plans"): ("plans.manage", None),
    ("GET", "/api/v1/plans/{plan_id}"): ("plans.view", "plan"),
    ("POST", "/api/v1/plans/{plan_id}/measure"): ("plans.manage", "plan"),
    ("GET", "/packs"): ("packs.manage", None),
    ("GET", "/packs/export"): ("packs.manage", None),
    ("POST", "/packs/diff"): ("packs.manage", None),
    ("POST", "/packs/apply"): ("packs.manage", None),
    ("GET", "/api/v1/packs/export"): ("packs.manage", None),
    ("POST", "/api/v1/packs/diff"): ("packs.manage", None),
    ("POST", "/api/v1/packs/apply"): ("packs.manage", None),
    ("GET", "/configuration"): ("areaconfig.manage", None),
    ("POST", "/configuration/revert"): ("areaconfig.manage", None),
    ("GET", "/api/v1/configuration"): ("areaconfig.manage", None),
    ("POST", "/api/v1/configuration/revert"): ("areaconfig.manage", None),
    ("GET", "/api/v1/outreach"): ("outreach.view", None),
    ("GET", "/api/v1/outreach/{list_id}"): ("outreach.view", "outreach"),
    ("POST", "/api/v1/outreach/{list_id}/status"): ("outreach.update", "outreach"),
    ("GET", "/check"): ("public", None),
    ("POST", "/check/start"): ("public", None),
    ("GET", "/check/expired"): ("public", None),
    ("GET", "/check/privacy"): ("public", None),
    ("GET", "/check/cookies"): ("public", None),
    ("GET", "/check/accessibility"): ("public", None),
    ("GET", "/check/answers"): ("public", None),
    ("POST", "/check/answers"): ("public", None),
    ("GET", "/check/result"): ("public", None),
    ("POST", "/check/share"): ("public", None),
    ("POST", "/check/finish"): ("public", None),
    ("GET", "/check/{question_id}"): ("public", "question"),
    ("POST", "/check/{question_id}"): ("public", "question"),
    ("GET", "/residents/{resident_id}/entitlements"): ("entitlements.check", "resident"),
    ("POST", "/residents/{resident_id}/entitlements"): ("entitlements.check", "resident"),
    ("GET", "/api/v1/residents/{resident_id}/entitlements"): ("entitlements.check", "resident"),
    ("POST", "/api/v1/residents/{resident_id}/entitlements"): ("entitlements.check", "resident"),
    ("POST", "/api/v1/gaps/{rule_id}/export"): ("outreach.export", "rule"),
    ("GET", "/call-backs"): ("callbacks.handle", None),
    ("GET", "/call-backs/{check_id}"): ("callbacks.handle", "callback"),
    ("POST", "/call-backs/{check_id}"): ("callbacks.handle", "callback"),
    ("GET", "/api/v1/call-backs"): ("callbacks.handle", None),
    ("GET", "/api/v1/call-backs/{check_id}"): ("callbacks.handle", "callback"),
    ("POST", "/api/v1/call-backs/{check_id}/status"): ("callbacks.handle", "callback"),
    ("GET", "/privacy"): ("privacy.retention", None),
    ("GET", "/privacy/retention"): ("privacy.retention", None),
    ("POST", "/privacy/retention"): ("privacy.retention", None),
    ("GET", "/privacy/subject-access"): ("privacy.subject_access", None),
    ("POST", "/privacy/subject-access"): ("privacy.subject_access", None),
    ("GET", "/api/v1/privacy/retention"): ("privacy.retention", None),
    ("POST", "/api/v1/privacy/retention"): ("privacy.retention", None),
    ("POST", "/api/v1/privacy/subject-access"): ("privacy.subject_access", "resident"),
    ("GET", "/payments"): ("payments.view", None),
    ("GET", "/payments/schemes/{scheme_id}"): ("payments.view", "scheme"),
    ("GET", "/payments/schemes/{scheme_id}/enrol"): ("payments.enrol", "scheme"),
    ("POST", "/payments/schemes/{scheme_id}/enrol"): ("payments.enrol", "scheme"),
    ("GET", "/payments/enrolments/{enrolment_id}"): ("payments.view", "enrolment"),
    ("POST", "/payments/enrolments/{enrolment_id}/awards"): ("payments.request", "enrolment"),
    ("GET", "/payments/awards/{award_id}"): ("payments.view", "award"),
    ("POST", "/payments/awards/{award_id}"): ("payments.approve", "award"),
    ("POST", "/payments/awards/{award_id}/cancel"): ("payments.request", "award"),
    ("POST", "/payments/schemes/{scheme_id}/rounds"): ("payments.disburse", "scheme"),
    ("GET", "/payments/rounds/{round_id}/bacs"): ("payments.disburse", "round"),
    ("POST", "/payments/payments/{payment_id}/hand-over"): ("payments.handover", "payment"),
    ("GET", "/payments/statements"): ("payments.reconcile", None),
    ("POST", "/payments/statements"): ("payments.reconcile", None),
    ("GET", "/api/v1/payments/schemes"): ("payments.view", None),
    ("POST", "/api/v1/payments/schemes"): ("payments.schemes", None),
    ("POST", "/api/v1/payments/funds"): ("payments.schemes", None),
    ("GET", "/api/v1/payments/schemes/{scheme_id}"): ("payments.view", "scheme"),
    ("POST", "/api/v1/payments/schemes/{scheme_id}/enrolments"): ("payments.enrol", "scheme"),
    ("GET", "/api/v1/payments/enrolments/{enrolment_id}"): ("payments.view", "enrolment"),
    ("POST", "/api/v1/payments/awards"): ("payments.request", None),
    ("POST", "/api/v1/payments/awards/{award_id}/decision"): ("payments.approve", "award"),
    ("POST", "/api/v1/payments/awards/{award_id}/cancel"): ("payments.request", "award"),
    ("POST", "/api/v1/payments/schemes/{scheme_id}/rounds"): ("payments.disburse", "scheme"),
    ("POST", "/api/v1/payments/payments/{payment_id}/hand-over"): ("payments.handover", "payment"),
    ("POST", "/api/v1/payments/statements"): ("payments.reconcile", None),
    ("POST", "/api/v1/payments/provider-events"): ("public", None),
    ("GET", "/front-desk"): ("frontdesk.use", None),
    ("POST", "/front-desk"): ("frontdesk.use", None),
    ("GET", "/front-desk/new"): ("frontdesk.use", None),
    ("POST", "/front-desk/new"): ("frontdesk.use", None),
    ("GET", "/front-desk/people/{record_id}"): ("frontdesk.use", "desk_client"),
    ("POST", "/front-desk/people/{record_id}"): ("frontdesk.use", "desk_client"),
    ("POST", "/front-desk/events/{event_id}/outcome"): ("frontdesk.use", "desk_referral"),
    ("GET", "/front-desk/report"): ("frontdesk.report", None),
    ("POST", "/api/v1/front-desk/search"): ("frontdesk.use", None),
    ("POST", "/api/v1/front-desk/events"): ("frontdesk.use", None),
    ("POST", "/api/v1/front-desk/events/{event_id}/outcome"): ("frontdesk.use", "desk_referral"),
    ("GET", "/api/v1/front-desk/report"): ("frontdesk.report", None),
    ("GET", "/residents/{resident_id}/matches"): ("match.view", "resident"),
    ("POST", "/residents/{resident_id}/matches"): ("match.view", "resident"),
    ("POST", "/residents/{resident_id}/referrals"): ("match.refer", "resident"),
    ("POST", "/match/referrals/{referral_id}/status"): ("match.refer", "match_referral"),
    ("GET", "/match/allocations"): ("match.refer", None),
    ("POST", "/match/allocations"): ("match.refer", None),
    ("GET", "/match/allocations/{allocation_id}"): ("match.refer", "match_allocation"),
    ("POST", "/match/allocations/{allocation_id}/confirm"): ("match.refer", "match_allocation"),
    ("GET", "/api/v1/match/residents/{resident_id}/referrals"): ("match.view", "resident"),
    ("POST", "/api/v1/match/residents/{resident_id}/matches"): ("match.view", "resident"),
    ("POST", "/api/v1/match/residents/{resident_id}/referrals"): ("match.refer", "resident"),
    ("POST", "/api/v1/match/referrals/{referral_id}/status"): ("match.refer", "match_referral"),
    ("GET", "/api/v1/match/ranker"): ("match.train", None),
    ("POST", "/api/v1/match/allocate"): ("match.refer", None),
    ("POST", "/api/v1/match/allocate/confirm"): ("match.refer", None),
    ("GET", "/api/v1/match/exposure"): ("match.train", None),
    ("POST", "/api/v1/match/ranker"): ("match.train", None),
    ("GET", "/directory"): ("directory.view", None),
    ("GET", "/directory/services/{service_id}"): ("directory.view", "directory_service"),
    ("POST", "/api/v1/directory/imports"): ("directory.manage", None),
    ("GET", "/api/oruk/{area}/"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/services"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/services/{service_id}"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/service_at_locations"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/service_at_locations/{sal_id}"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/taxonomies"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/taxonomies/{taxonomy_id}"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/taxonomy_terms"): ("public", "oruk"),
    ("GET", "/api/oruk/{area}/taxonomy_terms/{term_id}"): ("public", "oruk"),
    ("GET", "/residents/{resident_id}/triage"): ("triage.take", "resident"),
    ("POST", "/residents/{resident_id}/triage"): ("triage.take", "resident"),
    ("GET", "/triage/{outcome_id}/questions/{question_id}"): ("triage.take", "triage"),
    ("POST", "/triage/{outcome_id}/questions/{question_id}"): ("triage.take", "triage"),
    ("GET", "/triage/{outcome_id}/check"): ("triage.take", "triage"),
    ("POST", "/triage/{outcome_id}/check"): ("triage.take", "triage"),
    ("GET", "/triage/{outcome_id}"): ("triage.take", "triage"),
    ("GET", "/triage/forms"): ("triage.forms", None),
    ("POST", "/triage/forms"): ("triage.forms", None),
    ("GET", "/triage/forms/{form_id}"): ("triage.forms", "triage_form"),
    ("GET", "/triage/isolation"): ("triage.isolation", None),
    ("POST", "/triage/isolation/export"): ("triage.isolation", None),
    ("GET", "/triage/needs"): ("triage.isolation", None),
    ("POST", "/api/v1/triage/residents/{resident_id}"): ("triage.take", "resident"),
    ("GET", "/api/v1/triage/residents/{resident_id}"): ("triage.take", "resident"),
    ("POST", "/api/v1/triage/residents/{resident_id}/start"): ("triage.take", "resident"),
    ("POST", "/api/v1/triage/outcomes/{outcome_id}/answers/{question_id}"): (
        "triage.take",
        "triage",
    ),
    ("POST", "/api/v1/triage/outcomes/{outcome_id}/complete"): ("triage.take", "triage"),
    ("GET", "/api/v1/triage/outcomes/{outcome_id}"): ("triage.take", "triage"),
    ("GET", "/api/v1/triage/forms"): ("triage.forms", None),
    ("POST", "/api/v1/triage/forms"): ("triage.forms", None),
    ("GET", "/api/v1/triage/forms/{form_id}"): ("triage.forms", "triage_form"),
    ("GET", "/api/v1/triage/isolation"): ("triage.isolation", None),
    ("GET", "/api/v1/triage/needs"): ("triage.isolation", None),
}
PAYMENT_KINDS = {"scheme", "enrolment", "award", "payment", "round"}
# Objects no organisation owns (the gap rules): the same for every caller, never "other".
UNSCOPED = {"rule", "oruk"}
# Objects of a council area that every organisation of the area may read (the directory).
AREA_SCOPED = {"directory_service"}
# Each caller's organisation: council tc's staff, and partner north's staff in every role.
CALLERS = {
    "admin": "tc",
    "analyst": "tc",
    "caseworker": "tc",
    "nadmin": "north",
    "nanalyst": "north",
    "ncaseworker": "north",
    "partner": "north",
}
# The organisations whose objects each route is tried on: a partner in the callers' area, a
# second partner in that area, and an organisation of another council.
TARGETS = ("north", "south", "oc")
AREA = {"tc": "Testshire", "north": "Testshire", "south": "Testshire", "oc": "Otherton"}
COUNCILS = {"tc", "oc"}


def visible(kind: str, caller: str, target: str) -> bool:
    """Whether the caller may see an object of `kind` belonging to `target`: the council's
    staff see their whole area, a partner's staff their own organisation's objects; a token
    only its owner."""
    if kind in UNSCOPED:
        return True
    if kind == "token":
        return target == "north"  # north's token is the caller's own (see _target)
    org = CALLERS[caller]
    if AREA[target] != AREA[org]:
        return False
    return org in COUNCILS or target == org or kind in AREA_SCOPED


def app_routes() -> dict[tuple[str, str], list[str]]:
    from safetynet.web.app import api_routes, create_app

    return {(m, path): route_permission(route) for m, path, route in api_routes(create_app())}


def test_every_route_has_a_rule(store):
    routes = app_routes()
    assert set(routes) - set(ROUTES) == set(), "add these routes to ROUTES"
    assert set(ROUTES) - set(routes) == set(), "ROUTES names routes that do not exist"
    assert {k: v for k, v in routes.items() if len(v) != 1} == {}, "one permission per route"
    assert {k: v[0] for k, v in routes.items()} == {k: v[0] for k, v in ROUTES.items()}


# Who holds each permission (at a council, at a partner), written out here so that changing
# the app's table is deliberate.
ALL = {"admin", "analyst", "caseworker", "partner"}
GRANTS: dict[str, tuple[set[str], set[str]]] = {
    "dashboard.view": (ALL, ALL),
    "account.manage": (ALL, ALL),
    "organisations.view": ({"admin", "analyst"}, {"admin"}),
    "users.view": ({"admin"}, {"admin"}),
    "users.manage": ({"admin"}, {"admin"}),
    "agreements.view": ({"admin", "analyst", "partner"}, {"admin", "analyst", "partner"}),
    "sources.view": (ALL, ALL),
    "imports.view": (ALL, ALL),
    "imports.create": ({"admin", "analyst", "partner"}, {"admin", "analyst", "partner"}),
    "link.view": ({"admin", "analyst", "caseworker"}, set()),
    "link.run": ({"admin", "analyst"}, set()),
    "jobs.view": (ALL, ALL),
    "audit.view": ({"admin"}, set()),
    "review.view": ({"admin", "analyst"}, set()),
    "review.decide": ({"admin", "analyst"}, set()),
    "residents.view": (ALL, ALL),
    "residents.manage": ({"admin", "analyst"}, set()),
    "gaps.view": ({"admin", "analyst", "caseworker"}, {"admin", "analyst", "caseworker"}),
    "outreach.view": ({"admin", "analyst", "caseworker"}, {"admin", "analyst", "caseworker"}),
    "outreach.update": ({"admin", "analyst", "caseworker"}, {"admin", "analyst", "caseworker"}),
    "outreach.export": ({"admin", "analyst"}, {"admin", "analyst"}),
    "entitlements.check": ({"admin", "caseworker"}, {"admin", "caseworker"}),
    "callbacks.handle": ({"admin", "caseworker"}, set()),
    "privacy.retention": ({"admin"}, set()),
    "privacy.subject_access": ({"admin"}, set()),
    "payments.view": (ALL, ALL),
    "payments.schemes": ({"admin"}, set()),
    "payments.enrol": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "payments.request": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "payments.approve": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "payments.handover": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "payments.disburse": ({"admin"}, set()),
    "payments.reconcile": ({"admin", "analyst"}, set()),
    "plans.view": ({"admin", "analyst", "caseworker"}, set()),
    "plans.manage": ({"admin", "analyst"}, set()),
    "packs.manage": ({"admin", "analyst"}, set()),
    "areaconfig.manage": ({"admin"}, set()),
    "frontdesk.use": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "frontdesk.report": (ALL, ALL),
    "match.view": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "match.refer": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "match.train": ({"admin", "analyst"}, set()),
    "directory.view": (ALL, ALL),
    "directory.manage": ({"admin", "analyst"}, set()),
    "triage.forms": ({"admin", "analyst"}, set()),
    "triage.take": ({"admin", "caseworker", "partner"}, {"admin", "caseworker", "partner"}),
    "triage.isolation": ({"admin", "analyst", "caseworker"}, set()),
}


def role_of(caller: str) -> str:
    """The caller's role (the partner-organisation callers are named n<role>)."""
    return caller[1:] if CALLERS[caller] not in COUNCILS and caller != "partner" else caller


def holds(permission: str, caller: str) -> bool:
    """Whether the caller's role, at their kind of organisation, holds the permission."""
    council, partner = GRANTS[permission]
    return role_of(caller) in (council if CALLERS[caller] in COUNCILS else partner)


def test_the_permission_table_is_the_one_reviewed_here():
    got = {
        perm: ({r.value for r in g.council}, {r.value for r in g.partner})
        for perm, g in PERMISSIONS.items()
    }
    assert got == GRANTS


def test_no_partner_role_holds_a_council_wide_permission():
    council_wide = {"link.view", "link.run", "audit.view", "review.view", "review.decide"}
    council_wide |= {"residents.manage", "callbacks.handle", "privacy.retention"}
    council_wide |= {"privacy.subject_access", "payments.schemes", "payments.disburse"}
    council_wide |= {"payments.reconcile", "plans.view", "plans.manage", "directory.manage"}
    council_wide |= {"match.train"}
    council_wide |= {"payments.reconcile", "plans.view", "plans.manage"}
    council_wide |= {"triage.forms", "triage.isolation"}
    council_wide |= {"payments.reconcile", "plans.view", "plans.manage", "packs.manage"}
    council_wide |= {"areaconfig.manage"}
    assert {p for p, g in PERMISSIONS.items() if not g.partner} == council_wide


def test_every_permission_is_used_and_every_role_is_known():
    used = {perm for perm, _ in ROUTES.values()} - {"public"}
    assert used == set(PERMISSIONS)
    assert all(g.council | g.partner <= set(Role) for g in PERMISSIONS.values())


def _target(
    world: World, kind: str, caller: str, org: str, db: Session | None = None
) -> dict[str, Any]:
    """Path parameters and body for one object kind belonging to organisation `org`."""
    ids = world.ids
    users = {"north": "target", "south": "southpartner", "oc": "othertarget"}
    if kind == "token":  # a throwaway token: revoking the caller's main one would end the test
        owner = world.users[{"north": caller, "south": "southpartner", "oc": "otheradmin"}[org]]
        assert db is not None
        return {"token_id": sessions.create_api_token(db, owner, name="spare")[1].id}
    if kind == "question":  # self-check question pages
        return {"question_id": "age"}
    if kind == "callback":  # a self-check shared in the organisation's area
        return {"check_id": _shared_check(world.ids[f"tenant:{AREA[org]}"])}
    if kind == "plan":  # a plan (no actions) of the organisation's area
        return {"plan_id": _plan(world.ids[f"tenant:{AREA[org]}"])}
    if kind == "directory_service":  # a service in the organisation's area's directory
        return {"service_id": _directory(world, AREA[org])["id"]}
    if kind == "oruk":  # the public API: Testshire's directory and its records' ORUK ids
        return _directory(world, "Testshire")
    if kind == "desk_client":  # one of the organisation's imported clients
        return {"record_id": _record_of(world, org)}
    if kind == "desk_referral":  # a fresh referral at the organisation's desk
        return {"event_id": _referral(world, org)}
    if kind == "match_referral":  # a fresh referral of the organisation's resident
        return {"referral_id": _match_referral(world, org)}
    if kind == "match_allocation":  # a proposed allocation of the organisation's
        return {"allocation_id": _match_allocation(world, org)}
    if kind == "triage":  # a triage the organisation's staff took for one of its residents
        return {"outcome_id": _triage(world, org), "question_id": "age"}
    if kind == "triage_form":  # the shipped form, stored for the organisation's area
        return {"form_id": _triage_form(world, org)}
    if kind in PAYMENT_KINDS:  # fresh payments objects of the organisation, by the services
        from tests.web.payments_targets import target

        return target(world, kind, org)
    lists = {"north": "outreach:north", "south": "outreach:south", "oc": "outreach:Otherton"}
    return {
        "user": {"user_id": world.users[users[org]].id},
        "agreement": {"agreement_id": ids[f"agreement:{org}"]},
        "source": {"source_id": _source_id(world, org)},
        "import": {"import_id": ids[f"import:{org}"]},
        "run": {"run_id": ids[f"run:{AREA[org]}"]},
        "job": {"job_id": ids[f"job:{org}"]},
        "new_user": {"organisation": org},
        "pair": {"pair_id": ids[f"pair:{AREA[org]}"]},
        "resident": {"resident_id": ids[f"resident:{org}"]},
        "outreach": {"list_id": ids[lists[org]], "person": ids[f"resident:{org}"]},
        "rule": {"rule_id": "foodbank-no-ctr"},
        "upload": {"organisation": org},
    }[kind]


def _shared_check(tenant_id: int) -> int:
    """A fresh self-check shared for a call back (each request may change its status)."""
    from safetynet.db import open_session
    from safetynet.entitlements.models import EntitlementCheck

    with open_session() as session:
        check = EntitlementCheck(
            tenant_id=tenant_id, kind="self_check", year=2025, inputs={}, benefits={},
            total_pence=0, contact={"phone": "0114 496 0000"}, consent={"text": "yes"},
            created_by="resident", callback_status="new",
        )  # fmt: skip
        session.add(check)
        session.commit()
        return check.id


def _plan(tenant_id: int) -> int:
    from datetime import date

    from safetynet.db import open_session
    from safetynet.plans.models import Plan

    with open_session() as session:
        plan = Plan(
            tenant_id=tenant_id, title="Matrix plan", starts=date(2026, 12, 1),
            ends=date(2027, 6, 1), created_by="test",
        )  # fmt: skip
        session.add(plan)
        session.commit()
        return plan.id


def _directory(world: World, area: str) -> dict[str, Any]:
    """A tiny synthetic directory in the area (made once): path values for its routes."""
    from sqlalchemy import select

    from safetynet.accounts.models import Tenant
    from safetynet.db import open_session
    from safetynet.directory import service, synthetic
    from safetynet.directory.models import DirectoryService, DirectoryServiceAtLocation

    tenant_id = world.ids[f"tenant:{area}"]
    with open_session() as session:
        if not session.scalar(
            select(DirectoryService.id).where(DirectoryService.tenant_id == tenant_id)
        ):
            made = synthetic.directory(seed=1, area=area, size=synthetic.Size(2, 2, 1))
            service.write_made_here(session, tenant_id, made, actor="test")
        first = session.scalars(
            select(DirectoryService).where(DirectoryService.tenant_id == tenant_id)
        ).first()
        assert first is not None
        place = session.scalars(
            select(DirectoryServiceAtLocation).where(
                DirectoryServiceAtLocation.tenant_id == tenant_id
            )
        ).first()
        terms = service.terms(session, tenant_id)
        return {
            "id": first.id,
            "area": session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)),
            "service_id": first.oruk_id,
            "sal_id": place.oruk_id if place else "",
            "taxonomy_id": terms[0][1],
            "term_id": terms[0][0].oruk_id,
        }


def _record_of(world: World, org: str) -> int:
    from sqlalchemy import select

    from safetynet.db import open_session
    from safetynet.sources.models import Record

    with open_session() as session:
        query = select(Record.id).where(Record.import_id == world.ids[f"import:{org}"])
        return int(session.scalar(query.order_by(Record.id).limit(1)) or 0)


def _referral(world: World, org: str) -> int:
    from safetynet.accounts.models import User
    from safetynet.accounts.permissions import Principal
    from safetynet.db import open_session
    from safetynet.frontdesk import service

    staff = {"north": "target", "south": "southpartner", "oc": "otheradmin"}[org]
    with open_session() as session:
        principal = Principal.of(session.get(User, world.users[staff].id))
        event = service.record_event(
            session, principal, kind="referral", record_id=_record_of(world, org),
            referred_to="Matrix advice",
        )  # fmt: skip
        return event.id


def _match_referral(world: World, org: str) -> int:
    from safetynet.db import open_session
    from safetynet.match.models import Referral

    with open_session() as session:
        referral = Referral(
            tenant_id=world.ids[f"tenant:{AREA[org]}"], organisation_id=world.ids[f"org:{org}"],
            resident_id=world.ids[f"resident:{org}"], service_id=1, service_name="Matrix",
            batch="matrix", position=1, method="score", score=0.5, features=[], reasons=[],
            status="made", made_by="test",
        )  # fmt: skip
        session.add(referral)
        session.commit()
        return referral.id


def _match_allocation(world: World, org: str) -> int:
    """A fresh proposed allocation with no one placed (confirming it is refused, 400)."""
    from safetynet.db import open_session
    from safetynet.match.models import Allocation

    with open_session() as session:
        allocation = Allocation(
            tenant_id=world.ids[f"tenant:{AREA[org]}"], organisation_id=world.ids[f"org:{org}"],
            drawn_from="Matrix", kind=None, strength=0.3, seekers=0, placed=0,
            status="proposed", referred=0, made_by="test",
        )  # fmt: skip
        session.add(allocation)
        session.commit()
        return allocation.id


def _triage(world: World, org: str) -> int:
    from safetynet.accounts.models import User
    from safetynet.accounts.permissions import Principal
    from safetynet.db import open_session
    from safetynet.triage import service

    staff = {"north": "target", "south": "southpartner", "oc": "otheradmin"}[org]
    with open_session() as session:
        principal = Principal.of(session.get(User, world.users[staff].id))
        return service.start(session, principal, world.ids[f"resident:{org}"]).id


def _triage_form(world: World, org: str) -> int:
    from safetynet.db import open_session
    from safetynet.triage import service

    with open_session() as session:
        tenant_id = world.ids[f"tenant:{AREA[org]}"]
        return service.ensure_default_form(session, tenant_id, "test").id


def _source_id(world: World, org: str) -> int:
    from safetynet.db import open_session
    from safetynet.sources.models import SourceImport

    with open_session() as session:
        found = session.get(SourceImport, world.ids[f"import:{org}"])
        assert found is not None
        return found.source_id


OLD_DAY = "2026-01-01"
API_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/privacy/retention"): lambda p: {"as_of": OLD_DAY},
    ("POST", "/api/v1/privacy/subject-access"): lambda p: {
        "resident_id": p["resident_id"],
        "reason": "matrix test",
    },
    ("POST", "/api/v1/gaps/{rule_id}/export"): lambda p: {"reason": "matrix test"},
    # Not a household: the caller's own resident answers 422, another area's 404 (checked
    # before the body), so the matrix needs no entitlement engine.
    ("POST", "/api/v1/residents/{resident_id}/entitlements"): lambda p: {},
    ("POST", "/api/v1/imports/{import_id}/rejected"): lambda p: {"reason": "matrix test"},
    ("POST", "/api/v1/residents/search"): lambda p: {"name": "matrix"},
    # Bodies that change nothing: a resident merged with itself (409), a record that is not
    # theirs (422), a blank reason (422); another area's resident is 404 before the body.
    ("POST", "/api/v1/residents/{resident_id}/merge"): lambda p: {
        "other_id": p["resident_id"],
        "reason": "matrix test",
    },
    ("POST", "/api/v1/residents/{resident_id}/split"): lambda p: {
        "record_ids": [999_999],
        "reason": "matrix test",
    },
    ("POST", "/api/v1/residents/{resident_id}/do-not-contact"): lambda p: {"reason": " "},
    ("POST", "/api/v1/call-backs/{check_id}/status"): lambda p: {"status": "no_answer"},
    # Payments: real bodies, so another area's or partner's object is found out (404).
    ("POST", "/api/v1/payments/awards/{award_id}/decision"): lambda p: {"approve": False},
    ("POST", "/api/v1/payments/awards/{award_id}/cancel"): lambda p: {"reason": "matrix test"},
    ("POST", "/api/v1/payments/schemes/{scheme_id}/enrolments"): lambda p: {
        "name": "Matrix Person",
        "consent": True,
        "method": "cash",
    },  # fmt: skip
    ("POST", "/api/v1/payments/schemes/{scheme_id}/rounds"): lambda p: {
        "method": "bacs",
        "due_by": "2026-01-01",
    },  # fmt: skip
    ("POST", "/api/v1/payments/payments/{payment_id}/hand-over"): lambda p: {"receipt": "R1"},
    ("POST", "/api/v1/plans"): lambda p: {"wards": 1},
    # Front desk: a body naming no one (422); another's referral is 404 before the body.
    ("POST", "/api/v1/front-desk/search"): lambda p: {"text": "smith"},
    ("POST", "/api/v1/front-desk/events"): lambda p: {"kind": "visit"},
    ("POST", "/api/v1/front-desk/events/{event_id}/outcome"): lambda p: {"outcome": "took_up"},
    ("POST", "/api/v1/match/referrals/{referral_id}/status"): lambda p: {"status": "accepted"},
    # A need with a format that does not exist (422); another's resident is 404 before it.
    ("POST", "/api/v1/match/residents/{resident_id}/matches"): lambda p: {"formats": ["fax"]},
    ("POST", "/api/v1/match/residents/{resident_id}/referrals"): lambda p: {
        "need": {"formats": ["fax"]}, "service_ids": [1]},
    # Allocation: neither seekers nor a list, nothing to confirm (422 for those allowed).
    ("POST", "/api/v1/match/allocate"): lambda p: {},
    ("POST", "/api/v1/match/allocate/confirm"): lambda p: {"proposals": []},
    ("POST", "/api/v1/directory/imports"): lambda p: {"services": []},
    # Triage: answers refused (422) for the caller's own; another's resident or triage is 404
    # before the body is read.
    ("POST", "/api/v1/triage/residents/{resident_id}"): lambda p: {"answers": {"age": "old"}},
    ("POST", "/api/v1/triage/outcomes/{outcome_id}/answers/{question_id}"): lambda p: {
        "answer": "old"
    },
    ("POST", "/api/v1/triage/forms"): lambda p: {"filename": "x.md", "content_base64": "eA=="},
    # Neither an item nor a pack named: refused (422) for the council's admin, changing nothing.
    ("POST", "/api/v1/configuration/revert"): lambda p: {},
}


def _request(client, db: Session, world: World, key, caller: str, params: dict[str, Any]):
    method, template = key
    path = template.format(**{k: v for k, v in params.items() if k.endswith("_id") or k == "area"})
    person = {"resident_id": params.get("person"), "status": "contacted"}
    user = world.users[caller]
    org = params.get("organisation")
    if template.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.tokens[caller]}"}
        if key == ("POST", "/api/v1/users"):
            body = {"email": f"{uuid.uuid4().hex}@x.example", "full_name": "New Person"}
            return client.post(
                path, headers=headers, json=body | {"organisation": org, "role": "analyst"}
            )
        if key == ("POST", "/api/v1/imports"):
            files = {"file": ("v.csv", _visits(), "text/csv")}
            data = {"organisation": org, "source": "visits"}
            return client.post(path, headers=headers, files=files, data=data)
        if key == ("POST", "/api/v1/review/{pair_id}"):
            return client.post(path, headers=headers, json={"verdict": "skip"})
        if key == ("POST", "/api/v1/outreach/{list_id}/status"):
            return client.post(path, headers=headers, json=person)
        if key in API_BODIES:
            return client.post(path, headers=headers, json=API_BODIES[key](params))
        return client.request(method, path, headers=headers)
    started = sessions.start_session(db, user)
    client.cookies.set(SESSION_COOKIE, started.token)
    from safetynet.config import get_settings

    data: dict[str, Any] = {
        "csrf_token": sessions.csrf_token(get_settings().secret_key, started.row.csrf_secret)
    }
    files = None
    if key == ("POST", "/users/new"):
        data |= {"email": f"{uuid.uuid4().hex}@x.example", "full_name": "New", "role": "analyst"}
        data["organisation"] = org
    if key == ("POST", "/imports/new"):
        data |= {"organisation": org, "source": "visits"}
        files = {"file": ("v.csv", _visits(), "text/csv")}
    if key == ("POST", "/imports/{import_id}/rejected"):
        data["reason"] = "matrix test"
    if key == ("POST", "/review/{pair_id}"):
        data["verdict"] = "skip"
    if key == ("POST", "/outreach/{list_id}/status"):
        data |= {k: str(v) for k, v in person.items()}
    if key == ("POST", "/plans/{plan_id}/status"):
        data["status"] = "agreed"
    if key == ("POST", "/call-backs/{check_id}"):
        data["status"] = "no_answer"
    if key == ("POST", "/match/referrals/{referral_id}/status"):
        data["status"] = "accepted"
    if key == ("POST", "/privacy/retention"):
        data["as_of"] = OLD_DAY  # a fixed day long ago: the world's records stay, any year
    if key == ("POST", "/triage/isolation/export"):
        data["reason"] = "matrix test"
    if key == ("POST", "/login"):
        data |= {"email": user.email, "password": "wrong password here"}
    if method == "GET":
        return client.get(path)
    return client.post(path, data=data, files=files)


def _visits() -> bytes:
    from tests import factories

    return factories.VISITS.encode()


def _expected(permission: str, kind: str | None, caller: str, target: str | None) -> str:
    if permission == "public":
        return "allowed"
    if not holds(permission, caller):
        return "forbidden"
    if kind is not None and target is not None and not visible(kind, caller, target):
        return "not found"
    return "allowed"


def _outcome(status: int) -> str:
    if status == 403:
        return "forbidden"
    if status == 404:
        return "not found"
    if status in (401, 500) or status >= 500:
        return f"error {status}"
    return "allowed"


def test_permission_matrix(world, client, db):
    mismatches = []
    checked = 0
    for key, (permission, kind) in sorted(ROUTES.items()):
        for caller in CALLERS:
            scoped = kind is not None and kind not in UNSCOPED
            for target in TARGETS if scoped else (None,):
                params = _target(world, kind, caller, target or "north", db) if kind else {}
                response = _request(client, db, world, key, caller, params)
                got = _outcome(response.status_code)
                want = _expected(permission, kind, caller, target)
                checked += 1
                if got != want:
                    mismatches.append((key, caller, target, want, got, response.status_code))
    assert mismatches == []
    assert checked > 600


def test_a_signed_out_browser_is_sent_to_sign_in_on_every_protected_page(world, client):
    for (method, template), (permission, kind) in ROUTES.items():
        if permission == "public" or template.startswith("/api/") or method != "GET":
            continue
        path = template.format(**_target(world, kind, "admin", "north")) if kind else template
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_the_api_refuses_every_protected_route_without_a_token(world, client):
    for (method, template), (permission, kind) in ROUTES.items():
        # The provider's callbacks carry no token: a signature (tests/payments) guards them.
        if not template.startswith("/api/v1") or permission == "public":
            continue
        path = template.format(**_target(world, kind, "admin", "north")) if kind else template
        response = client.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/problem+json")

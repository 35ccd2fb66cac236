"""Pages for organisations, users and data-sharing agreements."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts import access
from safetynet.accounts.models import Role
from safetynet.accounts.permissions import Principal
from safetynet.errors import SafetynetError
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("users.view"))]
Admin = Annotated[Principal, Depends(require("users.manage"))]
NOTICES = {
    "created": "The user was created.",
    "deactivated": "The user was deactivated and signed out everywhere; their API tokens "
    "were revoked.",
    "reactivated": "The user can sign in again. Their old API tokens stay revoked: they can "
    "make new ones on their account page.",
    "revoked": "The user was signed out everywhere and their API tokens revoked.",
}


@router.get("/organisations")
def organisations(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require("organisations.view"))],
) -> Response:
    """Organisations in the caller's scope, with their active users."""
    orgs = access.organisations(db, principal)
    counts = access.user_counts(db, principal)
    return render(
        request, "accounts/organisations.html", title="Organisations", orgs=orgs, counts=counts
    )


@router.get("/users")
def users(request: Request, db: Db, principal: Viewer) -> Response:
    """Users the caller administers."""
    return render(request, "accounts/users.html", title="Users", users=access.users(db, principal))


def _new_user_form(
    request: Request, db: Db, principal: Principal, status: int = 200, **form: object
) -> Response:
    orgs = access.organisations(db, principal)
    errors = form.pop("errors", [])
    return render(
        request,
        "accounts/user_new.html",
        status_code=status,
        title="Add a user",
        org_options=[(o.slug, o.name) for o in orgs],
        role_options=[(r.value, r.value) for r in Role],
        form=form,
        errors=errors,
    )


@router.get("/users/new")
def new_user(request: Request, db: Db, principal: Admin) -> Response:
    """The form to add a user."""
    return _new_user_form(request, db, principal)


@router.post("/users/new")
def create_user(
    request: Request,
    db: Db,
    principal: Admin,
    email: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    """Add a user with a random first password, shown once to the admin."""
    form = {"email": email, "full_name": full_name, "organisation": organisation, "role": role}
    missing = [
        {"text": text, "href": f"#{field}"}
        for field, text in (
            ("full_name", "Enter the user's full name"),
            ("email", "Enter the user's email address"),
            ("organisation", "Choose an organisation"),
            ("role", "Choose a role"),
        )
        if not form[field].strip()
    ]
    if missing:
        return _new_user_form(request, db, principal, 400, errors=missing, **form)
    try:
        user, password = access.create_user(
            db, principal, email=email, full_name=full_name, organisation=organisation, role=role
        )
    except SafetynetError as error:
        if error.status in (403, 404):
            raise
        return _new_user_form(
            request, db, principal, 400, errors=[{"text": error.message, "href": "#email"}], **form
        )
    return render(
        request, "accounts/password_shown.html", title="User created", user=user, password=password
    )


@router.get("/users/{user_id}")
def user_detail(
    request: Request, user_id: int, db: Db, principal: Viewer, notice: str = ""
) -> Response:
    """One user, with the admin's actions."""
    user = access.get_user(db, principal, user_id)
    return render(
        request,
        "accounts/user.html",
        title=user.full_name,
        user=user,
        notice=NOTICES.get(notice),
        today=date.today(),
    )


def _back(user_id: int, notice: str) -> Response:
    return RedirectResponse(f"/users/{user_id}?notice={notice}", status_code=303)


@router.get("/users/{user_id}/deactivate")
def confirm_deactivate(request: Request, user_id: int, db: Db, principal: Admin) -> Response:
    """Ask before stopping a user signing in: it signs them out everywhere at once."""
    user = access.get_user(db, principal, user_id)
    if not user.is_active:
        return _back(user_id, "")
    return render(
        request, "accounts/deactivate.html", title=f"Deactivate {user.full_name}", user=user
    )


@router.post("/users/{user_id}/deactivate")
def deactivate(
    user_id: int, db: Db, principal: Admin, confirmed: Annotated[str, Form()] = ""
) -> Response:
    """Stop a user signing in, once confirmed on the page that asks (a form without the
    confirmation goes to that page)."""
    if confirmed != "yes":
        access.get_user(db, principal, user_id)  # another organisation's user: not found
        return RedirectResponse(f"/users/{user_id}/deactivate", status_code=303)
    access.deactivate_user(db, principal, user_id)
    return _back(user_id, "deactivated")


@router.post("/users/{user_id}/reactivate")
def reactivate(user_id: int, db: Db, principal: Admin) -> Response:
    """Let a user sign in again."""
    access.reactivate_user(db, principal, user_id)
    return _back(user_id, "reactivated")


@router.post("/users/{user_id}/revoke-sessions")
def revoke_sessions(user_id: int, db: Db, principal: Admin) -> Response:
    """Sign a user out everywhere."""
    access.revoke_sessions(db, principal, user_id)
    return _back(user_id, "revoked")


@router.post("/users/{user_id}/reset-password")
def reset_password(request: Request, user_id: int, db: Db, principal: Admin) -> Response:
    """Give the user a new random password, shown once."""
    user, password = access.reset_password(db, principal, user_id)
    return render(
        request,
        "accounts/password_shown.html",
        title="Password reset",
        user=user,
        password=password,
    )


@router.get("/agreements")
def agreements(
    request: Request, db: Db, principal: Annotated[Principal, Depends(require("agreements.view"))]
) -> Response:
    """Data-sharing agreements the caller may read."""
    found = access.agreements(db, principal)
    return render(
        request,
        "accounts/agreements.html",
        title="Data-sharing agreements",
        agreements=found,
        today=date.today(),
    )


@router.get("/agreements/{agreement_id}")
def agreement_detail(
    request: Request,
    agreement_id: int,
    db: Db,
    principal: Annotated[Principal, Depends(require("agreements.view"))],
) -> Response:
    """One agreement's terms and parties."""
    found = access.get_agreement(db, principal, agreement_id)
    return render(
        request, "accounts/agreement.html", title=found.title, a=found, today=date.today()
    )

"""The dependencies every route uses: a store session, and the one permission check.

Every route declares exactly one of `require(permission)` (signed in, role holds the
permission) or `public()` (anyone). Both refuse a state-changing form without the right CSRF
token. A test enumerates the app's routes and fails on any that declares neither.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from safetynet.accounts.permissions import Principal, grant_of
from safetynet.accounts.sessions import check_session, csrf_token, csrf_valid
from safetynet.config import Settings
from safetynet.db import session_factory
from safetynet.errors import PermissionDenied, SafetynetError
from safetynet.web import kept_forms

SESSION_COOKIE = "sn_session"
PRE_SESSION_COOKIE = "sn_pre"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC = "public"


class SignInNeeded(SafetynetError):
    """No live session: the browser is sent to the sign-in page."""

    status = 401
    title = "Sign in"


class CsrfRefused(PermissionDenied):
    """A state-changing form arrived without this browser's token."""


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A store session for this request. Made on the event loop (making one touches no
    connection); closed there too unless a transaction is still open, whose rollback is store
    work for the thread pool. Each hop to the pool costs a simple page a few per cent."""
    session = session_factory(request.app.state.engine)()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


Db = Annotated[Session, Depends(get_db)]


def settings_of(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def _check_csrf(request: Request, binding: str) -> None:
    secret = settings_of(request).secret_key
    request.state.csrf_token = csrf_token(secret, binding)
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    presented = form.get("csrf_token")
    if not csrf_valid(secret, binding, presented if isinstance(presented, str) else None):
        raise CsrfRefused(
            "This form has expired or did not come from this service. Go back, reload the "
            "page and try again."
        )


def _signed_in(request: Request, db: Session) -> tuple[Principal, str] | None:
    # Store work: the async dependencies run this in the thread pool, never on the event
    # loop, where a wait for a connection would stall every request (under load, for good:
    # connections are only handed back by threads the blocked loop schedules).
    row, ended = check_session(db, request.cookies.get(SESSION_COOKIE))
    if row is None:
        request.state.ended_session = ended
        return None
    request.state.principal = row.principal
    return row.principal, row.csrf_secret


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the signed-in caller, whose role must hold `permission`."""
    grant_of(permission)  # an unknown permission fails when the route is defined

    async def dependency(request: Request, db: Db) -> Principal:
        found = await run_in_threadpool(_signed_in, request, db)
        if found is None:
            await kept_forms.keep_posted_form(request, db)
            raise SignInNeeded("Sign in to continue.")
        principal, binding = found
        await _check_csrf(request, binding)
        principal.require(permission)
        if request.method == "GET" and request.cookies.get(kept_forms.KEPT_COOKIE):
            await run_in_threadpool(kept_forms.restore, request, db, principal.user_id)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def public() -> Callable[..., Awaitable[Principal | None]]:
    """A dependency for pages anyone may use (sign-in, health); the caller if signed in."""

    async def dependency(request: Request, db: Db) -> Principal | None:
        found = await run_in_threadpool(_signed_in, request, db)
        binding = found[1] if found else request.state.pre_session
        await _check_csrf(request, binding)
        return found[0] if found else None

    dependency.permission = PUBLIC  # type: ignore[attr-defined]
    return dependency


def route_permission(route: Any) -> list[str]:
    """The permissions a route declares (one, for a well-formed route)."""
    found = []
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        if hasattr(dep.call, "permission"):
            found.append(dep.call.permission)
        stack.extend(dep.dependencies)
    return found

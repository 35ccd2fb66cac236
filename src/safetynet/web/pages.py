"""Pages that belong to no one domain: sign in and out, the dashboard, the account page,
the audit log and the health check."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts import access as accounts_access
from safetynet.accounts import kept_forms, sessions
from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import InvalidInput
from safetynet.link import access as link_access
from safetynet.paging import PageRequest, page_of
from safetynet.sources import access as source_access
from safetynet.versions import Recent, data_version, store_of
from safetynet.web.deps import SESSION_COOKIE, Db, public, require, settings_of
from safetynet.web.kept_forms import KEPT_COOKIE, safe_path
from safetynet.web.security import clear_session_cookie, forget_form_cookie, set_cookie
from safetynet.web.templating import fragment, render

router = APIRouter(include_in_schema=False)
_dashboards: Recent[Markup] = Recent(keep=64, max_age=60)
Anyone = Annotated[Principal | None, Depends(public())]


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, scheme or backslash): no open redirects."""
    return safe_path(target) or "/"


@router.get("/healthz")
def healthz(db: Db, _: Anyone) -> JSONResponse:
    """Up, and the store answers."""
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/login")
def login_page(request: Request, db: Db, _: Anyone, next: str = "/") -> Response:
    """The sign-in form; it says so when a form sent after the session ended was kept."""
    kept = kept_forms.waiting(db, request.cookies.get(KEPT_COOKIE))
    return render(
        request,
        "login.html",
        title="Sign in",
        next=_safe_next(next),
        email="",
        form_kept=kept is not None,
    )


@router.post("/login")
def login(
    request: Request,
    db: Db,
    _: Anyone,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (throttled), start a fresh session, go where the user was going."""
    ip = request.client.host if request.client else "unknown"
    try:
        user = sessions.authenticate(db, email, password, ip=ip)
    except sessions.SignInRefused as error:
        return render(
            request,
            "login.html",
            status_code=400,
            title="Sign in",
            next=_safe_next(next),
            email=email,
            errors=[{"text": error.message, "href": "#email"}],
            form_kept=kept_forms.waiting(db, request.cookies.get(KEPT_COOKIE)) is not None,
        )
    started = sessions.start_session(db, user, replacing=request.cookies.get(SESSION_COOKIE), ip=ip)
    kept_key = request.cookies.get(KEPT_COOKIE)
    kept = kept_forms.claim(db, kept_key, user.id)  # anyone else's kept form is deleted
    response = RedirectResponse(_safe_next(kept.return_path if kept else next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, started.token)
    if kept_key and kept is None:
        forget_form_cookie(request, response)
    return response


@router.post("/logout")
def logout(
    request: Request, db: Db, _: Annotated[Principal, Depends(require("dashboard.view"))]
) -> Response:
    """End the session on the server and in the browser."""
    sessions.end_session(db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


def dashboard_body(db: Session, principal: Principal) -> Markup:
    """The dashboard's figures, last link run and latest imports, as HTML. Counting every
    resident takes tens of milliseconds at 100,000 and the page is everyone's first stop, so
    the body is made once per organisation and role while the area's data version holds (and
    at most a minute, for deletions the version cannot see). It holds counts and file names,
    no one's details."""
    key = (
        store_of(db),
        principal.tenant_id,
        principal.organisation_id,
        principal.role,
        data_version(db, principal.tenant_id),
    )

    def build() -> Markup:
        figures = {
            "records": source_access.record_count(db, principal),
            "sources": len(source_access.sources(db, principal)),
            "residents": link_access.resident_count(db, principal),
            "imports": source_access.import_count(db, principal),
        }
        recent = source_access.imports(db, principal, limit=5)
        runs = link_access.runs(db, principal, limit=1) if principal.can("link.view") else []
        return fragment(
            "_dashboard_body.html",
            principal=principal,
            figures=figures,
            recent=recent,
            last_run=runs[0] if runs else None,
        )

    return _dashboards.get(key, build)[0]


@router.get("/")
def dashboard(
    request: Request, db: Db, principal: Annotated[Principal, Depends(require("dashboard.view"))]
) -> Response:
    """Headline figures for the caller's scope; payments' spend against budget, read live."""
    from safetynet.payments import awards, reports

    spend = reports.budgets(db, principal) if principal.can("payments.view") else []
    return render(request, "dashboard.html", title="Home", body=dashboard_body(db, principal),
                  budgets=spend, pounds=awards.pounds)  # fmt: skip


def _account_page(
    request: Request, db: Session, principal: Principal, status: int = 200, **context: object
) -> Response:
    """The account page: the caller's details and tokens, with when each expires."""
    context.setdefault("new_token", None)
    return render(
        request,
        "account.html",
        status_code=status,
        title="Your account",
        tokens=sessions.list_api_tokens(db, principal.user_id),
        now=utcnow(),
        token_days=settings_of(request).api_token_days,
        **context,
    )


@router.get("/account")
def account(
    request: Request, db: Db, principal: Annotated[Principal, Depends(require("account.manage"))]
) -> Response:
    """The caller's details and personal API tokens."""
    return _account_page(request, db, principal)


@router.post("/account/tokens")
def create_token(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require("account.manage"))],
    name: Annotated[str, Form()] = "",
) -> Response:
    """Make a personal API token and show it once."""
    problem = token_name_problem(name)
    if problem:
        errors = [{"text": problem, "href": "#name"}]
        return _account_page(request, db, principal, 400, errors=errors, form={"name": name})
    user = db.get(User, principal.user_id)
    assert user is not None
    value, _row = sessions.create_api_token(db, user, name=name)
    return _account_page(request, db, principal, new_token=value)


def token_name_problem(name: str) -> str | None:
    """What is wrong with a new token's name, in the GOV.UK style; None when it is fine."""
    if not name.strip():
        return "Enter a name for the token"
    if len(name.strip()) > sessions.TOKEN_NAME_CHARS:
        return f"Token name must be {sessions.TOKEN_NAME_CHARS} characters or fewer"
    return None


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, db: Db, principal: Annotated[Principal, Depends(require("account.manage"))]
) -> Response:
    """Revoke one of the caller's tokens."""
    user = db.get(User, principal.user_id)
    assert user is not None
    sessions.revoke_api_token(db, user, token_id)
    return RedirectResponse("/account", status_code=303)


@router.get("/audit")
def audit_log(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require("audit.view"))],
) -> Response:
    """The area's audit log, newest first, a page at a time: searchable by action and
    actor, and limited to days from and to."""
    view = {k: str(request.query_params.get(k) or "").strip()[:200] for k in AUDIT_FILTERS}
    errors, days = [], {}
    for key, label in (("from", "From"), ("to", "To")):
        days[key] = _day(view[key])
        if view[key] and days[key] is None:
            errors.append(
                {"text": f"{label} must be a real date, like 1/12/2026", "href": f"#{key}"}
            )
    try:
        wanted = PageRequest.parse(view["page"])
    except InvalidInput as problem:
        errors.append({"text": problem.message, "href": "#action"})
        wanted = PageRequest()
    query = audit.filtered(
        accounts_access.readable_audit_events(principal),
        action=view["action"],
        actor=view["actor"],
        since=days["from"],
        until=days["to"],
    ).order_by(audit.AuditEvent.id.desc())
    events = page_of(db, query, wanted)
    kept = {k: v for k, v in view.items() if k != "page"}
    return render(
        request,
        "audit/list.html",
        status_code=400 if errors else 200,
        title="Audit log",
        events=events,
        view=view,
        errors=errors,
        pager=events.links("/audit", kept),
    )


AUDIT_FILTERS = ("action", "actor", "from", "to", "page")


def _day(text: str) -> date | None:
    """A day typed as 2026-12-01 or 1/12/2026 (None when it is not one)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None

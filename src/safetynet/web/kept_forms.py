"""Keeping what was typed when a session ended mid-form, and filling it in again after the
same user signs in (the rules are in `safetynet.accounts.kept_forms`).

A form posted to a signed-in page after the session timed out is kept when it is a plain
urlencoded form (never an upload) carrying the ended session's own form token; the browser is
sent to sign in with a short-lived cookie naming what was kept. After signing in, the first
visit to the page the form was on takes it (once): `render` merges its fields into the page's
`form` values and shows a banner; nothing is sent again on the user's behalf.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from safetynet.accounts import kept_forms
from safetynet.accounts.kept_forms import Kept
from safetynet.accounts.sessions import csrf_valid
from safetynet.config import get_settings

KEPT_COOKIE = "sn_kept"
FORM_TYPE = "application/x-www-form-urlencoded"


def safe_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no scheme, no `//host`, no
    backslashes or control characters (browsers read `/\\host` as another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    return target


def _has_page(request: Request, path: str) -> bool:
    """True when a GET to `path` reaches a page of this app."""
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


def return_path(request: Request) -> str:
    """Where to go after signing in: this page; or, for a form posted after the session ended,
    the page the form was on (its referrer, on this site only), else the GET page at the
    form's own address, else the home page."""
    if request.method == "GET":
        return request.url.path
    referrer = urlsplit(request.headers.get("referer", ""))
    if referrer.netloc == request.url.netloc and safe_path(referrer.path):
        return referrer.path
    return request.url.path if _has_page(request, request.url.path) else "/"


def _plain_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == FORM_TYPE


async def keep_posted_form(request: Request, db: Session) -> None:
    """If this request is a form sent to a session that just timed out, keep what was typed
    for that session's user, and note the key for the sign-in redirect's cookie."""
    ended = getattr(request.state, "ended_session", None)
    settings = get_settings()
    if ended is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not settings.form_keep_minutes or not _plain_form(request):
        return
    form = await request.form()
    presented = form.get("csrf_token")
    secret = request.app.state.settings.secret_key
    if not csrf_valid(secret, ended.csrf_secret, presented if isinstance(presented, str) else None):
        return  # not sent from this service's own page: keep nothing
    fields = kept_forms.safe_fields(form.multi_items(), settings.form_keep_max_bytes)
    if fields is None:
        return
    request.state.kept_form = await run_in_threadpool(
        lambda: kept_forms.keep(
            db,
            user_id=ended.user_id,
            return_path=return_path(request),
            action=request.url.path,
            fields=fields,
            replacing=request.cookies.get(KEPT_COOKIE),
        )
    )


def restore(request: Request, db: Session, user_id: int) -> None:
    """On a signed-in page view: take the form kept for this user and this page, if any, for
    `render` to fill in; note when the browser's kept-form cookie has become useless."""
    token = request.cookies.get(KEPT_COOKIE)
    if not token or request.method != "GET":
        return
    kept, gone = kept_forms.take(db, token, user_id, request.url.path)
    request.state.restored_form = kept
    request.state.forget_kept_form = gone


def restored(request: Request) -> Kept | None:
    """The form kept for this page view, if one was taken."""
    found: Kept | None = getattr(request.state, "restored_form", None)
    return found


def restored_fields(request: Request, action: str | None = None) -> dict[str, Any]:
    """The kept fields for this page view (only when the form was sent to `action`, for pages
    with several forms), else {}."""
    kept = restored(request)
    if kept is None or (action is not None and kept.action != action):
        return {}
    return dict(kept.fields)

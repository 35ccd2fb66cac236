"""Security headers on every response, a pre-session cookie for sign-in forms, body limits."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse

from safetynet.config import get_settings
from safetynet.web.deps import PRE_SESSION_COOKIE, SESSION_COOKIE
from safetynet.web.kept_forms import KEPT_COOKIE

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
FORM_SLACK = 1_000_000  # room for the other form fields around an upload

Handler = Callable[[Request], Awaitable[Response]]


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    samesite: Literal["lax", "strict"] = "lax",
    **extra: int,
) -> None:
    """A cookie the page's scripts cannot read, sent only to this site; Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite=samesite,
        secure=request.url.scheme == "https",
        path="/",
        **extra,  # type: ignore[arg-type]
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Forget the session cookie in the browser."""
    clear_cookie(request, response, SESSION_COOKIE)


def clear_cookie(
    request: Request, response: Response, name: str, samesite: Literal["lax", "strict"] = "lax"
) -> None:
    """Forget one of our cookies in the browser."""
    response.delete_cookie(
        name, path="/", httponly=True, samesite=samesite, secure=request.url.scheme == "https"
    )


def keep_form_cookie(request: Request, response: Response, token: str) -> None:
    """The cookie naming a kept form: short-lived, and only ever sent by this site's own
    pages (SameSite=Strict)."""
    minutes = get_settings().form_keep_minutes
    set_cookie(request, response, KEPT_COOKIE, token, samesite="strict", max_age=minutes * 60)


def forget_form_cookie(request: Request, response: Response) -> None:
    """Forget the kept-form cookie (its form was used, or was not this user's)."""
    clear_cookie(request, response, KEPT_COOKIE, samesite="strict")


async def security_middleware(request: Request, call_next: Handler) -> Response:
    """Refuse oversized bodies, give new browsers a pre-session id, add the headers."""
    limit = request.app.state.settings.upload_max_bytes + FORM_SLACK
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        response: Response = PlainTextResponse(
            f"The file is too big: the limit is {request.app.state.settings.upload_max_bytes:,} "
            "bytes.",
            status_code=413,
        )
    else:
        pre = request.cookies.get(PRE_SESSION_COOKIE)
        request.state.pre_session = pre or secrets.token_urlsafe(32)
        response = await call_next(request)
        if not pre and not request.url.path.startswith(("/api/", "/static/", "/assets/")):
            set_cookie(request, response, PRE_SESSION_COOKIE, request.state.pre_session)
        if getattr(request.state, "forget_kept_form", False):
            forget_form_cookie(request, response)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path.startswith(("/static", "/assets")):
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response

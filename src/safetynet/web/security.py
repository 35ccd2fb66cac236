"""Security headers on every response (HSTS over HTTPS), a pre-session cookie for sign-in
forms. Body limits are `bodies.py`'s."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders

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


class SecurityMiddleware:
    """ASGI middleware: give new browsers a pre-session id (for the sign-in form's CSRF token),
    and add the security headers to every response.

    Plain ASGI rather than `@app.middleware("http")`: that form copies every response through
    an extra task and stream, which cost a fifth of a simple page's time under load.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        pre = request.cookies.get(PRE_SESSION_COOKIE)
        scope.setdefault("state", {})["pre_session"] = pre or secrets.token_urlsafe(32)
        give_pre = not pre and not scope["path"].startswith(("/api/", "/static/", "/assets/"))
        extra = _headers_for(scope["path"])
        hsts = scope["app"].state.settings.hsts_seconds
        if hsts and request.url.scheme == "https":
            extra["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
                if give_pre:
                    cookie = Response()
                    set_cookie(request, cookie, PRE_SESSION_COOKIE, scope["state"]["pre_session"])
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                if scope["state"].get("forget_kept_form"):
                    cookie = Response()
                    forget_form_cookie(request, cookie)
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers_for(path: str) -> dict[str, str]:
    """The security headers, and caching: static files an hour, everything else never."""
    static = path.startswith(("/static", "/assets"))
    return HEADERS | {"Cache-Control": "public, max-age=3600" if static else "no-store"}

"""One exception mapper for pages and the API: pages get GOV.UK error pages, the API gets
problem+json (RFC 9457). Tracebacks go to the log, never to the browser."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from safetynet.errors import SafetynetError
from safetynet.web import kept_forms
from safetynet.web.deps import SignInNeeded
from safetynet.web.security import keep_form_cookie
from safetynet.web.templating import render

log = logging.getLogger(__name__)
TITLES = {
    400: "There is a problem",
    401: "Sign in",
    403: "You cannot do this",
    404: "Page not found",
    405: "Not allowed",
    409: "Conflict",
    413: "File too big",
    422: "There is a problem",
    500: "Sorry, there is a problem with the service",
}


def is_api(request: Request) -> bool:
    """True for the REST API's paths, which answer in JSON."""
    return request.url.path.startswith("/api/")


def problem(status: int, detail: str, *, title: str | None = None, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"), "status": status}
    body |= {"detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _page(request: Request, status: int, message: str) -> Response:
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/other.html"
    return render(
        request, template, status_code=status, title=TITLES.get(status, "Error"), message=message
    )


async def on_safetynet_error(request: Request, error: Exception) -> Response:
    """A SafetynetError that no page caught: its status and message, in the door's format."""
    assert isinstance(error, SafetynetError)
    if isinstance(error, SignInNeeded) and not is_api(request):
        target = f"/login?next={quote(kept_forms.return_path(request))}"
        response: Response = RedirectResponse(target, status_code=303)
        kept = getattr(request.state, "kept_form", None)
        if kept:
            keep_form_cookie(request, response, kept)
        return response
    if is_api(request):
        extra: dict[str, Any] = {"errors": error.details} if error.details else {}
        outcome = getattr(error, "outcome", None)  # a refused import: its first problems
        if outcome is not None:
            extra["errors"] = [
                {k: row.get(k) for k in ("row_number", "column", "field", "code", "message")}
                for row in outcome.sample[:50]
            ]
        response = problem(error.status, error.message, title=error.title, **extra)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return _page(request, error.status, error.message)


async def on_http_error(request: Request, error: Exception) -> Response:
    """404s for unknown paths, 405s and the like."""
    assert isinstance(error, HTTPException)
    detail = (
        "The page you asked for does not exist." if error.status_code == 404 else str(error.detail)
    )
    if is_api(request):
        return problem(error.status_code, detail)
    return _page(request, error.status_code, detail)


async def on_validation_error(request: Request, error: Exception) -> Response:
    """Bad JSON or form fields: each field's problem, named."""
    assert isinstance(error, RequestValidationError)
    fields = [
        {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "invalid")}
        for e in error.errors()
    ]
    text = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    if is_api(request):
        return problem(422, f"The request is not valid: {text}.", errors=fields)
    return _page(request, 422, f"Check what was sent: {text}.")


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """The field as the caller named it (`as_of`, `household.people.0.age`): without where
    in the request it was (body, query, path)."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


async def on_unexpected(request: Request, error: Exception) -> Response:
    """A bug: logged with its traceback; the caller sees a generic message."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    message = "Something went wrong on our side. Try again later."
    if is_api(request):
        return problem(500, message)
    return _page(request, 500, message)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(SafetynetError, on_safetynet_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)

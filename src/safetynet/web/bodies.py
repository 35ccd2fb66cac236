"""Request bodies: a size limit counted as the bytes arrive, the sign-in and form-token checks
before an upload is read, and the content types the service reads.

A `Content-Length` header can be absent (chunked transfer) or lie, so the limit is enforced on
the bytes actually received, whatever the headers say. Only a signed-in caller (a live session
for pages, a valid token for the API) may send a body the size of an upload
(`SAFETYNET_UPLOAD_MAX_BYTES`); every other body is held to `SAFETYNET_REQUEST_MAX_BYTES`.

A file sent to a page (multipart) reaches the app, which spools it to a temporary file before
any route runs, only when it comes from a live session AND the form's `csrf_token` field comes
before the first file part and is right for that session: a signed-out browser is sent to sign
in and a missing or wrong token gets a 403, before any byte of the file is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from safetynet.db import session_factory
from safetynet.web import upload_gate

FORM_SLACK = 1_000_000  # room for the other form fields around an upload
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READ_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")


class BodyTooLarge(Exception):
    """The body grew past its limit while it was being read."""


def _problem(status: int, title: str, detail: str, **headers: str) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


@dataclass(frozen=True)
class Limit:
    """A body's limit: the bytes allowed, and what to tell the caller it was."""

    bytes: int
    shown: int
    setting: str


def too_large(path: str, limit: Limit) -> Any:
    """The 413 answer, in the door's format."""
    what = "file" if limit.setting == "SAFETYNET_UPLOAD_MAX_BYTES" else "request"
    detail = f"The {what} is too big: the limit is {limit.shown:,} bytes ({limit.setting})."
    if path.startswith("/api/"):
        return _problem(413, "Request too big", detail)
    return PlainTextResponse(detail, status_code=413)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _readable(media: str) -> bool:
    """A type the service reads; no type at all is read as JSON (as FastAPI does)."""
    return media in READ_TYPES or media.endswith("+json") or not media


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return bool(length and length != "0") or "transfer-encoding" in request.headers


def _signed_in(app_state: Any, request: Request) -> str | None:
    """The caller's form-token secret for a live session ("" for a valid API token, which
    needs none), or None when the request is not signed in (store work)."""
    from safetynet.accounts.sessions import check_session, user_for_api_token
    from safetynet.web.deps import SESSION_COOKIE

    db = session_factory(app_state.engine)()
    try:
        if request.url.path.startswith("/api/"):
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            valid = scheme.lower() == "bearer" and user_for_api_token(db, token.strip())
            return "" if valid else None
        live = check_session(db, request.cookies.get(SESSION_COOKIE))[0]
        return live.csrf_secret if live else None
    finally:
        db.close()


def _signed_out_upload(request: Request) -> Any:
    """The answer to a file sent by someone not signed in, before any of it is read: the API
    asks for a token, a page sends the browser to sign in (as the page itself would)."""
    if request.url.path.startswith("/api/"):
        return _problem(
            401,
            "Unauthorised",
            "Send a valid personal API token as `Authorization: Bearer TOKEN` "
            "(create one on your account page).",
            **{"WWW-Authenticate": "Bearer"},
        )
    return upload_gate.sign_in_first(request)


class BodyLimits:
    """ASGI middleware: refuse unread content types (415), uploads from callers not signed in
    (401 for the API, sign-in for pages) or without the page's form token first (403), and
    bodies over their limit (413), counting bytes as they stream in."""

    def __init__(self, app: Any, state: Any) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal, form_secret = await self._refusal(request)
        if isinstance(refusal, Limit) and form_secret:  # a file for a page: the token first
            key = self.state.settings.secret_key
            gate_refusal, receive = await upload_gate.check(request, receive, form_secret, key)
            refusal = gate_refusal or refusal
        if isinstance(refusal, Limit):
            await self._counted(scope, receive, send, refusal)
        else:
            await refusal(scope, receive, send)

    async def _refusal(self, request: Request) -> tuple[Any, str | None]:
        """The answer refusing the request at once, or the body's limit in bytes; and for a
        file sent to a page by a live session, that session's form-token secret."""
        settings = self.state.settings
        media = _media_type(request)
        if _has_body(request) and not _readable(media):
            detail = f"This service reads {', '.join(READ_TYPES)}; the request was '{media}'."
            return _problem(415, "Unsupported media type", detail), None
        limit = Limit(
            settings.request_max_bytes, settings.request_max_bytes, "SAFETYNET_REQUEST_MAX_BYTES"
        )
        secret = None
        if media == "multipart/form-data":
            secret = await run_in_threadpool(_signed_in, self.state, request)
            if secret is None:
                return _signed_out_upload(request), None
            upload = settings.upload_max_bytes
            if upload + FORM_SLACK > limit.bytes:
                limit = Limit(upload + FORM_SLACK, upload, "SAFETYNET_UPLOAD_MAX_BYTES")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit.bytes:
            return too_large(request.url.path, limit), None
        return limit, secret

    async def _counted(self, scope: Any, receive: Any, send: Any, limit: Limit) -> None:
        """Run the app with a receive that counts the body and stops it past `limit`."""
        seen = 0
        refused = False
        started = False

        async def counted_receive() -> Any:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit.bytes:
                    refused = True
                    raise BodyTooLarge
            return message

        async def watched_send(message: Any) -> None:
            nonlocal started
            if refused:  # whatever the app made of the cut-off body, the answer is 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            pass
        if refused and not started:
            await too_large(scope["path"], limit)(scope, receive, send)

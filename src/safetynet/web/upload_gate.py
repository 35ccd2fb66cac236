"""The gate in front of a file sent to a page: the form token must come first.

The app spools a multipart body's files to temporary files before any route (and so before the
sign-in and form-token checks) runs. So before a page's upload reaches the app, the gate reads
just the start of the body, up to the first file part, and lets the request through only if a
`csrf_token` field before that part is right for the caller's session. Our upload forms put the
token first, as browsers send fields in the order of the page. Whatever the gate read is handed
on to the app unchanged, followed by the rest of the body as it arrives.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.requests import Request

from safetynet.accounts.sessions import csrf_valid

HEAD_MAX = 65_536  # the fields before the first file: a token and a few short answers
TOKEN_FIELD = "csrf_token"
REFUSED = (
    "This form has expired or did not come from this service. Go back, reload the page and "
    "try again."
)
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_NAME = re.compile(r'(?<![\w*])name="([^"]*)"', re.IGNORECASE)
_FILENAME = re.compile(r"(?<![\w*])filename\*?=", re.IGNORECASE)

Receive = Callable[[], Awaitable[Any]]
MORE = object()  # the start read so far does not yet decide


def sign_in_first(request: Request) -> Any:
    """A file sent to a page by a browser not signed in: to sign-in, as the page would."""
    from safetynet.web.kept_forms import return_path

    return RedirectResponse(f"/login?next={quote(return_path(request))}", status_code=303)


def _boundary(request: Request) -> bytes | None:
    found = _BOUNDARY.search(request.headers.get("content-type", ""))
    return (found.group(1) or found.group(2)).encode("latin-1") if found else None


def first_token(head: bytes, boundary: bytes) -> Any:
    """The `csrf_token` value sent before any file part of a multipart body's start `head`;
    None if a file part (or the end) comes first; MORE if `head` is too short to tell."""
    delimiter = b"--" + boundary
    start = head.find(delimiter)
    if start < 0:
        return MORE
    at = start + len(delimiter)
    while True:
        if head[at : at + 2] == b"--":
            return None  # the closing delimiter: no token at all
        headers_end = head.find(b"\r\n\r\n", at)
        if headers_end < 0:
            return MORE
        headers = head[at:headers_end].decode("latin-1")
        if _FILENAME.search(headers):
            return None  # a file before the token
        value_end = head.find(b"\r\n" + delimiter, headers_end + 4)
        if value_end < 0:
            return MORE
        name = _NAME.search(headers)
        if name and name.group(1) == TOKEN_FIELD:
            return head[headers_end + 4 : value_end].decode("latin-1")
        at = value_end + 2 + len(delimiter)


async def _read_head(receive: Receive, boundary: bytes) -> tuple[Any, list[Any]]:
    """Read messages until the start of the body decides: (the token or None, the messages)."""
    messages: list[Any] = []
    head = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        head += message.get("body", b"")
        found = first_token(head, boundary)
        if found is not MORE:
            return found, messages
        if len(head) > HEAD_MAX or not message.get("more_body", False):
            return None, messages


def _replaying(messages: list[Any], receive: Receive) -> Receive:
    """A receive that hands on the messages already read, then the rest as it comes."""
    pending = list(messages)

    async def replay() -> Any:
        return pending.pop(0) if pending else await receive()

    return replay


async def check(
    request: Request, receive: Receive, form_secret: str, secret_key: str
) -> tuple[Any, Receive]:
    """(None, a receive for the app) when the page upload's form token comes first and is
    right for the session; (the 403 answer, receive) otherwise, with no file part read."""
    boundary = _boundary(request)
    token, messages = (None, []) if boundary is None else await _read_head(receive, boundary)
    if isinstance(token, str) and csrf_valid(secret_key, form_secret, token):
        return None, _replaying(messages, receive)
    return PlainTextResponse(REFUSED, status_code=403), receive

"""The OpenAPI document says which 4xx answers each API operation gives, as the
`application/problem+json` documents (RFC 9457) it really sends.

FastAPI lists only 422, as plain JSON in its own shape. The errors module answers every refusal
as a problem document, so each operation gets: 401 and 403 when it needs a token, 404 when its
path names something, 413 and 415 when it takes a body (`bodies.py`), and 422 when it takes any
input; each with the `Problem` schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Not found"},
        "status": {"type": "integer", "example": 404},
        "detail": {"type": "string", "description": "What went wrong and what to do."},
        "errors": {
            "type": "array",
            "description": "Each field's problem (422), or a refused import's first problems.",
            "items": {"type": "object", "additionalProperties": True},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
WHY = {
    401: "No valid bearer token (expired, revoked or missing).",
    403: "The token's user may not do this.",
    404: "Not found, or outside the caller's area or organisation.",
    413: "The body is bigger than the service accepts.",
    415: "The body is of a type the service does not read.",
    422: "A parameter or field is not valid; `errors` names each one.",
}
BODY_METHODS = {"post", "put", "patch"}


def statuses(method: str, operation: dict[str, Any], public: bool) -> list[int]:
    """The 4xx statuses one operation can answer."""
    found = [] if public else [401, 403]
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" for p in parameters):
        found.append(404)
    if method in BODY_METHODS:
        found += [413, 415]
    if parameters or "requestBody" in operation:
        found.append(422)
    return found


def add_problems(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the problem answers added to every /api operation."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in document.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            public = not operation.get("security")
            responses = operation.setdefault("responses", {})
            for status in statuses(method, operation, public):
                responses[str(status)] = {
                    "description": WHY[status],
                    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
    return document


def install(app: FastAPI) -> None:
    """Make the app's OpenAPI document list the problem answers (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            app.openapi_schema = add_problems(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""Whole numbers in paths and query strings kept within what the store can hold.

An id or number bigger than a 64-bit integer cannot be stored anywhere, and SQLite (and some
drivers) fail on it rather than finding nothing. So every route's whole-number path parameter
beyond that answers 404, as any id that does not exist does, and a whole-number query parameter
beyond it gets a 422 naming the field. One app-wide dependency checks both before any route
runs; parameters declared as text (a partner's reference can be a long run of digits) are left
alone.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

LARGEST = 2**63 - 1  # the biggest id any table (BIGINT) can hold
_CACHE = "_safetynet_int_params"


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_int(arg) for arg in get_args(annotation) if arg is not type(None))
    return False


def _int_params(route: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(path names, query names) of a route's whole-number parameters, worked out once per
    route and kept on it."""
    found: tuple[tuple[str, ...], tuple[str, ...]] | None = getattr(route, _CACHE, None)
    if found is None:
        found = _walk(route)
        setattr(route, _CACHE, found)
    return found


def _walk(route: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    path: list[str] = []
    query: list[str] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        path += [f.alias for f in dependant.path_params if _is_int(f.field_info.annotation)]
        query += [f.alias for f in dependant.query_params if _is_int(f.field_info.annotation)]
        stack.extend(dependant.dependencies)
    return tuple(path), tuple(query)


def _too_big(raw: str | None) -> bool:
    text = (raw or "").strip().lstrip("+-")
    return text.isdigit() and int(text) > LARGEST


async def bounded_numbers(request: Request) -> None:
    """Refuse whole numbers no table could hold: 404 in the path, 422 in the query."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    path_names, query_names = _int_params(route)
    if any(_too_big(request.path_params.get(name)) for name in path_names):
        raise HTTPException(status_code=404)
    errors = [
        {
            "loc": ("query", name),
            "msg": f"must be a whole number no bigger than {LARGEST}",
            "type": "less_than_equal",
        }
        for name in query_names
        if any(_too_big(value) for value in request.query_params.getlist(name))
    ]
    if errors:
        raise RequestValidationError(errors)

"""Jinja2 with the GOV.UK Frontend macros, and `render` which every page goes through."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from jinja2.runtime import Macro
from markupsafe import Markup

from safetynet.errors import SafetynetError

HERE = Path(__file__).parent
LONDON = ZoneInfo("Europe/London")

# (label, path, permission): the service navigation, shown only where the caller may go.
# Paths only a council's own staff may open, whatever the role (partners' staff never).
NAVIGATION = (
    ("Home", "/", "dashboard.view"),
    ("Decisions", "/decisions", "gaps.view"),
    ("Residents", "/residents", "residents.view"),
    ("Sources", "/sources", "sources.view"),
    ("Imports", "/imports", "imports.view"),
    ("Link runs", "/link-runs", "link.view"),
    ("Review", "/review", "review.view"),
    ("Who is missing", "/gaps", "gaps.view"),
    ("Outreach", "/outreach", "outreach.view"),
    ("Places", "/places", "gaps.view"),
    ("Plans", "/plans", "plans.view"),
    ("Packs", "/packs", "packs.manage"),
    ("Call-backs", "/call-backs", "callbacks.handle"),
    ("Payments", "/payments", "payments.view"),
    ("Front desk", "/front-desk", "frontdesk.use"),
    ("Directory", "/directory", "directory.view"),
    ("Allocate", "/match/allocations", "match.refer"),
    ("Isolation risk", "/triage/isolation", "triage.isolation"),
    ("Triage forms", "/triage/forms", "triage.forms"),
    ("Agreements", "/agreements", "agreements.view"),
    ("Organisations", "/organisations", "organisations.view"),
    ("Users", "/users", "users.view"),
    ("Audit log", "/audit", "audit.view"),
    ("Privacy", "/privacy", "privacy.retention"),
)


def london_time(value: datetime | None) -> str:
    """A stored UTC time as Londoners read it: 27 November 2026 at 9:05."""
    if value is None:
        return "—"
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def long_date(value: date | None) -> str:
    """A date the GOV.UK way: 1 January 2026."""
    return "—" if value is None else f"{value.day} {value:%B %Y}"


def number(value: int | float | None) -> str:
    """Thousands separated."""
    return "—" if value is None else f"{value:,}"


def choices(prompt: str, options: list[tuple[str, str]], selected: str | None) -> list[dict]:
    """Select items: a prompt, then (value, text) pairs, the chosen one selected."""
    items: list[dict] = [{"value": "", "text": prompt}]
    return items + [
        {"value": value, "text": text, "selected": value == selected} for value, text in options
    ]


def options(items: list[tuple[str, str]], selected: str | None) -> list[dict]:
    """Select items from (value, text) pairs, the chosen one selected (no prompt)."""
    return [{"value": value, "text": text, "selected": value == selected} for value, text in items]


def mapping_rows(mapping: Any) -> list[dict[str, Any]]:
    """Summary-list rows: each field and the file column it was read from."""
    columns = mapping.as_dict().get("columns", {}) if hasattr(mapping, "as_dict") else mapping
    return [
        {"key": {"text": field}, "value": {"text": _cols(col)}} for field, col in columns.items()
    ]


def _cols(col: Any) -> str:
    return ", ".join(map(str, col)) if isinstance(col, list | tuple) else str(col)


def columns_text(columns: dict[str, Any] | None) -> str:
    """'forename ← First name; dob ← DOB': which file column fed each field."""
    return "; ".join(f"{field} ← {_cols(col)}" for field, col in (columns or {}).items())


_once: dict[str, Markup] = {}
ONCE_KEEP = 1024
TYPED = ("value", "errorMessage", "items", "rows")  # parameters that can carry what users typed


def once(macro: Macro, params: dict[str, Any]) -> Markup:
    """A GOV.UK macro's HTML, rendered once per process for these parameters and reused.

    The macros are pure functions of their parameters, and the same few calls (the header
    navigation, the phase banner, a form's empty inputs and its buttons) made a tenth to a
    fifth of a page's time. Only parameters fixed in the template are kept: a call whose
    parameters carry a value, an error or items (which may be someone's details) is rendered
    afresh every time and never kept.
    """
    if any(params.get(name) for name in TYPED):
        return Markup(macro(params))
    key = f"{macro.name}:{json.dumps(params, sort_keys=True, default=str)}"
    found = _once.get(key)
    if found is None:
        if len(_once) >= ONCE_KEEP:
            _once.clear()
        found = _once[key] = Markup(macro(params))
    return found


@lru_cache
def environment() -> Environment:
    """The template environment: our templates first, then the GOV.UK macros."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(HERE / "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,  # templates ship with the package: no file checks per page
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=london_time, day=long_date, number=number, columns=columns_text)
    env.globals.update(choices=choices, options=options, mapping_rows=mapping_rows, once=once)
    return env


def navigation(request: Request) -> list[dict[str, Any]]:
    """The navigation items this caller may use, the current one marked."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return []
    here = request.url.path
    return [
        {"text": label, "href": path, "current": here == path}
        | ({"active": True} if path != "/" and here.startswith(path) else {})
        for label, path, permission in NAVIGATION
        if principal.can(permission)
    ]


def fragment(template: str, **context: Any) -> Markup:
    """Part of a page, rendered on its own (to be kept and reused where its inputs are)."""
    return Markup(environment().get_template(template).render(**context))


def error_list(problem: SafetynetError, href: str) -> list[dict[str, str]]:
    """An error summary's items for a refused request: its message (linked to the field it is
    about) and then each detail (an `InvalidInput`'s row-by-row problems)."""
    return [{"text": problem.message, "href": href}, *({"text": d} for d in problem.details)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the caller, their form token and the navigation.

    Form templates read what to show in their fields from `form`: the page's own values, and
    over them what the user typed before their session ended, when that was kept for this page
    (`restored_form` is then set, and the layout says so)."""
    context.setdefault("errors", [])
    context.setdefault("form", {})
    kept = getattr(request.state, "restored_form", None)
    if kept is not None and status_code < 400 and isinstance(context["form"], dict):
        context["form"] = context["form"] | kept.fields
        context["restored_form"] = kept
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            principal=getattr(request.state, "principal", None),
            csrf_token=getattr(request.state, "csrf_token", ""),
            nav=navigation(request),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)

"""A triage question as its GOV.UK component's parameters: radios, checkboxes, an input, a
date input or a textarea, the question its page heading. Every field is called `answer` (a
date's boxes `answer-day`, `answer-month`, `answer-year`), so one page posts every type."""

from __future__ import annotations

from typing import Any

from safetynet.triage.forms import Question

NAME = "answer"


def widget(
    q: Question, value: Any, error: str | None = None, parts: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """{'kind': the macro to use, 'params': its parameters}; `value` is the stored answer or
    what was typed, `parts` a refused date's three boxes as typed."""
    params: dict[str, Any] = {"hint": {"text": q.hint} if q.hint else None}
    if error:
        params["errorMessage"] = {"text": error}
    if q.type in ("select_one", "select_multiple"):
        return _choices(q, value, params)
    if q.type == "date":
        return _date(q, value, parts, params)
    heading = {"text": q.label, "isPageHeading": True, "classes": "govuk-label--l"}
    params |= {"id": NAME, "name": NAME, "label": heading, "value": _one(value)}
    if q.type == "text":
        return {"kind": "textarea", "params": params}
    numeric = {"inputmode": "numeric" if q.type == "integer" else "decimal"}
    width = "govuk-input--width-5" if q.type == "integer" else "govuk-input--width-10"
    params |= {"classes": width, "attributes": numeric, "spellcheck": False}
    return {"kind": "input", "params": params}


def _legend(q: Question) -> dict[str, Any]:
    return {
        "legend": {"text": q.label, "isPageHeading": True, "classes": "govuk-fieldset__legend--l"}
    }


def _one(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def _choices(q: Question, value: Any, params: dict[str, Any]) -> dict[str, Any]:
    chosen = {str(v) for v in value} if isinstance(value, list) else {_one(value)}
    items = [{"value": c.name, "text": c.label, "checked": c.name in chosen} for c in q.choices]
    if q.type == "select_multiple" and q.choice("none") and len(items) > 1:
        items.insert(-1, {"divider": "or"})
        items[-1]["behaviour"] = "exclusive"
    params |= {"idPrefix": NAME, "name": NAME, "fieldset": _legend(q), "items": items}
    return {"kind": "radios" if q.type == "select_one" else "checkboxes", "params": params}


def _date(
    q: Question, value: Any, parts: tuple[str, ...] | None, params: dict[str, Any]
) -> dict[str, Any]:
    if parts and any(parts):
        day, month, year = parts
    elif value and isinstance(value, str) and value.count("-") == 2:
        year, month, day = (p.lstrip("0") or "0" for p in value.split("-"))
        year = value[:4]
    else:
        day = month = year = ""
    error = " govuk-input--error" if params.get("errorMessage") else ""
    items = [
        {"name": "day", "classes": "govuk-input--width-2" + error, "value": day},
        {"name": "month", "classes": "govuk-input--width-2" + error, "value": month},
        {"name": "year", "classes": "govuk-input--width-4" + error, "value": year},
    ]
    params |= {"id": NAME, "namePrefix": NAME, "fieldset": _legend(q), "items": items}
    return {"kind": "date", "params": params}

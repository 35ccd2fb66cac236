"""The self-check's form fields as GOV.UK components: the parameters `_widgets.html` renders."""

from __future__ import annotations

from typing import Any

from safetynet.entitlements import questions


def widget(
    f: questions.Field, values: dict, problems: dict[str, str], heading: str | None, hint: str
) -> dict[str, Any]:
    """The GOV.UK component and its parameters for one field; with `heading`, the field's
    label or legend is the page's heading (a one-field page). A radio's follow-up question
    comes as its item's `reveal`; a checkbox's "none" as an exclusive last item."""
    error = {"text": problems[f.name]} if f.name in problems else None
    hint_text = hint or f.hint
    params: dict[str, Any] = {"name": f.name, "errorMessage": error}
    params["hint"] = {"text": hint_text} if hint_text else None
    if f.kind in ("radios", "checkboxes"):
        return {"kind": f.kind, "params": params | _choices(f, values, problems, heading)}
    label = {"text": heading or f.label, "isPageHeading": bool(heading)}
    label["classes"] = "govuk-label--l" if heading else "govuk-label--s"
    params |= {"id": f.name, "label": label}
    if f.kind == "select":
        params["items"] = [{"value": "", "text": "Choose an area"}] + [
            {"value": v, "text": t, "selected": values.get(f.name) == v} for v, t in f.options
        ]
        return {"kind": "select", "params": params}
    params["value"] = values.get(f.name) or ""
    params["spellcheck"] = False
    if f.kind == "money":
        params |= {
            "prefix": {"text": "£"},
            "inputmode": "decimal",
            "classes": "govuk-input--width-10",
        }
    elif f.kind == "whole":
        params |= {"inputmode": "numeric", "classes": "govuk-input--width-3"}
    else:
        params |= {"classes": "govuk-input--width-20"}
    return {"kind": "input", "params": params}


def _choices(
    f: questions.Field, values: dict, problems: dict[str, str], heading: str | None
) -> dict[str, Any]:
    chosen = values.get(f.name)
    picked = set(chosen) if isinstance(chosen, list) else {chosen}
    legend = {"text": heading or f.label, "isPageHeading": bool(heading)}
    legend["classes"] = "govuk-fieldset__legend--l" if heading else "govuk-fieldset__legend--s"
    follow_ups = dict(f.reveals)
    items: list[dict[str, Any]] = [
        {"value": v, "text": t, "checked": v in picked}
        | ({"reveal": widget(follow_ups[v], values, problems, None, "")} if v in follow_ups else {})
        for v, t in f.options
    ]
    if f.none:
        none = {"value": questions.NONE, "text": f.none, "behaviour": "exclusive"}
        items += [{"divider": "or"}, none | {"checked": questions.NONE in picked}]
    return {"idPrefix": f.name, "fieldset": {"legend": legend}, "items": items}

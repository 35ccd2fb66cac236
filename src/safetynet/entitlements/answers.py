"""A self-check's answers as a household file: built, judged by the file's own validation
(its messages shown against the question each problem belongs to), and summarised."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from safetynet.entitlements import councils
from safetynet.entitlements.questions import (
    NONE,
    QUESTIONS,
    Answers,
    Question,
    children_count,
    chosen,
    fields_of,
    has_partner,
    needs_rental_area,
    number,
)
from safetynet.entitlements.schemas import HouseholdFile, Tenure
from safetynet.entitlements.service import current_benefit_year


@dataclass
class Built:
    """A household file's data from the answers, and which answer each of its paths came from."""

    data: dict[str, Any]
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (field, label)


def _money(a: Answers, name: str) -> float:
    value = number(a.get(name))
    return float(value) if value is not None else 0.0


def _person(a: Answers, built: Built, index: int, prefix: str, age_field: str) -> dict[str, Any]:
    person: dict[str, Any] = {"age": int(number(a.get(age_field)) or 0)}
    built.fields[f"people[{index}].age"] = (age_field, _label(a, age_field))
    built.fields[f"people[{index}]"] = (age_field, _label(a, age_field))
    for key, name in (
        ("employment_income", "employment"),
        ("self_employment_income", "self_employment"),
        ("state_pension", "state_pension"),
        ("private_pension", "private_pension"),
    ):
        person[key] = _money(a, f"{prefix}_{name}")
        built.fields[f"people[{index}].{key}"] = (f"{prefix}_{name}", _label(a, f"{prefix}_{name}"))
    person["disabled"] = prefix in chosen(a, "disabled")
    return person


def _label(a: Answers, name: str) -> str:
    for question in QUESTIONS:
        for f in fields_of(question, a | {"partner": "yes"}):
            if f.name == name:
                return f.label
    return name


def household_data(a: Answers) -> Built:
    """The household file's data from the answers so far (unanswered money counts as none)."""
    built = Built({})
    people = [_person(a, built, 1, "you", "age")]
    if has_partner(a):
        people.append(_person(a, built, 2, "partner", "partner_age"))
    for i in range(1, children_count(a) + 1):
        name = f"child_age_{i}"
        people.append(
            {
                "age": int(number(a.get(name)) or 0),
                "in_education": True,
                "disabled": f"child_{i}" in chosen(a, "disabled"),
            }
        )
        built.fields[f"people[{len(people)}].age"] = (name, f"Age of child {i}")
    tenure = a.get("tenure") or Tenure.SOCIAL_RENT.value
    council = a.get("local_authority") or ""
    built.data = {
        "year": current_benefit_year(),
        "local_authority": councils.find(council).name or council,
        "tenure": tenure,
        "rent_monthly": _money(a, f"rent_{tenure}"),
        "council_tax_annual": _money(a, "council_tax"),
        "savings": _money(a, "savings"),
        "couple": has_partner(a),
        "receives": chosen(a, "receives"),
        "people": people,
    } | ({"brma": a["brma"]} if a.get("brma") and needs_rental_area(a) else {})
    built.fields |= {
        "local_authority": ("local_authority", "Council"),
        "tenure": ("tenure", "Your home"),
        "rent_monthly": (f"rent_{tenure}", "Rent a month"),
        "council_tax_annual": ("council_tax", "Council tax a year"),
        "savings": ("savings", "Savings"),
        "brma": ("brma", "Rental area"),
        "people": ("age", "Your age"),
    }
    return built


def _path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item + 1}]"
        else:
            parts.append(str(item))
    return ".".join(parts)


# A whole-household rule the household file names by its own field, in the resident's words.
RULES = {
    "people": "You must be 16 or over to use this check",
    "rent_monthly": "Leave the rent blank if you own your home",
    "brma": "Select your rental area",
    "local_authority": "Enter the name of a council in the UK, like Sheffield or Leeds",
}


def _message(path: str, label: str, problem: dict[str, Any], money: bool) -> str:
    """The schema's judgement in the resident's words, naming the question's field: never
    the file's own field names or values."""
    ctx = problem.get("ctx") or {}
    unit = "£" if money else ""
    if problem["type"] == "greater_than_equal":
        return f"{label} must be {unit}{_whole(ctx['ge'])} or more"
    if problem["type"] == "less_than_equal":
        return f"{label} must be {unit}{_whole(ctx['le'])} or less"
    return RULES.get(path.split(".")[0], f"Check your answer: {label.lower()}")


def _whole(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def household_problems(a: Answers) -> dict[str, str]:
    """Each answer the household file refuses: field name -> message naming it."""
    built = household_data(a)
    try:
        HouseholdFile.model_validate(built.data)
    except ValidationError as error:
        return _problems(error, built)
    return {}


def _problems(error: ValidationError, built: Built) -> dict[str, str]:
    found: dict[str, str] = {}
    for details in error.errors():
        problem: dict[str, Any] = dict(details)
        path = _path(tuple(problem["loc"]))
        msg = str(problem["msg"]).removeprefix("Value error, ")
        if not path and ":" in msg:  # a whole-household rule names its field first
            path = msg.split(":", 1)[0]
        name, label = built.fields.get(path, ("age", "Your answers"))
        money = name not in ("age", "partner_age") and not name.startswith("child_age")
        found.setdefault(name, _message(path, label, problem, money))
    return found


def parse(a: Answers) -> HouseholdFile:
    """The validated household (call once `household_problems` finds none)."""
    return HouseholdFile.model_validate(household_data(a).data)


def answer_text(question: Question, a: Answers) -> str:
    """What the resident answered to a question, for the check-your-answers page."""
    parts = []
    shown = fields_of(question, a)
    for f in shown:
        value = a.get(f.name)
        options = dict(f.options) | {NONE: f.none}
        if f.kind == "checkboxes":
            chosen = [options.get(v, v) for v in value or []]
            parts.append(", ".join(chosen) if chosen else "None")
        elif f.kind in ("radios", "select"):
            parts.append(options.get(str(value), str(value or "")))
        elif value:
            text = _pounds(value) if f.kind == "money" else str(value)
            parts.append(f"{f.label}: {text}" if len(shown) > 1 else text)
    return "; ".join(p for p in parts if p) or "None"


def _pounds(text: str) -> str:
    """A money answer as "£1,200" or "£1,200.50"."""
    value = number(text) or Decimal(0)
    return f"£{value:,.0f}" if value == value.to_integral_value() else f"£{value:,.2f}"

"""The resident self-check's questions, one a page, and how the answers become a household.

Answers are kept as the resident typed them (strings), so a page shown again with an error
keeps them exactly. Each answer maps to a place in the household file; the file's own
validation (`schemas.HouseholdFile`) then judges them, and its messages are shown against the
question the problem belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from safetynet.entitlements import councils
from safetynet.entitlements.schemas import (
    Tenure,
    engine_places,
    resolve_place,
)

Answers = dict[str, Any]
MAX_CHILDREN = 10

TENURES = [
    (Tenure.SOCIAL_RENT.value, "I rent from the council or a housing association"),
    (Tenure.PRIVATE_RENT.value, "I rent from a private landlord or letting agent"),
    (Tenure.OWNER_MORTGAGE.value, "I own it with a mortgage"),
    (Tenure.OWNER_OUTRIGHT.value, "I own it outright"),
    (Tenure.OTHER.value, "Something else, like living with family or in temporary housing"),
]
BENEFITS = [
    ("universal_credit", "Universal Credit"),
    ("pension_credit", "Pension Credit"),
    ("housing_benefit", "Housing Benefit"),
    ("child_benefit", "Child Benefit"),
    ("council_tax_reduction", "Council Tax Reduction"),
    ("pip", "Personal Independence Payment (PIP)"),
    ("attendance_allowance", "Attendance Allowance"),
    ("esa", "Employment and Support Allowance (ESA)"),
    ("jsa", "Jobseeker's Allowance (JSA)"),
    ("income_support", "Income Support"),
]


@dataclass(frozen=True)
class Field:
    """One input on a question page."""

    name: str
    label: str
    kind: str = "money"  # money | whole | text | radios | checkboxes | select
    hint: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    most: int | None = None  # a limit of the question's own, beyond the household file's
    missing: str = ""  # the message when a required answer is not given
    # Radios: an option's follow-up question, revealed under it only when it is chosen.
    reveals: tuple[tuple[str, Field], ...] = ()
    none: str = ""  # checkboxes: the label of the exclusive "none of these" option

    def revealed(self, values: Answers) -> list[Field]:
        """The follow-up questions the chosen option reveals."""
        return [f for option, f in self.reveals if values.get(self.name) == option]


@dataclass(frozen=True)
class Question:
    """One page of the self-check."""

    name: str
    title: str
    hint: str
    fields: Callable[[Answers], list[Field]]
    applies: Callable[[Answers], bool] = lambda answers: True
    summary: str = ""  # the check-your-answers key, when not the title


def has_partner(a: Answers) -> bool:
    return a.get("partner") == "yes"


def children_count(a: Answers) -> int:
    try:
        return max(0, min(int(a.get("children") or 0), MAX_CHILDREN))
    except ValueError:
        return 0


def _who(a: Answers) -> list[tuple[str, str]]:
    """(prefix, name) for the adults whose money is asked about."""
    return [("you", "Your"), *([("partner", "Your partner's")] if has_partner(a) else [])]


def _earnings(a: Answers) -> list[Field]:
    found = []
    for prefix, whose in _who(a):
        found += [
            Field(f"{prefix}_employment", f"{whose} pay from a job, a year"),
            Field(f"{prefix}_self_employment", f"{whose} profit from self-employment, a year"),
        ]
    return found


def _pensions(a: Answers) -> list[Field]:
    found = []
    for prefix, whose in _who(a):
        found += [
            Field(f"{prefix}_state_pension", f"{whose} State Pension, a year"),
            Field(f"{prefix}_private_pension", f"{whose} work or private pensions, a year"),
        ]
    return found


def _people_options(a: Answers) -> tuple[tuple[str, str], ...]:
    people = [("you", "You"), *([("partner", "Your partner")] if has_partner(a) else [])]
    people += [(f"child_{i}", f"Child {i}") for i in range(1, children_count(a) + 1)]
    return tuple(people)


def needs_rental_area(a: Answers) -> bool:
    renting = a.get("tenure") == Tenure.PRIVATE_RENT.value or (
        a.get("tenure") == Tenure.OTHER.value and number(rent(a)) not in (None, 0)
    )
    if not renting:
        return False
    try:
        council = resolve_place(a.get("local_authority") or "", "local_authorities", "council")
    except ValueError:
        return False
    return council not in engine_places()["brmas"]


def brma_options() -> tuple[tuple[str, str], ...]:
    """Broad Rental Market Areas, by name."""
    return tuple(sorted(((n, label) for n, label in engine_places()["brmas"].items()), key=_2nd))


def _2nd(pair: tuple[str, str]) -> str:
    return pair[1]


PARTNER_AGE = Field(
    "partner_age", "Your partner's age", "whole", required=True, missing="Enter your partner's age"
)
# Homes whose rent is asked (under the option chosen): required where rent is the point.
RENTING = (Tenure.SOCIAL_RENT.value, Tenure.PRIVATE_RENT.value, Tenure.OTHER.value)


def rent_field(tenure: str) -> Field:
    """The rent question revealed under a renting option (one per option: ids are unique)."""
    if tenure == Tenure.OTHER.value:
        return Field(f"rent_{tenure}", "Rent a month", "money", "Leave blank if you pay no rent")
    return Field(
        f"rent_{tenure}",
        "Rent a month",
        "money",
        "The whole rent, before any Housing Benefit or Universal Credit towards it",
        required=True,
        missing="Enter how much rent you pay a month",
    )


def rent(a: Answers) -> Any:
    """The rent given under the chosen home option (none for owners)."""
    return a.get(f"rent_{a.get('tenure')}")


NONE = "none"  # the exclusive "none of these" checkbox's value


def chosen(a: Answers, name: str) -> list[str]:
    """A checkboxes answer without its "none of these"."""
    return [v for v in a.get(name) or [] if v != NONE]


def fields_of(question: Question, a: Answers) -> list[Field]:
    """A page's fields and the follow-ups its answers reveal, in page order."""
    found = []
    for f in question.fields(a):
        found += [f, *f.revealed(a)]
    return found


QUESTIONS: list[Question] = [
    Question(
        "council",
        "Which council do you pay council tax to?",
        "For example, Sheffield or Leeds. The help with rent and council tax depends on it.",
        lambda a: [
            Field(
                "local_authority",
                "Council",
                "text",
                required=True,
                missing="Enter the name of your council",
            )
        ],
        summary="Council",
    ),
    Question(
        "age",
        "How old are you?",
        "",
        lambda a: [
            Field("age", "Your age", "whole", "For example, 34", True, missing="Enter your age")
        ],
        summary="Your age",
    ),
    Question(
        "partner",
        "Do you live with a partner?",
        "A husband, wife, civil partner or someone you live with as a couple.",
        lambda a: [
            Field(
                "partner",
                "Partner",
                "radios",
                required=True,
                options=(("yes", "Yes"), ("no", "No")),
                missing="Select yes if you live with a partner",
                reveals=(("yes", PARTNER_AGE),),
            ),
        ],
        summary="Partner",
    ),
    Question(
        "children",
        "How many children live with you?",
        "Children under 16, and young people aged 16 to 19 in school or college (not university).",
        lambda a: [
            Field(
                "children",
                "Number of children",
                "whole",
                "Enter 0 if none",
                required=True,
                missing="Enter how many children live with you, or 0 if none",
            )
        ],
        summary="Children",
    ),
    Question(
        "children-ages",
        "How old are the children?",
        "",
        lambda a: [
            Field(
                f"child_age_{i}",
                f"Age of child {i}",
                "whole",
                required=True,
                most=19,
                missing=f"Enter the age of child {i}",
            )
            for i in range(1, children_count(a) + 1)
        ],
        applies=lambda a: children_count(a) > 0,
        summary="Children's ages",
    ),
    Question(
        "work",
        "How much do you earn from work?",
        "Before tax, for a whole year. If you are paid monthly, multiply by 12. "
        "Leave blank if none.",
        _earnings,
        summary="Earnings",
    ),
    Question(
        "pensions",
        "How much do you get from pensions?",
        "Before tax, for a whole year. If you are paid every 4 weeks, multiply by 13. "
        "Leave blank if none.",
        _pensions,
        summary="Pensions",
    ),
    Question(
        "housing",
        "Do you rent or own your home?",
        "",
        lambda a: [
            Field(
                "tenure",
                "Your home",
                "radios",
                required=True,
                options=tuple(TENURES),
                missing="Select whether you rent or own your home",
                reveals=tuple((tenure, rent_field(tenure)) for tenure in RENTING),
            ),
        ],
        summary="Home",
    ),
    Question(
        "rental-area",
        "Which rental area do you live in?",
        "Help with private rent is capped at the Local Housing Allowance for your area.",
        lambda a: [
            Field(
                "brma",
                "Rental area",
                "select",
                required=True,
                options=brma_options(),
                missing="Select your rental area",
            )
        ],
        applies=needs_rental_area,
        summary="Rental area",
    ),
    Question(
        "council-tax",
        "How much is your council tax bill for the year?",
        "The whole bill before any discount or reduction. It is on your council tax bill.",
        lambda a: [Field("council_tax", "Council tax a year", "money")],
        summary="Council tax",
    ),
    Question(
        "savings",
        "How much do you have in savings?",
        "Money in bank accounts, savings and investments, for you and your partner together.",
        lambda a: [Field("savings", "Savings", "money", "Enter 0 if none")],
        summary="Savings",
    ),
    Question(
        "disability",
        "Does anyone in your home have a disability or long-term health condition?",
        "Select everyone who does.",
        lambda a: [
            Field(
                "disabled",
                "Disability",
                "checkboxes",
                required=True,
                options=_people_options(a),
                none="No one",
                missing="Select who has a disability or long-term health condition, "
                "or select ‘No one’",
            )
        ],
        summary="Disability",
    ),
    Question(
        "benefits",
        "Do you already get any of these?",
        "Select all that you or your partner get.",
        lambda a: [
            Field(
                "receives",
                "Benefits",
                "checkboxes",
                required=True,
                options=tuple(BENEFITS),
                none="None of these",
                missing="Select the benefits you already get, or select ‘None of these’",
            )
        ],
        summary="Benefits you get",
    ),
]
BY_NAME = {q.name: q for q in QUESTIONS}


def steps(answers: Answers) -> list[Question]:
    """The questions that apply to these answers, in order."""
    return [q for q in QUESTIONS if q.applies(answers)]


def next_step(answers: Answers, after: str | None) -> Question | None:
    """The first applying question after `after` (or the first), not yet answered when
    going on from one; None when all are answered."""
    found = steps(answers)
    names = [q.name for q in found]
    start = names.index(after) + 1 if after in names else 0
    for question in found[start:]:
        if not answered(question, answers):
            return question
    return None


def answered(question: Question, answers: Answers) -> bool:
    """True once the page was saved and every answer it needs is there."""
    needed = [f.name for f in fields_of(question, answers) if f.required]
    return question.name in answers.get("_answered", []) and all(answers.get(n) for n in needed)


def changed_pages(before: Answers, after: Answers) -> set[str]:
    """Pages whose questions differ after an answer changed (e.g. a partner's income)."""
    names = {q.name: [f.name for f in q.fields(before)] for q in QUESTIONS}
    return {q.name for q in QUESTIONS if names[q.name] != [f.name for f in q.fields(after)]}


def previous_step(answers: Answers, name: str) -> Question | None:
    """The question before `name` (for the back link), or None for the first."""
    found = [q.name for q in steps(answers)]
    index = found.index(name) if name in found else len(found)
    return BY_NAME[found[index - 1]] if index > 0 else None


def number(text: Any) -> Decimal | None:
    """A number as typed ("£1,200.50", " 34 "), or None when blank; ValueError when not one."""
    if text is None or str(text).strip() == "":
        return None
    cleaned = str(text).strip().replace("£", "").replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite():
        raise ValueError
    return value


def read_form(question: Question, answers: Answers, form: Any) -> tuple[Answers, dict[str, str]]:
    """This page's answers as typed, and a message per field that is missing or not a number.
    A follow-up an option reveals is read only when that option is chosen (without
    JavaScript every follow-up shows); the others are cleared."""
    given: Answers = {}
    problems: dict[str, str] = {}
    for f in question.fields(answers):
        given |= _read(f, form, problems)
        for option, follow_up in f.reveals:
            if given.get(f.name) == option:
                given |= _read(follow_up, form, problems)
            else:
                given[follow_up.name] = ""
    if given.get("local_authority") and "local_authority" not in problems:
        given["local_authority"] = councils.find(given["local_authority"]).label
    return given, problems


def _read(f: Field, form: Any, problems: dict[str, str]) -> Answers:
    if f.kind == "checkboxes":
        allowed = {v for v, _ in f.options} | ({NONE} if f.none else set())
        picked = [v for v in form.getlist(f.name) if v in allowed]
        problems |= _choice_problem(f, picked)
        return {f.name: picked}
    text = str(form.get(f.name) or "").strip()[:200]
    problems |= _field_problem(f, text)
    return {f.name: text}


def _choice_problem(f: Field, picked: list[str]) -> dict[str, str]:
    if f.required and not picked:
        return {f.name: f.missing or f"Select {f.label.lower()}"}
    if NONE in picked and len(picked) > 1:
        return {f.name: f"Select ‘{f.none}’ or the options that apply, not both"}
    return {}


def _field_problem(f: Field, text: str) -> dict[str, str]:
    if not text:
        if f.required:
            verb = "Select" if f.kind in ("radios", "select") else "Enter"
            return {f.name: f.missing or f"{verb} {f.label[0].lower()}{f.label[1:]}"}
        return {}
    if f.kind in ("radios", "select") and text not in {v for v, _ in f.options}:
        return {f.name: f.missing or f"Select {f.label.lower()} from the list"}
    if f.name == "local_authority":
        found = councils.problem(text)
        return {f.name: found} if found else {}
    if f.kind in ("money", "whole"):
        return _number_problem(f, text)
    return {}


def _number_problem(f: Field, text: str) -> dict[str, str]:
    try:
        value = number(text)
    except ValueError:
        example = "34" if f.kind == "whole" else "1200"
        return {f.name: f"{f.label} must be a number, like {example}"}
    if f.kind == "whole" and value is not None and value != value.to_integral_value():
        return {f.name: f"{f.label} must be a whole number"}
    if f.most is not None and value is not None and value > f.most:
        return {
            f.name: f"{f.label} must be {f.most} or less: count only children and "
            "young people in school or college"
        }
    return {}

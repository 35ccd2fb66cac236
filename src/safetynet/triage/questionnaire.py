"""Walking a triage form: which question comes next, what a typed answer means, whether it
is allowed, and what the answers add up to. Pure functions over a `Form` and a dict of
answers (question name -> answer), shared by the pages, the CLI and the API.

Answers are stored as plain data: a select_multiple's as a list of choice names, a date as
ISO text, numbers as numbers. As in ODK, an answer to a question that is no longer relevant
is dropped (`clean`), so a changed earlier answer cannot leave a stale later one scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from safetynet.triage.expressions import evaluate, truthy
from safetynet.triage.forms import NEEDS, Form, Question, tree

TEXT_LIMIT = 1000


class AnswerProblem(ValueError):
    """What is wrong with an answer, in words for the person answering."""


def relevant(q: Question, answers: dict[str, Any]) -> bool:
    """True when the question is asked, given the answers so far."""
    return all(truthy(evaluate(tree(text), answers)) for text in q.relevant)


def asked(form: Form, answers: dict[str, Any]) -> list[Question]:
    """The questions and notes shown, in order, given the answers so far."""
    return [q for q in form.questions if relevant(q, answers)]


def next_question(form: Form, answers: dict[str, Any], after: str | None = None) -> Question | None:
    """The question shown after `after` (the first when None); None when there is no more."""
    shown = asked(form, answers)
    if after is None:
        return shown[0] if shown else None
    names = [q.name for q in form.questions]
    position = names.index(after)
    return next((q for q in shown if names.index(q.name) > position), None)


def previous_question(form: Form, answers: dict[str, Any], before: str) -> Question | None:
    """The question shown before `before`, for the back link."""
    names = [q.name for q in form.questions]
    position = names.index(before)
    earlier = [q for q in asked(form, answers) if names.index(q.name) < position]
    return earlier[-1] if earlier else None


def empty(value: Any) -> bool:
    """True for no answer."""
    return value is None or value == "" or value == []


def coerce(q: Question, raw: str | list[str] | None) -> Any:
    """A typed answer as stored: checks the type, not the form's rules (see `check`)."""
    if q.type == "select_multiple":
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        return _choices(q, [c for c in chosen if c])
    text = (raw[0] if raw else "") if isinstance(raw, list) else (raw or "")
    text = text.strip()
    if text == "" or q.type == "note":
        return None
    if q.type == "select_one":
        return _choices(q, [text])[0]
    if q.type == "integer":
        return _integer(text)
    if q.type == "decimal":
        return _decimal(text)
    if q.type == "date":
        return _date(text).isoformat()
    if len(text) > TEXT_LIMIT:
        raise AnswerProblem(f"Your answer must be {TEXT_LIMIT:,} characters or fewer.")
    return text


def _choices(q: Question, chosen: list[str]) -> list[str]:
    unknown = [c for c in chosen if q.choice(c) is None]
    if unknown:
        raise AnswerProblem("Choose one of the options given.")
    return chosen


def _integer(text: str) -> int:
    try:
        return int(text.replace(",", ""))
    except ValueError:
        raise AnswerProblem("Enter a whole number, like 3.") from None


def _decimal(text: str) -> float:
    try:
        value = float(text.replace(",", "").lstrip("£"))
    except ValueError:
        raise AnswerProblem("Enter a number, like 12.50.") from None
    if math.isnan(value) or math.isinf(value):
        raise AnswerProblem("Enter a number, like 12.50.")
    return value


def _date(text: str) -> date:
    """A date typed as 'YYYY-MM-DD' or 'D M YYYY' (the pages join their three boxes so)."""
    parts = text.replace("/", " ").replace("-", " ").split()
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 3 and len(parts[2]) == 4:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        pass
    raise AnswerProblem("Enter a real date, like 27 3 2025.")


def check(q: Question, answers: dict[str, Any], value: Any) -> str | None:
    """Why the answer breaks the form's rules (required, constraint), or None."""
    if empty(value):
        needed = q.required == "yes" or (
            q.required != "" and truthy(evaluate(tree(q.required), answers))
        )
        if needed and q.asks:
            return q.required_message or "Answer this question to continue."
        return None
    if q.constraint and not truthy(evaluate(tree(q.constraint), answers, value)):
        return q.constraint_message or "Check your answer: it is not one this question accepts."
    return None


def clean(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to questions still asked (in form order, so one pass settles chains)."""
    kept: dict[str, Any] = {}
    for q in form.questions:
        if q.name in answers and relevant(q, kept):
            kept[q.name] = answers[q.name]
    return kept


def unfinished(form: Form, answers: dict[str, Any]) -> Question | None:
    """The first question asked whose answer is missing or breaks a rule (None: complete)."""
    for q in asked(form, answers):
        if q.asks and check(q, answers, answers.get(q.name)) is not None:
            return q
    return None


@dataclass
class Result:
    """What the answers add up to: a score per need, and the needs at or over the form's
    threshold."""

    scores: dict[str, float]
    needs: list[str]

    def labels(self) -> list[str]:
        """The needs in words."""
        return [NEEDS[n] for n in self.needs]


def score(form: Form, answers: dict[str, Any]) -> Result:
    """Score the answers to the questions asked, by the form's scoring columns."""
    totals = dict.fromkeys(NEEDS, 0.0)
    for q in asked(form, answers):
        value = answers.get(q.name)
        if empty(value):
            continue
        if q.need and q.score:
            totals[q.need] += _points(evaluate(tree(q.score), answers, value))
        chosen = value if isinstance(value, list) else [value]
        for c in (q.choice(str(v)) for v in chosen):
            if c is not None and c.score:
                totals[c.need or q.need or ""] += c.score
    scores = {n: round(s, 2) for n, s in totals.items() if s}
    return Result(scores, [n for n in NEEDS if scores.get(n, 0) >= form.threshold])


def _points(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        found = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(found) else found


def display(q: Question, value: Any) -> str:
    """An answer in words, for the check-your-answers page and the result."""
    if empty(value):
        return "Not answered"
    if q.type == "select_multiple":
        return ", ".join(_label(q, v) for v in value)
    if q.type == "select_one":
        return _label(q, value)
    if q.type == "date":
        return f"{date.fromisoformat(value):%-d %B %Y}"
    return str(value)


def _label(q: Question, name: str) -> str:
    c = q.choice(str(name))
    return c.label if c else str(name)

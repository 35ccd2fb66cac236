"""Reading an XLSForm into a triage form: pyxform parses and checks the workbook (or its
markdown or CSV form), then we keep the questions, choices, expressions and scoring columns we
support, refusing the rest with the sheet, row, column and reason.

What a triage form is, once read, is plain data (`Form.as_dict`), stored with the form's
version so answers given to an older version are always read against the questions asked.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from safetynet.errors import InvalidInput
from safetynet.triage.expressions import Node, Unsupported, parse, references

SKILLS = {
    "skills_foundation": "Foundation skills",
    "skills_communicating": "Communicating",
    "skills_handling_information": "Handling information and content",
    "skills_transacting": "Transacting",
    "skills_being_safe": "Being safe and legal online",
    "skills_problem_solving": "Problem solving",
}
NEEDS = {
    "device": "A working device",
    "connectivity": "Getting online (data or broadband)",
    **SKILLS,
    "confidence": "Confidence",
    "accessibility": "Accessibility",
    "isolation": "Isolation",
}
TYPES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "integer": "integer",
    "decimal": "decimal",
    "text": "text",
    "note": "note",
    "date": "date",
}
EXPRESSION_COLUMNS = ("relevant", "constraint", "required", "safetynet_score")
DEFAULT_THRESHOLD = 2.0
DEFAULT_FORM = Path(__file__).parent / "shipped_forms" / "digital_inclusion.md"


class FormRefused(InvalidInput):
    """The XLSForm cannot be used: `details` lists each problem (sheet, row, column, why)."""


@dataclass
class Choice:
    """One answer a select question offers, with what choosing it adds to a need."""

    name: str
    label: str
    need: str | None = None
    score: float = 0.0


@dataclass
class Question:
    """One question (or note) as the resident sees it, with its rules."""

    name: str
    type: str
    label: str
    row: int
    hint: str = ""
    relevant: list[str] = field(default_factory=list)  # enclosing groups' first, all must hold
    constraint: str = ""
    constraint_message: str = ""
    required: str = ""  # '', 'yes' or an expression
    required_message: str = ""
    choices: list[Choice] = field(default_factory=list)
    need: str | None = None
    score: str = ""  # an expression over `.`: what the answer adds to `need`
    group: str = ""

    @property
    def asks(self) -> bool:
        """False for a note, which shows text and takes no answer."""
        return self.type != "note"

    def choice(self, name: str) -> Choice | None:
        """The choice called `name`, if offered."""
        return next((c for c in self.choices if c.name == name), None)


@dataclass
class Form:
    """A triage form as read from its XLSForm."""

    title: str
    form_id: str
    version: str
    threshold: float
    questions: list[Question]

    def as_dict(self) -> dict[str, Any]:
        """The form as plain data, to store."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form:
        """The form stored by `as_dict`."""
        questions = [
            Question(**{**q, "choices": [Choice(**c) for c in q["choices"]]})
            for q in data["questions"]
        ]
        return cls(**{**data, "questions": questions})

    def question(self, name: str) -> Question:
        """The question called `name` (KeyError if none)."""
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)


@lru_cache(maxsize=512)
def tree(text: str) -> Node:
    """The parsed expression (forms are checked at upload, so this does not fail later)."""
    return parse(text)


def read_form(content: bytes, filename: str) -> Form:
    """Read and check an XLSForm (.xlsx, .md or .csv): every problem is reported at once."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json

    data = _workbook(content, filename)
    try:
        parsed = workbook_to_json(copy.deepcopy(data), fallback_form_name="triage", warnings=[])
    except PyXFormError as exc:
        raise FormRefused(f"{filename} is not a valid XLSForm: {exc}") from None
    reader = _Reader(_rows(data))
    reader.walk(parsed.get("children", []), [], "")
    problems = reader.problems
    form = Form(
        title=str(parsed.get("title") or parsed.get("id_string") or "Triage"),
        form_id=str(parsed.get("id_string") or "triage"),
        version=str(parsed.get("version") or "1"),
        threshold=_threshold(parsed.get("safetynet_threshold"), problems),
        questions=reader.questions,
    )
    problems += _check(form, reader.expressions)
    if not [q for q in form.questions if q.asks]:
        problems.append("survey sheet: the form asks no questions.")
    if problems:
        raise FormRefused(
            f"{filename} cannot be used as a triage form ({len(problems)} problem(s)).",
            details=problems,
        )
    return form


def _workbook(content: bytes, filename: str) -> Any:
    """pyxform's reading of the sheets; an .xlsx is checked against the workbook limits
    first, and old .xls files are refused (they cannot be read safely)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FormRefused(f"{filename} is an old .xls workbook: save it as .xlsx and try again.")
    if content.startswith(b"PK\x03\x04"):
        _inspect_xlsx(content, filename)
        kind = ".xlsx"
    else:
        text = content.decode("utf-8", errors="replace")
        kind = ".md" if "| survey" in text.replace("|survey", "| survey") else ".csv"
    try:
        return get_xlsform(content, file_type=kind)
    except (PyXFormError, ValueError) as exc:
        raise FormRefused(f"{filename} could not be read as an XLSForm: {exc}") from None


def _inspect_xlsx(content: bytes, filename: str) -> None:
    from safetynet.sources.workbooks import inspect_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(filename).name or "form.xlsx")
        path.write_bytes(content)
        inspect_workbook(path)


def _rows(data: Any) -> dict[tuple[str, str], int]:
    """(sheet, key) -> spreadsheet row number: survey keys are names, choices keys
    'list_name/name' (row 1 is the header)."""
    found: dict[tuple[str, str], int] = {}
    for n, row in enumerate(data.survey or [], start=2):
        if row.get("name"):
            found.setdefault(("survey", str(row["name"])), n)
    for n, row in enumerate(data.choices or [], start=2):
        key = f"{row.get('list_name')}/{row.get('name')}"
        found.setdefault(("choices", key), n)
    return found


class _Reader:
    """Walks pyxform's tree, flattening groups; notes each expression with where it was."""

    def __init__(self, rows: dict[tuple[str, str], int]) -> None:
        self.rows = rows
        self.questions: list[Question] = []
        self.problems: list[str] = []
        self.expressions: list[tuple[int, str, str]] = []  # row, column, text

    def walk(self, children: list[dict[str, Any]], relevant: list[str], group: str) -> None:
        """Read `children`, which hold only when every one of `relevant` does."""
        for child in children:
            kind = child.get("type", "")
            if kind == "group" and child.get("name") == "meta":
                continue  # pyxform's own instanceID
            row = self.rows.get(("survey", str(child.get("name"))), 0)
            own = child.get("bind", {}).get("relevant")
            if own:
                self.expressions.append((row, "relevant", str(own)))
            if kind == "group":
                inner = [*relevant, str(own)] if own else relevant
                self.walk(child.get("children", []), inner, _text(child.get("label")))
            elif kind in TYPES:
                self.questions.append(self.question(child, TYPES[kind], relevant, group, row))
            else:
                self.problems.append(
                    f"survey sheet, row {row}, column type: '{kind}' questions are not "
                    f"supported (use {', '.join(sorted(set(TYPES.values())))} and groups)."
                )

    def question(
        self, child: dict[str, Any], kind: str, relevant: list[str], group: str, row: int
    ) -> Question:
        """One question, its expressions noted for checking."""
        bind = child.get("bind", {})
        if child.get("choice_filter"):
            self.problems.append(f"survey sheet, row {row}, column choice_filter: not supported.")
        own = [str(bind["relevant"])] if bind.get("relevant") else []
        q = Question(
            name=str(child["name"]),
            type=kind,
            label=_text(child.get("label")),
            row=row,
            hint=_text(child.get("hint")),
            relevant=[*relevant, *own],
            constraint=str(bind.get("constraint", "")),
            constraint_message=_text(bind.get("jr:constraintMsg")),
            required=_required(str(bind.get("required", ""))),
            required_message=_text(bind.get("jr:requiredMsg")),
            choices=[_choice(c) for c in child.get("choices", [])],
            need=child.get("safetynet_need") or None,
            score=str(child.get("safetynet_score", "")),
            group=group,
        )
        for column, text in (("constraint", q.constraint), ("safetynet_score", q.score)):
            if text:
                self.expressions.append((row, column, text))
        if q.required not in ("", "yes"):
            self.expressions.append((row, "required", q.required))
        return q


def _required(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in ("yes", "true", "true()"):
        return "yes"
    return "" if lowered in ("", "no", "false", "false()") else value


def _choice(c: dict[str, Any]) -> Choice:
    score = c.get("safetynet_score") or "0"
    try:
        points = float(score)
    except ValueError:
        points = float("nan")
    return Choice(str(c["name"]), _text(c.get("label")), c.get("safetynet_need") or None, points)


def _text(value: Any) -> str:
    """A label or hint (the default language's, when the form has several)."""
    if isinstance(value, dict):
        return str(value.get("default") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _threshold(value: Any, problems: list[str]) -> float:
    if value in (None, ""):
        return DEFAULT_THRESHOLD
    try:
        found = float(value)
    except ValueError:
        found = -1
    if found <= 0:
        problems.append(
            f"settings sheet, column safetynet_threshold: '{value}' is not a positive number."
        )
    return found


def _check(form: Form, expressions: list[tuple[int, str, str]]) -> list[str]:
    """Every expression parsed and its references known; every need and score usable."""
    names = {q.name for q in form.questions}
    problems: list[str] = []
    for row, column, text in expressions:
        problems += _check_expression(row, column, text, names)
    for q in form.questions:
        problems += _check_scoring(q)
    return problems


def _check_expression(row: int, column: str, text: str, names: set[str]) -> list[str]:
    where = f"survey sheet, row {row}, column {column}"
    try:
        parsed = tree(text)
    except Unsupported as exc:
        return [f"{where}: in `{text}`, {exc.reason[0].lower()}{exc.reason[1:]}: '{exc.part}'."]
    unknown = sorted(references(parsed) - names)
    return [f"{where}: `{text}` refers to ${{{n}}}, which is not a question." for n in unknown]


def _check_scoring(q: Question) -> list[str]:
    problems = []
    where = f"survey sheet, row {q.row}"
    if q.need and q.need not in NEEDS:
        problems.append(f"{where}, column safetynet_need: '{q.need}' is not a need ({_known()}).")
    if q.score and not q.need:
        problems.append(f"{where}, column safetynet_score: a score needs a safetynet_need.")
    for c in q.choices:
        place = f"choices sheet, choice '{c.name}' of {q.name}"
        if c.need and c.need not in NEEDS:
            problems.append(f"{place}, column safetynet_need: '{c.need}' is not a need.")
        if c.score != c.score:  # NaN: not a number
            problems.append(f"{place}, column safetynet_score: not a number.")
        elif c.score and not (c.need or q.need):
            problems.append(f"{place}: a score needs a safetynet_need (here or on the question).")
    return problems


def _known() -> str:
    return ", ".join(NEEDS)


def default_form() -> tuple[bytes, str]:
    """The digital-inclusion triage form shipped with Safety Net, and its file name."""
    return DEFAULT_FORM.read_bytes(), DEFAULT_FORM.name

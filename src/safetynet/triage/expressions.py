"""Our own reader for the XLSForm expressions triage forms may use in `relevant`,
`constraint`, `required` and `choice_filter`: a tokenizer, a parser to a small tree, and an
evaluator. Nothing is ever handed to Python's `eval`.

The subset (docs/triage.md): numbers and quoted strings; `${name}` (another question's
answer) and `.` (this question's answer); `= != < <= > >=`; `+ - * div mod` and unary minus;
`and`, `or`, `not(...)`; `selected(${q}, 'x')`, `count-selected(${q})`, `true()`, `false()`;
parentheses. Anything else is refused with the part that is not supported.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

FUNCTIONS = {"not": 1, "selected": 2, "count-selected": 1, "true": 0, "false": 0}
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "div", "mod")
TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{(?P<name>[A-Za-z_][\w.-]*)\})
    | (?P<number>\d+(?:\.\d+)?|\.\d+)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
    | (?P<word>[A-Za-z_][\w.-]*)
    | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


class Unsupported(ValueError):
    """An expression outside the subset, or malformed; `part` is the piece at fault."""

    def __init__(self, reason: str, part: str) -> None:
        super().__init__(f"{reason}: '{part}'")
        self.reason = reason
        self.part = part


@dataclass(frozen=True)
class Token:
    kind: str  # ref, number, string, op, word, dot, end
    text: str


@dataclass(frozen=True)
class Node:
    """One node of the tree: `kind` is literal, ref, current, unary, binary or call."""

    kind: str
    value: Any = None
    args: tuple[Node, ...] = ()


def tokenize(text: str) -> list[Token]:
    """The expression's tokens, ending with an `end` token."""
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        found = TOKEN.match(text, at)
        if not found or found.end() == at:
            part = text[at:].strip()[:20]
            raise Unsupported("This is not part of the supported expressions", part)
        if found.group("ref"):
            kind, value = "ref", found.group("name")
        else:
            kind = found.lastgroup or ""
            value = found.group(kind)
        tokens.append(Token(kind, value))
        at = found.end()
    tokens.append(Token("end", ""))
    return tokens


class _Parser:
    """Recursive descent, lowest precedence first: or, and, comparison, additive, multiplicative,
    unary, primary (as in XPath 1.0)."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text or token.kind not in ("op", "word"):
            raise Unsupported(f"Expected '{text}'", token.text or "end of expression")

    def binary(self, operators: tuple[str, ...], lower: Any) -> Node:
        left = lower()
        while self.peek().kind in ("op", "word") and self.peek().text in operators:
            op = self.take().text
            left = Node("binary", op, (left, lower()))
        return left

    def or_(self) -> Node:
        return self.binary(("or",), self.and_)

    def and_(self) -> Node:
        return self.binary(("and",), self.comparison)

    def comparison(self) -> Node:
        return self.binary(COMPARISONS, self.additive)

    def additive(self) -> Node:
        return self.binary(("+", "-"), self.multiplicative)

    def multiplicative(self) -> Node:
        return self.binary(("*", "div", "mod"), self.unary)

    def unary(self) -> Node:
        if self.peek().kind == "op" and self.peek().text == "-":
            self.take()
            return Node("unary", "-", (self.unary(),))
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Node("literal", float(token.text) if "." in token.text else int(token.text))
        if token.kind == "string":
            return Node("literal", token.text[1:-1])
        if token.kind == "ref":
            return Node("ref", token.text)
        if token.kind == "dot":
            return Node("current")
        if token.kind == "op" and token.text == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if token.kind == "word":
            return self.call(token.text)
        raise Unsupported("Expected a value here", token.text or "end of expression")

    def call(self, name: str) -> Node:
        if name not in FUNCTIONS:
            raise Unsupported("This function or name is not supported", name)
        if self.peek().text != "(":
            raise Unsupported("A function needs brackets", name)
        self.take()
        args: list[Node] = []
        while self.peek().text != ")":
            if args:
                self.expect(",")
            args.append(self.or_())
        self.take()
        if len(args) != FUNCTIONS[name]:
            raise Unsupported(f"{name}() takes {FUNCTIONS[name]} argument(s)", f"{name}(…)")
        return Node("call", name, tuple(args))


def parse(text: str) -> Node:
    """The expression's tree; `Unsupported` names the part outside the subset."""
    parser = _Parser(text)
    tree = parser.or_()
    rest = parser.peek()
    if rest.kind != "end":
        raise Unsupported("Unexpected text after the expression", rest.text)
    return tree


def references(tree: Node) -> set[str]:
    """The question names `${...}` the expression reads."""
    found = {tree.value} if tree.kind == "ref" else set()
    for arg in tree.args:
        found |= references(arg)
    return found


def evaluate(tree: Node, answers: dict[str, Any], current: Any = None) -> Any:
    """The expression's value over `answers` (question name -> answer; a select_multiple's
    answer is a list of choice names; unanswered is missing or None)."""
    kind = tree.kind
    if kind == "literal":
        return tree.value
    if kind == "ref":
        return _plain(answers.get(tree.value))
    if kind == "current":
        return _plain(current)
    if kind == "unary":
        return -_number(evaluate(tree.args[0], answers, current))
    if kind == "call":
        return _call(tree, answers, current)
    left = evaluate(tree.args[0], answers, current)
    if tree.value == "and":
        return truthy(left) and truthy(evaluate(tree.args[1], answers, current))
    if tree.value == "or":
        return truthy(left) or truthy(evaluate(tree.args[1], answers, current))
    right = evaluate(tree.args[1], answers, current)
    if tree.value in COMPARISONS:
        return _compare(tree.value, left, right)
    return _arithmetic(tree.value, _number(left), _number(right))


def _call(tree: Node, answers: dict[str, Any], current: Any) -> Any:
    name = tree.value
    if name in ("true", "false"):
        return name == "true"
    if name == "not":
        return not truthy(evaluate(tree.args[0], answers, current))
    chosen = _chosen(evaluate(tree.args[0], answers, current))
    if name == "count-selected":
        return len(chosen)
    return str(evaluate(tree.args[1], answers, current)) in chosen


def _plain(value: Any) -> Any:
    """An answer as the evaluator sees it: lists as XForms' space-separated text, dates as ISO
    text, unanswered as ''."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _chosen(value: Any) -> list[str]:
    return str(value).split() if value not in (None, "") else []


def truthy(value: Any) -> bool:
    """XPath's boolean(): false for '', 0, NaN and False."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0 and not math.isnan(value)
    return value != ""


def _number(value: Any) -> float:
    """XPath's number(): NaN for what is not a number (so comparisons with it are false)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        left, right = truthy(left), truthy(right)
    elif isinstance(left, (int, float)) or isinstance(right, (int, float)):
        left, right = _number(left), _number(right)
    elif op in ("<", "<=", ">", ">=") and not _both_dates(left, right):
        left, right = _number(left), _number(right)
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if isinstance(left, float) and (math.isnan(left) or math.isnan(right)):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _both_dates(left: Any, right: Any) -> bool:
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    return bool(iso.match(str(left)) and iso.match(str(right)))


def _arithmetic(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return math.nan
    return left / right if op == "div" else math.fmod(left, right)

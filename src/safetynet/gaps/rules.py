"""Programmes and gap rules, declared in YAML: which lists mean "on this programme", and who
probably qualifies for a programme they are not on.

A rule pack is a YAML file with `programmes:` and `rules:`, each a mapping keyed by id. The
default pack ships with Safety Net; a council's own files load after it and may add
programmes and rules, or redefine one by using its id (`enabled: false` switches a rule off).
Every problem is reported with the file, the programme or rule, and the field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safetynet.errors import InvalidInput

DEFAULT_PACK = Path(__file__).parent / "rules" / "default.yaml"
ID_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class Strict(BaseModel):
    """A YAML section: unknown fields are mistakes, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Flag(Strict):
    """A column of another list that says someone is on the programme (e.g. HB's "Pension
    Credit: Y")."""

    kind: str = Field(description="Source kind whose records carry the column.")
    column: str = Field(description="The column's heading, as kept in the record's extras.")
    values: tuple[str, ...] = Field(("Y", "Yes", "True", "1"), min_length=1)


class Programme(Strict):
    """A benefit, scheme or service, and the evidence that someone is on it."""

    name: str
    short: str | None = Field(None, max_length=12, description="Column heading in reports.")
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = Field((), description="Source names, for lists of kind 'other'.")
    flags: tuple[Flag, ...] = ()

    @model_validator(mode="after")
    def _needs_evidence(self) -> Programme:
        if not (self.kinds or self.sources or self.flags):
            raise ValueError("give at least one of kinds, sources or flags")
        return self

    @property
    def heading(self) -> str:
        """Short heading for tables."""
        return self.short or self.name[:12]


class AgeRange(Strict):
    """Age in whole years on the as-of date; either bound may be left out."""

    min: int | None = Field(None, ge=0, le=130)
    max: int | None = Field(None, ge=0, le=130)


class Condition(Strict):
    """One test a resident must pass; a rule's conditions must all hold.

    Exactly one of `on`, `not_on`, `age`, `children`. `on`/`not_on` name one programme or a
    list (on any / on none of them); `household: true` looks at everyone in the resident's
    household; `within_days` only counts evidence dated in the last so many days.
    """

    on: tuple[str, ...] | None = None
    not_on: tuple[str, ...] | None = None
    age: AgeRange | None = None
    children: bool | None = None
    household: bool = False
    within_days: int | None = Field(None, ge=1, le=3660)

    @field_validator("on", "not_on", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Condition:
        tests = [k for k in ("on", "not_on", "age", "children") if getattr(self, k) is not None]
        if len(tests) != 1:
            raise ValueError(
                "a condition needs exactly one of on, not_on, age, children"
                + (f" (found {', '.join(tests)})" if tests else "")
            )
        if (self.within_days or self.household) and tests[0] not in ("on", "not_on"):
            raise ValueError("household and within_days go only with on or not_on")
        return self

    @property
    def programmes(self) -> tuple[str, ...]:
        """The programmes this condition names."""
        return self.on or self.not_on or ()


class Rule(Strict):
    """Who probably qualifies for `programme` but is not on it."""

    title: str
    programme: str = Field(description="The programme these residents are missing.")
    when: tuple[Condition, ...]
    description: str | None = None
    enabled: bool = True

    @field_validator("when", mode="after")
    @classmethod
    def _some_conditions(cls, value: tuple[Condition, ...]) -> tuple[Condition, ...]:
        if not value:
            raise ValueError("give at least one condition")
        return value


class Pack(Strict):
    """One YAML file's contents."""

    programmes: dict[str, Programme] = {}
    rules: dict[str, Rule] = {}


@dataclass(frozen=True)
class RuleBook:
    """The programmes and rules in force: the default pack overlaid by a council's files."""

    programmes: dict[str, Programme]
    rules: dict[str, Rule]
    files: tuple[str, ...]
    fingerprint: str = dataclass_field(default="", compare=False)  # of the files, when loaded

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id, or an error listing the ids there are."""
        if rule_id not in self.rules:
            raise InvalidInput(
                f"There is no gap rule '{rule_id}'. Rules: {', '.join(sorted(self.rules))}."
            )
        return self.rules[rule_id]

    def enabled(self) -> dict[str, Rule]:
        """Rules switched on, by id."""
        return {k: r for k, r in self.rules.items() if r.enabled}


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. (YAML 1.1 reads a key `on:` as True.)"""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _where(loc: Sequence[int | str]) -> str:
    """'rule 'x', field 'when[1].on'' from a pydantic error location."""
    if len(loc) >= 2 and loc[0] in ("rules", "programmes"):
        section = "rule" if loc[0] == "rules" else "programme"
        field = ""
        for part in loc[2:]:
            field += f"[{part}]" if isinstance(part, int) else f"{'.' if field else ''}{part}"
        return f"{section} '{loc[1]}'" + (f", field '{field}'" if field else "")
    return f"field '{'.'.join(map(str, loc))}'" if loc else "the file"


def parse_pack(text: str, name: str) -> Pack:
    """A rule pack from YAML text; errors name the file, the rule or programme, and the field."""
    try:
        data = yaml.load(text, Loader=_Loader) or {}  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise InvalidInput(f"{name}{where}: not valid YAML.") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: expected `programmes:` and `rules:` sections.")
    try:
        return Pack.model_validate(data)
    except ValidationError as error:
        details = [
            f"{name}, {_where(e['loc'])}: {e['msg'].removeprefix('Value error, ')}."
            for e in error.errors()
        ]
        raise InvalidInput(
            f"{name} has {len(details)} problem(s) in its gap rules.", details=details
        ) from None


def load_rulebook(extra_files: Iterable[Path] = (), *, default: Path = DEFAULT_PACK) -> RuleBook:
    """The default pack overlaid by `extra_files` in order, checked as a whole. Read again
    only when a file changes (pages use the rules on every view)."""
    files = (default, *extra_files)
    stamps = []
    for path in files:
        if not path.is_file():
            raise InvalidInput(f"There is no gap rules file {path}.")
        stat = path.stat()
        stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return _load_rulebook(tuple(stamps))


@lru_cache(maxsize=16)
def _load_rulebook(stamps: tuple[tuple[str, int, int], ...]) -> RuleBook:
    programmes: dict[str, Programme] = {}
    rules: dict[str, Rule] = {}
    origin: dict[str, str] = {}
    names = []
    digest = hashlib.sha256()
    for name, _, _ in stamps:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        digest.update(text.encode())
        pack = parse_pack(text, path.name)
        programmes |= pack.programmes
        rules |= pack.rules
        origin |= dict.fromkeys(pack.rules, path.name) | {
            f"programme:{k}": path.name for k in pack.programmes
        }
        names.append(path.name)
    problems = cross_check(programmes, rules, origin)
    if problems:
        raise InvalidInput("The gap rules refer to unknown programmes.", details=problems)
    return RuleBook(programmes, rules, tuple(names), fingerprint=digest.hexdigest())


_AREA_BOOKS: dict[tuple[int, str, str], RuleBook] = {}


def area_rulebook(session: Any, tenant_id: int, base: RuleBook) -> RuleBook:
    """`base` overlaid by the council area's own programmes and rules (kept per area, base
    fingerprint and area stamp, so a page reads them from the database only to check the stamp).
    The fingerprint covers both, so figures cached per fingerprint stay per area."""
    from safetynet.areaconfig import service as area

    stamp = area.stamp(session, tenant_id)
    if not stamp:
        return base
    cache_key = (tenant_id, base.fingerprint, stamp)
    if cache_key not in _AREA_BOOKS:
        if len(_AREA_BOOKS) >= 64:
            _AREA_BOOKS.clear()
        _AREA_BOOKS[cache_key] = _overlay(session, tenant_id, base, stamp)
    return _AREA_BOOKS[cache_key]


def _overlay(session: Any, tenant_id: int, base: RuleBook, stamp: str) -> RuleBook:
    from safetynet.areaconfig import service as area

    where = "this council area's own configuration"
    try:
        own = Pack.model_validate(
            {
                "programmes": area.items(session, tenant_id, "gap_programme"),
                "rules": area.items(session, tenant_id, "gap_rule"),
            }
        )
    except ValidationError as error:
        details = [f"{where}, {_where(e['loc'])}: {e['msg']}." for e in error.errors()]
        raise InvalidInput("The area's own gap rules are not valid.", details=details) from None
    programmes = base.programmes | own.programmes
    rules = base.rules | own.rules
    origin = dict.fromkeys(own.rules, where) | {f"programme:{k}": where for k in own.programmes}
    problems = cross_check(programmes, rules, origin)
    if problems:
        raise InvalidInput("The gap rules refer to unknown programmes.", details=problems)
    fingerprint = hashlib.sha256(f"{base.fingerprint}:{stamp}".encode()).hexdigest()
    files = (*base.files, f"area {tenant_id}")
    return RuleBook(programmes, rules, files, fingerprint=fingerprint)


def cross_check(
    programmes: dict[str, Programme], rules: dict[str, Rule], origin: dict[str, str]
) -> list[str]:
    """Ids that are malformed, and programmes a rule names that no file defines."""
    known = ", ".join(sorted(programmes))
    problems = []
    for pid in programmes:
        if not re.match(ID_PATTERN, pid):
            problems.append(
                f"{origin.get(f'programme:{pid}', '?')}, programme '{pid}': ids are lower-case "
                "letters, digits, - and _."
            )
    for rid, rule in rules.items():
        if not re.match(ID_PATTERN, rid):
            problems.append(
                f"{origin.get(rid, '?')}, rule '{rid}': ids are lower-case letters, digits, "
                "- and _."
            )
        named = [("programme", rule.programme)] + [
            (f"when[{i}].{'on' if c.on else 'not_on'}", p)
            for i, c in enumerate(rule.when)
            for p in c.programmes
        ]
        for field, pid in named:
            if pid not in programmes:
                problems.append(
                    f"{origin.get(rid, '?')}, rule '{rid}', field '{field}': unknown programme "
                    f"'{pid}' (programmes: {known})."
                )
    return problems

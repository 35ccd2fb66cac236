"""Column mapping: which of a partner's headers holds which field, and options for reading.

Chosen automatically from common UK header variants, overridable by a YAML mapping file of
`field: header` pairs plus `options:` (date formats, encoding, delimiter) and `ignore:`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safetynet.errors import InvalidInput

IDENTITY_FIELDS = (
    "forename",
    "surname",
    "full_name",
    "dob",
    "postcode",
    "address",
    "uprn",
    "phone",
    "email",
)
ATTRIBUTE_FIELDS = (
    "visit_date",
    "household_ref",
    "tenure",
    "rent_amount",
    "rent_period",
    "children_count",
    "award_start",
    "award_end",
    "amount",
)
KEY_FIELDS = ("row_id", "person_ref")
FIELDS = KEY_FIELDS + IDENTITY_FIELDS + ATTRIBUTE_FIELDS
# What an agreement lists to allow columns that map to no field (kept as untyped extras).
EXTRAS = "extras"
AGREEMENT_FIELDS = FIELDS + (EXTRAS,)

# Header variants, compared after lower-casing and dropping everything but letters and digits.
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "row_id": (
        "id",
        "rowid",
        "recordid",
        "rec id",
        "reference",
        "ref",
        "ref no",
        "reference number",
        "claim ref",
        "claim reference",
        "claim no",
        "claim number",
        "claim id",
        "hb claim no",
        "ctr claim ref",
        "visit id",
        "visit ref",
        "case number",
        "case ref",
        "case id",
        "application id",
        "application no",
        "award id",
        "record no",
        "record number",
    ),
    "person_ref": (
        "client id",
        "client no",
        "client number",
        "client ref",
        "customer id",
        "customer no",
        "customer number",
        "person id",
        "person ref",
        "member id",
        "member no",
        "member number",
        "service user id",
        "resident id",
    ),
    "forename": (
        "first name",
        "firstname",
        "forename",
        "forenames",
        "given name",
        "given names",
        "christian name",
        "client forename",
        "claimant forename",
    ),
    "surname": (
        "surname",
        "last name",
        "lastname",
        "family name",
        "client surname",
        "claimant surname",
    ),
    "full_name": (
        "full name",
        "name",
        "client name",
        "claimant name",
        "customer name",
        "resident name",
        "person name",
    ),
    "dob": (
        "dob",
        "d o b",
        "date of birth",
        "birth date",
        "birthdate",
        "date_of_birth",
        "client dob",
        "claimant dob",
    ),
    "postcode": ("postcode", "post code", "postal code", "zip", "address postcode"),
    "address": (
        "address",
        "full address",
        "address line 1",
        "address line 2",
        "address line 3",
        "address line 4",
        "address 1",
        "address 2",
        "address 3",
        "address1",
        "address2",
        "address3",
        "street",
        "street address",
        "town",
        "house number",
        "house no",
        "street number",
        "locality",
        "suburb",
        "city",
    ),
    "uprn": ("uprn", "property uprn", "unique property reference number"),
    "phone": (
        "phone",
        "telephone",
        "tel",
        "phone number",
        "telephone number",
        "mobile",
        "mobile number",
        "contact number",
        "mobile phone",
    ),
    "email": ("email", "e mail", "email address", "e mail address"),
    "visit_date": ("visit date", "date of visit", "attendance date", "date attended"),
    "household_ref": (
        "household ref",
        "household id",
        "household reference",
        "household no",
        "family id",
        "family ref",
    ),
    "tenure": ("tenure", "housing tenure", "tenure type"),
    "rent_amount": ("rent", "rent amount", "eligible rent", "rent charge"),
    "rent_period": ("rent period", "rent frequency", "rent freq"),
    "children_count": (
        "children",
        "number of children",
        "no of children",
        "dependent children",
        "dependants",
        "children count",
        "child count",
    ),
    "award_start": (
        "award start",
        "award start date",
        "start date",
        "claim start",
        "claim start date",
    ),
    "award_end": ("award end", "award end date", "end date", "claim end", "claim end date"),
    "amount": ("amount", "award amount", "payment amount", "award value", "award"),
}

DATE_FORMAT_NAMES = {
    "DD/MM/YYYY": "%d/%m/%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD/MM/YY": "%d/%m/%y",
    "DD.MM.YY": "%d.%m.%y",
    "DD-MM-YY": "%d-%m-%y",
    "YYYY-MM-DD": "%Y-%m-%d",
    "YYYY/MM/DD": "%Y/%m/%d",
    "YYYYMMDD": "%Y%m%d",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD MON YYYY": "%d %b %Y",
    "EXCEL": "excel",
}
DATE_FIELDS = ("dob", "visit_date", "award_start", "award_end")
OPTION_KEYS = {"encoding", "delimiter", "sheet", "date_format"} | {
    f"{name}_format" for name in DATE_FIELDS
}


def normalise_header(text: str) -> str:
    """A header reduced to letters and digits, lower case: 'Date of Birth ' -> 'dateofbirth'."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


VARIANT_LOOKUP = {
    normalise_header(variant): name
    for name, variants in HEADER_VARIANTS.items()
    for variant in variants
}


@dataclass
class Mapping:
    """Which header(s) feed each field, which columns are extras, and reading options."""

    columns: dict[str, list[str]]
    extras: list[str]
    ignored: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    source: str = "automatic"

    def fields(self) -> list[str]:
        """Fields this mapping loads (what the data-sharing agreement must allow)."""
        loaded = [name for name in FIELDS if name in self.columns]
        return loaded + ([EXTRAS] if self.extras else [])

    def date_format(self, name: str) -> str | None:
        """The strptime format set for a date field, if the mapping sets one."""
        value = self.options.get(f"{name}_format") or (
            self.options.get("date_format") if name != "dob" else None
        )
        return DATE_FORMAT_NAMES.get(value.upper(), value) if value else None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, stored with each import."""
        return {
            "columns": self.columns,
            "extras": self.extras,
            "ignored": self.ignored,
            "options": self.options,
            "source": self.source,
        }


def automatic_columns(header: list[str]) -> dict[str, list[str]]:
    """Fields found by header variants; address may take several columns, in file order."""
    columns: dict[str, list[str]] = {}
    for column in header:
        name = VARIANT_LOOKUP.get(normalise_header(column))
        if name is None:
            continue
        if name == "address" or name not in columns:
            columns.setdefault(name, []).append(column)
    return columns


def read_mapping_file(path: Path) -> dict[str, Any]:
    """The YAML mapping file as a dict, with a clear error when it is not one."""
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"mapping file {path}: cannot be read as YAML ({exc}).") from exc
    if not isinstance(loaded, dict):
        raise InvalidInput(f"mapping file {path}: expected 'field: column' lines.")
    return loaded


def build_mapping(
    header: list[str],
    overrides: dict[str, Any] | None,
    *,
    file_name: str,
    mapping_name: str = "mapping file",
) -> Mapping:
    """The mapping for a file: automatic choices, then the overrides on top, validated."""
    overrides = dict(overrides or {})
    options = _options(overrides.pop("options", None) or {}, mapping_name)
    ignored = _as_list(overrides.pop("ignore", None) or [])
    explicit = {key: _as_list(value) for key, value in overrides.items()}
    _check_fields(explicit, mapping_name)
    _check_columns_exist(explicit, ignored, header, file_name, mapping_name)
    columns = automatic_columns(header)
    taken = {c for cols in explicit.values() for c in cols} | set(ignored)
    columns = {k: [c for c in v if c not in taken] for k, v in columns.items()}
    columns = {k: v for k, v in columns.items() if v} | {k: v for k, v in explicit.items() if v}
    used = {c for cols in columns.values() for c in cols} | set(ignored)
    extras = [c for c in header if c not in used]
    mapping = Mapping(columns, extras, ignored, options, "file" if overrides else "automatic")
    check_required(mapping, file_name, header)
    return mapping


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _options(raw: Any, mapping_name: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{mapping_name}: 'options' must be 'name: value' lines.")
    unknown = sorted(set(raw) - OPTION_KEYS)
    if unknown:
        raise InvalidInput(
            f"{mapping_name}: unknown option(s) {', '.join(unknown)}. "
            f"Options are: {', '.join(sorted(OPTION_KEYS))}."
        )
    return {str(k): str(v) for k, v in raw.items()}


def _check_fields(explicit: dict[str, list[str]], mapping_name: str) -> None:
    unknown = [name for name in explicit if name not in FIELDS]
    if unknown:
        hints = [_suggest(name, FIELDS) for name in unknown]
        raise InvalidInput(
            f"{mapping_name}: unknown field(s) "
            + ", ".join(f"'{n}'{h}" for n, h in zip(unknown, hints, strict=True))
            + f". Fields are: {', '.join(FIELDS)}."
        )


def _check_columns_exist(
    explicit: dict[str, list[str]],
    ignored: list[str],
    header: list[str],
    file_name: str,
    mapping_name: str,
) -> None:
    named = [(f, c) for f, cols in explicit.items() for c in cols] + [
        ("ignore", c) for c in ignored
    ]
    for name, column in named:
        if column not in header:
            raise InvalidInput(
                f"{mapping_name}: {name} is mapped to column '{column}', which is not in "
                f"{file_name}{_suggest(column, header)}. The file's columns are: "
                + ", ".join(f"'{h}'" for h in header)
                + "."
            )


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_required(mapping: Mapping, file_name: str, header: list[str] | None = None) -> None:
    """A row id and a name (forename + surname, or a full name) are required."""
    missing, example = [], ""
    if "row_id" not in mapping.columns:
        missing.append("a row id column (a reference unique to each row, e.g. 'Claim Ref')")
        example = "row_id: Your Heading"
    has_parts = "forename" in mapping.columns and "surname" in mapping.columns
    if not has_parts and "full_name" not in mapping.columns:
        missing.append("a name: 'Forename' and 'Surname' columns, or a 'Full name' column")
        example = example or "full_name: Your Heading"
    if missing:
        seen = [h for h in header or [] if not h.startswith("(")]
        headings = f" Its headings are: {', '.join(repr(h) for h in seen)}." if seen else ""
        raise InvalidInput(
            f"{file_name}: missing required column: {'; and '.join(missing)}.{headings} "
            "If the file has it under another heading, name it in a mapping file "
            f"(e.g. '{example}') and pass --mapping."
        )

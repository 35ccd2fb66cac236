"""Reading a spreadsheet for file mode (`link files`, `link dedupe`), with nothing stored.

Each file is read, mapped and standardised exactly as an import would be, but nothing is
stored: a bad date of birth or a missing name is blanked with a warning rather than refusing
the file (the row can still link on what else it has), and rows without a row id are left out
and counted. Postcodes that are mostly not UK ones are compared as given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from safetynet.errors import InvalidInput
from safetynet.link import prepare
from safetynet.sources.imports import open_partner_file
from safetynet.sources.mapping import (
    Mapping,
    automatic_columns,
    build_mapping,
    read_mapping_file,
)
from safetynet.sources.readers import OpenedFile, RawBatch
from safetynet.sources.validate import Validator

ROW_NUMBER = "(row number)"  # the id column when none is named: 1-based data rows


@dataclass
class FileSide:
    """One file to link and how to read it (without `row_id`, rows are numbered from 1)."""

    path: Path
    row_id: str | None = None
    mapping_file: Path | None = None
    sheet: str | None = None
    compare: tuple[str, ...] = ()


@dataclass
class ListRead:
    """A file's standardised records and what was left out."""

    name: str
    records: pl.DataFrame
    rows: int = 0
    skipped: int = 0
    warnings: int = 0
    postcode_warnings: int = 0
    one_per_person: bool = True
    repeated: int = 0  # rows the model found repeating a person on another row
    notes: list[str] = field(default_factory=list)
    mapping: Mapping | None = None  # which column feeds each field (printed for the user)


def read_list(side: FileSide) -> ListRead:
    """Read, map and standardise a file in memory (nothing stored).

    Without a row id named, a column whose heading says it is one ('Ref', 'rec_id', 'id',
    'Client ID') names the rows if it holds one value per row; otherwise rows are numbered.
    """
    overrides = read_mapping_file(side.mapping_file) if side.mapping_file else {}
    named = side.row_id or overrides.get("row_id")
    if named:
        return _read(side, {**overrides, "row_id": named})
    opened = open_partner_file(side.path, overrides, side.sheet)
    guess = guess_row_id(opened.header)
    note = "no column names the rows: they are numbered from 1 (give one with --id)"
    if guess:
        try:
            read = _read(side, {**overrides, "row_id": guess}, opened, guessed=True)
            read.notes.insert(0, f"rows named by column '{guess}' (one value per row)")
            return read
        except _NotOnePerRow:
            opened = open_partner_file(side.path, overrides, side.sheet)
            note = f"column '{guess}' repeats or has blanks: rows are numbered from 1 instead"
    read = _read(side, {**overrides, "row_id": ROW_NUMBER}, opened)
    read.notes.insert(0, note)
    return read


class _NotOnePerRow(Exception):
    """A guessed id column repeats a value or leaves a row blank."""


def guess_row_id(header: list[str]) -> str | None:
    """The heading most likely to name each row: a row id, else a person reference."""
    found = automatic_columns(header)
    for key in ("row_id", "person_ref"):
        if found.get(key):
            return found[key][0]
    return None


def _read(
    side: FileSide, overrides: dict, opened: OpenedFile | None = None, *, guessed: bool = False
) -> ListRead:
    opened = opened or open_partner_file(side.path, overrides, side.sheet)
    if overrides["row_id"] == ROW_NUMBER:
        opened = _numbered(opened)
    _check_compare(side, opened.header)
    mapping = build_mapping(opened.header, overrides, file_name=side.path.name)
    validator = Validator(mapping, opened.header, lenient=True)
    read = ListRead(side.path.name, pl.DataFrame(), mapping=mapping)
    frames = []
    for batch in opened.batches:
        result = validator.run(batch)
        if guessed and result.issues.filter(pl.col("code").str.ends_with("row_id")).height:
            raise _NotOnePerRow
        _refuse_duplicate_ids(side, result.issues)
        frames.append(result.records)
        read.rows += len(batch.rows)
        read.skipped += result.rejected.height
        warned = result.issues.filter(pl.col("severity") == "warning")
        read.warnings += warned.height
        read.postcode_warnings += warned.filter(pl.col("field") == "postcode").height
    if not frames or not sum(f.height for f in frames):
        raise InvalidInput(f"{side.path.name} has no rows with a row id and a name to link.")
    read.records = _foreign_postcodes(
        pl.concat(frames, how="diagonal_relaxed").with_columns(pl.col("row_id").alias("record_id")),
        read,
    )
    if "person_ref" in read.records.columns:
        refs = read.records.get_column("person_ref").drop_nulls()
        read.one_per_person = refs.n_unique() == refs.len()
    unused = [c for c in identifier_columns(mapping, read.records) if c not in side.compare]
    if unused:
        named = ", ".join(f"'{c}'" for c in unused)
        asked = " ".join(f"--compare '{c}'" for c in unused)
        said = (
            "looks like an identifier but is"
            if len(unused) == 1
            else "look like identifiers but are"
        )
        read.notes.append(f"{named} {said} not compared: if both files hold it, add {asked}")
    return read


# Words in a heading that say it holds an identifier (split at anything not a letter).
IDENTIFIER_WORDS = {"id", "no", "num", "number", "ref", "reference", "nino", "nhs", "ssn", "ni"}


def identifier_columns(mapping: Mapping, records: pl.DataFrame) -> list[str]:
    """Columns carried unmapped whose heading names an identifier and whose values are
    mostly distinct (a national insurance or social security number, a second client id)."""
    found = []
    for heading in mapping.extras:
        words = re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", heading).lower())
        if not IDENTIFIER_WORDS & set(words):
            continue
        values = records.select(prepare.extra_value(records, heading)).to_series().drop_nulls()
        if values.len() and values.n_unique() * 2 > values.len():
            found.append(heading)
    return found


def _numbered(opened: OpenedFile) -> OpenedFile:
    """The file with one more column: each data row's number, counting from 1."""
    width = len(opened.header)

    def batches() -> Iterator[RawBatch]:
        count = 0
        for batch in opened.batches:
            rows = []
            for row in batch.rows:
                count += 1
                rows.append([*(row + [None] * width)[:width], str(count)])
            yield RawBatch(batch.row_numbers, rows, batch.problems)

    return replace(opened, header=[*opened.header, ROW_NUMBER], batches=batches())


def _check_compare(side: FileSide, header: list[str]) -> None:
    missing = [c for c in side.compare if c not in header]
    if missing:
        raise InvalidInput(
            f"{side.path.name} has no column {', '.join(repr(c) for c in missing)} to compare; "
            f"its headings are: {', '.join(repr(h) for h in header)}."
        )


def _refuse_duplicate_ids(side: FileSide, issues: pl.DataFrame) -> None:
    """An id column that repeats cannot name rows in the pairs file: refuse, naming rows."""
    dupes = issues.filter(pl.col("code") == "duplicate_row_id")
    if dupes.height:
        first = dupes.row(0, named=True)
        raise InvalidInput(
            f"{side.path.name}, row {first['row_number']}, column '{first['column']}': "
            f"{first['message']}. Name a column with one value per row, or leave out the id "
            "option to use row numbers."
        )


def _foreign_postcodes(records: pl.DataFrame, read: ListRead) -> pl.DataFrame:
    """When most postcodes are not UK ones (another country's list), compare them as given."""
    if "postcode_raw" not in records.columns:
        return records
    given = records.get_column("postcode_raw").drop_nulls()
    valid = records.get_column("postcode").drop_nulls()
    if given.len() == 0 or valid.len() * 2 > given.len():
        return records
    read.notes.append("most postcodes are not UK postcodes: compared exactly as given")
    read.warnings -= read.postcode_warnings
    squashed = pl.col("postcode_raw").str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    return records.with_columns(squashed.alias("postcode"))

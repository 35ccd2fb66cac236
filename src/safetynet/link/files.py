"""Linking two spreadsheets directly, with nothing set up: `safetynet link files A B`.

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
from safetynet.link import backends, decide, model, prepare
from safetynet.sources.imports import open_partner_file
from safetynet.sources.mapping import (
    Mapping,
    automatic_columns,
    build_mapping,
    read_mapping_file,
)
from safetynet.sources.readers import OpenedFile, RawBatch
from safetynet.sources.validate import Validator

DEFAULT_THRESHOLD = 0.5  # where a match is likelier than not: needs no ground truth


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
        read.notes.append(
            f"{named} look(s) like an identifier but is not compared: if both files hold it, "
            f"add {asked}"
        )
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


@dataclass
class FileLink:
    """Matched pairs between two files, each file's repeated people, and the rule applied."""

    a: ListRead
    b: ListRead
    pairs: pl.DataFrame  # id_a, id_b, match_probability, match_weight
    candidates: int
    rule: str  # ONE_TO_ONE, ONE_PER_REGISTER or EVERY_PAIR
    duplicates: pl.DataFrame  # list ("a" or "b"), id, same_as, match_probability

    @property
    def one_to_one(self) -> bool:
        """Whether each row of either file was matched at most once."""
        return self.rule == ONE_TO_ONE


ONE_TO_ONE = "one to one"  # both lists registers, or --one-to-one
ONE_PER_REGISTER = "one per register"  # a row matches at most one record of the register
EVERY_PAIR = "every pair"  # neither list a register: every pair above the threshold
# A list is a register (one row per person) when its person references never repeat and the
# model finds at most this share of its rows repeating someone on another row.
REGISTER_REPEAT_SHARE = 0.01
# Random pairs sampled to estimate u: about 20 per row, between 50k and 1M (FIELD-NOTES:
# sampling dominates training; FEBRL3 and FEBRL4 score the same at 20 per row as at 40).
U_PAIRS_PER_ROW, U_PAIRS_RANGE = 20, (5e4, 1e6)


def training_pairs(rows: int) -> float:
    """How many random pairs estimate u for lists of `rows` rows in all."""
    low, high = U_PAIRS_RANGE
    return min(high, max(low, U_PAIRS_PER_ROW * rows))


def link_files(
    a: FileSide, b: FileSide, *, threshold: float = DEFAULT_THRESHOLD, one_to_one: bool = False
) -> FileLink:
    """Train a model on the two files themselves and return the pairs judged to match.

    Rows within each file are scored too, so a file that repeats people (a visit log, a
    charity list with re-registrations) is known as one: each of its rows may match one
    record of a register (a file of one row per person), and a register's record may match
    many of its rows. Between two registers, or with `one_to_one`, each row matches at most
    once; between two files that both repeat people every pair above the threshold is kept.
    """
    left, right = read_list(a), read_list(b)
    compare = tuple(c for c in a.compare if c in b.compare)
    linker = model.build(
        [
            prepare.for_linkage(left.records, "a", compare),
            prepare.for_linkage(right.records, "b", compare),
        ],
        link_type="link_and_dedupe",
        explainable=True,  # the relatives rule reads the comparison levels
    )
    linker.train(max_pairs=training_pairs(left.records.height + right.records.height))
    if linker.nothing_in_common:
        _nothing_in_common(left, right)
    scored = linker.predict(threshold=min(threshold, 0.05))
    scored = scored.filter(~decide.relatives(scored, households=False))
    across = pl.col("source_dataset_l") != pl.col("source_dataset_r")
    cross = _oriented(scored.filter(across))
    within = scored.filter(~across & (pl.col("match_probability") >= threshold))
    duplicates = _repeats(within, left.records, right.records)
    for read, side in ((left, "a"), (right, "b")):
        read.repeated = duplicates.filter(pl.col("list") == side).get_column("id").n_unique()
        read.one_per_person &= read.repeated <= REGISTER_REPEAT_SHARE * read.records.height
    matches = cross.filter(pl.col("match_probability") >= threshold)
    rule = _rule(left, right, one_to_one)
    return FileLink(
        left,
        right,
        _apply_rule(matches, rule, left).sort("match_weight", descending=True),
        cross.height,
        rule,
        duplicates,
    )


def _nothing_in_common(*reads: ListRead) -> None:
    for read in reads:
        read.notes.append(
            "no row agrees with another on forename, surname and date of birth (or the "
            "strictest fields present): nothing to link, no pairs written"
        )


def _rule(left: ListRead, right: ListRead, one_to_one: bool) -> str:
    if one_to_one or (left.one_per_person and right.one_per_person):
        return ONE_TO_ONE
    return ONE_PER_REGISTER if left.one_per_person or right.one_per_person else EVERY_PAIR


def _apply_rule(matches: pl.DataFrame, rule: str, left: ListRead) -> pl.DataFrame:
    """The pairs the rule keeps: a greedy assignment between registers; otherwise each row of
    the list that repeats people keeps its strongest record of the register."""
    if rule == ONE_TO_ONE:
        return model.one_to_one(matches, left="id_a", right="id_b")
    if rule == EVERY_PAIR:
        return matches
    repeating = "id_b" if left.one_per_person else "id_a"
    rank = pl.col("match_weight").rank("ordinal", descending=True).over(repeating)
    return matches.filter(rank == 1)


def _repeats(within: pl.DataFrame, *records: pl.DataFrame) -> pl.DataFrame:
    """Pairs of rows in one list judged to be one person: each row with the row it repeats
    (rows sharing a person reference are known repeats, not reported)."""
    refs = pl.concat(
        [
            r.select(
                pl.lit(side).alias("list"),
                pl.col("record_id").cast(pl.String).alias("id"),
                (pl.col("person_ref") if "person_ref" in r.columns else pl.lit(None))
                .cast(pl.String)
                .alias("ref"),
            )
            for side, r in zip("ab", records, strict=True)
        ]
    )
    keys = ["source_dataset_l", "unique_id_l"]
    known = (
        within.join(refs, left_on=keys, right_on=["list", "id"], how="left")
        .join(
            refs, left_on=["source_dataset_r", "unique_id_r"], right_on=["list", "id"], how="left"
        )
        .select((pl.col("ref") == pl.col("ref_right")).fill_null(False))
        .to_series()
    )
    return (
        within.filter(~known)
        .select(
            pl.col("source_dataset_l").alias("list"),
            pl.col("unique_id_l").alias("id"),
            pl.col("unique_id_r").alias("same_as"),
            pl.col("match_probability").round(6),
        )
        .sort("list", "id", "same_as")
    )


def _oriented(scored: pl.DataFrame) -> pl.DataFrame:
    """Pairs as (id in file A, id in file B), whichever side Splink put each on."""
    a_left = pl.col("source_dataset_l") == "a"
    return scored.select(
        pl.when(a_left).then(pl.col("unique_id_l")).otherwise(pl.col("unique_id_r")).alias("id_a"),
        pl.when(a_left).then(pl.col("unique_id_r")).otherwise(pl.col("unique_id_l")).alias("id_b"),
        pl.col("match_probability").round(6),
        pl.col("match_weight").round(3),
    )


@dataclass
class FileDedupe:
    """A file's rows grouped into people."""

    read: ListRead
    clusters: pl.DataFrame  # id, cluster (the smallest id in it), cluster_size
    pairs: int


def dedupe_file(side: FileSide, *, threshold: float = DEFAULT_THRESHOLD) -> FileDedupe:
    """Train a model on one file and group its rows into people (repeat visits under one
    person reference always together)."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    read = read_list(side)
    frame = prepare.for_linkage(read.records, "a", side.compare)
    linker = model.build([frame], link_type="dedupe_only", explainable=True)
    linker.train(max_pairs=training_pairs(frame.height))
    if linker.nothing_in_common:
        read.notes.append(
            "no two rows agree on forename, surname and date of birth (or the strictest "
            "fields present): no repeated people found"
        )
    scored = linker.predict(threshold=threshold)
    matched = scored.filter(~decide.relatives(scored, households=False))
    edges = pl.concat(
        [
            matched.select("unique_id_l", "unique_id_r"),
            _same_reference(read.records),
        ]
    )
    clustered = cluster_pairwise_predictions_at_threshold(
        backends.to_arrow(frame.select("unique_id")),
        backends.to_arrow(edges),
        linker.db_api,
        node_id_column_name="unique_id",
    )
    found = backends.to_polars(clustered)
    clusters = found.select(pl.col("unique_id").alias("id"), pl.col("cluster_id")).with_columns(
        pl.col("id").min().over("cluster_id").alias("cluster"),
        pl.len().over("cluster_id").alias("cluster_size"),
    )
    return FileDedupe(read, clusters.drop("cluster_id"), matched.height)


def _same_reference(records: pl.DataFrame) -> pl.DataFrame:
    """Edges joining rows that carry the same person reference (a client number)."""
    if "person_ref" not in records.columns:
        return pl.DataFrame(schema={"unique_id_l": pl.String, "unique_id_r": pl.String})
    keyed = records.filter(pl.col("person_ref").is_not_null()).with_columns(
        pl.col("record_id").first().over("person_ref").alias("first")
    )
    return keyed.filter(pl.col("record_id") != pl.col("first")).select(
        pl.col("first").cast(pl.String).alias("unique_id_l"),
        pl.col("record_id").cast(pl.String).alias("unique_id_r"),
    )

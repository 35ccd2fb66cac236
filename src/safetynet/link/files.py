"""Linking two spreadsheets directly, with nothing set up: `safetynet link files A B`.

Each file is read, mapped and standardised exactly as an import would be, but nothing is
stored: a bad date of birth or a missing name is blanked with a warning rather than refusing
the file (the row can still link on what else it has), and rows without a row id are left out
and counted. Postcodes that are mostly not UK ones are compared as given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from safetynet.errors import InvalidInput
from safetynet.link import backends, decide, model, prepare
from safetynet.sources.imports import open_partner_file
from safetynet.sources.mapping import build_mapping, read_mapping_file
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
    notes: list[str] = field(default_factory=list)


def read_list(side: FileSide) -> ListRead:
    """Read, map and standardise a file in memory (nothing stored)."""
    overrides = read_mapping_file(side.mapping_file) if side.mapping_file else {}
    overrides["row_id"] = side.row_id or overrides.get("row_id") or ROW_NUMBER
    opened = open_partner_file(side.path, overrides, side.sheet)
    if overrides["row_id"] == ROW_NUMBER:
        opened = _numbered(opened)
    _check_compare(side, opened.header)
    mapping = build_mapping(opened.header, overrides, file_name=side.path.name)
    validator = Validator(mapping, opened.header, lenient=True)
    read = ListRead(side.path.name, pl.DataFrame())
    frames = []
    for batch in opened.batches:
        result = validator.run(batch)
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
    return read


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
    """Matched pairs between two files and how they were found."""

    a: ListRead
    b: ListRead
    pairs: pl.DataFrame
    candidates: int
    one_to_one: bool


def link_files(a: FileSide, b: FileSide, *, threshold: float = DEFAULT_THRESHOLD) -> FileLink:
    """Train a model on the two files themselves and return the pairs judged to match."""
    left, right = read_list(a), read_list(b)
    compare = tuple(c for c in a.compare if c in b.compare)
    linker = model.build(
        [
            prepare.for_linkage(left.records, "a", compare),
            prepare.for_linkage(right.records, "b", compare),
        ],
        link_type="link_only",
        explainable=True,  # the relatives rule reads the comparison levels
    )
    linker.train()
    scored = linker.predict(threshold=min(threshold, 0.05))
    scored = _oriented(scored.filter(~decide.relatives(scored, households=False)))
    matches = scored.filter(pl.col("match_probability") >= threshold)
    one_to_one = left.one_per_person and right.one_per_person
    if one_to_one:
        matches = model.one_to_one(matches, left="id_a", right="id_b")
    return FileLink(
        left, right, matches.sort("match_weight", descending=True), scored.height, one_to_one
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
    linker.train()
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

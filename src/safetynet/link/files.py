"""Linking two spreadsheets directly, with nothing set up: `safetynet link files A B`, and
grouping one spreadsheet's rows into people: `safetynet link dedupe FILE`.

The files are read as `lists` describes (nothing stored); the model is trained on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from safetynet.link import backends, decide, model, prepare, scoring
from safetynet.link.lists import ROW_NUMBER, FileSide, ListRead, read_list

__all__ = ["ROW_NUMBER", "FileSide", "ListRead", "read_list", "link_files", "dedupe_file"]

DEFAULT_THRESHOLD = 0.5  # where a match is likelier than not: needs no ground truth


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
    frames = [
        prepare.for_linkage(left.records, "a", compare),
        prepare.for_linkage(right.records, "b", compare),
    ]
    linker = model.build(
        frames,
        link_type="link_and_dedupe",
        explainable=True,  # the relatives rule reads the comparison levels
    )
    linker.train(max_pairs=training_pairs(left.records.height + right.records.height))
    if linker.nothing_in_common:
        _nothing_in_common(left, right)
    scored = scoring.scored_pairs(linker, decide.SCORE_FLOOR)
    households = decide.holds_households(frames)
    scored = scored.filter(~decide.relatives(scored, households=households))
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
    scored = scoring.scored_pairs(linker, threshold)
    matched = scored.filter(~decide.relatives(scored, households=decide.holds_households([frame])))
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

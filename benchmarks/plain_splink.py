"""The yardstick for the linkage benchmarks: a plain Splink 5 model, set up as its tutorials do.

Library-default comparisons (names, date of birth, postcode, address text, exact
identifiers), ordinary cleaning only (lower-case and strip), the usual blocking rules (first
name and surname, date of birth, postcode), u by random sampling, m by EM, a threshold of 0.5
and clusters as connected components at 0.5. No nickname table, no household rule, no
one-record-per-person rule: what an analyst gets from Splink before tuning it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import polars as pl

THRESHOLD = 0.5
U_MAX_PAIRS = 1e6  # the same budget as our model's u-sampling, so their times compare
IDENTIFIERS = ("uprn", "phone", "email")


def cleaned(
    frame: pl.DataFrame,
    *,
    forename: str,
    surname: str,
    dob: str,
    postcode: str,
    address: list[str],
    unique_id: str,
) -> pl.DataFrame:
    """Ordinary cleaning: text lower-cased and stripped, empty text as null, nothing else."""

    def text(name: str) -> pl.Expr:
        if name not in frame.columns:
            return pl.lit(None, dtype=pl.String)
        value = pl.col(name).cast(pl.String).str.strip_chars()
        return pl.when(value == "").then(None).otherwise(value)

    lines = [text(c).str.to_lowercase() for c in address if c in frame.columns]
    return frame.select(
        pl.col(unique_id).cast(pl.String).alias("unique_id"),
        text(forename).str.to_lowercase().alias("first_name"),
        text(surname).str.to_lowercase().alias("surname"),
        text(dob).alias("dob"),
        text(postcode).str.to_uppercase().alias("postcode"),
        (pl.concat_str(lines, separator=" ", ignore_nulls=True) if lines else pl.lit(None))
        .cast(pl.String)
        .alias("address"),
        *(text(c).str.to_lowercase().alias(c) for c in IDENTIFIERS if c in frame.columns),
    )


def settings(
    frames: list[pl.DataFrame], link_type: str, *, dob_format: str, uk_postcodes: bool
) -> Any:
    """Library comparisons of the columns the frames hold, and the usual blocking rules."""
    import splink.comparison_library as cl
    from splink import SettingsCreator

    comparisons = [
        cl.NameComparison("first_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format=dob_format),
        cl.PostcodeComparison("postcode") if uk_postcodes else cl.ExactMatch("postcode"),
        cl.JaroWinklerAtThresholds("address"),
    ]
    for name in IDENTIFIERS:
        if all(name in f.columns and f.get_column(name).drop_nulls().len() for f in frames):
            comparisons.append(cl.ExactMatch(name))
    return SettingsCreator(
        link_type=link_type,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(),
    )


def blocking_rules() -> list[Any]:
    """First name and surname, date of birth, postcode: the rules of Splink's tutorials."""
    from splink import block_on

    return [block_on("first_name", "surname"), block_on("dob"), block_on("postcode")]


def link(
    frames: list[pl.DataFrame],
    link_type: str,
    *,
    dob_format: str = "%Y-%m-%d",
    uk_postcodes: bool = True,
    cluster: bool = True,
    threshold: float = THRESHOLD,
) -> dict[str, Any]:
    """Train, predict at `threshold` (0.5) and (optionally) cluster there; the pairs, clusters
    and phase times."""
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    times: dict[str, float] = {}
    started = time.perf_counter()
    db_api = DuckDBAPI()
    inputs = [db_api.register(f.to_arrow()) for f in frames]
    linker = Linker(
        inputs,
        settings(frames, link_type, dob_format=dob_format, uk_postcodes=uk_postcodes),
        log_level=logging.ERROR,
    )
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    mark = _lap(times, "prior", started)
    training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
    mark = _lap(times, "u_sampling", mark)
    for rule in (block_on("first_name", "surname"), block_on("dob")):
        training.estimate_parameters_using_expectation_maximisation(rule)
    mark = _lap(times, "em", mark)
    scored = linker.inference.predict(threshold_match_probability=threshold)
    pairs = pl.from_arrow(
        scored.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability").arrow()
    )
    mark = _lap(times, "predict", mark)
    clusters = None
    if cluster:
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            scored, threshold_match_probability=threshold
        )
        clusters = pl.from_arrow(
            clustered.as_duckdbpyrelation().select("unique_id, cluster_id").arrow()
        )
        _lap(times, "cluster", mark)
    return {"pairs": pairs, "clusters": clusters, "times": times}


def _lap(times: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    times[name] = now - since
    return now

"""Scores of a linkage against the truth, and counts of the pairs a model compares."""

from __future__ import annotations

from typing import Any

import polars as pl


def pair_scores(found: set, truth: set) -> dict[str, float]:
    """Precision, recall and F1 of a set of pairs against the true pairs."""
    hits = len(found & truth)
    return _prf(hits / len(found) if found else 0.0, hits / len(truth) if truth else 0.0)


def cluster_scores(frame: pl.DataFrame) -> dict[str, float]:
    """Pairwise and B-cubed scores of clusters: `frame` has one row per record with its
    `cluster` and its true `person`."""

    def same(*keys: str) -> pl.DataFrame:
        return frame.group_by(*keys).len()

    def pairs(counts: pl.DataFrame) -> int:
        return int(counts.select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item())

    both, clusters, people = same("cluster", "person"), same("cluster"), same("person")
    hits = pairs(both)
    pairwise = _prf(hits / max(pairs(clusters), 1), hits / max(pairs(people), 1))
    cells = both.join(clusters, on="cluster", suffix="_c").join(people, on="person", suffix="_p")
    weighted = cells.select(
        ((pl.col("len") ** 2 / pl.col("len_c")).sum() / frame.height).alias("precision"),
        ((pl.col("len") ** 2 / pl.col("len_p")).sum() / frame.height).alias("recall"),
    ).row(0)
    bcubed = _prf(*weighted)
    return {**pairwise, **{f"b3_{k}": v for k, v in bcubed.items()}}


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def comparisons_made(
    frames: list[pl.DataFrame], rules: list[Any], link_type: str, *, sample: float = 1.0
) -> dict[str, Any]:
    """How many pairs the blocking rules send to be scored, in all and rule by rule (exact,
    or estimated by Splink from a sample of records on each side when `sample` < 1)."""
    from splink.backends.duckdb import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db_api = DuckDBAPI()
    inputs = [db_api.register(f.to_arrow()) for f in frames]
    counted = count_comparisons_from_blocking_rules(
        inputs if len(inputs) > 1 else inputs[0],
        blocking_rules=rules,
        link_type=link_type,  # type: ignore[arg-type]
        record_sample_proportion=sample,
    )
    return {
        "pairs_compared": int(counted[-1]["cumulative_comparison_count"]),
        "pairs_exact": sample >= 1.0,
        "by_rule": [(c["blocking_rule"], int(c["marginal_comparison_count"])) for c in counted],
    }

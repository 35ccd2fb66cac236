"""Why the model scored a pair as it did: each comparison's part in the match weight
(Splink's waterfall), as rows a person can read on the command line or a page."""

from __future__ import annotations

from typing import Any

import polars as pl


def waterfalls(linker: Any, scored: pl.DataFrame) -> list[list[dict[str, Any]]]:
    """One explanation per scored pair (rows need Splink's intermediate columns)."""
    if scored.is_empty():
        return []
    # Without the records' values (not kept, see `_step`), the pairs need only their levels
    # and weights: `scoring.kept_columns`.
    chart = linker.visualisations.waterfall_chart(
        scored.to_dicts(), filter_nulls=True, remove_sensitive_data=True
    )
    steps: list[list[dict[str, Any]]] = [[] for _ in range(scored.height)]
    for row in chart.chart_data:
        step = _step(row)
        if step is not None:
            steps[row["record_number"]].append(step)
    if "match_weight" in scored.columns:
        for pair, weight in zip(steps, scored["match_weight"], strict=True):
            _address_once(pair, float(weight))
    return steps


ADDRESS_ONCE = "Address, counted once"
ROUNDING = 0.02  # steps are rounded to 0.001 each: below this the steps add up already


def _address_once(steps: list[dict[str, Any]], weight: float) -> None:
    """Where the decision rule rescored the pair (`decide.count_a_move_once`,
    `decide.count_a_home_once`: the three address comparisons are one fact), a step saying by
    how much before the final score, so the steps add up to the pair's own score; in place.
    (Splink's chart shows each comparison as the model weighed it, and the pair's score.)"""
    final = next((s for s in steps if s["comparison"] == "Final score"), None)
    if final is None:
        return
    added = sum(s["weight"] for s in steps if s is not final)
    if abs(added - weight) < ROUNDING:
        return
    steps.insert(
        steps.index(final),
        {
            "comparison": ADDRESS_ONCE,
            "level": "a move, once" if weight > added else "one home, once",
            "weight": round(weight - added, 3),
        },
    )
    final["weight"] = round(weight, 3)


def _step(row: dict[str, Any]) -> dict[str, Any] | None:
    """A waterfall bar as a plain row; bars that change nothing (weight 0) are left out."""
    weight = float(row["log2_bayes_factor"] or 0.0)
    if row["column_name"] not in ("Prior", "Final score") and abs(weight) < 1e-9:
        return None
    # The records' values are not kept: they are shown from the records themselves, so an
    # explanation holds no personal data of its own.
    return {
        "comparison": row["column_name"],
        "level": row["label_for_charts"],
        "weight": round(weight, 3),
    }


def probability(steps: list[dict[str, Any]]) -> float:
    """The match probability an explanation adds up to."""
    final = next(s["weight"] for s in steps if s["comparison"] == "Final score")
    odds = 2.0 ** float(final)
    return odds / (1 + odds)

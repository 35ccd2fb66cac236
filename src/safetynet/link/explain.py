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
    return steps


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

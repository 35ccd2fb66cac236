"""Scored pairs as the decision rule takes them: scored from the score floor, a move counted
once, and only the pairs and columns the rules, the review queue and the explanations read,
chosen by the engine before the pairs are copied out of it (issue 11).

On a million records Splink's predict returns 1.4M pairs of 58 columns from the score floor,
most of them values the rules never read (forenames, their families, postcode sectors...), and
most pairs far below any floor the rules use. Copying them all to Arrow and polars held the
process over its memory target; here the engine filters and projects first.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from safetynet.link import backends, decide
from safetynet.link.comparisons import level_gamma
from safetynet.link.model import NO_PAIRS, LinkModel

# Each pair's values the decision rule reads (`decide`: relatives, a move counted once,
# one match per snapshot record), as `<name>_l` and `<name>_r`. A rule reading another value
# of the scored pairs must add it here: `test_scoring` compares the rules' results on these
# columns with their results on every column.
PAIR_VALUES = (
    "unique_id",
    "source_dataset",
    "forename_first",  # these three: `decide._swapped_alike` (housemates rule, on main)
    "forename_family",
    "surname_parts",
    "surname",
    "dob",
    "postcode",
    "address_rest",
    "address_numbers",
)
# Weights and levels: the scores, the two address weights a move discounts, every
# comparison's level (rules and explanations) and term-frequency weight (explanations).
SCORES = ("match_weight", "match_probability", "mw_address_numbers", "mw_address_words")
PREFIXES = ("gamma_", "mw_tf_adj_")
# The weights a move takes back (`decide.count_a_move_once`): never more than these.
MOVE_WEIGHTS = ("mw_address_numbers", "mw_address_words")


def kept_columns(columns: list[str]) -> list[str]:
    """The columns of Splink's scored pairs that are kept, in their order."""
    values = {f"{name}_{side}" for name in PAIR_VALUES for side in "lr"}
    return [c for c in columns if c in values or c in SCORES or c.startswith(PREFIXES)]


def scored_pairs(
    linker: LinkModel, floor: float, *, score_from: float = decide.SCORE_FLOOR
) -> pl.DataFrame:
    """Pairs scored from `score_from`, a move counted once, at or above `floor` match
    probability: the same pairs and scores as
    `decide.count_a_move_once(linker.predict(score_from))` filtered to `floor`, with the
    columns `kept_columns` keeps."""
    if linker.nothing_in_common:
        return pl.DataFrame(schema=NO_PAIRS)
    result = linker.linker.inference.predict(threshold_match_probability=score_from)
    try:
        columns = backends.columns_of(result)
        frame = backends.to_polars(
            result, columns=kept_columns(columns), where=still_useful(columns, floor)
        )
    finally:
        # The engine's copy is not read again: freeing it lets clustering reuse its memory.
        result.drop_table_from_database_and_remove_from_cache()
    linker.moves_seen = decide.moves_seen(frame)
    moved = decide.count_a_move_once(frame, linker.moves_seen)
    rescored = decide.count_a_home_once(moved, linker.home)
    return rescored.filter(pl.col("match_probability") >= floor)


def still_useful(columns: list[str], floor: float) -> str | None:
    """SQL keeping the pairs a move counted once could still lift to `floor`, and every pair
    `decide._moves_seen` counts (same forename, surname and date of birth) so it judges the
    lists on all of them; None to keep every pair.

    A moved pair's weight rises by at most its negative address-number and address-word
    weights; any other pair keeps its weight. So a pair below the floor with those taken
    back stays below it.
    """
    if not 0 < floor < 1:
        return None
    weight = math.log2(floor / (1 - floor)) - 1e-6  # a hair under, for rounding
    lifted = "match_weight"
    if set(MOVE_WEIGHTS) <= set(columns):
        lifted += "".join(f" - least({c}, 0)" for c in MOVE_WEIGHTS)
    useful = f"({lifted}) >= {weight!r}"
    exact = _same_person_levels()
    if set(exact) <= set(columns):
        useful += " OR (" + " AND ".join(f"{c} = {v}" for c, v in exact.items()) + ")"
    return useful


def _same_person_levels() -> dict[str, Any]:
    """The exact levels of forename, surname and date of birth, by gamma column."""
    return {
        f"gamma_{name}": level_gamma(name, f"Exact match on {name}")
        for name in ("forename", "surname", "dob")
    }

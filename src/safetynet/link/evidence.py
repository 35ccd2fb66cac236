"""What the lists themselves say, beyond what EM learns: corrections to a trained model.

Three facts EM gets wrong on messy lists (issue 11), each estimated from the lists, with no
labels and no dataset-specific threshold:

- **How often people move.** EM meets the three address comparisons as three independent
  facts; a person who moved disagrees on all three, so EM learns "another address: not the
  person" and drives the share of movers towards nothing. Pairs agreeing exactly on forename,
  surname and full date of birth (*anchors*: one person, not a relative — twins differ in
  forename, junior and senior in date of birth) say how often one person's two rows differ
  in address, whatever EM concluded. Their level counts are blended with EM's estimates
  (ANCHOR_PSEUDO_PAIRS), so a handful of anchors moves the estimate a little and many move
  it most of the way.
- **How many rows repeat someone.** The prior (the chance two random rows are one person) is
  counted from strict rules and the share of true matches those rules are assumed to find
  (`model.PRIOR_RULES_RECALL`, 0.8). On a list where a fifth of the rows lack a date of
  birth and a quarter use a nickname, the rules find far fewer than that; the trained model
  says how many: the chance a true match agrees exactly on each rule's fields, times the
  chance both rows hold them. The prior is rescaled by assumed over estimated recall.
- **Names written the wrong way round are one fact.** The forename and surname comparisons
  test the same condition for a swap; counted in both, its *m* was counted twice (the share
  of swapped pairs squared), and its *u* was the average over every name, common or rare.
  The surname comparison's swap level now carries only the term frequency of the surname
  (its *m* is 1: given that the forename comparison saw the swap, it sees it too), and both
  swap levels are adjusted by the names' term frequencies, as an exact match is.
"""

from __future__ import annotations

import itertools
import logging
import math
from typing import Any

import polars as pl

ADDRESS_COMPARISONS = ("postcode", "address_numbers", "address_words")
# The anchor rule: the same full forename, surname and date of birth.
ANCHOR_RULE = "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob"
# EM's estimate counts as this many anchor pairs when the two are blended: with 10 anchors
# the anchors' share has half the say, with 100 over nine tenths.
ANCHOR_PSEUDO_PAIRS = 10
# Bounds on the estimated recall of the prior's strict rules: the model's estimate is used
# between them (a tiny estimate from a half-trained model must not inflate the prior wildly).
RECALL_RANGE = (0.1, 1.0)
MAX_PRIOR = 0.5  # the rescaled prior never says a random pair is more likely one person
SWAP_LABEL = "forename and surname swapped"
# The levels under which a column counts as exactly equal, for the prior's strict rules.
EXACT_LEVELS = {
    "forename_first": ("forename", ("Exact match on forename", "Exact match on forename_first")),
    "surname": ("surname", ("Exact match on surname",)),
    "dob": ("dob", ("Exact match on dob",)),
    "postcode": ("postcode", ("Exact match on postcode",)),
}


def _label(level: dict[str, Any]) -> str:
    return str(level.get("label_for_charts") or level.get("sql_condition"))


def _levels(settings: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A comparison's non-null levels, most alike first (empty when not in the model)."""
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] == name:
            return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    return []


def anchor_levels(inputs: list[Any], settings: dict[str, Any]) -> pl.DataFrame:
    """The address comparisons' levels (gamma columns) of every anchor pair among the
    registered `inputs`, scored under `settings` with the anchor rule as the only block."""
    from splink import Linker

    from safetynet.link import backends

    anchored = dict(
        settings,
        blocking_rules_to_generate_predictions=[{"blocking_rule": ANCHOR_RULE}],
        retain_intermediate_calculation_columns=True,
    )
    scorer = Linker(inputs, anchored, log_level=logging.ERROR)
    scored = scorer.inference.predict()
    gammas = [f"gamma_{name}" for name in ADDRESS_COMPARISONS if _levels(settings, name)]
    frame = backends.to_polars(scored).select(gammas)
    scored.drop_table_from_database_and_remove_from_cache()
    return frame


def moves_from_anchors(settings: dict[str, Any], anchors: pl.DataFrame) -> None:
    """Blend each address comparison's *m* with its level shares among anchor pairs (both
    sides given), in place. Levels EM never saw and no anchor shows stay unset."""
    for name in ADDRESS_COMPARISONS:
        levels, column = _levels(settings, name), f"gamma_{name}"
        if not levels or column not in anchors.columns:
            continue
        seen = anchors.get_column(column).filter(anchors.get_column(column) >= 0)
        if seen.is_empty():
            continue
        counts = seen.value_counts().rows()
        count = dict(counts)
        for index, level in enumerate(levels):
            gamma = len(levels) - 1 - index  # Splink numbers levels from the bottom
            blended = count.get(gamma, 0) + ANCHOR_PSEUDO_PAIRS * level.get("m_probability", 0.0)
            if blended > 0:
                level["m_probability"] = blended / (seen.len() + ANCHOR_PSEUDO_PAIRS)


def rules_recall(
    settings: dict[str, Any], rules: list[tuple[str, ...]], present: dict[str, float]
) -> float:
    """The share of true matches agreeing on at least one strict rule, by the trained model:
    a column agrees exactly with the *m* of its exact levels times the chance both rows hold
    it (`present`: the share of pairs with both values), columns taken as independent and the
    rules combined by inclusion and exclusion."""
    agree = {}
    for column in {c for rule in rules for c in rule}:
        comparison, labels = EXACT_LEVELS[column]
        m = sum(
            lv.get("m_probability", 0.0)
            for lv in _levels(settings, comparison)
            if _label(lv) in labels
        )
        agree[column] = m * present.get(column, 0.0)
    recall = 0.0
    for size in range(1, len(rules) + 1):
        for chosen in itertools.combinations(rules, size):
            columns = set().union(*chosen)
            recall += (-1) ** (size + 1) * math.prod(agree[c] for c in columns)
    return min(max(recall, RECALL_RANGE[0]), RECALL_RANGE[1])


def both_present(frames: list[pl.DataFrame], columns: set[str]) -> dict[str, float]:
    """For each column, the chance a pair of rows both hold a value (rows taken together)."""
    rows = pl.concat([f.select(sorted(columns)) for f in frames])
    if rows.is_empty():
        return {}
    return {c: (1 - rows.get_column(c).null_count() / rows.height) ** 2 for c in columns}


def swap_once(settings: dict[str, Any]) -> None:
    """Count a forename-surname swap once, in place: the surname comparison's swap level
    says only how rare the surname is (m 1, adjusted by the surname's term frequency), and
    the forename comparison's by the forename's. See the module's note."""
    for name, column in (("forename", "forename_first"), ("surname", "surname")):
        for level in _levels(settings, name):
            if _label(level) != SWAP_LABEL:
                continue
            if "m_probability" not in level:
                continue  # never trained (no swaps in these lists): left as it is
            if name == "surname":
                level["m_probability"] = 1.0
            # The weight is log2(m / u) + log2(u) - log2(term frequency): the level's own u
            # cancels, so any u serves where random pairs showed no swap.
            level.setdefault("u_probability", level["m_probability"])
            level["tf_adjustment_column"] = column
            level["tf_adjustment_weight"] = 1.0
            level["disable_tf_exact_match_detection"] = True

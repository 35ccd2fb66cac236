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

from safetynet.link.decide import GENERATION_YEARS

ADDRESS_COMPARISONS = ("postcode", "address_numbers", "address_words")
# The anchor rule: the same full forename, surname and date of birth.
ANCHOR_RULE = "l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob"
# Home anchors: the same full forename and surname at one home, and not a generation apart
# (`birthdays_at_home`).
HOME_ANCHOR_RULE = (
    "l.forename = r.forename AND l.surname = r.surname AND l.postcode = r.postcode "
    "AND l.address_rest = r.address_rest AND l.address_numbers = r.address_numbers"
)
HOME_GENERATION = f"abs(year(dob_l) - year(dob_r)) < {GENERATION_YEARS}"
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


def anchor_levels(
    inputs: list[Any],
    settings: dict[str, Any],
    rule: str = ANCHOR_RULE,
    names: tuple[str, ...] = ADDRESS_COMPARISONS,
    where: str | None = None,
) -> pl.DataFrame:
    """The levels (gamma columns) of comparisons `names` for every pair among the registered
    `inputs` that `rule` blocks together (and `where` keeps), scored under `settings`."""
    from splink import Linker

    from safetynet.link import backends

    anchored = dict(
        settings,
        blocking_rules_to_generate_predictions=[{"blocking_rule": rule}],
        retain_intermediate_calculation_columns=True,
    )
    scorer = Linker(inputs, anchored, log_level=logging.ERROR)
    scored = scorer.inference.predict()
    gammas = [f"gamma_{name}" for name in names if _levels(settings, name)]
    frame = backends.to_polars(scored, columns=gammas, where=where)
    scored.drop_table_from_database_and_remove_from_cache()
    return frame


def moves_from_anchors(settings: dict[str, Any], anchors: pl.DataFrame) -> None:
    """Blend each address comparison's *m* with its level shares among anchor pairs (both
    sides given), in place. Levels EM never saw and no anchor shows stay unset."""
    blend(settings, anchors, ADDRESS_COMPARISONS)


def blend(settings: dict[str, Any], anchors: pl.DataFrame, names: tuple[str, ...]) -> None:
    """Blend each comparison's *m* (of `names`) with its level shares among `anchors` (both
    sides given), in place, EM's estimate counting as ANCHOR_PSEUDO_PAIRS pairs."""
    for name in names:
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


def birthdays_at_home(inputs: list[Any], settings: dict[str, Any]) -> None:
    """Blend the date of birth's *m* with its level shares among *home anchors*, in place:
    pairs with the same full forename and surname at one home (postcode, house numbers and
    street words), less those a generation apart (junior and senior, `HOME_GENERATION`).

    EM learns a wholly different date of birth from its name block, where many a John Smith
    is two people: on the million-record benchmark it said a tenth of one person's pairs
    differ wholly in date of birth (a weight of -3.3), and relatives at one home with alike
    forenames were joined. One name at one home is one person far more often.
    """
    if not all(_levels(settings, name) for name in ("dob", "postcode")):
        return
    anchors = anchor_levels(inputs, settings, HOME_ANCHOR_RULE, ("dob",), HOME_GENERATION)
    blend(settings, anchors, ("dob",))


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


# ---------------------------------------------------------------- a home counted once
#
# The postcode, the house number and the street words are three comparisons, and the model
# multiplies their evidence as if they were independent. They are not: two rows with one
# postcode are neighbours, who mostly share a street, and often a house. Weighed as three facts,
# one home (three exact agreements, 25-35 bits on a big list) outweighed a wholly different
# surname and date of birth, and housemates and lodgers were joined (precision 0.64 on the
# million-record benchmark). Given the same postcode, the house number and street words are
# weighed by what they add to it: their *u* counted among pairs of plainly different people
# (wholly different forenames and dates of birth) who share a postcode, in a sample of the
# lists' own postcodes; their *m* among anchor pairs that share one.

WITHIN_POSTCODE = ("address_numbers", "address_words")
# Pairs of rows sharing a postcode counted to learn how alike neighbours' addresses are:
# whole postcodes are drawn at random until their pairs reach this many.
HOME_SAMPLE_PAIRS = 300_000
# The columns the sample keeps: the address comparisons' and the forename comparison's.
SAMPLE_COLUMNS = (
    "postcode", "postcode_sector", "postcode_district", "address_numbers", "address_rest",
    "forename", "forename_first", "forename_family", "surname", "dob", "dob_text",
)  # fmt: skip
# The comparisons scored on the sample: forename and date of birth tell two people apart.
SAMPLE_COMPARISONS = ("forename", "dob", *ADDRESS_COMPARISONS)


def postcode_sample(frames: list[pl.DataFrame], seed: int = 1) -> pl.DataFrame | None:
    """Every row of whole postcodes drawn at random (seeded) until the pairs of rows sharing
    a postcode reach HOME_SAMPLE_PAIRS; None when the lists lack a postcode, a house number,
    street words, a forename or a date of birth."""
    if not frames or not all(set(SAMPLE_COLUMNS) <= set(f.columns) for f in frames):
        return None
    rows = pl.concat(
        [
            f.select(
                pl.concat_str("source_dataset", pl.lit("-"), "unique_id").alias("unique_id"),
                *SAMPLE_COLUMNS,
            )
            for f in frames
        ]
    ).filter(pl.col("postcode").is_not_null())
    counts = (
        rows.group_by("postcode")
        .len()
        .filter(pl.col("len") > 1)
        .sort("postcode")
        .sample(fraction=1.0, shuffle=True, seed=seed)
    )
    if counts.is_empty():
        return None
    pairs = (pl.col("len").cast(pl.Int64) * (pl.col("len") - 1) // 2).cum_sum()
    chosen = counts.filter(pairs.shift(1, fill_value=0) < HOME_SAMPLE_PAIRS)
    return rows.filter(pl.col("postcode").is_in(chosen["postcode"].implode()))


def _neighbours_levels(
    db_api: Any, sample: pl.DataFrame, settings: dict[str, Any]
) -> pl.DataFrame:
    """The house-number and street-word levels of pairs of `sample` rows that share a
    postcode and have wholly different forenames and dates of birth (plainly two people)."""
    from safetynet.link import backends

    scored_on = [
        c for c in settings["comparisons"] if c["output_column_name"] in SAMPLE_COMPARISONS
    ]
    within = dict(settings, link_type="dedupe_only", comparisons=scored_on)
    inputs = [backends.register(db_api, sample)]
    return anchor_levels(
        inputs, within, "l.postcode = r.postcode", WITHIN_POSTCODE,
        where="gamma_forename = 0 AND gamma_dob = 0",
    )  # fmt: skip


def _shares(levels: pl.Series) -> tuple[dict[int, int], int]:
    """Pairs at each level (gamma), and pairs with both values."""
    seen = levels.filter(levels >= 0)
    return dict(seen.value_counts().rows()), seen.len()


def home_once(
    db_api: Any, sample: pl.DataFrame | None, settings: dict[str, Any], anchors: pl.DataFrame
) -> dict[str, dict[int, float]]:
    """For pairs with the same postcode, what to add to each house-number and street-word
    level's weight (by comparison, then gamma) so that it says what the level adds to the
    postcode: log2(m / u) given the postcode, less the level's weight, and never more than
    nothing (a correction for counting one fact twice only takes weight away).

    *u* given the postcode: the level's share among sampled pairs of neighbours (same
    postcode, wholly different forenames and dates of birth). *m* given the postcode: the
    level's share among anchor pairs sharing a postcode, blended with EM's m as the movers
    are (ANCHOR_PSEUDO_PAIRS); the neighbours' shares likewise blended with the level's u.
    """
    postcode = _levels(settings, "postcode")
    if sample is None or not postcode or not all(
        _levels(settings, name) for name in ("forename", "dob")
    ):
        return {}
    pairs = _neighbours_levels(db_api, sample, settings)
    if "gamma_postcode" in anchors.columns:
        anchors = anchors.filter(pl.col("gamma_postcode") == len(postcode) - 1)
    corrections: dict[str, dict[int, float]] = {}
    for name in WITHIN_POSTCODE:
        levels, column = _levels(settings, name), f"gamma_{name}"
        if not levels or column not in pairs.columns:
            continue
        u_count, u_seen = _shares(pairs.get_column(column))
        m_count, m_seen = (
            _shares(anchors.get_column(column)) if column in anchors.columns else ({}, 0)
        )
        for index, level in enumerate(levels):
            gamma = len(levels) - 1 - index
            m, u = level.get("m_probability"), level.get("u_probability")
            if not m or not u:
                continue
            m_given = (m_count.get(gamma, 0) + ANCHOR_PSEUDO_PAIRS * m) / (
                m_seen + ANCHOR_PSEUDO_PAIRS
            )
            # Blended with the level's own u as m is with EM's: a small list's handful of
            # neighbours moves the weight a little, thousands of them most of the way.
            u_given = (u_count.get(gamma, 0) + ANCHOR_PSEUDO_PAIRS * u) / (
                u_seen + ANCHOR_PSEUDO_PAIRS
            )
            change = math.log2(m_given / u_given) - math.log2(m / u)
            corrections.setdefault(name, {})[gamma] = min(change, 0.0)
    return corrections

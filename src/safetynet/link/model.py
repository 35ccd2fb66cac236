"""Splink behind a small facade: build a linker, train it, score pairs, decide matches.

Training needs no ground truth: u-probabilities from random pairs, m-probabilities by EM over
several blocking rules, the prior from strict deterministic rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from safetynet.errors import InvalidInput
from safetynet.link import backends, comparisons, evidence

LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]
PRIOR_RULES_RECALL = 0.8  # share of true matches the strict rules are assumed to find
# Least share of true matches assumed to fall in any level. On clean lists EM learns that a
# true match never has, say, a different surname (m ≈ 1e-90, a weight of -290), and then a
# married name or a half-filled form can never be overcome by everything else agreeing.
M_FLOOR = 0.001
# Least share of true matches assumed to have moved between two lists (about a tenth of the UK
# moves house each year): an address wholly different is then weak evidence against, however
# few movers EM saw. Learnt from lists a month apart it was -10 on each of the three address
# comparisons, and a mover with the same name and full date of birth was never found.
MOVED_FLOOR = 0.05
ADDRESS_COMPARISONS = frozenset({"postcode", "address_numbers", "address_words"})
# Pairs one wide blocking rule may make before the narrow forms are used: 5 per record, and
# never less than 2M (small lists keep the wide rules, which find more corrupted records).
PAIRS_PER_RECORD, MIN_PAIR_BUDGET = 5, 2_000_000
# Strict rules that estimate the prior: a pair agreeing on all of one is taken as a match.
# Used when their columns have values; the fallbacks only when no date of birth is present.
PRIOR_RULES = (("forename_first", "surname", "dob"), ("forename_first", "dob", "postcode"))
# Fields beyond names: at least one must be present for the model to learn anything.
BEYOND_NAMES = frozenset(
    {"dob", "postcode", "address_numbers", "address_rest", "uprn", "phone", "email"}
)
PRIOR_FALLBACKS = (("forename_first", "surname", "postcode"), ("forename_first", "surname"))


NO_PAIRS = {
    "match_weight": pl.Float64,
    "match_probability": pl.Float64,
    "source_dataset_l": pl.String,
    "source_dataset_r": pl.String,
    "unique_id_l": pl.String,
    "unique_id_r": pl.String,
}


@dataclass
class LinkModel:
    """A Splink linker over registered inputs, and its engine's database API (`backends`)."""

    linker: Any
    db_api: Any
    inputs: list[Any]
    tight: bool = False  # narrow blocking rules (a big list): see `needs_tight_blocks`
    present: frozenset[str] | None = None  # columns with values (None: assume all)
    # Set by `train` when no pair agrees on any strict rule: no one to find, nothing scored.
    nothing_in_common: bool = False
    # For each column, the chance two rows both hold a value (`evidence.both_present`).
    filled: dict[str, float] | None = None
    # Rows of whole postcodes (`evidence.postcode_sample`), read once by `train` and dropped.
    postcode_sample: pl.DataFrame | None = None
    # What a shared postcode takes from the house-number and street-word weights
    # (`evidence.home_once`; by comparison, then level), set by `train`.
    home: dict[str, dict[int, float]] | None = None
    # Whether the scored pairs showed address fields changing together (a move counted
    # once, `decide.moves_seen`), set by `scoring.scored_pairs`.
    moves_seen: bool = False

    def train(self, *, max_pairs: float = 1e6, seed: int = 1) -> None:
        """Estimate the prior, u by random sampling, and m by EM over each training block.

        When no two records agree on any strict rule (lists with no one in common, a list
        with no repeats) there is nothing to learn a match from: the model is left untrained
        and `predict` scores no pairs, rather than dividing by a zero match rate.
        """
        self._refuse_names_only()
        training = self.linker.training
        training.estimate_probability_two_random_records_match(
            self.prior_rules(), recall=PRIOR_RULES_RECALL
        )
        if self.linker._settings_obj._probability_two_random_records_match <= 0:
            self.nothing_in_common = True
            return
        training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        from splink.internals.exceptions import EMTrainingException

        trained = 0
        for rule in comparisons.training_blocking_rules(tight=self.tight):
            try:
                training.estimate_parameters_using_expectation_maximisation(rule)
                trained += 1
            except EMTrainingException:
                continue  # no pairs in this block: the other blocks estimate its levels
            except ValueError as error:
                # EM drove a level's m to exactly 0 (its pairs' match probabilities underflow,
                # seen on small clean lists): the other blocks estimate that level.
                if "below the minimum allowed" not in str(error):
                    raise
                continue
        if not trained:
            raise InvalidInput(
                "These lists are too small, or share too little, for the model to learn "
                "from: it needs at least some pairs of rows with the same forename and "
                "surname, or the same date of birth."
            )
        self._floor_m()

    def _refuse_names_only(self) -> None:
        """Names alone cannot train the model: EM blocks on them and has nothing left to
        learn from (Splink then writes invalid SQL), and a name is not a person."""
        if self.present is None or self.present & BEYOND_NAMES:
            return
        if any(c.startswith("cmp_") for c in self.present):
            return
        raise InvalidInput(
            "These lists share only names (no date of birth, postcode, address, phone or "
            "email in common): too little to link people on. Add one of those columns, or "
            "compare an identifier both lists hold with --compare."
        )

    def prior_rules(self) -> list[Any]:
        """The strict rules whose columns have values (fallbacks when no date of birth)."""
        from splink import block_on

        return [block_on(*rule) for rule in self.prior_columns()]

    def prior_columns(self) -> list[tuple[str, ...]]:
        """The columns of each strict rule used for the prior."""

        def usable(rules: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
            return [rule for rule in rules if self.present is None or set(rule) <= self.present]

        return usable(PRIOR_RULES) or usable(PRIOR_FALLBACKS)[:1]

    def _floor_m(self) -> None:
        """Correct what EM gets wrong from what the lists say (`evidence`: movers seen among
        anchor pairs, the prior's recall, a swap counted once), and raise each level's
        m-probability to at least M_FLOOR (an address comparison's last level to
        MOVED_FLOOR), renormalised per comparison, so no single disagreement outweighs all
        the rest (see M_FLOOR, MOVED_FLOOR)."""
        from splink import Linker

        settings = self.settings_json()
        anchors = evidence.anchor_levels(self.inputs, settings)
        evidence.moves_from_anchors(settings, anchors)
        evidence.birthdays_at_home(self.inputs, settings)
        self._floor(settings)
        if self.filled is not None:
            recall = evidence.rules_recall(settings, self.prior_columns(), self.filled)
            prior = settings["probability_two_random_records_match"]
            settings["probability_two_random_records_match"] = min(
                prior * PRIOR_RULES_RECALL / recall, evidence.MAX_PRIOR
            )
        evidence.swap_once(settings)
        self.linker = Linker(self.inputs, settings, log_level=logging.ERROR)
        self.home = evidence.home_once(self.db_api, self.postcode_sample, settings, anchors)
        self.postcode_sample = None

    @staticmethod
    def _floor(settings: dict[str, Any]) -> None:
        """M_FLOOR and MOVED_FLOOR, in place."""
        for comparison in settings["comparisons"]:
            levels = [lv for lv in comparison["comparison_levels"] if "m_probability" in lv]
            for level in levels:
                level["m_probability"] = max(level["m_probability"], M_FLOOR)
            if levels and comparison["output_column_name"] in ADDRESS_COMPARISONS:
                levels[-1]["m_probability"] = max(levels[-1]["m_probability"], MOVED_FLOOR)
            total = sum(level["m_probability"] for level in levels)
            for level in levels:
                level["m_probability"] /= total

    def predict(self, threshold: float) -> pl.DataFrame:
        """Scored pairs at or above `threshold` match probability."""
        if self.nothing_in_common:
            return pl.DataFrame(schema=NO_PAIRS)
        scored = self.linker.inference.predict(threshold_match_probability=threshold)
        frame = backends.to_polars(scored)
        # The engine's copy is not read again: freeing it lets clustering reuse its memory
        # instead of growing the process (on a million records, ~1.4M wide rows from the
        # score floor).
        scored.drop_table_from_database_and_remove_from_cache()
        return frame

    def settings_json(self) -> dict[str, Any]:
        """The trained model as Splink holds it."""
        settings: dict[str, Any] = self.linker.misc.save_model_to_json()
        return settings

    def saved(self) -> dict[str, Any]:
        """The trained model, to save with a run and score or explain pairs later
        (`from_saved`): Splink's settings, what a shared postcode takes from the house
        number and street words (`evidence.home_once`), and whether moves were seen."""
        return {
            **self.settings_json(),
            HOME_KEY: _home_json(self.home),
            MOVES_KEY: self.moves_seen,
        }


def build(
    frames: list[pl.DataFrame], *, link_type: LinkType, explainable: bool = False
) -> LinkModel:
    """A linker over prepared frames: `link_only` between lists, or `link_and_dedupe`.

    `explainable` keeps each scored pair's comparison levels and weights, which the decision
    rule and the review queue's explanations read (and which cost memory on big runs).
    """
    from splink import Linker, SettingsCreator

    db_api = backends.db_api()
    inputs = [backends.register(db_api, frame) for frame in frames]
    present = columns_with_values(frames)
    tight = needs_tight_blocks(frames)
    settings = SettingsCreator(
        link_type=link_type,
        comparisons=comparisons.comparisons(present),
        blocking_rules_to_generate_predictions=comparisons.prediction_blocking_rules(
            tuple(sorted(c for c in present if c.startswith("cmp_"))), tight=tight
        ),
        retain_intermediate_calculation_columns=explainable,
    )
    # Splink logs its progress to stderr at INFO; our commands print their own summary.
    return LinkModel(
        Linker(inputs, settings, log_level=logging.ERROR),
        db_api,
        inputs,
        tight,
        present=frozenset(present),
        filled=evidence.both_present(frames, set(evidence.EXACT_LEVELS) & present),
        postcode_sample=evidence.postcode_sample(frames),
    )


def _pairs_within(frame: pl.DataFrame, keys: list[pl.Expr]) -> int:
    """Pairs a blocking rule on `keys` makes among the records (nulls never block)."""
    counts = frame.select(keys).drop_nulls().group_by(pl.all()).len()
    return int((counts["len"].cast(pl.Int64) * (counts["len"] - 1) // 2).sum())


def needs_tight_blocks(frames: list[pl.DataFrame]) -> bool:
    """Whether the wide blocking rules would make too many pairs for these records: counted
    exactly from the keys (sum of n² per key), before Splink is asked to make them."""
    both = pl.concat([f.select("forename_first", "surname", "dob", "address_rest") for f in frames])
    budget = max(MIN_PAIR_BUDGET, PAIRS_PER_RECORD * both.height)
    forenames = both.group_by(pl.col("forename_first").alias("name")).len()
    surnames = both.group_by(pl.col("surname").alias("name")).len()
    swapped = forenames.drop_nulls().join(surnames.drop_nulls(), on="name")
    wide = [
        int((swapped["len"].cast(pl.Int64) * swapped["len_right"]).sum()),
        _pairs_within(
            both, [pl.col("address_rest").str.slice(0, 6), pl.col("surname").str.slice(0, 1)]
        ),
        _pairs_within(both, [pl.col("dob")]),
    ]
    return max(wide) > budget


def columns_with_values(frames: list[pl.DataFrame]) -> set[str]:
    """Columns holding at least one value in every frame."""
    present = [{c for c in f.columns if f.get_column(c).drop_nulls().len()} for f in frames]
    return set.intersection(*present)


def one_to_one(
    pairs: pl.DataFrame, *, left: str = "unique_id_l", right: str = "unique_id_r"
) -> pl.DataFrame:
    """Keep each record's strongest pair only, strongest first (a greedy assignment).

    Between two one-record-per-person lists a person has at most one match; a weaker second
    candidate is a relative or a namesake.
    """
    taken_left: set[str] = set()
    taken_right: set[str] = set()
    keep: list[int] = []
    ordered = pairs.with_row_index("__i").sort("match_weight", descending=True)
    for index, a, b in ordered.select("__i", left, right).iter_rows():
        if a in taken_left or b in taken_right:
            continue
        taken_left.add(a)
        taken_right.add(b)
        keep.append(index)
    return pairs.with_row_index("__i").filter(pl.col("__i").is_in(keep)).drop("__i")


def from_saved(frames: list[pl.DataFrame], saved: dict[str, Any]) -> LinkModel:
    """A linker over prepared frames with a run's trained model (`LinkModel.saved`), to score
    or explain pairs (on the configured engine, whichever engine trained the model)."""
    from splink import Linker

    db_api = backends.db_api()
    inputs = [backends.register(db_api, frame) for frame in frames]
    splink_settings = {k: v for k, v in saved.items() if k not in (HOME_KEY, MOVES_KEY)}
    settings = dict(
        backends.translate_model(splink_settings, backends.dialect_of(db_api)),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
    linker = Linker(inputs, settings, log_level=logging.ERROR)
    home = _home_read(saved.get(HOME_KEY))
    return LinkModel(linker, db_api, inputs, home=home, moves_seen=bool(saved.get(MOVES_KEY)))


# The keys under which a saved model keeps `LinkModel.home` and `LinkModel.moves_seen` beside
# Splink's settings.
HOME_KEY, MOVES_KEY = "safetynet_home_once", "safetynet_moves_seen"


def _home_json(home: dict[str, dict[int, float]] | None) -> dict[str, dict[str, float]]:
    return {name: {str(g): w for g, w in levels.items()} for name, levels in (home or {}).items()}


def _home_read(saved: dict[str, dict[str, float]] | None) -> dict[str, dict[int, float]]:
    return {name: {int(g): w for g, w in levels.items()} for name, levels in (saved or {}).items()}

"""Learning to rank from recorded outcomes (LightGBM's LambdaMART, as `LGBMRanker` runs it),
once there are enough.

A referral records the features its provider had for that seeker when it was made, and later
its outcome (declined or no-show 0, accepted 1, attended 2). Referrals made together for one
seeker form one query group. With fewer than `min_outcomes` outcomes, or fewer than
`min_groups` groups that tell anything apart (two or more different outcomes), a ranker would
learn noise, so matching keeps to the transparent score. Training is deterministic: one
thread, fixed seeds.

Enough outcomes is not enough: `trial` holds out each sitting that tells something apart once
(five folds of whole sittings, never part of one), training on the others each time, and
compares the ranker's NDCG@10 on the held-out sittings with the transparent score's. The
ranker is adopted only if it wins by more than a margin; the model kept is trained on every
sitting.

The ranker's reasons are LightGBM's own per-feature contributions (`pred_contrib`), which add
up, with the baseline, to the ranker's raw score exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safetynet.match.columns import FORMATS, Candidates, ProviderColumns
from safetynet.match.model import Seeker
from safetynet.match.score import FEATURES, Contribution, _reasons, weight_vector

EXTRA_FEATURES = ("distance_km", "seeker_age", "in_person", "phone", "video", "wait_days",
                  "cost_pounds", "vacancy")
RANKER_FEATURES = FEATURES + EXTRA_FEATURES
UNKNOWN = -1.0  # LightGBM treats it as a value of its own; NaN would work too but reads worse
DEFAULT_MIN_OUTCOMES = 200
DEFAULT_MIN_GROUPS = 20
FOLDS = 5  # each sitting that tells something apart is held out once, a fifth at a time
NDCG_AT = 10
# 80 rounds at rate 0.1 rank as well as 150 at 0.05 on the simulated borough (NDCG@10 0.837
# against 0.836) and explain three times faster (TreeSHAP's cost grows with the trees).
ROUNDS = 80


def ranker_features(cols: ProviderColumns, seeker: Seeker, found: Candidates, rows: np.ndarray,
                    base: np.ndarray) -> np.ndarray:
    """The ranker's inputs: the score's features plus raw facts it may combine freely."""
    distance = np.nan_to_num(found.distance_km[rows], nan=UNKNOWN)
    age = np.full(len(rows), UNKNOWN if seeker.age is None else float(seeker.age))
    vacancy = cols.kind[rows] == cols.kind_codes.get("vacancy", -2)
    return np.column_stack([
        base, distance, age, found.usable[rows].astype(np.float64),
        cols.wait_days[rows], found.cost_pence[rows] / 100.0, vacancy.astype(np.float64),
    ])


@dataclass
class TrainingSet:
    """Feature rows, outcome labels and query-group sizes, in group order."""

    rows: list[Sequence[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)

    def add_group(self, features: Sequence[Sequence[float]], labels: Sequence[int]) -> None:
        """One query's referrals and their outcomes."""
        if len(features) != len(labels) or not labels:
            raise ValueError("a group needs one label per feature row")
        self.rows.extend(features)
        self.labels.extend(int(label) for label in labels)
        self.groups.append(len(labels))

    def informative_groups(self) -> int:
        """Groups whose outcomes differ (only these teach a ranker anything)."""
        count, start = 0, 0
        for size in self.groups:
            count += len(set(self.labels[start:start + size])) > 1
            start += size
        return count


def enough(data: TrainingSet, min_outcomes: int = DEFAULT_MIN_OUTCOMES,
           min_groups: int = DEFAULT_MIN_GROUPS) -> bool:
    """Whether there are enough outcomes to learn from (else the transparent score is used)."""
    return len(data.labels) >= min_outcomes and data.informative_groups() >= min_groups


class LearnedRanker:
    """A trained LambdaMART ranker over RANKER_FEATURES."""

    def __init__(self, booster: Any, outcomes: int) -> None:
        self.booster, self.outcomes = booster, outcomes

    def predict(self, cols: ProviderColumns, seeker: Seeker, found: Candidates,
                rows: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Raw ranking scores for the providers at `rows` (higher is better)."""
        x = ranker_features(cols, seeker, found, rows, base)
        return np.asarray(self.booster.predict(x, num_threads=1), dtype=np.float64)

    def explain(self, cols: ProviderColumns, seeker: Seeker, found: Candidates,
                rows: np.ndarray, base: np.ndarray) -> list[list[Contribution]]:
        """For each provider at `rows`: per-feature contributions to its raw score, plus the
        baseline (one LightGBM call for all of them)."""
        x = ranker_features(cols, seeker, found, rows, base)
        parts = np.asarray(self.booster.predict(x, pred_contrib=True, num_threads=1))
        baseline = f"learned from {self.outcomes} recorded outcomes"
        explained = []
        for k, row in enumerate(rows):
            reasons = _reasons(cols, seeker, found, int(row))
            named = [
                Contribution(name, float(x[k, i]), 1.0, float(parts[k, i]),
                             reasons.get(name, _extra_reason(name, x[k, i])))
                for i, name in enumerate(RANKER_FEATURES)
            ]
            explained.append([*named, Contribution("baseline", 1.0, 1.0, float(parts[k, -1]),
                                                   baseline)])
        return explained


def _extra_reason(name: str, value: float) -> str:
    if name in FORMATS:
        return f"{name.replace('_', ' ')} {'possible' if value else 'not possible'}"
    return f"{name.replace('_', ' ')}: {'unknown' if value == UNKNOWN else f'{value:g}'}"


def train(data: TrainingSet, *, seed: int = 7, min_outcomes: int = DEFAULT_MIN_OUTCOMES,
          min_groups: int = DEFAULT_MIN_GROUPS) -> LearnedRanker | None:
    """A ranker trained on these outcomes, or None when there are too few to trust one."""
    if not enough(data, min_outcomes, min_groups):
        return None
    return _fit(data, seed)


def _fit(data: TrainingSet, seed: int) -> LearnedRanker:
    """LambdaMART on every group of `data`."""
    import lightgbm  # heavy: only when training

    # The native API with the lambdarank objective is what `LGBMRanker` wraps; calling it
    # directly spares the product scikit-learn, which the wrapper needs and nothing else does.
    params = {
        "objective": "lambdarank", "learning_rate": 0.1, "num_leaves": 15,
        "min_data_in_leaf": 10, "seed": seed, "num_threads": 1, "deterministic": True,
        "force_row_wise": True, "verbose": -1, "label_gain": [0.0, 1.0, 3.0, 7.0],
        "lambdarank_truncation_level": 10,
    }
    x = np.asarray(data.rows, dtype=np.float64)
    dataset = lightgbm.Dataset(x, np.asarray(data.labels), group=np.asarray(data.groups),
                               feature_name=list(RANKER_FEATURES), free_raw_data=True)
    booster = lightgbm.train(params, dataset, num_boost_round=ROUNDS)
    return LearnedRanker(booster, len(data.labels))


def ndcg_at(k: int, gains_in_order: np.ndarray, all_gains: np.ndarray) -> float:
    """NDCG@k of a ranked list (graded gains, 2^rel - 1) against the best possible order."""
    discount = 1.0 / np.log2(np.arange(k) + 2.0)
    got = ((2.0 ** gains_in_order[:k] - 1) * discount[: min(k, len(gains_in_order))]).sum()
    ideal_gains = np.sort(all_gains)[::-1][:k]
    ideal = ((2.0 ** ideal_gains - 1) * discount[: len(ideal_gains)]).sum()
    return float(got / ideal) if ideal > 0 else 0.0


def _spans(data: TrainingSet) -> list[tuple[int, int]]:
    """Each group's (start, end) in `data.rows`."""
    ends = np.cumsum(data.groups, dtype=int)
    return [(int(end - size), int(end)) for size, end in zip(data.groups, ends, strict=True)]


def group_keys(data: TrainingSet, seed: int) -> list[int]:
    """A seeded hash of each group's rows and outcomes: the same sittings get the same keys
    whatever order they were read in (a sitting's batch code is random)."""
    keys = []
    for a, b in _spans(data):
        digest = hashlib.blake2b(np.asarray(data.rows[a:b], dtype=np.float64).tobytes()
                                 + np.asarray(data.labels[a:b], dtype=np.int64).tobytes(),
                                 digest_size=8, key=str(seed).encode())
        keys.append(int.from_bytes(digest.digest(), "big"))
    return keys


def folds(data: TrainingSet, seed: int, count: int = FOLDS) -> list[list[int]]:
    """Groups held out in turn to judge a ranker: the groups whose outcomes differ (the others
    rank the same whatever the order), dealt into `count` folds in the order of their keys, so
    each is held out once, whole; the same sittings give the same folds in any read order."""
    keys = group_keys(data, seed)
    telling = sorted((g for g, (a, b) in enumerate(_spans(data))
                      if len(set(data.labels[a:b])) > 1), key=lambda g: (keys[g], g))
    if len(telling) < 2:
        return []
    n = min(count, len(telling))
    return [sorted(telling[f::n]) for f in range(n)]


def subset(data: TrainingSet, groups: Sequence[int]) -> TrainingSet:
    """The given groups of `data`, whole, in their order."""
    spans = _spans(data)
    part = TrainingSet()
    for g in groups:
        a, b = spans[g]
        part.add_group(data.rows[a:b], data.labels[a:b])
    return part


def ndcg_by(data: TrainingSet, ranker: LearnedRanker | None, k: int = NDCG_AT) -> float:
    """Mean NDCG@k over the groups of `data`, ordering each by the ranker, or (None) by the
    transparent score of its first len(FEATURES) columns; ties keep the recorded order."""
    w = weight_vector()
    found = []
    for a, b in _spans(data):
        x = np.asarray(data.rows[a:b], dtype=np.float64)
        gains = np.asarray(data.labels[a:b], dtype=np.float64)
        values = (x[:, : len(FEATURES)] @ w if ranker is None
                  else np.asarray(ranker.booster.predict(x, num_threads=1)))
        found.append(ndcg_at(k, gains[np.argsort(-values, kind="stable")], gains))
    return float(np.mean(found)) if found else 0.0


@dataclass(frozen=True)
class Trial:
    """A ranker tried against the transparent score on held-out sittings: the model kept
    (trained on every sitting; used only if adopted) and the figures."""

    ranker: LearnedRanker
    adopted: bool
    ranker_ndcg: float
    score_ndcg: float
    held_out_groups: int
    margin: float
    trained_groups: int

    def detail(self) -> dict[str, Any]:
        """The figures, as kept with the model."""
        return {"adopted": self.adopted, "held_out_sittings": self.held_out_groups,
                "ndcg_at": NDCG_AT, "ndcg_ranker": round(self.ranker_ndcg, 4),
                "ndcg_score": round(self.score_ndcg, 4), "margin": self.margin}


def trial(data: TrainingSet, *, seed: int = 7, margin: float = 0.01,
          min_outcomes: int = DEFAULT_MIN_OUTCOMES,
          min_groups: int = DEFAULT_MIN_GROUPS) -> Trial | None:
    """Judge a ranker against the score by cross-validation over whole sittings: for each fold,
    train on the other sittings and take both NDCG@10s on the fold's; adopted only if the
    ranker's mean beats the score's by more than `margin`. The model kept is trained on every
    sitting either way (used only if adopted). None when there are too few outcomes to try."""
    if not enough(data, min_outcomes, min_groups):
        return None
    keys = group_keys(data, seed)
    data = subset(data, sorted(range(len(keys)), key=lambda g: (keys[g], g)))  # any read order
    ranker_sum = score_sum = 0.0
    held = 0
    for out in folds(data, seed):
        judged = _fit(subset(data, [g for g in range(len(data.groups)) if g not in set(out)]),
                      seed)
        test = subset(data, out)
        ranker_sum += ndcg_by(test, judged) * len(out)
        score_sum += ndcg_by(test, None) * len(out)
        held += len(out)
    ranker_ndcg, score_ndcg = ranker_sum / max(held, 1), score_sum / max(held, 1)
    return Trial(_fit(data, seed), ranker_ndcg > score_ndcg + margin, ranker_ndcg, score_ndcg,
                 held, margin, len(data.groups))

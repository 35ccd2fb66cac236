"""Ranking one seeker's candidates: hard rules first, then the transparent score or, once enough
outcomes have been recorded, the learned ranker; every match carries its reasons.

Everything here is pure (no database): `service.py` feeds it the area's column store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safetynet.match.columns import Candidates, ProviderColumns, candidates
from safetynet.match.model import Provider, Seeker
from safetynet.match.ranker import LearnedRanker, ranker_features
from safetynet.match.score import Contribution, explain, feature_matrix, weight_vector


@dataclass(frozen=True)
class Match:
    """One ranked provider for a seeker: its score, how it was ranked and why."""

    provider: Provider
    position: int
    score: float
    method: str
    distance_km: float | None
    contributions: tuple[Contribution, ...]
    features: tuple[float, ...]
    training_row: tuple[float, ...]  # the ranker's inputs for this pair, kept with a referral

    @property
    def reasons(self) -> list[str]:
        """The reasons in words, the biggest contributions first."""
        ranked = sorted(self.contributions, key=lambda c: -c.points)
        return [c.reason for c in ranked if c.points > 0]


@dataclass(frozen=True)
class Ranking:
    """A seeker's ranked matches, and how many providers passed the hard rules."""

    matches: tuple[Match, ...]
    candidates: int
    method: str


def top_rows(values: np.ndarray, limit: int, ids: np.ndarray) -> np.ndarray:
    """Indices of the `limit` highest values, best first (ties: lower provider id first)."""
    if limit < len(values):
        keep = np.argpartition(-values, limit - 1)[:limit]
        threshold = values[keep].min()
        keep = np.flatnonzero(values >= threshold)  # keep whole ties, trimmed below
    else:
        keep = np.arange(len(values))
    order = np.lexsort((ids[keep], -values[keep]))
    return keep[order][:limit]


RANKER_SHORTLIST = 500  # the ranker re-orders the score's best 500: it keeps p95 under 50 ms


def order(cols: ProviderColumns, seeker: Seeker, found: Candidates, rows: np.ndarray,
          features: np.ndarray, w: np.ndarray, ranker: LearnedRanker | None,
          limit: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Positions (into `rows`) of the best `limit`, best first, their values and the method.

    With a ranker, the transparent score first shortlists RANKER_SHORTLIST candidates and the
    ranker orders those: a provider the score puts below that is not a credible match.
    """
    scores = features @ w
    if ranker is None or not len(rows):
        return (top_rows(scores, limit, cols.ids[rows]) if len(rows) else rows), scores, "score"
    short = top_rows(scores, RANKER_SHORTLIST, cols.ids[rows])
    values = np.full(len(rows), -np.inf)
    values[short] = ranker.predict(cols, seeker, found, rows[short], features[short])
    return short[top_rows(values[short], limit, cols.ids[rows[short]])], values, "ranker"


def rank(cols: ProviderColumns, seeker: Seeker, *, limit: int = 10,
         weights: dict[str, float] | None = None,
         ranker: LearnedRanker | None = None) -> Ranking:
    """The seeker's best `limit` providers that break no hard rule, best first, with reasons."""
    found = candidates(cols, seeker)
    rows = np.flatnonzero(found.allowed)
    w = weight_vector(weights)
    features = feature_matrix(cols, seeker, found, rows)
    chosen, values, method = order(cols, seeker, found, rows, features, w, ranker, limit)
    if ranker is not None and len(chosen):
        explained = ranker.explain(cols, seeker, found, rows[chosen], features[chosen])
    else:
        explained = [explain(cols, seeker, found, int(rows[i]), features[i], w) for i in chosen]
    training = ranker_features(cols, seeker, found, rows[chosen], features[chosen])
    matches = [
        _match(cols, int(rows[i]), found, features[i], float(values[i]), pos + 1, method,
               explained[pos], training[pos])
        for pos, i in enumerate(chosen)
    ]
    return Ranking(tuple(matches), int(len(rows)), method)


def _match(cols: ProviderColumns, row: int, found: Candidates, features: np.ndarray,
           value: float, position: int, method: str,
           contributions: list[Contribution], training: np.ndarray) -> Match:
    distance = found.distance_km[row]
    return Match(cols.providers[row], position, value, method,
                 None if np.isnan(distance) else float(distance), tuple(contributions),
                 tuple(float(f) for f in features), tuple(float(f) for f in training))

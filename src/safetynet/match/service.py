"""Matching's public face: the area's column store (built once per data version and reused),
ranked matches for one seeker, and allocation of many seekers at once within capacity."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from safetynet.match.allocate import INFEASIBLE, allocate, exposure_penalty
from safetynet.match.columns import Candidates, ProviderColumns, candidates
from safetynet.match.engine import Match, Ranking, rank, top_rows
from safetynet.match.model import Provider, Seeker
from safetynet.match.ranker import LearnedRanker
from safetynet.match.score import explain, feature_matrix, weight_vector
from safetynet.versions import Recent

_COLUMNS: Recent[ProviderColumns] = Recent(keep=8)


def provider_columns(area: Hashable, version: Hashable,
                     load: Callable[[], Sequence[Provider]]) -> ProviderColumns:
    """The area's providers as columns, built by `load` only when the version changes."""
    columns, _ = _COLUMNS.get((area, version), lambda: ProviderColumns.build(load()))
    return columns


def forget_columns() -> None:
    """Drop every cached column store (tests, and after bulk directory changes)."""
    _COLUMNS.clear()


def matches_for(cols: ProviderColumns, seeker: Seeker, *, limit: int = 10,
                weights: dict[str, float] | None = None,
                ranker: LearnedRanker | None = None) -> Ranking:
    """The seeker's best providers that break no hard rule, with the reasons for each."""
    return rank(cols, seeker, limit=limit, weights=weights, ranker=ranker)


@dataclass(frozen=True)
class Allocation:
    """Who each seeker of a batch was given (None: no provider with room fits them), the
    pair's score and its reasons (the transparent score's, biggest first)."""

    seeker: Seeker
    provider: Provider | None
    score: float | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Shortlist:
    found: Candidates
    rows: np.ndarray  # the seeker's best providers (rows of the column store)
    features: np.ndarray
    scores: np.ndarray
    adjusted: np.ndarray  # the scores less each provider's exposure penalty


def _shortlist(cols: ProviderColumns, seeker: Seeker, w: np.ndarray, size: int,
               exposure: dict[int, float] | None, strength: float) -> _Shortlist:
    found = candidates(cols, seeker)
    rows = np.flatnonzero(found.allowed)
    features = feature_matrix(cols, seeker, found, rows)
    scores = features @ w
    keep = top_rows(scores, size, cols.ids[rows]) if len(rows) else rows
    rows, features, scores = rows[keep], features[keep], scores[keep]
    penalty = exposure_penalty([int(i) for i in cols.ids[rows]], scores, exposure or {},
                               strength)
    return _Shortlist(found, rows, features, scores, scores - penalty)


def allocate_batch(cols: ProviderColumns, seekers: Sequence[Seeker], *, shortlist: int = 30,
                   weights: dict[str, float] | None = None,
                   exposure: dict[int, float] | None = None,
                   strength: float = 0.0) -> list[Allocation]:
    """One provider per seeker, no provider beyond its free places, best total score.

    Only each seeker's `shortlist` best providers are considered, which keeps the assignment
    problem small (seekers x the union of shortlists) without changing who can be chosen in
    practice: a provider outside a seeker's shortlist is a poor match for them anyway.
    With `exposure` (provider id -> exposure had so far) and a `strength` above 0, providers
    that have had more than their share are lowered, as `rerank_for_exposure` does for lists.
    """
    w = weight_vector(weights)
    lists = [_shortlist(cols, s, w, shortlist, exposure, strength) for s in seekers]
    columns = np.unique(np.concatenate([x.rows for x in lists])) if lists else np.array([], int)
    matrix = np.full((len(seekers), len(columns)), INFEASIBLE)
    for i, x in enumerate(lists):
        matrix[i, np.searchsorted(columns, x.rows)] = x.adjusted
    chosen = allocate(matrix, cols.capacity[columns])
    result = []
    for seeker, x, c in zip(seekers, lists, chosen, strict=True):
        if c is None:
            result.append(Allocation(seeker, None, None))
            continue
        at = int(np.flatnonzero(x.rows == columns[c])[0])
        said = explain(cols, seeker, x.found, int(x.rows[at]), x.features[at], w)
        reasons = tuple(r.reason for r in sorted(said, key=lambda r: -r.points) if r.points > 0)
        result.append(Allocation(seeker, cols.providers[columns[c]], float(x.scores[at]),
                                 reasons))
    return result


__all__ = ["Allocation", "Match", "Ranking", "allocate_batch", "forget_columns", "matches_for",
           "provider_columns"]

"""Matching's public face: the area's column store (built once per data version and reused),
ranked matches for one seeker, and allocation of many seekers at once within capacity."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from safetynet.match.allocate import INFEASIBLE, allocate
from safetynet.match.columns import ProviderColumns, candidates
from safetynet.match.engine import Match, Ranking, rank, top_rows
from safetynet.match.model import Provider, Seeker
from safetynet.match.ranker import LearnedRanker
from safetynet.match.score import feature_matrix, weight_vector
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
    """Who each seeker of a batch was given (None: no provider with room fits them)."""

    seeker: Seeker
    provider: Provider | None
    score: float | None


def allocate_batch(cols: ProviderColumns, seekers: Sequence[Seeker], *, shortlist: int = 30,
                   weights: dict[str, float] | None = None) -> list[Allocation]:
    """One provider per seeker, no provider beyond its free places, best total score.

    Only each seeker's `shortlist` best providers are considered, which keeps the assignment
    problem small (seekers x the union of shortlists) without changing who can be chosen in
    practice: a provider outside a seeker's shortlist is a poor match for them anyway.
    """
    w = weight_vector(weights)
    lists: list[tuple[np.ndarray, np.ndarray]] = []
    for seeker in seekers:
        found = candidates(cols, seeker)
        rows = np.flatnonzero(found.allowed)
        scores = feature_matrix(cols, seeker, found, rows) @ w
        keep = top_rows(scores, shortlist, cols.ids[rows]) if len(rows) else rows
        lists.append((rows[keep], scores[keep]))
    columns = np.unique(np.concatenate([r for r, _ in lists])) if lists else np.array([], int)
    matrix = np.full((len(seekers), len(columns)), INFEASIBLE)
    for i, (rows, scores) in enumerate(lists):
        matrix[i, np.searchsorted(columns, rows)] = scores
    chosen = allocate(matrix, cols.capacity[columns])
    return [
        Allocation(seeker, None if c is None else cols.providers[columns[c]],
                   None if c is None else float(matrix[i, c]))
        for i, (seeker, c) in enumerate(zip(seekers, chosen, strict=True))
    ]


__all__ = ["Allocation", "Match", "Ranking", "allocate_batch", "forget_columns", "matches_for",
           "provider_columns"]

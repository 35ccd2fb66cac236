"""Batch allocation respects capacity and hard rules; exposure re-ranking spreads attention."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from safetynet.match.allocate import (
    INFEASIBLE,
    allocate,
    exposure_gini,
    position_exposure,
    rerank_for_exposure,
)

pytestmark = pytest.mark.nostore


def _best_by_brute_force(scores: np.ndarray, capacity: list[int]) -> float:
    seekers, providers = scores.shape
    best = -np.inf
    for choice in itertools.product([None, *range(providers)], repeat=seekers):
        used = [sum(c == p for c in choice) for p in range(providers)]
        if any(u > cap for u, cap in zip(used, capacity, strict=True)):
            continue
        picked = [scores[s, c] for s, c in enumerate(choice) if c is not None]
        if any(not np.isfinite(v) for v in picked):
            continue
        # assigning more seekers always comes first, then the total score
        best = max(best, len(picked) * 1e6 + sum(picked))
    return best


def test_allocation_is_optimal_never_overfills_and_never_breaks_a_rule() -> None:
    rng = np.random.default_rng(5)
    for _ in range(40):
        scores = rng.random((4, 3))
        scores[rng.random((4, 3)) < 0.3] = INFEASIBLE
        capacity = [int(c) for c in rng.integers(0, 3, size=3)]
        chosen = allocate(scores, capacity)
        for p in range(3):
            assert sum(c == p for c in chosen) <= capacity[p]
        assert all(np.isfinite(scores[s, c]) for s, c in enumerate(chosen) if c is not None)
        got = sum(c is not None for c in chosen) * 1e6 + sum(
            scores[s, c] for s, c in enumerate(chosen) if c is not None)
        assert got == pytest.approx(_best_by_brute_force(scores, capacity))


def test_a_full_provider_gets_nobody() -> None:
    assert allocate(np.array([[0.9, 0.1], [0.8, 0.2]]), [0, 5]) == [1, 1]
    assert allocate(np.array([[0.9], [0.8]]), [1]) == [0, None]
    assert allocate(np.zeros((0, 2)), [1, 1]) == []


def test_gini_is_zero_for_equal_exposure_and_high_when_one_gets_everything() -> None:
    assert exposure_gini([1, 1, 1, 1]) == 0.0
    assert exposure_gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert exposure_gini([]) == 0.0


def test_rerank_spreads_exposure_at_little_cost_in_score() -> None:
    rng = np.random.default_rng(9)
    keys = list(range(30))
    quality = 0.5 + np.sort(rng.random(30))[::-1]  # scores between 0.5 and 1.5

    def run(strength: float) -> tuple[float, float]:
        exposure: dict = {}
        kept = 0.0
        for _ in range(200):
            scores = quality + rng.normal(0, 0.02, 30)
            order = rerank_for_exposure(keys, scores, exposure, strength=strength, limit=5)
            kept += float(scores[order] @ position_exposure(5))
        return exposure_gini([exposure.get(k, 0.0) for k in keys]), kept

    plain_gini, plain_score = run(0.0)
    fair_gini, fair_score = run(0.3)
    assert fair_gini < plain_gini - 0.3
    assert fair_score > 0.9 * plain_score


def test_strength_zero_keeps_the_score_order() -> None:
    exposure: dict = {"a": 100.0}
    order = rerank_for_exposure(["a", "b", "c"], np.array([0.9, 0.5, 0.7]), exposure,
                                strength=0.0, limit=3)
    assert order == [0, 2, 1]
    assert exposure["a"] == pytest.approx(101.0)

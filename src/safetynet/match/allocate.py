"""Matching many seekers at once without overfilling anyone, and sharing exposure fairly.

`allocate` gives each seeker at most one provider, no provider more people than it has places,
and the largest total score possible (an assignment problem: each provider is split into one
slot per free place, solved by scipy's `linear_sum_assignment`). A pair that breaks a hard rule
is never assigned.

Ranked lists shown one after another tend to put the same few providers on top, so the rest
are never seen or referred to. `rerank_for_exposure` keeps each list's order by score but
lowers a provider by how much more than its fair share of exposure it has had so far;
`exposure_gini` measures how unequal the exposure was (0 equal, towards 1 all on one provider).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

INFEASIBLE = -np.inf


def allocate(scores: np.ndarray, capacity: Sequence[int]) -> list[int | None]:
    """For each seeker (row), the provider (column) assigned, or None.

    `scores[s, p]` is INFEASIBLE (-inf) where the pair breaks a hard rule.
    """
    from scipy.optimize import linear_sum_assignment  # heavy: only for batches

    scores = np.asarray(scores, dtype=np.float64)
    seekers, providers = scores.shape
    places = np.minimum(np.asarray(capacity, dtype=np.int64), seekers).clip(min=0)
    slot_provider = np.repeat(np.arange(providers), places)
    if seekers == 0 or len(slot_provider) == 0:
        return [None] * seekers
    slot_scores = scores[:, slot_provider]
    feasible = np.isfinite(slot_scores)
    # Any assignment of a feasible pair beats leaving a seeker out; infeasible pairs cost more
    # than all feasible ones together, so they are chosen only when nothing else is left.
    span = float(np.abs(slot_scores[feasible]).sum()) + 1.0 if feasible.any() else 1.0
    cost = np.where(feasible, -(slot_scores + span), span)
    rows, slots = linear_sum_assignment(cost)
    result: list[int | None] = [None] * seekers
    for row, slot in zip(rows, slots, strict=True):
        if feasible[row, slot]:
            result[row] = int(slot_provider[slot])
    return result


def position_exposure(length: int) -> np.ndarray:
    """How much attention each position of a list gets (the DCG discount 1/log2(rank+1))."""
    return 1.0 / np.log2(np.arange(length) + 2.0)


def rerank_for_exposure(keys: Sequence[Hashable], scores: np.ndarray, exposure: dict,
                        *, strength: float, limit: int) -> list[int]:
    """Indices of the top `limit` of one list after lowering over-exposed providers.

    `exposure` maps a provider key to the exposure it has had so far and is updated with this
    list's; a provider's penalty is `strength` times its excess over the mean of these
    candidates' exposure, in units of the list's score spread. `strength` 0 keeps the order.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if not len(scores):
        return []
    adjusted = scores - exposure_penalty(keys, scores, exposure, strength)
    order = list(np.lexsort((np.arange(len(scores)), -adjusted))[:limit])
    for index, seen in zip(order, position_exposure(len(order)), strict=True):
        exposure[keys[index]] = exposure.get(keys[index], 0.0) + float(seen)
    return [int(i) for i in order]


def exposure_penalty(keys: Sequence[Hashable], scores: np.ndarray, exposure: dict,
                     strength: float) -> np.ndarray:
    """How much to lower each of one list's candidates for the exposure it has had: `strength`
    times its share's excess over the candidates' mean share, in units of the list's score
    spread (negative for the under-exposed, which rise). `strength` 0 changes nothing."""
    scores = np.asarray(scores, dtype=np.float64)
    if not len(scores) or strength == 0:
        return np.zeros(len(scores))
    had = np.array([exposure.get(k, 0.0) for k in keys], dtype=np.float64)
    total = had.sum()
    share = had / total if total > 0 else had
    spread = float(scores.max() - scores.min()) or 1.0
    return strength * spread * (share - share.mean()) * len(scores)


def exposure_gini(values: Sequence[float]) -> float:
    """Gini coefficient of exposure across providers (0: equal; near 1: one gets it all)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), float(x.sum())
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))

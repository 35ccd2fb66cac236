"""The column store is built once per version; batch allocation fills no one beyond capacity."""

from __future__ import annotations

import pytest

from safetynet.match.model import Provider, Seeker
from safetynet.match.rules import allowed
from safetynet.match.service import (
    allocate_batch,
    forget_columns,
    matches_for,
    provider_columns,
)
from safetynet.match.simulation import make_seeker, make_world

pytestmark = pytest.mark.nostore


def test_columns_are_built_once_per_version_and_again_when_it_changes() -> None:
    forget_columns()
    loads: list[int] = []

    def load() -> list[Provider]:
        loads.append(1)
        return [Provider(id=len(loads), name="P")]

    first = provider_columns("area-1", (1,), load)
    assert provider_columns("area-1", (1,), load) is first
    changed = provider_columns("area-1", (2,), load)
    assert changed is not first and changed.ids.tolist() == [2]
    assert len(loads) == 2


def test_a_batch_gets_the_best_total_within_capacity() -> None:
    busy = Provider(id=1, name="Busy", categories=frozenset({"debt"}), capacity=1, lat=53.38,
                    lon=-1.47)
    other = Provider(id=2, name="Other", categories=frozenset({"debt"}), capacity=5,
                     lat=53.40, lon=-1.47)
    cols = provider_columns("area-2", (1,), lambda: [busy, other])
    seekers = [Seeker(needs=frozenset({"debt"}), lat=53.38, lon=-1.47),
               Seeker(needs=frozenset({"debt"}), lat=53.381, lon=-1.47),
               Seeker(needs=frozenset({"food"}))]
    result = allocate_batch(cols, seekers)
    given = [a.provider.name if a.provider else None for a in result]
    assert sorted(given[:2]) == ["Busy", "Other"] and given[2] is None
    # ranking alone would send both to Busy; allocation sends only one
    assert [matches_for(cols, s).matches[0].provider.name for s in seekers[:2]] == ["Busy"] * 2


def test_a_large_batch_respects_every_rule_and_every_capacity() -> None:
    import numpy as np

    world = make_world(600, seed=2)
    cols = provider_columns("area-3", (1,), lambda: world.providers)
    rng = np.random.default_rng(8)
    seekers = [make_seeker(rng) for _ in range(150)]
    result = allocate_batch(cols, seekers)
    counts: dict[int, int] = {}
    for item in result:
        if item.provider is not None:
            assert allowed(item.provider, item.seeker)
            counts[item.provider.id] = counts.get(item.provider.id, 0) + 1
    by_id = {p.id: p for p in world.providers}
    assert all(n <= by_id[pid].capacity for pid, n in counts.items())
    assert sum(counts.values()) > 100

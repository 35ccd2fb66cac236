"""Learning to rank: only with enough outcomes, deterministic, explained, and better than the
hand-set score on a world whose truth the score does not know."""

from __future__ import annotations

import numpy as np
import pytest

from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import rank
from safetynet.match.ranker import RANKER_FEATURES, TrainingSet, enough, train
from safetynet.match.simulation import compare, make_world, seeker_pool, simulated_outcomes

pytestmark = pytest.mark.nostore


@pytest.fixture(scope="module")
def world_and_ranker():
    world = make_world(1500, seed=11)
    cols = ProviderColumns.build(world.providers)
    data = simulated_outcomes(world, cols, seeker_pool(cols, 400, seed=12), seed=13)
    return world, cols, data, train(data, seed=7)


def test_too_few_outcomes_keep_the_transparent_score() -> None:
    data = TrainingSet()
    for _ in range(5):
        data.add_group([[0.0] * len(RANKER_FEATURES)] * 2, [0, 2])
    assert not enough(data)
    assert train(data) is None
    assert enough(data, min_outcomes=10, min_groups=5)


def test_groups_that_tell_nothing_apart_do_not_count() -> None:
    data = TrainingSet()
    data.add_group([[0.0] * 3] * 3, [1, 1, 1])
    data.add_group([[0.0] * 3] * 2, [0, 2])
    assert data.informative_groups() == 1
    with pytest.raises(ValueError, match="one label per feature row"):
        data.add_group([[0.0] * 3], [1, 2])


def test_training_is_deterministic(world_and_ranker) -> None:
    _, cols, data, ranker = world_and_ranker
    again = train(data, seed=7)
    x = np.asarray(data.rows[:200])
    assert np.array_equal(ranker.booster.predict(x), again.booster.predict(x))


def test_the_rankers_reasons_add_up_to_its_score(world_and_ranker) -> None:
    _, cols, _, ranker = world_and_ranker
    for seeker, _ in seeker_pool(cols, 10, seed=21):
        ranking = rank(cols, seeker, ranker=ranker)
        assert ranking.method == "ranker"
        for match in ranking.matches:
            names = [c.feature for c in match.contributions]
            assert names == [*RANKER_FEATURES, "baseline"]
            assert sum(c.points for c in match.contributions) == pytest.approx(match.score,
                                                                               abs=1e-6)


def test_ours_beats_distance_which_beats_random_on_ndcg_at_10(world_and_ranker) -> None:
    world, cols, _, ranker = world_and_ranker
    result = compare(world, cols, seeker_pool(cols, 200, seed=31), ranker, seed=32)
    assert result["ranker"] > result["score"] > result["distance"] > result["random"], result

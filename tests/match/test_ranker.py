"""Learning to rank: only with enough outcomes, deterministic, explained, and better than the
hand-set score on a world whose truth the score does not know."""

from __future__ import annotations

import numpy as np
import pytest

from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import rank
from safetynet.match.ranker import (
    RANKER_FEATURES,
    TrainingSet,
    enough,
    folds,
    ndcg_at,
    ndcg_by,
    subset,
    train,
    trial,
)
from safetynet.match.score import FEATURES, weight_vector
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


def _sittings(label_by, groups: int = 60, size: int = 6, seed: int = 5) -> TrainingSet:
    """Random sittings whose outcomes rank the referrals by `label_by(rows)` (higher better):
    the best one attended, the next two accepted, the rest declined."""
    rng = np.random.default_rng(seed)
    data = TrainingSet()
    for _ in range(groups):
        x = rng.random((size, len(RANKER_FEATURES)))
        labels = np.zeros(size, dtype=int)
        best = np.argsort(-label_by(x), kind="stable")
        labels[best[:3]] = [2, 1, 1]
        data.add_group(x.tolist(), labels.tolist())
    return data


def test_a_ranker_is_not_adopted_when_outcomes_follow_the_score_exactly() -> None:
    data = _sittings(lambda x: x[:, : len(FEATURES)] @ weight_vector())
    tried = trial(data, seed=7, margin=0.01)
    assert tried is not None and not tried.adopted
    assert tried.score_ndcg == pytest.approx(1.0) and tried.ranker_ndcg <= 1.0
    assert tried.held_out_groups == 60 and tried.trained_groups == 60  # each held out once
    assert tried.detail()["adopted"] is False


def test_a_ranker_is_adopted_when_outcomes_follow_what_the_score_lacks() -> None:
    wait = RANKER_FEATURES.index("wait_days")
    data = _sittings(lambda x: -x[:, wait])  # the shortest wait; random columns: no promptness
    tried = trial(data, seed=7, margin=0.01)
    assert tried is not None and tried.adopted
    assert tried.ranker_ndcg > tried.score_ndcg + 0.2
    assert tried.trained_groups == 60 and tried.ranker.outcomes == len(data.labels)  # all
    strict = trial(data, seed=7, margin=0.99)
    assert strict is not None and not strict.adopted
    assert trial(data, min_outcomes=1000) is None


def test_the_held_out_folds_are_whole_groups_and_deterministic() -> None:
    data = _sittings(lambda x: x[:, 0], groups=30)
    data.add_group([[0.0] * len(RANKER_FEATURES)] * 4, [1, 1, 1, 1])  # tells nothing apart
    dealt = folds(data, seed=7)
    assert dealt == folds(data, seed=7) and dealt != folds(data, seed=8)
    assert [len(f) for f in dealt] == [6] * 5
    assert sorted(g for f in dealt for g in f) == list(range(30))  # each once; 30 never
    test = subset(data, dealt[0])
    rest = subset(data, [g for g in range(len(data.groups)) if g not in dealt[0]])
    assert test.groups == [6] * 6 and len(rest.groups) == 25
    assert sorted(map(tuple, test.rows + rest.rows)) == sorted(map(tuple, data.rows))
    one = TrainingSet()
    one.add_group([[0.0] * 3] * 2, [0, 2])
    assert folds(one, seed=7) == []  # never all of them


def test_the_score_and_ranker_are_judged_with_the_benchmarks_ndcg() -> None:
    data = TrainingSet()
    data.add_group([[1.0] * len(RANKER_FEATURES), [0.0] * len(RANKER_FEATURES)], [0, 2])
    worst = ndcg_at(10, np.array([0.0, 2.0]), np.array([0.0, 2.0]))
    assert ndcg_by(data, None) == pytest.approx(worst) and worst < 1.0


def test_a_trial_does_not_depend_on_the_order_sittings_are_read_in() -> None:
    data = _sittings(lambda x: x[:, 0] + x[:, RANKER_FEATURES.index("wait_days")], groups=50)
    shuffled = subset(data, list(np.random.default_rng(1).permutation(50)))
    first, second = trial(data, seed=7), trial(shuffled, seed=7)
    assert first is not None and second is not None
    assert first.detail() == second.detail()
    x = np.asarray(data.rows[:50])
    assert np.array_equal(first.ranker.booster.predict(x), second.ranker.booster.predict(x))

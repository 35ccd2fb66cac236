"""The score is its reasons: contributions add up to the score the ranking used."""

from __future__ import annotations

import numpy as np
import pytest

from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import rank
from safetynet.match.model import Provider, Seeker
from safetynet.match.score import DEFAULT_WEIGHTS, FEATURES, weight_vector
from safetynet.match.simulation import make_world, seeker_pool

pytestmark = pytest.mark.nostore


def test_every_matchs_contributions_add_up_to_its_score() -> None:
    world = make_world(400, seed=3)
    cols = ProviderColumns.build(world.providers)
    for seeker, _ in seeker_pool(cols, 25, seed=4):
        ranking = rank(cols, seeker, limit=10)
        assert ranking.method == "score" and ranking.matches
        scores = [m.score for m in ranking.matches]
        assert scores == sorted(scores, reverse=True)
        for match in ranking.matches:
            points = [c.points for c in match.contributions]
            assert [c.feature for c in match.contributions] == list(FEATURES)
            assert sum(points) == pytest.approx(match.score, abs=1e-12)
            # each contribution is the feature the ranking computed times its weight
            assert points == pytest.approx(
                list(np.array(match.features) * weight_vector()), abs=1e-12)


def test_the_reasons_say_what_the_features_measured() -> None:
    near = Provider(id=1, name="Near", categories=frozenset({"debt", "housing"}),
                    formats=frozenset({"in_person"}), lat=53.38, lon=-1.47, capacity=3,
                    wait_days=7, cost_pence=1500)
    seeker = Seeker(needs=frozenset({"debt", "housing"}), lat=53.38, lon=-1.4701,
                    max_cost_pence=2000)
    match = rank(ProviderColumns.build([near]), seeker).matches[0]
    reasons = {c.feature: c.reason for c in match.contributions}
    assert reasons["need"] == "helps with 2 of 2 needs"
    assert reasons["nearness"] == "0.0 km away"
    assert reasons["affordability"] == "costs £15.00"
    assert reasons["promptness"] == "about 7 days' wait"
    assert reasons["room"] == "3 places free"
    values = dict(zip(FEATURES, match.features, strict=True))
    assert values["need"] == 1.0 and values["affordability"] == pytest.approx(0.7)
    assert values["promptness"] == pytest.approx(1 / 1.5)


def test_a_closer_provider_with_the_same_offer_ranks_higher() -> None:
    common = {"categories": frozenset({"debt"}), "formats": frozenset({"in_person"})}
    far = Provider(id=1, name="Far", lat=53.45, lon=-1.47, **common)
    near = Provider(id=2, name="Near", lat=53.385, lon=-1.47, **common)
    seeker = Seeker(needs=frozenset({"debt"}), lat=53.38, lon=-1.47)
    ranked = rank(ProviderColumns.build([far, near]), seeker).matches
    assert [m.provider.name for m in ranked] == ["Near", "Far"]
    assert ranked[0].reasons[0] == "helps with 1 of 1 needs"


def test_weights_can_be_changed_but_not_misspelt() -> None:
    assert weight_vector({"nearness": 0.5})[FEATURES.index("nearness")] == 0.5
    assert weight_vector().sum() == pytest.approx(sum(DEFAULT_WEIGHTS.values()))
    with pytest.raises(ValueError, match="unknown score feature 'distance'"):
        weight_vector({"distance": 1.0})

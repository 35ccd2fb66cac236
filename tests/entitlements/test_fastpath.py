"""The fast path gives exactly what the untouched engine gives, benefit by benefit."""

from __future__ import annotations

import pytest

from safetynet.entitlements import engine, fastpath
from safetynet.entitlements.synthetic import households

pytestmark = pytest.mark.nostore


def test_the_installed_engine_is_the_version_the_fast_path_was_checked_against() -> None:
    assert fastpath.supported()


@pytest.mark.slow
def test_every_benefit_of_300_varied_households_matches_the_untouched_engine() -> None:
    sample = households(300, seed=11)
    # Some households given twice: grouping must hand each its twin's result.
    sample += sample[:20]
    fast = engine.calculate(sample, chunk_size=100)
    naive = engine.calculate(sample, naive=True, chunk_size=1_000)
    assert [r.benefits for r in fast] == [r.benefits for r in naive]
    assert [r.detail for r in fast] == [r.detail for r in naive]
    # Not a vacuous comparison: the sample has every main benefit in it.
    for benefit in (
        "universal_credit",
        "pension_credit",
        "housing_benefit",
        "child_benefit",
        "council_tax_reduction",
    ):
        assert sum(r.benefits[benefit] > 0 for r in fast) >= 5, benefit


@pytest.mark.slow
def test_later_years_keep_the_uc_reform_and_still_match() -> None:
    sample = households(60, seed=12, year=2026)
    # Three chunks: the UC reform modifier runs on the shared system again at each build.
    fast = engine.calculate(sample, chunk_size=20)
    naive = engine.calculate(sample, naive=True)
    assert [r.benefits for r in fast] == [r.benefits for r in naive]
    assert sum(r.benefits["universal_credit"] > 0 for r in fast) >= 5

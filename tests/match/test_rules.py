"""The hard rules are never broken: the fast column filter agrees with the rules stated one
provider at a time, for any providers and seekers Hypothesis can think of."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.match.columns import ProviderColumns, candidates
from safetynet.match.engine import rank
from safetynet.match.model import Provider, Seeker
from safetynet.match.rules import broken_rules, distance_km, haversine_km

pytestmark = pytest.mark.nostore

CODES = st.sampled_from(["en", "pl", "ur", "so"])
NEEDS = st.sampled_from(["debt", "housing", "food", "work"])
FORMAT = st.sampled_from(["in_person", "phone", "video"])
AREA = st.sampled_from(["A", "B", "C"])
LAT = st.floats(53.30, 53.45, allow_nan=False)
LON = st.floats(-1.60, -1.35, allow_nan=False)
AGE = st.none() | st.integers(0, 100)


@st.composite
def providers(draw: st.DrawFn, pid: int) -> Provider:
    kind = draw(st.sampled_from(["service", "counsellor", "vacancy"]))
    located = draw(st.booleans())
    return Provider(
        id=pid, name=f"P{pid}", kind=kind,
        categories=draw(st.frozensets(NEEDS, max_size=3)),
        languages=draw(st.frozensets(CODES, max_size=3)),
        formats=draw(st.frozensets(FORMAT, max_size=3)),
        gender=draw(st.none() | st.sampled_from(["female", "male"])),
        cost_pence=draw(st.sampled_from([0, 500, 2000, 6000])),
        concessions=draw(st.booleans()),
        concession_cost_pence=draw(st.sampled_from([0, 500, 3000])),
        capacity=draw(st.integers(0, 3)),
        wait_days=draw(st.integers(0, 60)), min_age=draw(AGE), max_age=draw(AGE),
        areas=draw(st.frozensets(AREA, max_size=2)),
        lat=draw(LAT) if located else None, lon=draw(LON) if located else None,
        hours_per_week=draw(st.none() | st.floats(5, 40)) if kind == "vacancy" else None,
        pay_pence_per_hour=draw(st.none() | st.integers(1000, 2500)) if kind == "vacancy"
        else None,
        sector=draw(st.none() | st.sampled_from(["care", "retail"])) if kind == "vacancy"
        else None,
    )


@st.composite
def seekers(draw: st.DrawFn) -> Seeker:
    located = draw(st.booleans())
    return Seeker(
        needs=draw(st.frozensets(NEEDS, max_size=2)),
        kind=draw(st.none() | st.sampled_from(["service", "counsellor", "vacancy", "other"])),
        languages=tuple(draw(st.lists(CODES, min_size=1, max_size=3, unique=True))),
        formats=tuple(draw(st.lists(FORMAT, min_size=1, max_size=3, unique=True))),
        gender_preference=draw(st.none() | st.sampled_from(["female", "male"])),
        max_cost_pence=draw(st.none() | st.sampled_from([0, 1000, 5000])),
        low_income=draw(st.booleans()),
        max_distance_km=draw(st.none() | st.floats(0, 20)),
        age=draw(AGE), area=draw(st.none() | AREA),
        lat=draw(LAT) if located else None, lon=draw(LON) if located else None,
        min_hours=draw(st.none() | st.floats(5, 30)), max_hours=draw(st.none() | st.floats(10, 40)),
        min_pay_pence_per_hour=draw(st.none() | st.integers(1000, 2000)),
        sectors=draw(st.frozensets(st.sampled_from(["care", "retail", "admin"]), max_size=2)),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Provider], Seeker]:
    count = draw(st.integers(1, 25))
    return [draw(providers(pid)) for pid in range(1, count + 1)], draw(seekers())


def _near_the_limit(provider: Provider, seeker: Seeker) -> bool:
    """Float rounding may differ between numpy and math right at the distance limit."""
    d = distance_km(provider, seeker)
    return d is not None and seeker.max_distance_km is not None and abs(
        d - seeker.max_distance_km) < 1e-9


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_the_column_filter_allows_exactly_the_providers_that_break_no_rule(world) -> None:
    provided, seeker = world
    found = candidates(ProviderColumns.build(provided), seeker)
    for provider, allowed in zip(provided, found.allowed, strict=True):
        if not _near_the_limit(provider, seeker):
            assert bool(allowed) == (not broken_rules(provider, seeker)), (provider, seeker)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_no_ranked_match_ever_breaks_a_hard_rule(world) -> None:
    provided, seeker = world
    ranking = rank(ProviderColumns.build(provided), seeker, limit=len(provided))
    for match in ranking.matches:
        if not _near_the_limit(match.provider, seeker):
            assert broken_rules(match.provider, seeker) == []
    assert len(ranking.matches) == ranking.candidates


def test_each_rule_names_what_it_refuses() -> None:
    far = Provider(id=1, name="Far", formats=frozenset({"in_person"}), lat=53.5, lon=-1.4,
                   cost_pence=3000, capacity=0, min_age=65, languages=frozenset({"pl"}))
    seeker = Seeker(max_distance_km=2, lat=53.38, lon=-1.47, age=30, max_cost_pence=0)
    assert broken_rules(far, seeker) == [
        "speaks none of the seeker's languages",
        "is only available in person, beyond the distance limit",
        "costs more than the seeker can pay",
        "has no places free",
        "is for another age group",
    ]


def test_concessions_lower_the_price_for_people_on_a_low_income() -> None:
    paid = Provider(id=1, name="Paid", cost_pence=3000, concessions=True, lat=53.4, lon=-1.5)
    assert broken_rules(paid, Seeker(max_cost_pence=0, low_income=True)) == []
    assert broken_rules(paid, Seeker(max_cost_pence=0)) == ["costs more than the seeker can pay"]
    cheaper = Provider(id=2, name="Cheaper", cost_pence=4000, concessions=True, lat=53.4, lon=-1.5,
                       concession_cost_pence=1500)
    assert broken_rules(cheaper, Seeker(max_cost_pence=1500, low_income=True)) == []
    assert broken_rules(cheaper, Seeker(max_cost_pence=1000, low_income=True)) == [
        "costs more than the seeker can pay"]


def test_a_phone_service_is_not_limited_by_distance() -> None:
    phone = Provider(id=1, name="Line", formats=frozenset({"phone", "in_person"}), lat=54.0,
                     lon=-1.0)
    seeker = Seeker(max_distance_km=1, lat=53.38, lon=-1.47)
    found = candidates(ProviderColumns.build([phone]), seeker)
    assert found.allowed.tolist() == [True]
    assert found.usable.tolist() == [[False, True, False]]


def test_haversine_matches_a_known_distance() -> None:
    # Sheffield Town Hall to Leeds Town Hall is about 47.5 km as the crow flies.
    assert haversine_km(53.3801, -1.4701, 53.8000, -1.5491) == pytest.approx(47.0, abs=1.0)
    cols = ProviderColumns.build([Provider(id=1, name="L", lat=53.8, lon=-1.5491)])
    seeker = Seeker(lat=53.3801, lon=-1.4701)
    assert candidates(cols, seeker).distance_km[0] == pytest.approx(
        haversine_km(53.3801, -1.4701, 53.8, -1.5491), rel=1e-12)
    assert np.isnan(candidates(cols, Seeker()).distance_km[0])

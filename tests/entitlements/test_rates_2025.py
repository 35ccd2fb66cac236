"""Hand-worked households at published 2025/26 rates, checked against the engine to the penny.

Rates (GOV.UK "Benefit and pension rates 2025 to 2026"): UC standard allowance single 25+
£400.14/month, couple (either 25+) £628.10; child element £292.81 (£339.00 for a first child born
before 6 April 2017); work allowance £411 with housing costs, £684 without; taper 55%.
Child Benefit £26.05 a week eldest, £17.25 others. Pension Credit standard
minimum guarantee £227.10 a week single, £346.60 couple.
Income tax personal allowance £12,570 at 20%; employee NI 8% above £12,570.
The engine works annually (monthly amounts × 12, weekly × 52) in float32, so results are
compared in whole pence after rounding.
"""

from __future__ import annotations

import pytest

from safetynet.entitlements import engine
from safetynet.entitlements.schemas import parse_household

pytestmark = pytest.mark.nostore


def household(**fields: object) -> object:
    base: dict[str, object] = {"year": 2025, "local_authority": "Sheffield", "people": []}
    return parse_household(base | fields)


CASES = {
    # Single 30, no income, council rent £500/month.
    # UC = (400.14 standard + 500.00 housing) × 12 = 900.14 × 12 = £10,801.68.
    "single_social_rent": (
        household(tenure="social_rent", rent_monthly=500, people=[{"age": 30}]),
        {"universal_credit": 1_080_168},
    ),
    # Lone parent 30, child 5, council rent £500/month.
    # UC = (400.14 + 292.81 child + 500.00 housing) × 12 = 1,192.95 × 12 = £14,315.40.
    # Child Benefit = 26.05 × 52 = £1,354.60.
    "lone_parent_social_rent": (
        household(tenure="social_rent", rent_monthly=500, people=[{"age": 30}, {"age": 5}]),
        {"universal_credit": 1_431_540, "child_benefit": 135_460},
    ),
    # Couple 30 and 29, children 3 and 8, one earns £15,000, council rent £600/month.
    # Max UC a year = (628.10 + 2 × 292.81 + 600.00) × 12 = 1,813.72 × 12 = 21,764.64.
    # Tax = 20% × (15,000 − 12,570) = 486.00, less the marriage allowance (the engine treats a
    # couple as married and transfers the partner's unused £1,260: 20% × 1,260 = 252) = 234.00.
    # NI = 8% × 2,430 = 194.40. Net earnings = 15,000 − 234.00 − 194.40 = 14,571.60.
    # Taper = 55% × (14,571.60 − 411 × 12 work allowance) = 0.55 × 9,639.60 = 5,301.78.
    # UC = 21,764.64 − 5,301.78 = £16,462.86. Child Benefit = (26.05 + 17.25) × 52 = £2,251.60.
    "couple_working_two_children": (
        household(
            tenure="social_rent",
            rent_monthly=600,
            people=[{"age": 30, "employment_income": 15_000}, {"age": 29}, {"age": 3}, {"age": 8}],
        ),
        {"universal_credit": 1_646_286, "child_benefit": 225_160},
    ),
    # Single 40, owner outright, earns £6,000 (below tax and NI). No children and no limited
    # capability for work, so no work allowance: taper on every pound.
    # UC = 400.14 × 12 − 0.55 × 6,000 = 4,801.68 − 3,300.00 = £1,501.68.
    "single_earner_no_work_allowance": (
        household(tenure="owner_outright", people=[{"age": 40, "employment_income": 6_000}]),
        {"universal_credit": 150_168},
    ),
    # Lone parent 40, child 10, owner outright (no housing costs), earns £10,000.
    # The child was born before 6 April 2017, so the higher first-child element £339.00.
    # Max UC = (400.14 + 339.00) × 12 = 8,869.68. Work allowance without housing £684 × 12 =
    # 8,208. Taper = 0.55 × (10,000 − 8,208) = 0.55 × 1,792 = 985.60.
    # UC = 8,869.68 − 985.60 = £7,884.08. Child Benefit = 26.05 × 52 = £1,354.60.
    "lone_parent_earner_no_housing": (
        household(
            tenure="owner_outright",
            people=[{"age": 40, "employment_income": 10_000}, {"age": 10}],
        ),
        {"universal_credit": 788_408, "child_benefit": 135_460},
    ),
    # Single 70, owner outright, state pension £8,000 a year.
    # Guarantee credit = 227.10 × 52 − 8,000 = 11,809.20 − 8,000 = £3,809.20.
    "single_pensioner": (
        household(tenure="owner_outright", people=[{"age": 70, "state_pension": 8_000}]),
        {"pension_credit": 380_920},
    ),
    # Couple 70 and 72, owner outright, state pensions £9,000 + £6,000.
    # Guarantee credit = 346.60 × 52 − 15,000 = 18,023.20 − 15,000 = £3,023.20.
    "pensioner_couple": (
        household(
            tenure="owner_outright",
            people=[{"age": 70, "state_pension": 9_000}, {"age": 72, "state_pension": 6_000}],
        ),
        {"pension_credit": 302_320},
    ),
}


@pytest.fixture(scope="module")
def results() -> dict[str, engine.EngineResult]:
    households = [case[0] for case in CASES.values()]
    return dict(zip(CASES, engine.calculate(households), strict=True))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(CASES))
def test_engine_matches_the_hand_worked_amounts_to_the_penny(
    name: str, results: dict[str, engine.EngineResult]
) -> None:
    expected = CASES[name][1]
    got = results[name].benefits
    for benefit, pence in expected.items():
        assert got[benefit] == pence, benefit
    others = {b: p for b, p in got.items() if b not in expected and b != "council_tax_reduction"}
    assert all(p == 0 for p in others.values()), others


def test_the_naive_engine_path_gives_the_same_hand_worked_amounts() -> None:
    household_, expected = CASES["couple_working_two_children"]
    (result,) = engine.calculate([household_], naive=True)  # type: ignore[list-item]
    assert result.benefits["universal_credit"] == expected["universal_credit"]

"""A council scheme's reduction for one household, from the engine's view of its income."""

from __future__ import annotations

from safetynet.entitlements.ctr import Scheme
from safetynet.entitlements.engine import EngineResult
from safetynet.entitlements.schemas import HouseholdFile, pence

WEEKS = 52


def household_type(household: HouseholdFile) -> str:
    """single, couple, one_child or two_or_more_children, as banded schemes group them."""
    children = len(household.children)
    if children >= 2:
        return "two_or_more_children"
    if children == 1:
        return "one_child"
    couple = household.couple is not False and len(household.adults) >= 2
    return "couple" if couple else "single"


def weekly_income(scheme: Scheme, household: HouseholdFile, result: EngineResult) -> float:
    """Net weekly income as the scheme counts it: earnings after tax, NI and the disregard,
    pensions, and Universal Credit and Child Benefit where the scheme counts them."""
    people = household.people
    gross = sum(p.employment_income + p.self_employment_income for p in people)
    net = gross - result.detail["income_tax"] - result.detail["national_insurance"]
    earnings = max(0.0, net / WEEKS - scheme.income.earnings_disregard_weekly)
    other = sum(p.state_pension + p.private_pension for p in people)
    if scheme.income.count_universal_credit:
        other += result.benefits["universal_credit"] / 100
    if scheme.income.count_child_benefit:
        other += result.benefits["child_benefit"] / 100
    return earnings + other / WEEKS


def _banded(scheme: Scheme, household: HouseholdFile, income: float) -> float:
    kind = household_type(household)
    for band in scheme.bands or []:
        if income <= band.max_weekly_income[kind]:
            return band.reduction_percent / 100 * household.council_tax_annual
    return 0.0


def _tapered(scheme: Scheme, household: HouseholdFile, income: float) -> float:
    rules = scheme.percentage
    assert rules is not None
    amounts = rules.applicable_amount_weekly
    couple = household.couple is not False and len(household.adults) >= 2
    applicable = amounts["couple" if couple else "single"] + amounts.get("per_child", 0) * len(
        household.children
    )
    excess = max(0.0, income - applicable)
    maximum = rules.maximum_percent / 100 * household.council_tax_annual
    return max(0.0, maximum - rules.taper_percent / 100 * excess * WEEKS)


def reduction_pence(scheme: Scheme, household: HouseholdFile, result: EngineResult) -> int:
    """The scheme's annual reduction for a working-age household, in pence."""
    if household.savings > scheme.capital_limit or household.council_tax_annual <= 0:
        return 0
    income = weekly_income(scheme, household, result)
    annual = (_banded if scheme.kind == "banded" else _tapered)(scheme, household, income)
    return min(pence(round(annual, 2)), pence(household.council_tax_annual))

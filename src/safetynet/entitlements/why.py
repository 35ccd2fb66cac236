"""Plain-English reasons for each estimate, from the engine's own workings."""

from __future__ import annotations

from collections.abc import Callable

from safetynet.entitlements.engine import EngineResult
from safetynet.entitlements.schemas import HouseholdFile, Tenure


def monthly(annual_pounds: float) -> str:
    """An annual amount as "£x.xx a month"."""
    return f"£{annual_pounds / 12:,.2f} a month"


def _universal_credit(household: HouseholdFile, result: EngineResult) -> str:
    d = result.detail
    parts = [f"standard allowance {monthly(d['uc_standard_allowance'])}"]
    children = len(household.children)
    if d["uc_child_element"]:
        parts.append(f"child element for {children} child(ren) {monthly(d['uc_child_element'])}")
    if d["uc_housing_costs_element"]:
        parts.append(f"housing element {monthly(d['uc_housing_costs_element'])}")
    if d["uc_disability_elements"]:
        parts.append(f"disability element {monthly(d['uc_disability_elements'])}")
    if d["uc_carer_element"]:
        parts.append(f"carer element {monthly(d['uc_carer_element'])}")
    text = "Maximum award: " + "; ".join(parts) + "."
    if d["uc_income_reduction"]:
        text += (
            f" Less {monthly(d['uc_income_reduction'])} for income: 55% of earnings after the "
            f"work allowance ({monthly(d['uc_work_allowance'])}), and other income in full."
        )
    if d["benefit_cap_reduction"]:
        text += f" Reduced by the benefit cap ({monthly(d['benefit_cap_reduction'])})."
    return text


def _pension_credit(household: HouseholdFile, result: EngineResult) -> str:
    d = result.detail
    return (
        "Tops income up to the minimum guarantee: the household's income counts as "
        f"{monthly(d['pension_credit_income'])}. Pension Credit also opens the door to "
        "Housing Benefit, Council Tax Reduction and a free TV licence at 75+."
    )


def _housing_benefit(household: HouseholdFile, result: EngineResult) -> str:
    rent = f"£{household.rent_monthly:,.2f} a month"
    if household.tenure == Tenure.PRIVATE_RENT:
        return f"Help with rent of {rent}, up to the Local Housing Allowance for the area."
    return f"Help with rent of {rent} for a household over State Pension age."


def _child_benefit(household: HouseholdFile, result: EngineResult) -> str:
    return (
        f"For {len(household.children)} child(ren) under 16, or under 20 in approved education. "
        "Worth claiming even on a high income: it protects National Insurance credits."
    )


def _council_tax_reduction(household: HouseholdFile, result: EngineResult) -> str:
    scheme = result.ctr_scheme or "the national pension-age scheme or the council's scheme"
    return f"Reduces a council tax bill of £{household.council_tax_annual:,.2f} a year ({scheme})."


def _disability(household: HouseholdFile, result: EngineResult) -> str:
    return "At the rates the needs given (daily living, mobility or care) would qualify for."


REASONS: dict[str, Callable[[HouseholdFile, EngineResult], str]] = {
    "universal_credit": _universal_credit,
    "pension_credit": _pension_credit,
    "housing_benefit": _housing_benefit,
    "child_benefit": _child_benefit,
    "council_tax_reduction": _council_tax_reduction,
    "pip": _disability,
    "attendance_allowance": _disability,
}


def reason(benefit: str, household: HouseholdFile, result: EngineResult) -> str:
    """Why the household is likely entitled to `benefit`, in a sentence or two."""
    return REASONS[benefit](household, result)

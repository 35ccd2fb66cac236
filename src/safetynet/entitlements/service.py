"""Entitlement checks: what a household could claim, why, and the social tariffs it can use.

The public face of the domain: the CLI, the web pages and batch screening call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from safetynet.entitlements import engine, why
from safetynet.entitlements.schemas import HouseholdFile


@dataclass
class Estimate:
    """One benefit the household is likely entitled to, a year, in pence."""

    benefit: str
    label: str
    annual_pence: int
    why: str

    @property
    def monthly_pence(self) -> int:
        """A twelfth of the annual amount, to the nearest penny."""
        return round(self.annual_pence / 12)


@dataclass
class Check:
    """The result of checking one household."""

    year: int
    benefits: list[Estimate]
    notes: list[str] = field(default_factory=list)
    tariffs: list[Any] = field(default_factory=list)

    @property
    def total_annual_pence(self) -> int:
        """All benefits together, a year."""
        return sum(e.annual_pence for e in self.benefits)


def estimates(household: HouseholdFile, result: engine.EngineResult) -> list[Estimate]:
    """The benefits the engine found a positive amount for, largest first."""
    found = [
        Estimate(name, engine.BENEFITS[name], pence, why.reason(name, household, result))
        for name, pence in result.benefits.items()
        if pence > 0
    ]
    return sorted(found, key=lambda e: -e.annual_pence)


def notes(household: HouseholdFile, result: engine.EngineResult) -> list[str]:
    """What the estimate leaves out and the household may still claim."""
    found: list[str] = []
    disabled = [p for p in household.people if p.disabled]
    assessed = any(p.pip_daily_living or p.pip_mobility or p.attendance_allowance for p in disabled)
    if disabled and not assessed:
        found.append(
            "Someone has a disability or long-term condition: Personal Independence Payment "
            "(under State Pension age) or Attendance Allowance (over it) may be payable; the "
            "amount depends on an assessment of their needs, so it is not estimated here."
        )
    if (
        household.council_tax_annual > 0
        and not result.detail.get("council_tax_reduction_scheme_supported")
        and result.ctr_scheme is None
    ):
        found.append(
            "Council Tax Reduction for working-age households depends on the council's own "
            "scheme, which is not described here, so it is not estimated."
        )
    return found


def build_check(household: HouseholdFile, result: engine.EngineResult) -> Check:
    """A check from the engine's result for the household."""
    return Check(household.year, estimates(household, result), notes(household, result))


def check_households(households: Sequence[HouseholdFile]) -> list[Check]:
    """Check several households at once (one engine run per year and chunk)."""
    results = engine.calculate(households)
    return [build_check(h, r) for h, r in zip(households, results, strict=True)]


def check_household(household: HouseholdFile) -> Check:
    """What one household is likely entitled to, and why."""
    return check_households([household])[0]


def as_json(check: Check) -> dict[str, Any]:
    """The check as the CLI's `--json` shape: annual pounds with two decimals."""
    found = {e.benefit: e.annual_pence for e in check.benefits}
    return {
        "year": check.year,
        "benefits": {name: round(found.get(name, 0) / 100, 2) for name in engine.BENEFITS},
        "total_annual": round(check.total_annual_pence / 100, 2),
        "why": {e.benefit: e.why for e in check.benefits},
        "notes": check.notes,
    }

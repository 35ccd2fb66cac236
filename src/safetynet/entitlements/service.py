"""Entitlement checks: what a household could claim, why, and the social tariffs it can use.

The public face of the domain: the CLI, the web pages and batch screening call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from safetynet.entitlements import engine, tariffs, why
from safetynet.entitlements.ctr import Scheme, load_schemes, scheme_for, scheme_key
from safetynet.entitlements.ctr.reduction import reduction_pence
from safetynet.entitlements.schemas import HouseholdFile

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LONDON = ZoneInfo("Europe/London")


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
    tariffs: list[tariffs.Offer] = field(default_factory=list)
    receives: frozenset[str] = frozenset()  # benefits the household said it already gets

    @property
    def total_annual_pence(self) -> int:
        """All benefits together, a year."""
        return sum(e.annual_pence for e in self.benefits)

    @property
    def to_claim(self) -> list[Estimate]:
        """Benefits the household could get and does not get yet: what it could claim."""
        return [e for e in self.benefits if e.benefit not in self.receives]

    @property
    def already_received(self) -> list[Estimate]:
        """Benefits the household is entitled to and said it already gets."""
        return [e for e in self.benefits if e.benefit in self.receives]

    @property
    def to_claim_annual_pence(self) -> int:
        """What the household could claim on top of what it gets, a year."""
        return sum(e.annual_pence for e in self.to_claim)


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


def council_schemes(
    extra: Sequence[Scheme] = (), *, session: Session | None = None, tenant_id: int | None = None
) -> list[Scheme]:
    """Schemes given for this check first, then the council area's own (from a pack applied
    there, when an area is given), then those in the configured folder that the area's own do
    not replace (same key)."""
    from safetynet.config import get_settings

    folder = load_schemes(get_settings().ctr_schemes_dir)
    if session is None or tenant_id is None:
        return [*extra, *folder]
    from safetynet.areaconfig import service as area

    bodies = area.items(session, tenant_id, "ctr_scheme").values()
    own = [Scheme.model_validate(body) for body in bodies]
    replaced = {scheme_key(s) for s in own}
    return [*extra, *own, *(s for s in folder if scheme_key(s) not in replaced)]


def apply_council_scheme(
    household: HouseholdFile, result: engine.EngineResult, schemes: Sequence[Scheme]
) -> None:
    """Price working-age CTR with the council's own scheme where the engine models none."""
    if result.detail["council_tax_reduction_scheme_supported"]:
        return
    if result.detail["council_tax_reduction_pensioner"]:
        return
    scheme = scheme_for(list(schemes), household)
    if scheme is not None:
        result.benefits["council_tax_reduction"] = reduction_pence(scheme, household, result)
        result.ctr_scheme = scheme.name


def build_check(
    household: HouseholdFile, result: engine.EngineResult, schemes: Sequence[Scheme] = ()
) -> Check:
    """A check from the engine's result for the household."""
    apply_council_scheme(household, result, schemes)
    found = estimates(household, result)
    held = {e.benefit for e in found} | set(household.receives)
    offers = tariffs.offers(household, held)
    return Check(
        household.year, found, notes(household, result), offers, frozenset(household.receives)
    )


def check_households(
    households: Sequence[HouseholdFile],
    *,
    schemes: Sequence[Scheme] | None = None,
    workers: int = 1,
) -> list[Check]:
    """Check several households at once (one engine run per year and chunk)."""
    schemes = council_schemes() if schemes is None else schemes
    results = engine.calculate(households, workers=workers)
    return [build_check(h, r, schemes) for h, r in zip(households, results, strict=True)]


def check_household(household: HouseholdFile, *, schemes: Sequence[Scheme] | None = None) -> Check:
    """What one household is likely entitled to, and why."""
    return check_households([household], schemes=schemes)[0]


def as_json(check: Check) -> dict[str, Any]:
    """The check as the CLI's `--json` shape: annual pounds with two decimals."""
    found = {e.benefit: e.annual_pence for e in check.benefits}
    return {
        "year": check.year,
        "benefits": {name: round(found.get(name, 0) / 100, 2) for name in engine.BENEFITS},
        "total_annual": round(check.total_annual_pence / 100, 2),
        "why": {e.benefit: e.why for e in check.benefits},
        "notes": check.notes,
        "social_tariffs": [
            {
                "kind": o.tariff.kind,
                "provider": o.tariff.provider,
                "name": o.tariff.name,
                "annual_saving": round(o.annual_saving_pence / 100, 2),
                "because": o.because,
                "source": str(o.tariff.source),
                "checked": o.tariff.checked.isoformat(),
            }
            for o in check.tariffs
        ],
    }


def benefit_year(today: date) -> int:
    """The financial year a day falls in, as the engine numbers it: benefit rates change each
    April, so 1 April 2026 to 31 March 2027 is 2026 ("2026 to 2027")."""
    return today.year if today >= date(today.year, 4, 1) else today.year - 1


def current_benefit_year() -> int:
    """The year checks use by default: `SAFETYNET_SELF_CHECK_YEAR`, else the financial year
    today (in London) falls in."""
    from safetynet.config import get_settings

    chosen = get_settings().self_check_year
    return chosen if chosen is not None else benefit_year(datetime.now(LONDON).date())


def warm_up(year: int | None = None) -> None:
    """Load the engine and build its shared system now, so the first self-check is fast
    (call once when the web app starts)."""
    from safetynet.entitlements.schemas import parse_household

    year = current_benefit_year() if year is None else year
    household = parse_household(
        {
            "year": year,
            "local_authority": "Sheffield",
            "tenure": "social_rent",
            "rent_monthly": 400,
            "people": [{"age": 30}],
        }
    )
    check_household(household, schemes=[])

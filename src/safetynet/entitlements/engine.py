"""The facade over policyengine-uk: households in, claimable benefits in pence out.

Only this module (and `fastpath.py`) imports PolicyEngine, and only when it runs. Many
households go into one situation, in chunks of about 1,000, which is where the engine is
fastest (FIELD-NOTES.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from safetynet.entitlements import fastpath
from safetynet.entitlements.schemas import HouseholdFile, Person, Tenure

CHUNK_SIZE = 1_000

# Benefits a household could claim, with the engine variable that gives each. State pension,
# winter fuel payment and free childcare hours are left out: paid without a claim, or not
# money. Legacy benefits (tax credits, income-based JSA/ESA, Income Support) are closed to new
# claims, and working-age Housing Benefit too, which the engine knows.
BENEFITS: dict[str, str] = {
    "universal_credit": "Universal Credit",
    "pension_credit": "Pension Credit",
    "housing_benefit": "Housing Benefit",
    "child_benefit": "Child Benefit",
    "council_tax_reduction": "Council Tax Reduction",
    "pip": "Personal Independence Payment",
    "attendance_allowance": "Attendance Allowance",
}

# Detail the "why" text quotes, summed per household (annual pounds).
DETAIL_VARIABLES = (
    "uc_standard_allowance",
    "uc_child_element",
    "uc_housing_costs_element",
    "uc_disability_elements",
    "uc_carer_element",
    "uc_work_allowance",
    "uc_earned_income",
    "uc_unearned_income",
    "uc_income_reduction",
    "guarantee_credit",
    "pension_credit_income",
    "benefit_cap_reduction",
    "council_tax_reduction_scheme_supported",
    "council_tax_reduction_pensioner",
    "income_tax",
    "national_insurance",
)

TENURE_TYPES = {
    Tenure.OWNER_OUTRIGHT: "OWNED_OUTRIGHT",
    Tenure.OWNER_MORTGAGE: "OWNED_WITH_MORTGAGE",
    Tenure.PRIVATE_RENT: "RENT_PRIVATELY",
    Tenure.SOCIAL_RENT: "RENT_FROM_COUNCIL",
    # Lodgers, temporary accommodation, living with family: the engine has no such tenure, and
    # private-rent rules (Local Housing Allowance) are the closest when rent is paid.
    Tenure.OTHER: "RENT_PRIVATELY",
}
LEVELS = {"standard": "STANDARD", "enhanced": "ENHANCED", "lower": "LOWER", "higher": "HIGHER"}


@dataclass
class EngineResult:
    """What the engine says one household could claim (annual pence) and the detail behind it."""

    benefits: dict[str, int]
    detail: dict[str, float] = field(default_factory=dict)
    ctr_scheme: str | None = None  # the council's own scheme, when it priced the reduction


def benefit_units(household: HouseholdFile) -> list[list[int]]:
    """People (by index) grouped into families: the first adults as a couple, children with
    them, and any further adult as a family of their own."""
    adults = [i for i, p in enumerate(household.people) if not p.is_child]
    children = [i for i, p in enumerate(household.people) if p.is_child]
    couple = household.couple is not False and len(adults) >= 2
    head = adults[:2] if couple else adults[:1]
    rest = adults[len(head) :]
    return [head + children, *([i] for i in rest)]


def _person(person: Person, year: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "age": person.age,
        "employment_income": person.employment_income,
        "self_employment_income": person.self_employment_income,
        "state_pension": person.state_pension,
        "private_pension_income": person.private_pension,
        "is_disabled_for_benefits": person.disabled,
    }
    if 16 <= person.age <= 19:
        values["current_education"] = (
            "UPPER_SECONDARY" if person.in_education else ("NOT_IN_EDUCATION")
        )
    if person.pip_daily_living:
        values["pip_dl_category"] = LEVELS[person.pip_daily_living]
    if person.pip_mobility:
        values["pip_m_category"] = LEVELS[person.pip_mobility]
    if person.attendance_allowance:
        values["aa_category"] = LEVELS[person.attendance_allowance]
    return {name: {year: value} for name, value in values.items()}


def _household(household: HouseholdFile, members: list[str], year: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "local_authority": household.local_authority,
        "tenure_type": TENURE_TYPES[household.tenure],
        "rent": round(household.rent_monthly * 12, 2),
        "council_tax": household.council_tax_annual,
        "savings": household.savings,
    }
    if household.brma:
        values["brma"] = household.brma
    return {"members": members, **{name: {year: value} for name, value in values.items()}}


def situation(households: Sequence[HouseholdFile], year: int) -> dict[str, Any]:
    """One engine situation holding every household, ids h<n>p<m> and h<n>b<k>."""
    people: dict[str, Any] = {}
    benunits: dict[str, Any] = {}
    homes: dict[str, Any] = {}
    for n, household in enumerate(households):
        ids = [f"h{n}p{m}" for m in range(len(household.people))]
        for person_id, person in zip(ids, household.people, strict=True):
            people[person_id] = _person(person, year)
        for k, unit in enumerate(benefit_units(household)):
            benunits[f"h{n}b{k}"] = {"members": [ids[i] for i in unit]}
        homes[f"h{n}"] = _household(household, ids, year)
    return {"people": people, "benunits": benunits, "households": homes}


def chunks(items: Sequence[Any], size: int = CHUNK_SIZE) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _to_pence(value: float) -> int:
    # The engine works in float32: 1354.5997 is £1,354.60.
    return int(round(float(value) * 100))


def calculate_chunk(
    households: Sequence[HouseholdFile], year: int, *, naive: bool = False
) -> list[EngineResult]:
    """Claimable benefits for households that share a financial year, in one simulation."""
    data = situation(households, year)
    with fastpath.lock():
        sim = fastpath.build_naive(data) if naive else fastpath.build(data, year)
        amounts = {name: sim.calculate(name, year, map_to="household") for name in BENEFITS}
        detail = {name: sim.calculate(name, year, map_to="household") for name in DETAIL_VARIABLES}
    return [
        EngineResult(
            benefits={name: _to_pence(values[i]) for name, values in amounts.items()},
            detail={name: float(values[i]) for name, values in detail.items()},
        )
        for i in range(len(households))
    ]


def distinct(households: Sequence[HouseholdFile]) -> tuple[list[HouseholdFile], list[int]]:
    """Households with repeats removed, and for each input the index of its distinct twin."""
    index: dict[str, int] = {}
    unique: list[HouseholdFile] = []
    positions = []
    for household in households:
        key = household.model_dump_json()
        if key not in index:
            index[key] = len(unique)
            unique.append(household)
        positions.append(index[key])
    return unique, positions


def calculate(
    households: Iterable[HouseholdFile],
    *,
    naive: bool = False,
    chunk_size: int = CHUNK_SIZE,
    workers: int = 1,
) -> list[EngineResult]:
    """Claimable benefits for each household, in order: identical households are calculated
    once, the rest in chunks of one financial year each, over `workers` processes."""
    unique, positions = distinct(list(households))
    by_year: dict[int, list[int]] = {}
    for i, household in enumerate(unique):
        by_year.setdefault(household.year, []).append(i)
    parts = [
        (year, list(part))
        for year, indexes in by_year.items()
        for part in chunks(indexes, chunk_size)
    ]
    tasks = [([unique[i] for i in part], year, naive) for year, part in parts]
    results: list[EngineResult | None] = [None] * len(unique)
    for (_year, part), chunk in zip(parts, _run(tasks, workers), strict=True):
        for i, result in zip(part, chunk, strict=True):
            results[i] = result
    done = [r for r in results if r is not None]
    # Each household gets its own copy: council schemes fill in CTR per household.
    return [copy_result(done[p]) for p in positions]


def _chunk_task(task: tuple[list[HouseholdFile], int, bool]) -> list[EngineResult]:
    households, year, naive = task
    return calculate_chunk(households, year, naive=naive)


def _run(
    tasks: list[tuple[list[HouseholdFile], int, bool]], workers: int
) -> Iterator[list[EngineResult]]:
    """Each chunk's results, in order; in forked worker processes when asked and worth it."""
    if workers <= 1 or len(tasks) < 2:
        yield from map(_chunk_task, tasks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Build the shared system before forking, so each worker starts warm (copy-on-write).
    fastpath.warm(max(task[1] for task in tasks))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(_chunk_task, tasks)


def copy_result(result: EngineResult) -> EngineResult:
    """An independent copy of a result."""
    return EngineResult(dict(result.benefits), dict(result.detail), result.ctr_scheme)

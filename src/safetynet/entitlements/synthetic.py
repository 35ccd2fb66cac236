"""Seeded synthetic households for the fast-path test and the screening benchmark.

Shaped roughly like a borough's low-income caseload: singles, couples, lone parents, families
and pensioners; many with no earnings; rents by tenure. Amounts are rounded (incomes to £500,
rents to £25) as partners' lists and self-checks give them, so some households repeat.
"""

from __future__ import annotations

import numpy as np

from safetynet.entitlements.schemas import HouseholdFile

SHAPES = (  # adults' ages, children, weight
    ("single", 1, 0, 0.30),
    ("couple", 2, 0, 0.12),
    ("lone_parent", 1, 2, 0.15),
    ("family", 2, 2, 0.18),
    ("pensioner", 1, 0, 0.15),
    ("pensioner_couple", 2, 0, 0.10),
)
TENURES = ("social_rent", "private_rent", "owner_outright", "owner_mortgage", "other")
RENT = {"social_rent": (350, 650), "private_rent": (550, 1100)}


def _person(rng: np.random.Generator, pensioner: bool) -> dict[str, object]:
    if pensioner:
        return {
            "age": int(rng.integers(67, 90)),
            "state_pension": float(round(rng.uniform(4_000, 12_000), -2)),
            "private_pension": float(round(rng.choice([0, 0, rng.uniform(0, 9_000)]), -2)),
            "disabled": bool(rng.random() < 0.2),
        }
    working = rng.random() < 0.55
    income = round(rng.lognormal(9.6, 0.6), -3) / 2 if working else 0.0
    return {
        "age": int(rng.integers(18, 64)),
        "employment_income": float(min(income, 60_000)),
        "disabled": bool(rng.random() < 0.15),
    }


def _children(rng: np.random.Generator, count: int) -> list[dict[str, object]]:
    kids: list[dict[str, object]] = []
    for _ in range(int(rng.integers(1, count + 2))):
        age = int(rng.integers(0, 19))
        kids.append({"age": age, "in_education": age >= 16 and bool(rng.random() < 0.7)})
    return kids


def household(rng: np.random.Generator, year: int, local_authority: str) -> HouseholdFile:
    """One random household."""
    weights = np.array([s[3] for s in SHAPES])
    name, adults, children, _ = SHAPES[int(rng.choice(len(SHAPES), p=weights / weights.sum()))]
    pensioner = name.startswith("pensioner")
    people = [_person(rng, pensioner) for _ in range(adults)]
    if children:
        people += _children(rng, children)
    tenure = str(rng.choice(TENURES, p=[0.4, 0.25, 0.2, 0.1, 0.05]))
    low, high = RENT.get(tenure, (0, 0))
    rent = float(round(rng.uniform(low, high) / 25) * 25) if high else 0.0
    return HouseholdFile.model_validate(
        {
            "year": year,
            "local_authority": local_authority,
            "tenure": tenure,
            "rent_monthly": rent,
            "council_tax_annual": float(round(rng.uniform(1_100, 2_400), -1)),
            "savings": float(rng.choice([0, 0, 0, 500, 3_000, 10_000, 20_000])),
            "people": people,
        }
    )


def households(
    count: int, *, seed: int = 7, year: int = 2025, local_authority: str = "Sheffield"
) -> list[HouseholdFile]:
    """`count` random households, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return [household(rng, year, local_authority) for _ in range(count)]

"""The true population of the synthetic borough: households, people, homes and incomes.

Everything is drawn with numpy in whole-array steps (never Faker per person), so 50,000
people take about a second. Who is entitled to and who claims each programme is worked
out from these people in `add_programmes`, at the end of this module.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from safetynet.demo.geography import WARDS, build_dwellings, ward_codes
from safetynet.demo.names import family_surnames, origin_weights, sample_names

HOUSEHOLD_TYPES = (
    "single", "couple", "couple_children", "lone_parent", "pensioner_single",
    "pensioner_couple", "sharers", "family_adult_children",
)  # fmt: skip
# Share of households of each type in a middling ward, and how a fully deprived ward
# differs from an affluent one (more lone parents and single adults, fewer couples).
_BASE_MIX = np.array([0.18, 0.16, 0.17, 0.07, 0.14, 0.10, 0.07, 0.11])
_DEPRIVATION_SHIFT = np.array([0.04, -0.05, -0.02, 0.08, 0.02, -0.05, 0.0, -0.02])
# Head-of-household age per type: lowest age, span, and beta-distribution shape.
_HEAD_AGE = np.array(
    [(18, 47, 1.3, 1.6), (20, 45, 1.5, 1.5), (23, 32, 2.0, 2.0), (18, 36, 2.0, 2.5),
     (66, 34, 1.2, 2.5), (66, 26, 1.2, 2.5), (18, 22, 1.5, 3.0), (40, 28, 2.0, 2.0)]
)  # fmt: skip
Arrays = dict[str, np.ndarray]  # parallel arrays, one entry per household or person
TENURES = ("owner_outright", "owner_mortgage", "private_rent", "social_rent")
PENSION_AGE = 66
_FULL_STATE_PENSION = 11_973.0


def build_population(people: int, as_of: date, rng: np.random.Generator) -> pl.DataFrame:
    """One row per resident with household, home, income and disability.

    Households are drawn until there are `people` residents; the last household may lose
    some children to hit the number exactly.
    """
    households = _households(int(people / 2.2) + 10, rng)
    members = _members(households, rng)
    while members["hh"].size < people:
        households = _households(len(households["type"]) * 2, rng)
        members = _members(households, rng)
    members = {k: v[:people] for k, v in members.items()}
    kept = int(members["hh"][-1]) + 1
    households = {k: v[:kept] for k, v in households.items()}
    frame = _person_frame(households, members, as_of, rng)
    return _add_homes(frame, households, rng)


def _households(count: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Ward, type, size, origin, tenure and rent of `count` households."""
    sizes = np.array([w[2] for w in WARDS])
    ward = rng.choice(len(WARDS), size=count, p=sizes / sizes.sum())
    dep = np.array([w[1] for w in WARDS])[ward]
    mix = _BASE_MIX[None, :] + (dep[:, None] - 0.5) * 2 * _DEPRIVATION_SHIFT[None, :]
    kind = _categorical(mix, rng)
    partner = np.isin(kind, (1, 2, 5, 7)).astype(int)
    children = np.select(
        [kind == 2, kind == 3, kind == 7],
        [1 + rng.poisson(0.8, count), 1 + rng.poisson(0.6, count), rng.poisson(0.3, count)],
        0,
    ).clip(0, 6)
    extra = np.select(
        [kind == 6, kind == 7], [1 + rng.integers(0, 3, count), 1 + (rng.random(count) < 0.3)], 0
    )
    tenure = _tenure(kind, dep, rng)
    hh = {"ward": ward, "type": kind, "partner": partner, "extra": extra, "children": children}
    hh |= {
        "dep": dep,
        "tenure": tenure,
        "origin": rng.choice(len(origin_weights()), size=count, p=origin_weights()),
    }
    hh["rent"] = _rent_monthly(hh, rng)
    return hh


def _categorical(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category index per row of a (rows × categories) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(probs))[:, None] > cum).sum(axis=1).clip(0, probs.shape[1] - 1)


def _tenure(kind: np.ndarray, dep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Tenure index into TENURES: pensioners own outright, deprived wards rent socially."""
    one = np.ones_like(dep)
    working = np.stack([0.10 * one, 0.52 - 0.32 * dep, 0.16 + 0.08 * dep, 0.05 + 0.28 * dep], 1)
    pension = np.stack([0.72 - 0.30 * dep, 0.03 * one, 0.06 + 0.04 * dep, 0.19 + 0.26 * dep], 1)
    sharers = np.stack([0.0 * one, 0.05 * one, 0.85 * one, 0.10 * one], 1)
    is_pension, is_sharer = np.isin(kind, (4, 5))[:, None], (kind == 6)[:, None]
    return _categorical(np.where(is_pension, pension, np.where(is_sharer, sharers, working)), rng)


def _rent_monthly(hh: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Whole-pound monthly rent for renters (0 for owners), by bedrooms and ward."""
    bedrooms = np.clip(1 + hh["extra"] + np.ceil(hh["children"] / 2), 1, 4)
    social = 420 + 60 * bedrooms + rng.normal(0, 30, bedrooms.size)
    private = (700 + 350 * (1 - hh["dep"])) * (1 + 0.22 * (bedrooms - 1))
    private = private * rng.lognormal(0, 0.1, bedrooms.size)
    rent = np.select([hh["tenure"] == 3, hh["tenure"] == 2], [social, private], 0)
    return np.round(rent).astype(np.int64)


def _members(hh: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Expand households to people: role, age, sex and name origin per person."""
    sizes = 1 + hh["partner"] + hh["extra"] + hh["children"]
    h = np.repeat(np.arange(sizes.size), sizes)
    pos = np.arange(h.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    role = np.select(
        [pos == 0, pos <= hh["partner"][h], pos <= hh["partner"][h] + hh["extra"][h]],
        ["head", "partner", "extra"],
        "child",
    )
    age, sex = _ages_and_sexes(hh, h, role, rng)
    own_origin = rng.choice(len(origin_weights()), size=h.size, p=origin_weights())
    mixed = ((role == "partner") & (rng.random(h.size) < 0.12)) | (hh["type"][h] == 6)
    origin = np.where(mixed, own_origin, hh["origin"][h])
    return {"hh": h, "pos": pos, "role": role, "age": age, "sex": sex, "origin": origin}


def _ages_and_sexes(
    hh: Arrays, h: np.ndarray, role: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Ages in fractional years and sexes, consistent within each household."""
    lo, span, a, b = _HEAD_AGE[hh["type"]].T
    head_age = lo + span * rng.beta(a, b)
    head = head_age[h]
    n = h.size
    partner_age = np.clip(head + rng.normal(0, 3.5, n), np.where(head >= 66, 60, 18), 100)
    sharer_age = 18 + 22 * rng.beta(1.5, 3.0, n)
    adult_child = 18 + rng.random(n) * np.clip(head - 36, 1, 13)
    child_age = rng.random(n) * np.minimum(18, head - 16.5)
    extra_age = np.where(hh["type"][h] == 6, sharer_age, adult_child)
    age = np.select(
        [role == "head", role == "partner", role == "extra"],
        [head, partner_age, extra_age],
        child_age,
    )
    p_female = np.where(hh["type"] == 3, 0.9, 0.5)
    head_sex = np.where(rng.random(p_female.size) < p_female, "F", "M")[h]
    opposite = np.where(head_sex == "F", "M", "F")
    partner_sex = np.where(rng.random(n) < 0.97, opposite, head_sex)
    any_sex = np.where(rng.random(n) < 0.5, "F", "M")
    sex = np.select([role == "head", role == "partner"], [head_sex, partner_sex], any_sex)
    return age, sex


def _person_frame(hh: Arrays, m: Arrays, as_of: date, rng: np.random.Generator) -> pl.DataFrame:
    """People with ids, names, dates of birth, incomes, disability and education."""
    n = m["hh"].size
    surname, birth_surname = family_surnames(
        rng,
        hh["origin"],
        m,
        long_married=np.isin(hh["type"], (4, 5)),
        sharers=hh["type"] == 6,
    )
    days = np.floor(m["age"] * 365.25).astype("timedelta64[D]")
    dob = np.datetime64(as_of, "D") - days
    age = m["age"]
    dep = hh["dep"][m["hh"]]
    disabled = rng.random(n) < np.select(
        [age < 18, age < 45, age < 66], [0.06, 0.12, 0.22], 0.38
    ) * (0.75 + 0.5 * dep)
    in_education = (age >= 4) & ((age < 18) | ((age < 22) & (rng.random(n) < 0.45)))
    earnings = _earnings(hh, m, disabled, in_education, rng)
    pension = _pensions(age, dep, rng)
    return pl.DataFrame(
        {
            "person_id": [f"P{i:07d}" for i in range(1, n + 1)],
            "hh": m["hh"],
            "pos": m["pos"],
            "role": m["role"],
            "forename": sample_names(rng, m["origin"], m["sex"]),
            "surname": surname,
            "birth_surname": birth_surname,
            "sex": m["sex"],
            "dob": dob,
            "age": age,
            "employment_income_pence": earnings * 100,
            "pension_income_pence": pension * 100,
            "disabled": disabled,
            "in_education": in_education,
        },
        schema_overrides={"forename": pl.String, "surname": pl.String, "birth_surname": pl.String},
    ).with_columns(pl.col("dob").cast(pl.Date))


def _earnings(
    hh: Arrays, m: Arrays, disabled: np.ndarray, in_education: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Whole-pound annual gross earnings: fewer and lower in deprived wards."""
    age, n = m["age"], m["hh"].size
    dep = hh["dep"][m["hh"]]
    lone_head = (hh["type"][m["hh"]] == 3) & (m["role"] == "head")
    p_work = 0.90 - 0.25 * dep - 0.35 * disabled - 0.20 * lone_head - 0.40 * in_education
    p_work = np.where(age >= 60, p_work - 0.15, p_work)
    p_work = np.where(age >= PENSION_AGE, np.where(age < 75, 0.08, 0.0), p_work)
    employed = (age >= 18) & (rng.random(n) < np.clip(p_work, 0.0, 0.95))
    full_time = rng.random(n) < np.where(in_education | (age >= PENSION_AGE), 0.1, 0.72)
    pay = rng.lognormal(np.log(36_000 * (1.2 - 0.4 * dep)), 0.45, n) * np.where(full_time, 1, 0.45)
    return np.where(employed, np.round(pay), 0).astype(np.int64)


def _pensions(age: np.ndarray, dep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole-pound annual state plus private pension for people of pension age."""
    n = age.size
    state = _FULL_STATE_PENSION * rng.uniform(0.8, 1.05, n)
    private = np.where(rng.random(n) < 0.88 - 0.40 * dep, rng.lognormal(np.log(5_500), 0.8, n), 0)
    return np.where(age >= PENSION_AGE, np.round(state + private), 0).astype(np.int64)


def _add_homes(frame: pl.DataFrame, hh: Arrays, rng: np.random.Generator) -> pl.DataFrame:
    """Join each household's dwelling, tenure, rent, council tax and any previous home."""
    p_flat = np.array([0.1, 0.1, 0.5, 0.6])[hh["tenure"]]
    is_flat = rng.random(hh["tenure"].size) < np.where(hh["type"] == 6, 0.4, p_flat)
    dwellings = build_dwellings(hh["ward"], is_flat, rng)
    codes = np.array(ward_codes())
    n = hh["tenure"].size
    council_tax = (
        2_150 * (1.25 - 0.6 * hh["dep"] + rng.normal(0, 0.1, n)) * np.where(is_flat, 0.8, 1)
    )
    uprns = dwellings.sort("household")["uprn"].to_numpy()
    previous = uprns[(np.arange(n) + rng.integers(1, n, n)) % n]
    moved = rng.random(n) < 0.05
    homes = pl.DataFrame(
        {
            "hh": np.arange(n),
            "household_id": [f"H{i:06d}" for i in range(1, n + 1)],
            "household_type": np.array(HOUSEHOLD_TYPES)[hh["type"]],
            "ward_code": codes[hh["ward"]],
            "deprivation": hh["dep"],
            "tenure": np.array(TENURES)[hh["tenure"]],
            "rent_monthly_pence": hh["rent"] * 100,
            "council_tax_annual_pence": np.round(council_tax).astype(np.int64) * 100,
            "previous_uprn": np.where(moved, previous, 0),
        }
    ).with_columns(previous_uprn=pl.when(pl.col("previous_uprn") > 0).then("previous_uprn"))
    dwellings = dwellings.rename({"household": "hh"}).with_columns(
        address=pl.when(pl.col("flat") == "")
        .then(pl.col("street_address"))
        .otherwise(pl.concat_str("flat", pl.lit(", "), "street_address"))
    )
    homes = homes.join(dwellings.drop("ward"), on="hh")
    return frame.join(homes, on="hh", how="left").sort("hh", "pos")


# 2025/26 rates, rounded: enough for plausible eligibility, not a benefits calculator.
_UC_STANDARD = {"single_u25": 316.98, "single": 400.14, "couple_u25": 497.55, "couple": 628.10}
_UC_CHILD, _UC_LCWRA, _UC_TAPER = 292.81, 423.27, 0.55
_PC_GUARANTEE = (227.10, 346.60)  # weekly, single / couple
_PENSION_APPLICABLE = (235.20, 352.00)  # weekly HB/CTR applicable amount, single / couple
_WORKING_APPLICABLE, _CHILD_APPLICABLE = (92.05, 144.65), 84.66
_FSM_EARNINGS_LIMIT = 7_400
_NET = 0.82  # rough share of gross earnings left after tax and National Insurance
_UNIT_FLAGS = (
    "eligible_uc", "on_uc", "eligible_pc", "on_pc", "eligible_hb", "on_hb",
    "eligible_fsm", "on_fsm", "eligible_hsf", "low_income",
)  # fmt: skip


def add_programmes(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Add who is eligible for and who claims UC, Pension Credit, HB, CTR and FSM.

    UC, Pension Credit, HB and FSM belong to a benefit unit (adult, any partner,
    children); adults living with others (sharers, grown-up children) are units of their
    own. CTR belongs to the household that pays council tax. Flags sit on every member of
    the unit or household; the claimant named in each partner list is in ground truth.
    """
    extra = pl.col("role") == "extra"
    frame = frame.with_columns(
        benefit_unit_id=pl.when(extra)
        .then(pl.concat_str("household_id", pl.lit("-"), pl.col("pos").cast(pl.String)))
        .otherwise("household_id")
    )
    units = _free_school_meals(
        _council_tax_reduction(
            _pension_benefits(_universal_credit(_units(frame, rng), rng), rng), rng
        ),
        rng,
    )
    per_unit = units.select("benefit_unit_id", "uc_monthly", "housing_element", *_UNIT_FLAGS)
    per_household = units.filter("primary").select(
        "household_id", "ctr_weekly", "eligible_ctr", "on_ctr", "hb_weekly"
    )
    return frame.join(per_unit, on="benefit_unit_id", how="left").join(
        per_household, on="household_id", how="left"
    )


def _units(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per benefit unit with its adults, children, income, rent and council tax."""
    adult = pl.col("role") != "child"
    rent = pl.col("rent_monthly_pence") / 100
    shared_rent = rent / adult.sum().over("household_id")
    frame = frame.with_columns(
        unit_rent=pl.when(pl.col("household_type") == "sharers")
        .then(shared_rent)
        .when(pl.col("role") == "extra")
        .then(0.0)
        .otherwise(rent),
        household_adults=adult.sum().over("household_id"),
    )
    units = frame.group_by("benefit_unit_id", maintain_order=True).agg(
        pl.col("household_id").first(),
        primary=(pl.col("role") == "head").any(),
        adults=adult.sum(),
        children=(~adult).sum(),
        school_children=(~adult & pl.col("in_education")).sum(),
        earnings=pl.col("employment_income_pence").sum() / 100,
        pensions=pl.col("pension_income_pence").sum() / 100,
        min_age=pl.col("age").filter(adult).min(),
        max_age=pl.col("age").filter(adult).max(),
        disabled=(pl.col("disabled") & adult).any(),
        students=(pl.col("in_education") & adult).all(),
        tenure=pl.col("tenure").first(),
        rent=pl.col("unit_rent").first(),
        council_tax=pl.col("council_tax_annual_pence").first() / 100,
        household_adults=pl.col("household_adults").first(),
    )
    # Savings over £16,000 rule a unit out of means-tested help (not Pension Credit).
    p_savings = np.select(
        [units["tenure"] == "owner_outright", units["tenure"] == "owner_mortgage"],
        [0.35, 0.2],
        0.05,
    )
    return units.with_columns(savings=rng.random(units.height) < p_savings)


def _arrays(units: pl.DataFrame, *names: str) -> list[np.ndarray]:
    """Columns of the unit table as numpy arrays, for the arithmetic below."""
    return [units[name].to_numpy() for name in names]


def _universal_credit(units: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Monthly UC award (standard, child, LCWRA and housing elements less the taper)."""
    adults, children, earnings, pensions, min_age, max_age, disabled, rent, tenure = _arrays(
        units, "adults", "children", "earnings", "pensions", "min_age", "max_age", "disabled",
        "rent", "tenure",
    )  # fmt: skip
    students, savings = _arrays(units, "students", "savings")
    young = max_age < 25
    standard = np.where(
        adults >= 2,
        np.where(young, _UC_STANDARD["couple_u25"], _UC_STANDARD["couple"]),
        np.where(young, _UC_STANDARD["single_u25"], _UC_STANDARD["single"]),
    )
    local_housing_allowance = 400 + 130 * np.clip(1 + np.ceil(children / 2), 1, 4)
    housing = np.select(
        [tenure == "social_rent", tenure == "private_rent"],
        [rent, np.minimum(rent, local_housing_allowance)],
        0.0,
    )
    maximum = standard + _UC_CHILD * np.minimum(children, 2) + _UC_LCWRA * disabled + housing
    work_allowance = np.where((children > 0) | disabled, np.where(housing > 0, 411, 684), 0)
    excess = np.maximum(0, earnings * _NET / 12 - work_allowance)
    award = np.maximum(0, maximum - _UC_TAPER * excess - pensions / 12)
    eligible = (min_age < PENSION_AGE) & (award >= 10) & ~students & ~savings
    take_up = np.clip(0.62 + 0.3 * award / 900, 0.62, 0.94)
    on = eligible & (rng.random(award.size) < take_up)
    return units.with_columns(
        uc_monthly=np.round(np.where(eligible, award, 0), 2),
        housing_element=np.round(np.where(eligible, housing, 0), 2),
        eligible_uc=eligible,
        on_uc=on,
    )


def _pension_benefits(units: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Pension Credit (guarantee) and Housing Benefit for pension-age units."""
    adults, earnings, pensions, min_age, rent, tenure, savings = _arrays(
        units, "adults", "earnings", "pensions", "min_age", "rent", "tenure", "savings"
    )
    couple = adults >= 2
    income = (earnings * _NET + pensions) / 52
    pension_age = min_age >= PENSION_AGE
    eligible_pc = pension_age & (income < np.where(couple, *_PC_GUARANTEE[::-1]))
    on_pc = eligible_pc & (rng.random(adults.size) < 0.63)
    rent_weekly = rent * 12 / 52
    excess = np.maximum(0, income - np.where(couple, *_PENSION_APPLICABLE[::-1]))
    hb = np.where(eligible_pc, rent_weekly, np.maximum(0, rent_weekly - 0.65 * excess))
    renter = np.isin(tenure, ("private_rent", "social_rent")) & (rent > 0)
    eligible_hb = pension_age & renter & (hb >= 0.5) & (eligible_pc | ~savings)
    on_hb = eligible_hb & (rng.random(adults.size) < np.where(on_pc, 0.92, 0.8))
    return units.with_columns(
        eligible_pc=eligible_pc,
        on_pc=on_pc,
        hb_weekly=np.round(np.where(eligible_hb, hb, 0), 2),
        eligible_hb=eligible_hb,
        on_hb=on_hb,
    )


def _council_tax_reduction(units: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Weekly CTR: full support for pensioners on low income, at most 75% for working age."""
    adults, children, earnings, pensions, min_age, council_tax, household_adults = _arrays(
        units, "adults", "children", "earnings", "pensions", "min_age", "council_tax",
        "household_adults",
    )  # fmt: skip
    primary, on_uc, eligible_pc, on_pc, on_hb, savings, students = _arrays(
        units, "primary", "on_uc", "eligible_pc", "on_pc", "on_hb", "savings", "students"
    )
    couple = adults >= 2
    tax = council_tax / 52 * np.where(household_adults == 1, 0.75, 1.0)
    income = (earnings * _NET + pensions) / 52
    pension_age = min_age >= PENSION_AGE
    pension_excess = np.maximum(0, income - np.where(couple, *_PENSION_APPLICABLE[::-1]))
    pension_ctr = np.where(eligible_pc, tax, np.maximum(0, tax - 0.2 * pension_excess))
    applicable = np.where(couple, *_WORKING_APPLICABLE[::-1]) + _CHILD_APPLICABLE * children
    working_ctr = np.maximum(0, 0.75 * tax - 0.3 * np.maximum(0, income - applicable))
    weekly = np.where(pension_age, pension_ctr, working_ctr)
    eligible = primary & (weekly >= 1) & (eligible_pc | ~savings) & ~students
    take_up = np.where(
        pension_age, np.where(on_pc | on_hb, 0.85, 0.30), np.where(on_uc, 0.75, 0.35)
    )
    on = eligible & (rng.random(weekly.size) < take_up)
    return units.with_columns(
        ctr_weekly=np.round(np.where(eligible, weekly, 0), 2), eligible_ctr=eligible, on_ctr=on
    )


def _free_school_meals(units: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """FSM for UC claimants with school-age children and net earnings under £7,400."""
    on_uc, school, earnings = _arrays(units, "on_uc", "school_children", "earnings")
    eligible = on_uc & (school > 0) & (earnings * _NET < _FSM_EARNINGS_LIMIT)
    on = eligible & (rng.random(on_uc.size) < 0.85)
    low_income = pl.any_horizontal("eligible_uc", "eligible_pc", "eligible_hb", "eligible_ctr")
    vulnerable = (pl.col("children") > 0) | (pl.col("min_age") >= PENSION_AGE) | pl.col("disabled")
    return units.with_columns(eligible_fsm=eligible, on_fsm=on, low_income=low_income).with_columns(
        eligible_hsf=pl.col("low_income") & vulnerable
    )

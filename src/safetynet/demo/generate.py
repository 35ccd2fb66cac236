"""Generate a synthetic borough: partners' lists as they really arrive, with ground truth.

`generate_borough` builds a seeded population (`people.py`), works out who is entitled to
and who claims each programme, picks who used the food banks, the advice centre and the
Household Support Fund, and writes each partner's list (`lists.py`) with the mess that
partner's system adds. `ground_truth.csv` names the real person behind every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from safetynet.demo import lists
from safetynet.demo.geography import WARDS, ward_codes, write_ward_lookup, write_wards_geojson
from safetynet.demo.names import email_address, phone_numbers
from safetynet.demo.people import PENSION_AGE, add_programmes, build_population
from safetynet.errors import InvalidInput

Rng = np.random.Generator
ORGANISATIONS = (
    ("council", "Demo Borough Council", "council"),
    ("north-foodbank", "North End Food Bank", "charity"),
    ("riverside-pantry", "Riverside Community Pantry", "charity"),
    ("advice-centre", "Borough Advice Centre", "charity"),
)
PEOPLE_COLUMNS = (
    "person_id", "household_id", "forename", "surname", "sex", "dob", "uprn", "address",
    "postcode", "ward_code", "tenure", "rent_monthly_pence", "employment_income_pence",
    "pension_income_pence", "disabled", "in_education",
    "eligible_ctr", "on_ctr", "eligible_hb", "on_hb", "eligible_pc", "on_pc",
    "eligible_uc", "on_uc", "eligible_fsm", "on_fsm", "eligible_hsf", "on_hsf",
    "benefit_unit_id", "birth_surname", "previous_uprn", "foodbank_visits", "advice_client",
)  # fmt: skip
_REFERRERS = ("Self", "Jobcentre Plus", "Citizens Advice", "GP", "School", "Social Services")
_REFERRER_WEIGHTS = np.array([0.35, 0.2, 0.15, 0.1, 0.1, 0.1])
_HSF_ROUNDS = (330, 210, 90)  # days before as_of that each round of awards was paid


@dataclass(frozen=True)
class PartnerList:
    """One partner's file, and what the importer needs to know to load it."""

    path: Path
    org: str
    source: str
    kind: str
    mode: str
    mapping: Path | None
    sheet: str | None


@dataclass(frozen=True)
class BoroughManifest:
    """Everything `generate_borough` wrote."""

    out_dir: Path
    lists: tuple[PartnerList, ...]
    ward_lookup: Path
    wards_geojson: Path
    ground_truth: Path
    people: Path


Writer = Callable[..., lists.Written]
# writer, organisation, source, kind, mode, and which frame it lists.
CATALOGUE: tuple[tuple[Writer, str, str, str, str, str], ...] = (
    (lists.council_tax_reduction, "council", "ctr", "council_tax_reduction", "snapshot", "people"),
    (lists.housing_benefit, "council", "hb", "housing_benefit", "snapshot", "people"),
    (lists.universal_credit, "council", "uc", "universal_credit", "snapshot", "people"),
    (lists.free_school_meals, "council", "fsm", "free_school_meals", "snapshot", "people"),
    (lists.household_support_fund, "council", "hsf", "household_support_fund", "append", "hsf"),
    (lists.north_food_bank, "north-foodbank", "visits", "foodbank_attendance", "append", "north"),
    (lists.riverside_pantry, "riverside-pantry", "visits", "foodbank_attendance", "append",
     "pantry"),
    (lists.advice_centre, "advice-centre", "clients", "advice_clients", "snapshot", "advice"),
)  # fmt: skip


def generate_borough(
    out_dir: Path, *, people: int = 50_000, seed: int = 1, as_of: date | None = None
) -> BoroughManifest:
    """Write a synthetic borough of `people` residents into `out_dir`.

    The same seed, size and `as_of` give byte-identical files. `as_of` (default today) is
    the extract date: ages, visit dates and award dates are counted back from it.
    """
    if not 100 <= people <= 1_000_000:
        raise InvalidInput(f"A demo borough has 100 to 1,000,000 people, not {people:,}.")
    as_of = as_of or date.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    population = _with_unit_counts(
        add_programmes(build_population(people, as_of, streams[0]), streams[0])
    )
    frames = {"people": population} | _activity(population, as_of, streams[1])
    homes = population.select("uprn", "flat", "street_address", "address", "postcode")
    extract = lists.Extract(out_dir, as_of, homes.unique("uprn").sort("uprn"))
    written = [
        (entry, entry[0](frames[entry[5]], extract, rng))
        for entry, rng in zip(CATALOGUE, streams[2:], strict=False)
    ]
    truth = pl.concat(
        [w.truth.select(pl.lit(e[2]).alias("source"), "row_id", "person_id") for e, w in written]
    )
    return BoroughManifest(
        out_dir=out_dir,
        lists=tuple(
            PartnerList(w.path, e[1], e[2], e[3], e[4], w.mapping, w.sheet) for e, w in written
        ),
        ward_lookup=write_ward_lookup(_ward_indexed(population), out_dir / "ward_lookup.csv"),
        wards_geojson=write_wards_geojson(out_dir / "wards.geojson", streams[10]),
        ground_truth=_write(truth, out_dir / "ground_truth.csv"),
        people=_write_people(population, frames, out_dir / "people.csv"),
    )


def _write(frame: pl.DataFrame, path: Path) -> Path:
    """Write a CSV and return its path."""
    frame.write_csv(path)
    return path


def _with_unit_counts(population: pl.DataFrame) -> pl.DataFrame:
    """Children and school-age children in each person's benefit unit."""
    child = pl.col("role") == "child"
    return population.with_columns(
        unit_children=child.sum().over("benefit_unit_id"),
        unit_school_children=(child & pl.col("in_education")).sum().over("benefit_unit_id"),
        unit_adults=(~child).sum().over("benefit_unit_id"),
        has_partner=(pl.col("role") == "partner").any().over("benefit_unit_id"),
    )


def _ward_indexed(population: pl.DataFrame) -> pl.DataFrame:
    """Postcode and ward index of every dwelling, for the ward lookup."""
    index = {code: i for i, code in enumerate(ward_codes())}
    return population.select(
        "postcode", ward=pl.col("ward_code").replace_strict(index, return_dtype=pl.Int64)
    )


def _activity(population: pl.DataFrame, as_of: date, rng: Rng) -> dict[str, pl.DataFrame]:
    """Who got Household Support Fund awards, visited a food bank, or saw an adviser."""
    heads = population.filter(lists.UNIT_HEAD)
    north, pantry = _food_bank_visits(population, heads, as_of, rng)
    advice = _advice_clients(population, heads, north, pantry, rng)
    contacts = _contacts(pl.concat([north, pantry, advice], how="diagonal"), rng)
    return {
        "hsf": _hsf_awards(heads, as_of, rng),
        "north": north.join(contacts, on="person_id"),
        "pantry": pantry.join(contacts, on="person_id"),
        "advice": advice.join(contacts, on="person_id"),
    }


def _hsf_awards(heads: pl.DataFrame, as_of: date, rng: Rng) -> pl.DataFrame:
    """Awards in three rounds: mostly to vulnerable claimants, some by application."""
    on_any = pl.any_horizontal("on_uc", "on_pc", "on_hb", "on_ctr")
    chance = (
        pl.when(pl.col("eligible_hsf") & on_any)
        .then(0.3)
        .when("eligible_hsf")
        .then(0.06)
        .otherwise(0.001)
    )
    amount = (
        pl.when(pl.col("unit_children") > 0)
        .then(50 + 50 * pl.col("unit_children").clip(0, 4))
        .when(pl.col("age") >= PENSION_AGE)
        .then(150)
        .otherwise(100)
    )
    p = heads.select(chance).to_series().to_numpy()
    rounds = []
    for days in _HSF_ROUNDS:
        picked = heads.filter(pl.Series(rng.random(heads.height) < p))
        offsets = days + rng.integers(-21, 22, picked.height)
        paid = [as_of - timedelta(days=int(d)) for d in offsets]
        rounds.append(picked.with_columns(pl.Series("award_date", paid, dtype=pl.Date)))
    return pl.concat(rounds).with_columns(amount=amount.cast(pl.Float64))


def _visitor(
    population: pl.DataFrame, units: pl.DataFrame, partner_share: float, rng: Rng
) -> pl.DataFrame:
    """The person who comes in for each unit: usually its head, sometimes the partner."""
    units = units.with_columns(use_partner=pl.Series(rng.random(units.height) < partner_share))
    chosen = population.join(units, on="benefit_unit_id")
    wanted = pl.when(pl.col("use_partner") & pl.col("has_partner"))
    return chosen.filter(wanted.then(pl.col("role") == "partner").otherwise(lists.UNIT_HEAD))


def _food_bank_visits(
    population: pl.DataFrame, heads: pl.DataFrame, as_of: date, rng: Rng
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Visits over the year before `as_of` to each food bank: one row per visit."""
    missing_out = (pl.col("eligible_uc") & ~pl.col("on_uc")) | (
        pl.col("eligible_ctr") & ~pl.col("on_ctr")
    )
    chance = pl.when("low_income").then(0.09).otherwise(0.004) * pl.when(missing_out).then(
        1.5
    ).otherwise(1.0)
    p = heads.select(chance).to_series().to_numpy()
    units = heads.filter(pl.Series(rng.random(heads.height) < p)).select("benefit_unit_id")
    visitors = _visitor(population, units, 0.25, rng).sort("person_id")
    row = np.array([WARDS[ward_codes().index(c)][3] for c in visitors["ward_code"]], dtype=int)
    north_first = rng.random(visitors.height) < np.array([0.85, 0.5, 0.15])[row]
    both = rng.random(visitors.height) < 0.1
    count = np.minimum(rng.geometric(0.3, visitors.height), 12)
    north_count = np.where(both, np.ceil(count / 2), np.where(north_first, count, 0))
    pantry_count = np.where(both, np.maximum(count - north_count, 1), count - north_count)
    return (
        _visit_rows(visitors, north_count.astype(int), as_of, rng),
        _visit_rows(visitors, pantry_count.astype(int), as_of, rng),
    )


def _visit_rows(visitors: pl.DataFrame, counts: np.ndarray, as_of: date, rng: Rng) -> pl.DataFrame:
    """Each visitor repeated once per visit, on distinct days within the last year."""
    rows = visitors.select(pl.all().repeat_by(pl.Series(counts)).explode()).drop_nulls("person_id")
    days = np.concatenate([np.sort(rng.choice(365, k, replace=False)) for k in counts if k])
    dates = [as_of - timedelta(days=int(d) + 1) for d in days]
    misreport = rng.integers(-1, 2, rows.height) * (rng.random(rows.height) < 0.1)
    referrer = rng.choice(len(_REFERRERS), size=rows.height, p=_REFERRER_WEIGHTS)
    return rows.with_columns(
        pl.Series("visit_date", dates, dtype=pl.Date),
        adults=pl.col("unit_adults"),
        children=(pl.col("unit_children") + pl.Series(misreport)).clip(0),
        referred_by=pl.Series(np.array(_REFERRERS)[referrer]),
    )


def _advice_clients(
    population: pl.DataFrame,
    heads: pl.DataFrame,
    north: pl.DataFrame,
    pantry: pl.DataFrame,
    rng: Rng,
) -> pl.DataFrame:
    """Clients of the advice centre: many on low incomes, more among food bank users."""
    visited = pl.concat([north["benefit_unit_id"], pantry["benefit_unit_id"]]).unique()
    chance = (
        pl.when(pl.col("benefit_unit_id").is_in(visited.implode()))
        .then(0.3)
        .when("low_income")
        .then(0.07)
        .otherwise(0.008)
    )
    p = heads.select(chance).to_series().to_numpy()
    units = heads.filter(pl.Series(rng.random(heads.height) < p)).select("benefit_unit_id")
    return _visitor(population, units, 0.3, rng).sort("person_id")


def _contacts(charity_rows: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """One true phone number and email per person known to a charity, shared across lists."""
    people = charity_rows.select("person_id", "forename", "surname").unique("person_id")
    people = people.sort("person_id")
    emails = [
        email_address(f, s, rng) for f, s in zip(people["forename"], people["surname"], strict=True)
    ]
    return pl.DataFrame(
        {
            "person_id": people["person_id"],
            "phone": phone_numbers(people.height, rng),
            "email": emails,
        }
    )


def _write_people(population: pl.DataFrame, frames: dict[str, pl.DataFrame], path: Path) -> Path:
    """people.csv: the true population with programme flags and what they used."""
    awarded = frames["hsf"]["benefit_unit_id"].unique().implode()
    visits = pl.concat([frames["north"]["person_id"], frames["pantry"]["person_id"]]).value_counts(
        name="foodbank_visits"
    )
    advised = frames["advice"]["person_id"].implode()
    out = population.join(visits, on="person_id", how="left").with_columns(
        on_hsf=pl.col("benefit_unit_id").is_in(awarded),
        foodbank_visits=pl.col("foodbank_visits").fill_null(0),
        advice_client=pl.col("person_id").is_in(advised),
    )
    out.sort("person_id").select(PEOPLE_COLUMNS).write_csv(path)
    return path

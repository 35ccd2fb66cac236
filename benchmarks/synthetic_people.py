"""A large synthetic people list for the scale benchmark, with 10% messy duplicates.

Households (one to five people, most sharing a surname) at addresses on streets grouped into
postcode units, names drawn from the demo borough's pooled Faker name lists (Faker en_GB alone
holds about 360 first names and 500 surnames, which makes linkage look easier than it is), and
a tenth of the records re-entered with the mistakes of real lists: typos, nicknames, day and
month swapped, a year off, missing fields, a move or a married name. Records arrive as an
import leaves them (dates of birth as dates, postcodes formatted), with the true person id.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from safetynet.demo import names

HOUSEHOLD_SIZES = (np.arange(1, 6), np.array([0.30, 0.34, 0.16, 0.13, 0.07]))
SUFFIXES = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Gardens", "Crescent",
    "Place", "Grove", "Terrace", "Court", "Rise", "Walk", "Mews",
)  # fmt: skip
PLACES = (
    "Ashford", "Barton", "Carlton", "Didsbury", "Eastwood", "Fenwick", "Granby", "Hatfield",
    "Ingleby", "Kirkby", "Longford", "Milton", "Newbold", "Oakley", "Preston", "Radford",
    "Sutton", "Thornton", "Upton", "Walton", "Weston", "Yardley",
)  # fmt: skip
UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
AREAS = np.array(["DB", "LS", "M", "B", "NE", "S", "L", "BD", "HU", "NG", "LE", "CV"])


def generate(records: int, seed: int) -> pl.DataFrame:
    """`records` rows: 90% distinct people, 10% messy copies of some of them; shuffled."""
    rng = np.random.default_rng(seed)
    copies = records // 10
    people = _people(records - copies, rng)
    messy = _mess(people[rng.integers(0, people.height, copies)], people, rng)
    order = rng.permutation(records)
    both = pl.concat([people, messy]).with_columns(pl.Series("record_id", order + 1))
    return both.sort("record_id")


def _people(count: int, rng: np.random.Generator) -> pl.DataFrame:
    sizes = rng.choice(HOUSEHOLD_SIZES[0], size=count // 2, p=HOUSEHOLD_SIZES[1])
    household = np.repeat(np.arange(sizes.size), sizes)[:count]
    homes = _homes(int(household.max()) + 1, rng)
    origin = rng.choice(len(names.origin_names()), household.max() + 1, p=names.origin_weights())
    sex = np.where(rng.random(count) < 0.5, "F", "M")
    forename = names.sample_names(rng, origin[household], sex)
    family = names.sample_names(rng, origin, np.full(origin.size, "surname"))[household]
    own = names.sample_names(rng, origin[household], np.full(count, "surname"))
    surname = np.where(rng.random(count) < 0.85, family, own)
    born = np.datetime64("1931-01-01") + rng.integers(0, 34000, count).astype("timedelta64[D]")
    return pl.DataFrame(
        {
            "person_id": np.arange(count),
            "forename": forename.astype(str),
            "surname": surname.astype(str),
            "dob": born.astype("datetime64[D]"),
            "postcode": homes["postcode"][household],
            "address": homes["address"][household],
        }
    )


def _homes(count: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Addresses on streets of about forty homes, each street in one postcode sector."""
    streets = max(1, count // 40)
    base = names.sample_names(rng, np.zeros(streets, dtype=int), np.full(streets, "surname"))
    street = np.char.add(np.char.add(base.astype(str), " "), rng.choice(SUFFIXES, streets))
    town = rng.choice(PLACES, streets)
    district = np.char.add(rng.choice(AREAS, streets), rng.integers(1, 30, streets).astype(str))
    sector = np.char.add(np.char.add(district, " "), rng.integers(0, 10, streets).astype(str))
    on = rng.integers(0, streets, count)
    number = rng.integers(1, 200, count)
    flat = rng.random(count) < 0.15
    unit = rng.integers(0, 3, count) + (number // 60)
    letters = np.char.add(UNIT_LETTERS[(on * 7 + unit) % 20], UNIT_LETTERS[(on * 3 + unit) % 20])
    prefix = np.where(
        flat, np.char.add(np.char.add("Flat ", rng.integers(1, 9, count).astype(str)), ", "), ""
    )
    address = np.char.add(np.char.add(prefix, np.char.add(number.astype(str), " ")), street[on])
    return {
        "address": np.char.add(np.char.add(address, ", "), town[on]),
        "postcode": np.char.add(sector[on], letters),
    }


def _mess(copies: pl.DataFrame, people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """The copies as another list holds them: every one differs in at least one way."""
    n = copies.height
    forename, surname = copies["forename"].to_list(), copies["surname"].to_list()
    dob = copies["dob"].to_list()
    postcode, address = copies["postcode"].to_list(), copies["address"].to_list()
    draw = rng.random((12, n))
    movers = rng.integers(0, people.height, n)
    for i in range(n):
        _mess_one(i, draw[:, i], rng, forename, surname, dob, postcode, address)
        if draw[10, i] < 0.06:  # moved house since
            postcode[i], address[i] = people["postcode"][int(movers[i])], None
        if draw[11, i] < 0.02:  # married (or divorced) since: another surname
            surname[i] = people["surname"][int(movers[i])]
    return copies.with_columns(
        pl.Series("forename", forename, dtype=pl.String),
        pl.Series("surname", surname, dtype=pl.String),
        pl.Series("dob", dob, dtype=pl.Date),
        pl.Series("postcode", postcode, dtype=pl.String),
        pl.Series("address", address, dtype=pl.String),
    )


def _mess_one(
    i: int,
    d: np.ndarray,
    rng: np.random.Generator,
    forename: list,
    surname: list,
    dob: list,
    postcode: list,
    address: list,
) -> None:
    if d[0] < 0.15:
        forename[i] = names.nickname(forename[i], rng)
    elif d[0] < 0.30:
        forename[i] = names.typo(forename[i], rng)
    elif d[0] < 0.33:
        forename[i] = None
    if d[1] < 0.22:
        surname[i] = names.typo(surname[i], rng)
    elif d[1] < 0.24:
        surname[i] = None
    born: date = dob[i]
    if d[2] < 0.08 and born.day <= 12 and born.day != born.month:
        dob[i] = date(born.year, born.day, born.month)
    elif d[2] < 0.12:
        dob[i] = _safe(born.year + int(rng.choice((-1, 1))), born.month, born.day)
    elif d[2] < 0.16:
        dob[i] = _safe(born.year, born.month, min(28, born.day + 1))
    elif d[2] < 0.26:
        dob[i] = None
    if d[3] < 0.10:
        postcode[i] = None
    if d[4] < 0.12:
        address[i] = None
    untouched = d[0] >= 0.33 and d[1] >= 0.24 and d[2] >= 0.26 and d[3] >= 0.10 and d[4] >= 0.12
    if untouched and d[10] >= 0.06:  # at least one mistake: a typo in one name
        if d[5] < 0.5:
            surname[i] = names.typo(surname[i], rng)
        else:
            forename[i] = names.typo(forename[i], rng)


def _safe(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)

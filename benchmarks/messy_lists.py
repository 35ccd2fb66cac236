"""A harder test world for linkage: a council register and a partner list, with ground truth.

Written apart from the demo borough (nothing here comes from `safetynet.demo`), seeded, and
messier than the demo where real partner lists differ from it (issue 11):
- households: 30% of people live with relatives sharing their surname (parents, children,
  siblings, twins with one birthday), and a register leaves some relatives' dates of birth out;
- the partner list (a food bank's, say) holds a share of the register's people, some people the
  register lacks (among them relatives of registered households), and repeats 10% of its
  people under a second client id;
- partner rows differ from the register at these rates: 15% moved (new address and postcode),
  8% surname changed (married, a second barrel added or dropped), 25% nickname or short form,
  20% no date of birth, 3% day and month swapped, 5% forename and surname swapped, 10%
  postcode mistyped or missing, plus a few typing slips in names.
Names come from Faker's English-speaking locales pooled (en_GB alone repeats its few hundred
names too often), nicknames from the `nicknames` package.

    python benchmarks/messy_lists.py FOLDER [--people 4000] [--seed 41]

writes register.csv, partner.csv (the rows as a user would have them) and truth.csv (list,
id, person): two rows are the same person when their `person` is equal.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

RATES = {
    "twice": 0.10,  # partner people with a second row under another client id
    "moved": 0.15,
    "surname_changed": 0.08,
    "nickname": 0.25,
    "dob_missing": 0.20,
    "dob_swapped": 0.03,
    "names_swapped": 0.05,
    "postcode_bad": 0.10,
    "name_typo": 0.03,
}
SWAPPABLE = 11 / 30.4  # share of birthdays whose day and month can be swapped
RELATIVES_SHARE = 0.30  # people living with relatives who share their surname
REGISTER_DOB_MISSING = 0.04  # register rows without a date of birth (all of them relatives)
IN_PARTNER = 0.35  # share of the register's people on the partner list
NEWCOMERS = 0.10  # partner people not on the register (half of them a registered family's)
DOUBLE_BARRELLED = 0.04
LOCALES = ("en_GB", "en_IE", "en_AU", "en_NZ", "en_CA", "en_US")
STREETS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Grove", "Terrace", "Way")
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
AREAS = ("SK", "OL", "WN", "BL")  # four districts' areas; outward codes like SK3


@dataclass
class Pools:
    """Name pools: forenames by sex, surnames, and each forename's nicknames."""

    female: list[str]
    male: list[str]
    surnames: list[str]
    nicknames: dict[str, list[str]]
    streets: list[str]

    @property
    def nicknamed(self) -> float:
        """Share of forenames with a nickname or short form."""
        names = self.female + self.male
        return sum(n in self.nicknames for n in names) / len(names)


def pools(rng: np.random.Generator) -> Pools:
    from faker import Faker
    from nicknames import NickNamer

    female: set[str] = set()
    male: set[str] = set()
    surnames: set[str] = set()
    for locale in LOCALES:
        person = next(p for p in Faker(locale).get_providers() if "person" in type(p).__module__)
        female |= {n for n in person.first_names_female if n.isalpha()}
        male |= {n for n in person.first_names_male if n.isalpha()}
        surnames |= {n for n in person.last_names if n.isalpha()}
    namer = NickNamer()
    nicknames = {
        name: sorted(n.title() for n in namer.nicknames_of(name.lower()) if n.isalpha())
        for name in female | male
    }
    words = sorted(surnames)
    streets = [
        f"{w} {s}" for w in rng.choice(words, 160, replace=False) for s in [rng.choice(STREETS)]
    ]
    return Pools(
        sorted(female), sorted(male), words, {k: v for k, v in nicknames.items() if v}, streets
    )


def _birthday(rng: np.random.Generator, born_from: int, born_to: int) -> date:
    return date(born_from, 1, 1) + timedelta(days=int(rng.integers(0, 365 * (born_to - born_from))))


def _home(rng: np.random.Generator, p: Pools, homes: set[tuple[str, str]]) -> tuple[str, str]:
    """A new address and its postcode (a street is one postcode unit per 40 numbers)."""
    while True:
        street = int(rng.integers(0, len(p.streets)))
        number = int(rng.integers(1, 160))
        district = f"{AREAS[street % len(AREAS)]}{street % 9 + 1}"
        block = number // 40
        unit = UNIT_LETTERS[(street * 7 + block) % 20] + UNIT_LETTERS[(street * 3 + block) % 20]
        postcode = f"{district} {block + 1}{unit}"
        address = f"{number} {p.streets[street]}"
        if (address, postcode) not in homes:
            homes.add((address, postcode))
            return address, postcode


def _person(rng: np.random.Generator, p: Pools, surname: str, born: date) -> dict:
    sex = "F" if rng.random() < 0.5 else "M"
    forename = str(rng.choice(p.female if sex == "F" else p.male))
    return {"forename": forename, "surname": surname, "dob": born, "sex": sex}


def _family(rng: np.random.Generator, p: Pools, surname: str) -> list[dict]:
    """Parents (one or two), and children: sometimes a pair of twins, one birthday."""
    parent_born = _birthday(rng, 1950, 1990)
    people = [_person(rng, p, surname, parent_born)]
    if rng.random() < 0.6:
        people.append(
            _person(rng, p, surname, _birthday(rng, parent_born.year - 3, parent_born.year + 4))
        )
    children = int(rng.integers(1, 4))
    for _ in range(children):
        born = _birthday(rng, parent_born.year + 20, min(parent_born.year + 40, 2025))
        people.append(_person(rng, p, surname, born))
        if rng.random() < 0.12:  # twins: one birthday, different forenames
            twin = _person(rng, p, surname, born)
            while twin["forename"] == people[-1]["forename"]:
                twin = _person(rng, p, surname, born)
            people.append(twin)
    return people


def register(people: int, rng: np.random.Generator, p: Pools) -> pl.DataFrame:
    """The council's register: one row per person, 30% in families sharing a surname."""
    homes: set[tuple[str, str]] = set()
    rows: list[dict] = []
    while len(rows) < people:
        surname = str(rng.choice(p.surnames))
        if rng.random() < DOUBLE_BARRELLED:
            surname = f"{surname}-{rng.choice(p.surnames)}"
        share = len([r for r in rows[-200:] if r["family"]]) / max(1, len(rows[-200:]))
        members = (
            _family(rng, p, surname)
            if share < RELATIVES_SHARE
            else [_person(rng, p, surname, _birthday(rng, 1935, 2007))]
        )
        address, postcode = _home(rng, p, homes)
        for member in members:
            missing = len(members) > 1 and rng.random() < REGISTER_DOB_MISSING / RELATIVES_SHARE
            rows.append(
                member
                | {"address": address, "postcode": postcode, "family": len(members) > 1}
                | ({"dob": None} if missing else {})
            )
    frame = pl.DataFrame(rows[:people]).with_row_index("person", offset=1)
    return frame.with_columns(pl.format("R{}", pl.col("person")).alias("id"))


def _newcomers(reg: pl.DataFrame, count: int, rng: np.random.Generator, p: Pools) -> pl.DataFrame:
    """People the register lacks: half join a registered family (a new partner, a baby),
    half are strangers at addresses of their own."""
    families = reg.filter(pl.col("family")).unique("address", keep="first", maintain_order=True)
    homes = set(zip(reg["address"], reg["postcode"], strict=True))
    rows = []
    for i in range(count):
        if i % 2 == 0 and families.height:
            home = families.row(int(rng.integers(0, families.height)), named=True)
            person = _person(rng, p, home["surname"], _birthday(rng, 1950, 2025))
            rows.append(person | {"address": home["address"], "postcode": home["postcode"]})
        else:
            address, postcode = _home(rng, p, homes)
            person = _person(rng, p, str(rng.choice(p.surnames)), _birthday(rng, 1935, 2007))
            rows.append(person | {"address": address, "postcode": postcode})
    start = int(reg["person"].max()) + 1
    return pl.DataFrame(rows).with_columns(
        pl.Series("person", range(start, start + count), dtype=reg["person"].dtype),
        pl.lit(False).alias("family"),
    )


def _typo(rng: np.random.Generator, name: str) -> str:
    """One letter replaced (never the first: forms are rarely wrong there)."""
    if len(name) < 4:
        return name
    at = int(rng.integers(1, len(name)))
    letter = str(rng.choice(list("aeiounrstlm")))
    return name[:at] + letter + name[at + 1 :]


def _postcode_slip(rng: np.random.Generator, postcode: str) -> str | None:
    """Half left blank; half with the unit's letters swapped or one letter wrong."""
    if rng.random() < 0.5:
        return None
    outward, inward = postcode.split(" ")
    if inward[1] != inward[2] and rng.random() < 0.5:
        return f"{outward} {inward[0]}{inward[2]}{inward[1]}"
    return f"{outward} {inward[:2]}{rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'))}"


def _new_surname(rng: np.random.Generator, p: Pools, surname: str) -> str:
    if "-" in surname:  # a second barrel dropped
        return surname.split("-")[int(rng.integers(0, 2))]
    if rng.random() < 0.5:  # married
        return str(rng.choice(p.surnames))
    return f"{surname}-{rng.choice(p.surnames)}"  # a second barrel added


def _swappable(born: date | None) -> bool:
    """Whether day and month can be read the wrong way round (both at most 12, not equal)."""
    return born is not None and born.day <= 12 and born.day != born.month


def _mess(row: dict, rng: np.random.Generator, p: Pools, homes: set, rates: dict) -> dict:
    """A partner's row for a person: each kind of difference drawn at its rate."""
    row = dict(row)
    draw = {kind: rng.random() < rate for kind, rate in rates.items()}
    if draw["moved"]:
        row["address"], row["postcode"] = _home(rng, p, homes)
    if draw["surname_changed"]:
        row["surname"] = _new_surname(rng, p, row["surname"])
    if row["forename"] in p.nicknames and rng.random() < rates["nickname"] / p.nicknamed:
        row["forename"] = str(rng.choice(p.nicknames[row["forename"]]))
    if draw["name_typo"]:
        which = "forename" if rng.random() < 0.5 else "surname"
        row[which] = _typo(rng, row[which])
    if _swappable(row["dob"]) and rng.random() < rates["dob_swapped"] / SWAPPABLE:
        row["dob"] = date(row["dob"].year, row["dob"].day, row["dob"].month)
    if draw["dob_missing"]:
        row["dob"] = None
    if draw["postcode_bad"]:
        row["postcode"] = _postcode_slip(rng, row["postcode"])
    if draw["names_swapped"]:
        row["forename"], row["surname"] = row["surname"], row["forename"]
    return row


def partner(reg: pl.DataFrame, rng: np.random.Generator, p: Pools, rates: dict) -> pl.DataFrame:
    """The partner's list: some registered people, newcomers, 10% of people on two rows."""
    chosen = reg.filter(pl.Series(rng.random(reg.height) < IN_PARTNER))
    newcomers = _newcomers(reg, int(NEWCOMERS * chosen.height), rng, p)
    people = pl.concat([chosen.drop("id"), newcomers], how="diagonal_relaxed")
    homes = set(zip(reg["address"], reg["postcode"], strict=True))
    rows = []
    for person in people.iter_rows(named=True):
        rows.append(_mess(person, rng, p, homes, rates))
        if rng.random() < rates["twice"]:
            rows.append(_mess(person, rng, p, homes, rates))
    order = rng.permutation(len(rows))
    frame = pl.DataFrame([rows[i] for i in order])
    ids = rng.choice(np.arange(10_000, 99_999), frame.height, replace=False)
    return frame.with_columns(pl.Series("id", [f"FB{i}" for i in ids]))


# Each list's headings (row id, forename, surname, date of birth, address, postcode) and its
# dates' format, as a council's and a food bank's spreadsheets might have them.
HEADINGS = {
    "register": (("Ref", "Forename", "Surname", "DOB", "Address line 1", "Postcode"), "%Y-%m-%d"),
    "partner": (
        ("Client ID", "First name", "Last name", "Date of birth", "Address", "Postcode"),
        "%d/%m/%Y",
    ),
}


@dataclass
class World:
    """The register and the partner's list, each with its true `person` per row."""

    register: pl.DataFrame
    partner: pl.DataFrame

    def truth(self) -> pl.DataFrame:
        """list, id, person for every row of both lists."""
        return pl.concat(
            [
                frame.select(pl.lit(name).alias("list"), "id", pl.col("person").cast(pl.Int64))
                for name, frame in (("register", self.register), ("partner", self.partner))
            ]
        )

    def write(self, folder: Path) -> dict[str, Path]:
        """The two lists as a user would have them (the register's dates ISO, the partner's
        dd/mm/yyyy), and truth.csv."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {name: folder / f"{name}.csv" for name in HEADINGS}
        for name, (headings, dates) in HEADINGS.items():
            frame = self.register if name == "register" else self.partner
            fields = [pl.col(f) for f in ("id", "forename", "surname")]
            fields += [pl.col("dob").dt.strftime(dates), pl.col("address"), pl.col("postcode")]
            frame.select(
                field.alias(heading) for field, heading in zip(fields, headings, strict=True)
            ).write_csv(paths[name])
        self.truth().write_csv(folder / "truth.csv")
        return paths


def generate(people: int = 4000, seed: int = 41, **rates: float) -> World:
    """A register of `people` and a partner's list drawn from it, reproducible by `seed`;
    `rates` overrides some of RATES (say moved=0.01 for lists a month apart)."""
    unknown = set(rates) - set(RATES)
    if unknown:
        raise ValueError(f"unknown rates: {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    names = pools(rng)
    reg = register(people, rng, names)
    return World(reg, partner(reg, rng, names, RATES | rates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=41)
    args = parser.parse_args()
    world = generate(args.people, args.seed)
    paths = world.write(args.folder)
    print(f"register: {world.register.height} rows, partner: {world.partner.height} rows")
    print(*paths.values())


if __name__ == "__main__":
    main()

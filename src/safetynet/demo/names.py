"""Names and personal details of the synthetic borough, and the ways partners get them wrong.

Faker's en_GB lists hold only a few hundred names, which makes record linkage look far
easier than it is. We pool the Latin-script name lists of many Faker locales once (never
calling Faker per person), weight them so British names dominate, and sample with numpy.
"""

from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import numpy as np
import polars as pl
from nicknames import NickNamer

# (origin, share of households, locales for first names, locales for surnames).
NAME_ORIGINS: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    ("british", 0.64, ("en_GB", "en_NZ"), ("en_GB", "en_NZ")),
    ("irish", 0.04, ("en_IE", "ga_IE"), ("en_IE",)),
    ("south_asian", 0.10, ("en_IN",), ("en_IN", "en_PK")),
    ("polish", 0.05, ("pl_PL",), ("pl_PL",)),
    ("romanian", 0.03, ("ro_RO",), ("ro_RO",)),
    ("west_african", 0.04, ("yo_NG", "ig_NG", "ha_NG", "en_NG", "tw_GH"), ("yo_NG", "tw_GH")),
    ("east_african", 0.015, ("en_KE", "sw"), ("en_KE", "sw")),
    ("italian", 0.015, ("it_IT",), ("it_IT",)),
    ("portuguese", 0.015, ("pt_PT", "pt_BR"), ("pt_PT", "pt_BR")),
    ("turkish", 0.015, ("tr_TR",), ("tr_TR",)),
    ("spanish", 0.01, ("es_ES",), ("es_ES",)),
    ("other_european", 0.03, ("de_DE", "fr_FR", "cs_CZ", "sk_SK", "hu_HU"), ("de_DE", "fr_FR")),
)

# British names with diacritics that Faker's en_GB list lacks but UK registers hold.
_EXTRA_BRITISH = {
    "F": ("Zoë", "Siân", "Chloë", "Renée", "Sinéad", "Anaïs", "Ffion", "Rhiannon"),
    "M": ("Seán", "Dónal", "Rónán", "André", "José", "Rhodri", "Gareth", "Iestyn"),
}

# Letters near each other on a UK keyboard, for realistic one-character typos.
_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
_CP1252_FALLBACK = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "İ": "I", "đ": "d", "Đ": "D"})


@dataclass(frozen=True)
class NamePool:
    """Names of one kind (female, male or surname) for one origin, with sampling weights."""

    names: np.ndarray
    weights: np.ndarray


def _is_latin(name: str) -> bool:
    """True when every letter of the name is Latin script (UK systems hold these)."""
    return bool(name) and all(
        unicodedata.name(ch, "").startswith("LATIN") for ch in name if ch.isalpha()
    )


def _provider_list(locale: str, attrs: tuple[str, ...]) -> dict[str, float]:
    """Names and weights from the first of `attrs` that a Faker locale's provider has."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    for attr in attrs:
        values = getattr(provider, attr, None)
        if values:
            if isinstance(values, dict):
                return {str(k): float(v) for k, v in values.items()}
            return _zipf_weights([str(v) for v in values])
    return {}


def _zipf_weights(names: list[str]) -> dict[str, float]:
    """Give an unweighted list a popular head and a long tail, in a fixed order.

    The order comes from a fixed generator (not the borough seed) so a name's
    popularity is a property of the name, as in real life.
    """
    order = np.random.default_rng(20240101).permutation(len(names))
    return {names[i]: 1.0 / (rank + 8) for rank, i in enumerate(order)}


def _build_pool(
    locales: tuple[str, ...], attrs: tuple[str, ...], extra: tuple[str, ...]
) -> NamePool:
    """Merge several locales' lists into one pool, each locale carrying equal total weight."""
    merged: dict[str, float] = {}
    for locale in locales:
        found = {k: v for k, v in _provider_list(locale, attrs).items() if _is_latin(k)}
        total = sum(found.values()) or 1.0
        for name, weight in found.items():
            merged[name] = merged.get(name, 0.0) + weight / total
    for name in extra:
        merged[name] = merged.get(name, 0.0) + 0.002
    names = np.array(list(merged), dtype=object)
    weights = np.array(list(merged.values()))
    return NamePool(names, weights / weights.sum())


@cache
def name_pools() -> dict[tuple[str, str], NamePool]:
    """Pools keyed by (origin, kind) where kind is "F", "M" or "surname"."""
    pools: dict[tuple[str, str], NamePool] = {}
    for origin, _, first_locales, last_locales in NAME_ORIGINS:
        for sex, attr in (("F", "first_names_female"), ("M", "first_names_male")):
            extra = _EXTRA_BRITISH[sex] if origin == "british" else ()
            pools[(origin, sex)] = _build_pool(first_locales, (attr,), extra)
        surname_attrs = ("last_names_male", "unisex_last_names", "last_names")
        pools[(origin, "surname")] = _build_pool(last_locales, surname_attrs, ())
    return pools


def origin_names() -> tuple[str, ...]:
    """Origins in a fixed order, matching `origin_weights()`."""
    return tuple(o[0] for o in NAME_ORIGINS)


def origin_weights() -> np.ndarray:
    """Share of households of each origin, summing to one."""
    weights = np.array([o[1] for o in NAME_ORIGINS])
    return weights / weights.sum()


def sample_names(rng: np.random.Generator, origins: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """One name per row, drawn from the pool of that row's origin index and kind."""
    out = np.empty(len(origins), dtype=object)
    pools = name_pools()
    for o, origin in enumerate(origin_names()):
        for kind in ("F", "M", "surname"):
            mask = (origins == o) & (kinds == kind)
            count = int(mask.sum())
            if count:
                pool = pools[(origin, kind)]
                out[mask] = pool.names[rng.choice(len(pool.names), size=count, p=pool.weights)]
    return out


def typo(name: str, rng: np.random.Generator) -> str:
    """The name with one character deleted, doubled, swapped or mistyped."""
    if len(name) < 3:
        return name
    pos = int(rng.integers(1, len(name) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return name[:pos] + name[pos + 1 :]
    if kind == 1:
        return name[:pos] + name[pos] + name[pos:]
    if kind == 2:
        return name[: pos - 1] + name[pos] + name[pos - 1] + name[pos + 1 :]
    return name[:pos] + _neighbour_key(name[pos], rng) + name[pos + 1 :]


def _neighbour_key(ch: str, rng: np.random.Generator) -> str:
    """A key beside `ch` on the keyboard (or `ch` itself when it is not a plain letter)."""
    at = _KEYBOARD.find(ch.lower())
    if at < 0:
        return ch
    options = [c for c in (_KEYBOARD[max(at - 1, 0)], _KEYBOARD[at + 1 : at + 2]) if c.strip()]
    return str(rng.choice(options)) if options else ch


@cache
def _nick_namer() -> NickNamer:
    """One NickNamer for the process; it loads its table from disk."""
    return NickNamer()


@cache
def _nickname_choices(forename: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Usable nicknames of a forename, sorted, with those sharing its initial favoured.

    Only shorter forms count: the package also lists variants such as Justina for Justin.
    """
    known = _nick_namer().nicknames_of(forename.lower())
    found = sorted(n for n in known if 3 <= len(n) < len(forename))
    weights = [4.0 if n[0] == forename[0].lower() else 1.0 for n in found]
    return tuple(n.title() for n in found), tuple(weights)


def nickname(forename: str, rng: np.random.Generator) -> str:
    """A familiar form of the forename (Bill for William), or the forename if none is known."""
    names, weights = _nickname_choices(forename)
    if not names:
        return forename
    p = np.array(weights) / sum(weights)
    return names[int(rng.choice(len(names), p=p))]


def to_cp1252(text: str) -> str:
    """The text as a Windows-1252 system stores it: accents it cannot hold are dropped."""
    if not text:
        return text
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        return "".join(_fold_char(ch) for ch in text.translate(_CP1252_FALLBACK))


def _fold_char(ch: str) -> str:
    """One character in cp1252, stripping its accent or replacing it with '?'."""
    try:
        ch.encode("cp1252")
        return ch
    except UnicodeEncodeError:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        try:
            return base.encode("cp1252").decode("cp1252") or "?"
        except UnicodeEncodeError:
            return "?"


def mess_names(
    frame: pl.DataFrame,
    rng: np.random.Generator,
    *,
    typos: float,
    nicknames: float = 0.0,
    maiden: float = 0.0,
) -> pl.DataFrame:
    """The frame with the name errors a partner makes, at the given per-row rates.

    Uses columns forename, surname and birth_surname. Women who took a partner's surname
    sometimes appear under their birth surname or double-barrelled.
    """
    forenames, surnames = frame["forename"].to_list(), frame["surname"].to_list()
    births = frame["birth_surname"].to_list()
    draws = rng.random((4, frame.height))
    for i in np.flatnonzero(draws[0] < nicknames):
        forenames[i] = nickname(forenames[i], rng)
    for i in np.flatnonzero(draws[1] < maiden):
        if births[i] != surnames[i]:
            double = draws[1, i] >= maiden / 2
            surnames[i] = f"{births[i]}-{surnames[i]}" if double else births[i]
    for i in np.flatnonzero(draws[2] < typos):
        if draws[3, i] < 0.6:
            surnames[i] = typo(surnames[i], rng)
        else:
            forenames[i] = typo(forenames[i], rng)
    return frame.with_columns(
        pl.Series("forename", forenames, dtype=pl.String),
        pl.Series("surname", surnames, dtype=pl.String),
    )


# Ofcom's landline ranges reserved for drama: numbers that can never reach a real person,
# and that `phonenumbers` (and so every phone check here) accepts as valid. The drama
# mobiles (07700 900xxx) are not used: the library calls them invalid, so a demo resident's
# number would be refused wherever it is checked. Nottingham's 0115 496 is left out too.
_LANDLINES = (
    "0113 496", "0114 496", "0116 496", "0117 496", "0118 496", "0121 496",
    "0131 496", "0141 496", "0151 496", "0161 496", "0191 498", "020 7946", "029 2018",
)  # fmt: skip
_NO_PHONE = ("n/a", "12345", "none", "011349601", "tbc", "-")
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def phone_numbers(count: int, rng: np.random.Generator) -> list[str]:
    """Distinct UK landline numbers from Ofcom's drama ranges, in tidy form."""
    pool = [f"{p} {i:04d}" for p in _LANDLINES for i in range(1000)]
    picks = rng.choice(len(pool), size=count, replace=count > len(pool))
    return [pool[i] for i in picks]


def phone_as_typed(number: str, rng: np.random.Generator) -> str:
    """A number as someone wrote it down: +44, squashed, bracketed, or not a number at all."""
    draw = rng.random()
    if draw < 0.04:
        return str(rng.choice(_NO_PHONE))
    digits = number.replace(" ", "")
    if draw < 0.25:
        return f"+44 {number[1:]}"
    if draw < 0.45:
        return digits
    if draw < 0.52:
        area, rest = number.split(" ", 1)
        return f"({area}) {rest}"
    return number


def email_address(forename: str, surname: str, rng: np.random.Generator) -> str:
    """A plausible personal address at a reserved example domain."""
    first, last = (_ascii_word(forename), _ascii_word(surname))
    style = int(rng.integers(0, 4))
    local = (f"{first}.{last}", f"{first[:1]}{last}", f"{first}{last}{rng.integers(1, 99)}",
             f"{last}.{first}{rng.integers(60, 99)}")[style]  # fmt: skip
    return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"


def _ascii_word(text: str) -> str:
    """Lower-case ASCII letters only, as email systems force names to be."""
    folded = unicodedata.normalize("NFKD", text.translate(_CP1252_FALLBACK))
    return "".join(c for c in folded.lower() if c.isascii() and c.isalpha()) or "resident"


def family_surnames(
    rng: np.random.Generator,
    household_origin: np.ndarray,
    members: dict[str, np.ndarray],
    *,
    long_married: np.ndarray,
    sharers: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Current and birth surnames of each person.

    Most opposite-sex couples share his surname (she keeps her birth surname on record);
    children mostly take the family surname; sharers each have their own. `members` has
    per-person "hh" (household index), "role", "sex" and "origin"; the keyword arrays are
    per household.
    """
    h, role, sex = members["hh"], members["role"], members["sex"]
    households, n = household_origin.size, h.size
    family = sample_names(rng, household_origin, np.full(households, "surname"))[h]
    own = sample_names(rng, members["origin"], np.full(n, "surname"))
    partner_sex = np.full(households, "")
    partner_sex[h[role == "partner"]] = sex[role == "partner"]
    married = (rng.random(households) < np.where(long_married, 0.9, 0.7))[h]
    head_sex = sex[np.searchsorted(h, np.arange(households))][h]
    his_and_hers = (partner_sex[h] != "") & (partner_sex[h] != head_sex)
    woman = sex == "F"
    takes = np.select(
        [role == "head", role == "partner", role == "child"],
        [
            ~(his_and_hers & woman & ~married),
            his_and_hers & (~woman | married),
            rng.random(n) < 0.88,
        ],
        ~sharers[h] & (rng.random(n) < 0.9),
    )
    surname = np.where(takes, family, own)
    took_his_name = his_and_hers & woman & married & np.isin(role, ("head", "partner"))
    return surname, np.where(took_his_name, own, surname)


def dob_text(
    dobs: pl.Series, fmt: str, rng: np.random.Generator, *, missing: float = 0.0, swap: float = 0.0
) -> list[str]:
    """Dates of birth as text; some blank, some with day and month swapped where valid."""
    text = dobs.dt.strftime(fmt).to_list()
    days, months = dobs.dt.day().to_numpy(), dobs.dt.month().to_numpy()
    draws = rng.random((2, len(text)))
    for i in np.flatnonzero((draws[0] < swap) & (days <= 12) & (days != months)):
        d = dobs[int(i)]
        text[i] = date(d.year, d.day, d.month).strftime(fmt)
    for i in np.flatnonzero(draws[1] < missing):
        text[i] = ""
    return text


def invalidate(
    frame: pl.DataFrame, rng: np.random.Generator, fmt: str, as_of: date, dob: str, names: list[str]
) -> pl.DataFrame:
    """Spoil about 0.5% of rows (at least one, the first always a DOB like 31/02/1985).

    The others get a date of birth in the future or a blank name, so an importer that
    skips invalid rows has something to report.
    """
    if frame.height == 0:
        return frame
    rows = rng.choice(frame.height, size=max(1, round(0.005 * frame.height)), replace=False)
    values = {c: frame[c].to_list() for c in [dob, *names]}
    for k, row in enumerate(rows):
        kind = 0 if k == 0 else int(rng.integers(0, 3))
        if kind == 0:
            day, month = ((31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11))[k % 6]
            year = int(rng.integers(1950, 2005))
            values[dob][row] = _fill_format(fmt, day, month, year)
        elif kind == 1:
            values[dob][row] = (as_of + timedelta(days=int(rng.integers(30, 4000)))).strftime(fmt)
        else:
            for c in names:
                values[c][row] = ""
    return frame.with_columns([pl.Series(c, v, dtype=pl.String) for c, v in values.items()])


def _fill_format(fmt: str, day: int, month: int, year: int) -> str:
    """A date string in `fmt` for a day that may not exist (strftime refuses those)."""
    parts = {"%d": f"{day:02d}", "%m": f"{month:02d}", "%Y": str(year), "%y": f"{year % 100:02d}"}
    for code, value in parts.items():
        fmt = fmt.replace(code, value)
    return fmt

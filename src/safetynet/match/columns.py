"""A column store of an area's providers, and the hard rules applied to all of them at once.

Built once per area and data version (see `service.provider_columns`), it keeps every
provider attribute as a numpy array (sets as boolean matrices over their vocabulary), so a
query filters and scores 20,000 providers in a few milliseconds instead of looping in Python.
`rules.py` states the same rules one provider at a time; the property tests prove they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safetynet.match.model import Format, Provider, Seeker
from safetynet.match.rules import EARTH_RADIUS_KM

FORMATS = (Format.IN_PERSON.value, Format.PHONE.value, Format.VIDEO.value)


@dataclass(frozen=True)
class Vocabulary:
    """The codes of one set-valued attribute, each with its column in a boolean matrix."""

    codes: dict[str, int]
    matrix: np.ndarray

    @classmethod
    def of(cls, sets: Sequence[frozenset[str]]) -> Vocabulary:
        """A vocabulary and membership matrix for one set per provider."""
        codes: dict[str, int] = {}
        for values in sets:
            for value in sorted(values):
                codes.setdefault(value, len(codes))
        matrix = np.zeros((len(sets), max(1, len(codes))), dtype=bool)
        for row, values in enumerate(sets):
            matrix[row, [codes[v] for v in values]] = True
        return cls(codes, matrix)

    def any_of(self, wanted: Sequence[str] | frozenset[str]) -> np.ndarray:
        """Per provider: whether it has at least one of `wanted` (unknown codes match nothing)."""
        columns = [self.codes[w] for w in wanted if w in self.codes]
        if not columns:
            return np.zeros(self.matrix.shape[0], dtype=bool)
        return np.asarray(self.matrix[:, columns].any(axis=1))

    def count_of(self, wanted: frozenset[str]) -> np.ndarray:
        """Per provider: how many of `wanted` it has."""
        columns = [self.codes[w] for w in wanted if w in self.codes]
        if not columns:
            return np.zeros(self.matrix.shape[0], dtype=np.int64)
        return self.matrix[:, columns].sum(axis=1)


def _floats(values: Sequence[float | int | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _codes(values: Sequence[str | None]) -> tuple[np.ndarray, dict[str, int]]:
    codes: dict[str, int] = {}
    array = np.array([-1 if v is None else codes.setdefault(v, len(codes)) for v in values])
    return array.astype(np.int64), codes


@dataclass(frozen=True)
class ProviderColumns:
    """Every provider of an area as columns; row i is `providers[i]`."""

    providers: tuple[Provider, ...]
    ids: np.ndarray
    kind: np.ndarray
    kind_codes: dict[str, int]
    categories: Vocabulary
    languages: Vocabulary
    formats: np.ndarray
    gender: np.ndarray
    gender_codes: dict[str, int]
    cost_pence: np.ndarray
    concessions: np.ndarray
    concession_cost_pence: np.ndarray
    capacity: np.ndarray
    wait_days: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    areas: Vocabulary
    area_limited: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    hours: np.ndarray
    pay: np.ndarray
    sector: np.ndarray
    sector_codes: dict[str, int]

    @classmethod
    def build(cls, providers: Sequence[Provider]) -> ProviderColumns:
        """Columns for these providers (once per area and version: queries reuse them)."""
        ps = tuple(providers)
        kind, kind_codes = _codes([p.kind for p in ps])
        gender, gender_codes = _codes([p.gender for p in ps])
        sector, sector_codes = _codes([p.sector for p in ps])
        formats = np.array([[f in p.formats for f in FORMATS] for p in ps], dtype=bool)
        return cls(
            providers=ps,
            ids=np.array([p.id for p in ps], dtype=np.int64),
            kind=kind, kind_codes=kind_codes,
            categories=Vocabulary.of([p.categories for p in ps]),
            languages=Vocabulary.of([p.languages for p in ps]),
            formats=formats.reshape(len(ps), len(FORMATS)),
            gender=gender, gender_codes=gender_codes,
            cost_pence=np.array([p.cost_pence for p in ps], dtype=np.int64),
            concessions=np.array([p.concessions for p in ps], dtype=bool),
            concession_cost_pence=np.array([min(p.cost_pence, p.concession_cost_pence)
                                            for p in ps], dtype=np.int64),
            capacity=np.array([p.capacity for p in ps], dtype=np.int64),
            wait_days=np.array([p.wait_days for p in ps], dtype=np.float64),
            min_age=_floats([p.min_age for p in ps]),
            max_age=_floats([p.max_age for p in ps]),
            areas=Vocabulary.of([p.areas for p in ps]),
            area_limited=np.array([bool(p.areas) for p in ps], dtype=bool),
            lat=_floats([p.lat for p in ps]), lon=_floats([p.lon for p in ps]),
            hours=_floats([p.hours_per_week for p in ps]),
            pay=_floats([p.pay_pence_per_hour for p in ps]),
            sector=sector, sector_codes=sector_codes,
        )

    def __len__(self) -> int:
        return len(self.providers)


@dataclass(frozen=True)
class Candidates:
    """The outcome of applying the hard rules: who passes, how far away, which formats work."""

    allowed: np.ndarray
    distance_km: np.ndarray
    usable: np.ndarray
    cost_pence: np.ndarray


def distances_km(cols: ProviderColumns, seeker: Seeker) -> np.ndarray:
    """Haversine distance from the seeker to every provider (NaN where either place is unknown)."""
    if seeker.lat is None or seeker.lon is None:
        return np.full(len(cols), np.nan)
    p1, l1 = np.radians(seeker.lat), np.radians(seeker.lon)
    p2, l2 = np.radians(cols.lat), np.radians(cols.lon)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def usable_formats(cols: ProviderColumns, seeker: Seeker, distance: np.ndarray) -> np.ndarray:
    """Per provider and format (in FORMATS order): both accept it, in person only when near."""
    wanted = np.array([f in seeker.formats for f in FORMATS], dtype=bool)
    usable = cols.formats & wanted
    in_person_ok = ~np.isnan(cols.lat) & ~np.isnan(cols.lon)
    if seeker.max_distance_km is not None:
        in_person_ok &= ~np.isnan(distance) & (distance <= seeker.max_distance_km)
    usable[:, 0] &= in_person_ok
    return usable


def candidates(cols: ProviderColumns, seeker: Seeker) -> Candidates:
    """Apply every hard rule to every provider at once (the rules are stated in `rules.py`)."""
    distance = distances_km(cols, seeker)
    usable = usable_formats(cols, seeker, distance)
    cost = np.where(cols.concessions & seeker.low_income, cols.concession_cost_pence,
                    cols.cost_pence)
    ok = usable.any(axis=1) & (cols.capacity > 0) & cols.languages.any_of(seeker.languages)
    ok &= _kind_and_need(cols, seeker) & _gender(cols, seeker) & _age(cols, seeker)
    if seeker.max_cost_pence is not None:
        ok &= cost <= seeker.max_cost_pence
    ok &= ~cols.area_limited | cols.areas.any_of([seeker.area] if seeker.area else [])
    ok &= _job(cols, seeker)
    return Candidates(ok, distance, usable, cost)


def _kind_and_need(cols: ProviderColumns, seeker: Seeker) -> np.ndarray:
    ok = np.ones(len(cols), dtype=bool)
    if seeker.kind is not None:
        ok &= cols.kind == cols.kind_codes.get(seeker.kind, -2)
    if seeker.needs:
        ok &= cols.categories.any_of(seeker.needs)
    return ok


def _gender(cols: ProviderColumns, seeker: Seeker) -> np.ndarray:
    if seeker.gender_preference is None:
        return np.ones(len(cols), dtype=bool)
    return cols.gender == cols.gender_codes.get(seeker.gender_preference, -2)


def _age(cols: ProviderColumns, seeker: Seeker) -> np.ndarray:
    limited = ~np.isnan(cols.min_age) | ~np.isnan(cols.max_age)
    if seeker.age is None:
        return ~limited
    low = np.where(np.isnan(cols.min_age), 0, cols.min_age)
    high = np.where(np.isnan(cols.max_age), 200, cols.max_age)
    return ~limited | ((low <= seeker.age) & (seeker.age <= high))


def _job(cols: ProviderColumns, seeker: Seeker) -> np.ndarray:
    vacancy = cols.kind == cols.kind_codes.get("vacancy", -2)
    ok = np.ones(len(cols), dtype=bool)
    # NaN compares False, so an unstated hours or pay never counts as meeting a limit.
    if seeker.min_hours is not None:
        ok &= cols.hours >= seeker.min_hours
    if seeker.max_hours is not None:
        ok &= cols.hours <= seeker.max_hours
    if seeker.min_pay_pence_per_hour is not None:
        ok &= cols.pay >= seeker.min_pay_pence_per_hour
    if seeker.sectors:
        ok &= np.isin(cols.sector, [cols.sector_codes[s] for s in seeker.sectors
                                    if s in cols.sector_codes])
    return ~vacancy | ok

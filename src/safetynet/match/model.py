"""What matching works on: a `Provider` (a service, a counsellor or a local job) and a `Seeker`
(a person and what they need), as plain values.

Both are deliberately plain dataclasses: the engine does not care whether a provider came from
the directory, a test or a simulation, and a seeker's need can be described by a caseworker
without any stored record. Sets are frozensets of lower-case codes (`en`, `pa`, `in_person`,
`debt`); a missing value (None) means "not stated".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Format(StrEnum):
    """How a provider can be met."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


REMOTE_FORMATS = frozenset({Format.PHONE.value, Format.VIDEO.value})
ALL_FORMATS = frozenset(f.value for f in Format)


class Kind(StrEnum):
    """What a provider is."""

    SERVICE = "service"
    COUNSELLOR = "counsellor"
    VACANCY = "vacancy"


@dataclass(frozen=True)
class Provider:
    """One service, counsellor or vacancy that a seeker could be matched to.

    `capacity` is how many more people it can take now (0: full). `concessions` means people on
    a low income pay `concession_cost_pence` (nothing, unless stated). An empty `areas` serves
    anyone; otherwise only residents of those area codes. `lat`/`lon` are where it is met in
    person (None: remote only). The vacancy fields (`hours_per_week`, `pay_pence_per_hour`,
    `sector`) are None for other kinds.
    """

    id: int
    name: str
    kind: str = Kind.SERVICE.value
    organisation_id: int | None = None
    categories: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset({"en"})
    formats: frozenset[str] = frozenset({Format.IN_PERSON.value})
    gender: str | None = None
    cost_pence: int = 0
    concessions: bool = False
    concession_cost_pence: int = 0
    capacity: int = 1
    wait_days: int = 0
    min_age: int | None = None
    max_age: int | None = None
    areas: frozenset[str] = frozenset()
    lat: float | None = None
    lon: float | None = None
    hours_per_week: float | None = None
    pay_pence_per_hour: int | None = None
    sector: str | None = None


@dataclass(frozen=True)
class Seeker:
    """A person looking for help, and the limits a match must respect.

    `languages` and `formats` are in order of preference (the first is the one they would
    rather have). `max_distance_km` limits in-person providers only; phone and video ones are
    not limited by distance. `max_cost_pence` None means cost is no object; `low_income` makes
    concessions apply. `kind` None accepts any kind. The job fields apply to vacancies only.
    """

    needs: frozenset[str] = frozenset()
    kind: str | None = None
    languages: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = (Format.IN_PERSON.value, Format.PHONE.value, Format.VIDEO.value)
    gender_preference: str | None = None
    max_cost_pence: int | None = 0
    low_income: bool = False
    max_distance_km: float | None = None
    age: int | None = None
    area: str | None = None
    lat: float | None = None
    lon: float | None = None
    min_hours: float | None = None
    max_hours: float | None = None
    min_pay_pence_per_hour: int | None = None
    sectors: frozenset[str] = field(default_factory=frozenset)
    resident_id: int | None = None

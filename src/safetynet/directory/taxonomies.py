"""Safety Net's own ORUK taxonomies: how a service's provider profile travels in ORUK.

Each is an ordinary ORUK taxonomy whose name starts `safetynet:`; a service carries a term of
it as an attribute. Measures (capacity, places available, hours, pay) are attributes of the
`safetynet:measure` taxonomy with the number in the attribute's `value`. Identifiers are
UUIDv5 of the taxonomy and term names, so every feed and every area names a term the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

NAMESPACE = uuid.UUID("5c0f1e52-0d5a-4a43-9d84-1f3c5e0a7b21")  # Safety Net's, chosen once
PREFIX = "safetynet:"
KIND = "safetynet:provider-kind"
FORMAT = "safetynet:format"
GENDER = "safetynet:gender"
SECTOR = "safetynet:sector"
RESIDENCY = "safetynet:residency"
MEASURE = "safetynet:measure"

KINDS = ("service", "counsellor", "vacancy")
FORMATS = ("in-person", "phone", "video")
GENDERS = ("female", "male", "non-binary")
RESIDENCIES = ("any", "area")  # anyone, or only people living in the council area
SECTORS = (
    "care",
    "retail",
    "hospitality",
    "education",
    "construction",
    "logistics",
    "office",
    "health",
)
MEASURES = ("capacity", "available", "hours-per-week", "pay-pence-per-hour")

# Which service column each measure fills.
MEASURE_COLUMNS = {
    "capacity": "capacity",
    "available": "available",
    "hours-per-week": "hours_per_week",
    "pay-pence-per-hour": "pay_pence_per_hour",
}

DESCRIPTIONS = {
    KIND: "What a Safety Net directory entry is: a service, a counsellor or a job vacancy.",
    FORMAT: "How the service is delivered: in person, by phone or by video.",
    GENDER: "The gender of the practitioner, for people who ask for one.",
    SECTOR: "The sector of a job vacancy.",
    RESIDENCY: "Who may use it: anyone, or only people living in the council area.",
    MEASURE: "Numbers about a service, in the attribute's value: capacity, places "
    "available, hours a week and pay in pence an hour.",
}

# The closed term lists; the sector list is open (a feed may bring its own sectors).
TERMS: dict[str, tuple[str, ...]] = {
    KIND: KINDS,
    FORMAT: FORMATS,
    GENDER: GENDERS,
    SECTOR: SECTORS,
    RESIDENCY: RESIDENCIES,
    MEASURE: MEASURES,
}
CLOSED = {KIND, FORMAT, GENDER, RESIDENCY, MEASURE}


@cache
def taxonomy_id(taxonomy: str) -> str:
    """The ORUK id of one of Safety Net's taxonomies."""
    return str(uuid.uuid5(NAMESPACE, taxonomy))


@cache
def term_id(taxonomy: str, term: str) -> str:
    """The ORUK id of a term of one of Safety Net's taxonomies."""
    return str(uuid.uuid5(NAMESPACE, f"{taxonomy}/{term}"))


def attribute_id(service_oruk_id: str, taxonomy: str, term: str) -> str:
    """A stable ORUK id for a service's attribute of one of Safety Net's taxonomies."""
    return str(uuid.uuid5(NAMESPACE, f"{service_oruk_id}/{taxonomy}/{term}"))


@dataclass(frozen=True)
class Term:
    """A term of one of Safety Net's taxonomies."""

    taxonomy: str
    term: str

    @property
    def oruk_id(self) -> str:
        """This term's ORUK id."""
        return term_id(self.taxonomy, self.term)


# Term id -> term, for attributes that name a term by id alone.
BY_ID: dict[str, Term] = {
    term_id(t, name): Term(t, name) for t, names in TERMS.items() for name in names
}


def is_ours(taxonomy: str | None) -> bool:
    """True for one of Safety Net's taxonomies (by name)."""
    return bool(taxonomy) and str(taxonomy).startswith(PREFIX)

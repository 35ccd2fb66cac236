"""Households to screen, built from what the linked sources say about each resident.

Each fact keeps its provenance (which source and record said it), so a caseworker can see why
someone was flagged. What no source says is assumed, and the assumption is recorded too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from safetynet.entitlements.schemas import HouseholdFile, Tenure, parse_household
from safetynet.errors import InvalidInput
from safetynet.link.models import ResidentRecord
from safetynet.link.residents import readable_records
from safetynet.sources.models import Record, Source, SourceKind

# What being on a source's caseload says a resident already receives.
RECEIVES_BY_KIND: dict[str, str] = {
    SourceKind.UNIVERSAL_CREDIT.value: "universal_credit",
    SourceKind.HOUSING_BENEFIT.value: "housing_benefit",
    SourceKind.COUNCIL_TAX_REDUCTION.value: "council_tax_reduction",
}
# Sources trusted first for tenure and rent: the council's own benefit caseloads.
TENURE_PRIORITY = (
    SourceKind.HOUSING_BENEFIT,
    SourceKind.COUNCIL_TAX_REDUCTION,
    SourceKind.UNIVERSAL_CREDIT,
    SourceKind.FREE_SCHOOL_MEALS,
)
MONTHLY_FACTOR = {"week": 52 / 12, "fortnight": 26 / 12, "four_weeks": 13 / 12, "month": 1.0}
CHILD_AGE_ASSUMED = 8
# No source gives pensions. Those over State Pension age are assumed to get the full State
# Pension of their generation (2025/26 rates, a year): the basic one for those who reached
# pension age before April 2016 (75 and over by 2025), the new one for the rest.
STATE_PENSION_AGE = 66
BASIC_STATE_PENSION_FROM_AGE = 75
BASIC_STATE_PENSION = 176.45 * 52
NEW_STATE_PENSION = 230.25 * 52


@dataclass
class Fact:
    """One record's say about one resident."""

    value: Any
    source: str
    kind: str
    record_id: int

    def said(self) -> dict[str, Any]:
        """As stored in provenance."""
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {"value": value, "source": self.source, "kind": self.kind, "record": self.record_id}


@dataclass
class ResidentFacts:
    """Everything the sources say about one resident."""

    resident_id: int
    facts: dict[str, list[Fact]] = field(default_factory=dict)

    def add(self, name: str, fact: Fact) -> None:
        """Note what a record says, when it says anything."""
        if fact.value is not None:
            self.facts.setdefault(name, []).append(fact)

    def most_said(self, name: str) -> Fact | None:
        """The value most records agree on (the first record's on a tie)."""
        found = self.facts.get(name, [])
        if not found:
            return None
        top = Counter(f.value for f in found).most_common(1)[0][0]
        return next(f for f in found if f.value == top)

    def by_priority(self, name: str) -> Fact | None:
        """The value from the most trusted kind of source."""
        found = self.facts.get(name, [])
        ranked = sorted(found, key=lambda f: _rank(f.kind))
        return ranked[0] if ranked else None

    @property
    def receives(self) -> set[str]:
        """Benefits the sources say the resident already gets."""
        return {f.value for f in self.facts.get("receives", [])}


def _rank(kind: str) -> int:
    kinds = [k.value for k in TENURE_PRIORITY]
    return kinds.index(kind) if kind in kinds else len(kinds)


def resident_rows(
    session: Session,
    tenant_id: int,
    only: set[int] | None = None,
    organisation_id: int | None = None,
) -> Iterable[Any]:
    """Current residents' current records with their source, oldest record first: the
    records `organisation_id` may read (None: the whole area's)."""
    query = readable_records(
        session,
        ResidentRecord.resident_id,
        Record,
        Source.name,
        Source.kind,
        tenant_id=tenant_id,
        organisation_id=organisation_id,
    ).order_by(ResidentRecord.resident_id, Record.id)
    if only is not None:
        query = query.where(ResidentRecord.resident_id.in_(only))
    return session.execute(query)


def _monthly_rent(record: Record) -> int | None:
    if record.rent_pence is None:
        return None
    if record.rent_period == "year":
        return round(record.rent_pence / 12)
    return round(record.rent_pence * MONTHLY_FACTOR.get(record.rent_period or "month", 1.0))


def _says_pension_credit(record: Record) -> bool:
    extras = record.extras or {}
    return any(
        "pension credit" in str(k).lower() and str(v).strip().upper() in {"Y", "YES", "TRUE", "1"}
        for k, v in extras.items()
    )


def collect(
    session: Session,
    tenant_id: int,
    only: set[int] | None = None,
    organisation_id: int | None = None,
) -> dict[int, ResidentFacts]:
    """What each current resident's records say: dob, postcode, household, housing, benefits
    (of the records `organisation_id` may read; None: all of them)."""
    residents: dict[int, ResidentFacts] = {}
    rows = resident_rows(session, tenant_id, only, organisation_id)
    for resident_id, record, source, kind in rows:
        facts = residents.setdefault(resident_id, ResidentFacts(resident_id))
        said = {
            "dob": record.dob,
            "postcode": record.postcode,
            "household_id": record.household_id,
            "tenure": record.tenure,
            "rent_monthly_pence": _monthly_rent(record),
            "children": record.children_count,
            "receives": RECEIVES_BY_KIND.get(kind),
        }
        for name, value in said.items():
            facts.add(name, Fact(value, source, kind, record.id))
        if _says_pension_credit(record):
            facts.add("receives", Fact("pension_credit", source, kind, record.id))
    return residents


def age_on(dob: date, day: date) -> int:
    """Age in whole years on a day."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@dataclass
class ScreenedHousehold:
    """One household to screen: its residents, the engine input, and where each fact came from."""

    key: str
    resident_ids: list[int]
    postcode: str | None
    receives: set[str]
    provenance: dict[str, Any]
    household: HouseholdFile | None = None
    error: str | None = None


@dataclass
class Assumptions:
    """What screening assumes where the sources are silent."""

    year: int
    local_authority: str
    brma: str | None
    council_tax_annual: float
    as_of: date

    def as_dict(self) -> dict[str, Any]:
        """For the screening's record."""
        return {
            "year": self.year,
            "local_authority": self.local_authority,
            "brma": self.brma,
            "council_tax_annual": self.council_tax_annual,
            "as_of": self.as_of.isoformat(),
            "incomes": "no earnings known: assumed nil",
            "state_pension": f"full basic (£{BASIC_STATE_PENSION:,.2f}) from "
            f"{BASIC_STATE_PENSION_FROM_AGE}, full new (£{NEW_STATE_PENSION:,.2f}) from "
            f"{STATE_PENSION_AGE}",
            "child_age_when_unknown": CHILD_AGE_ASSUMED,
        }


def group(residents: dict[int, ResidentFacts]) -> dict[str, list[ResidentFacts]]:
    """Residents by household: the household most of their records name, else on their own."""
    groups: dict[str, list[ResidentFacts]] = {}
    for facts in residents.values():
        found = facts.most_said("household_id")
        key = f"h{found.value}" if found else f"r{facts.resident_id}"
        groups.setdefault(key, []).append(facts)
    return groups


def _first(members: list[ResidentFacts], name: str) -> Fact | None:
    found = [f for m in members if (f := m.by_priority(name)) is not None]
    return sorted(found, key=lambda f: _rank(f.kind))[0] if found else None


def _person(age: int) -> dict[str, Any]:
    if age >= BASIC_STATE_PENSION_FROM_AGE:
        return {"age": age, "state_pension": round(BASIC_STATE_PENSION, 2)}
    if age >= STATE_PENSION_AGE:
        return {"age": age, "state_pension": round(NEW_STATE_PENSION, 2)}
    return {"age": age}


def _people(
    members: list[ResidentFacts], a: Assumptions, provenance: dict[str, Any]
) -> list[dict[str, Any]]:
    people = []
    for m in members:
        dob = m.most_said("dob")
        if dob is not None:
            people.append(_person(age_on(dob.value, a.as_of)))
            provenance[f"resident {m.resident_id} dob"] = dob.said()
    children = _first(members, "children")
    known_children = sum(1 for p in people if p["age"] < 16)
    if children is not None:
        provenance["children"] = children.said()
        extra = max(0, int(children.value) - known_children)
        people += [{"age": CHILD_AGE_ASSUMED} for _ in range(extra)]
    return people


def build(key: str, members: list[ResidentFacts], a: Assumptions) -> ScreenedHousehold:
    """The household file for one group of residents, with provenance."""
    provenance: dict[str, Any] = {}
    people = _people(members, a, provenance)
    tenure = _first(members, "tenure")
    rent = _first(members, "rent_monthly_pence")
    tenure_value = tenure.value if tenure else Tenure.OTHER.value
    provenance["tenure"] = tenure.said() if tenure else {"assumed": "other (no source says)"}
    rent_pounds = 0.0
    if rent is not None and tenure_value not in ("owner_outright", "owner_mortgage"):
        rent_pounds = rent.value / 100
        provenance["rent_monthly"] = rent.said()
    receives = set().union(*(m.receives for m in members))
    provenance["receives"] = [f.said() for m in members for f in m.facts.get("receives", [])]
    postcode = next((f.value for m in members if (f := m.most_said("postcode"))), None)
    screened = ScreenedHousehold(
        key, [m.resident_id for m in members], postcode, receives, provenance
    )
    data = {
        "year": a.year,
        "local_authority": a.local_authority,
        "brma": a.brma,
        "tenure": tenure_value,
        "rent_monthly": rent_pounds,
        "council_tax_annual": a.council_tax_annual,
        "couple": _couple(people),
        "receives": sorted(receives),
        "people": people,
    }
    if not people:
        screened.error = "no source gives a date of birth for anyone in the household"
        return screened
    try:
        screened.household = parse_household(data, origin=f"household {key}")
    except InvalidInput as error:
        screened.error = "; ".join(error.details or [error.message])[:500]
    return screened


def _couple(people: list[dict[str, Any]]) -> bool:
    """Two adults of similar age are taken as a couple; a parent and grown-up child are not."""
    adults = sorted(p["age"] for p in people if p["age"] >= 18)
    return len(adults) == 2 and adults[1] - adults[0] <= 15


def housemates(
    session: Session, tenant_id: int, resident_id: int, organisation_id: int | None = None
) -> set[int]:
    """The resident and everyone whose records share a household with theirs (as the records
    `organisation_id` may read tell it; None: all of them)."""
    homes = readable_records(
        session, Record.household_id, tenant_id=tenant_id, organisation_id=organisation_id
    ).where(ResidentRecord.resident_id == resident_id, Record.household_id.is_not(None))
    others = session.scalars(
        readable_records(
            session,
            ResidentRecord.resident_id,
            tenant_id=tenant_id,
            organisation_id=organisation_id,
        ).where(Record.household_id.in_(homes))
    )
    return {resident_id, *others}


def household_of(
    session: Session,
    tenant_id: int,
    resident_id: int,
    a: Assumptions,
    organisation_id: int | None = None,
) -> ScreenedHousehold | None:
    """One resident's household as screening would build it (a caseworker's starting point),
    from the records `organisation_id` may read (None: all of the area's)."""
    mates = housemates(session, tenant_id, resident_id, organisation_id)
    groups = group(collect(session, tenant_id, mates, organisation_id))
    for key, members in groups.items():
        if any(m.resident_id == resident_id for m in members):
            return build(key, members, a)
    return None


def households(session: Session, tenant_id: int, a: Assumptions) -> list[ScreenedHousehold]:
    """Every current resident household of the area, ready for the engine."""
    return [build(key, members, a) for key, members in group(collect(session, tenant_id)).items()]

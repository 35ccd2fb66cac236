"""A few hundred digital-inclusion triages for the demo borough, answered as its residents
might (older residents more often offline and less confident), checked and scored by the
triage service like any other. Seeded: the same seed gives the same answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts.models import Organisation, OrganisationKind, User
from safetynet.triage import service
from safetynet.triage.people import people

HOW_MANY = 300
SKILLS = ("foundation", "communicating", "handling_information", "transacting", "being_safe",
          "problem_solving")  # fmt: skip


@dataclass
class DemoTriages:
    """How many triages were kept, and how many found each need."""

    kept: int
    by_need: dict[str, int]


def _answers(rng: random.Random, age: int) -> dict[str, Any]:
    older = age >= 70
    devices = ["none"] if rng.random() < (0.3 if older else 0.08) else rng.sample(
        ["smartphone", "tablet", "computer"], rng.randint(1, 3))  # fmt: skip
    offline = devices == ["none"] and rng.random() < 0.7
    internet = "none" if offline else rng.choices(["broadband", "mobile_only", "none"],
                                                  [0.7, 0.22, 0.08])[0]  # fmt: skip
    weights = [0.45, 0.3, 0.25] if older else [0.8, 0.15, 0.05]
    found: dict[str, Any] = {
        "age": max(16, min(age, 110)),
        "lives_alone": "yes" if rng.random() < (0.5 if older else 0.25) else "no",
        "contact_days": rng.randint(0, 7) if older else rng.randint(2, 7),
        "devices": devices,
        "internet": internet,
        "confidence": rng.choices(["very", "fairly", "not_very", "not_at_all"],
                                  [0.2, 0.3, 0.3, 0.2] if older else [0.45, 0.35, 0.15, 0.05])[0],
        "access": ["none"] if rng.random() < 0.75 else rng.sample(["sight", "hearing", "hands",
                                                                   "reading", "memory"], 1),
    }  # fmt: skip
    found |= {q: rng.choices(["yes", "with_help", "no"], weights)[0] for q in SKILLS}
    if devices != ["none"]:
        found["device_works"] = "yes" if rng.random() < 0.8 else "no"
    if internet != "none":
        found["internet_cost"] = round(rng.uniform(10, 80), 2)
        found["cut_back"] = "yes" if rng.random() < 0.2 else "no"
    else:
        found["last_online"] = (date(2020, 1, 1) + timedelta(days=rng.randint(0, 1800))).isoformat()
    return found


def _caseworker(session: Session, tenant_id: int) -> User:
    """The council's caseworker (or, failing one, its admin) who takes the demo's triages."""
    users = session.scalars(
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.tenant_id == tenant_id, Organisation.kind == OrganisationKind.COUNCIL)
        .order_by(User.role != "caseworker", User.id)
    )
    return next(iter(users))


def take_triages(
    session: Session, *, seed: int, count: int = HOW_MANY, area: str | None = None
) -> DemoTriages:
    """Triages for `count` residents (older ones more likely to be asked), kept together."""
    from safetynet.places.service import council_area

    tenant = council_area(session, area)
    residents = [p for p in people(session, tenant.id).values() if p.dob]
    rng = random.Random(seed)
    today = date.today()
    weights = [3.0 if (p.age(today) or 0) >= 70 else 1.0 for p in residents]
    chosen = {p.resident_id: p for p in rng.choices(residents, weights, k=count)}
    items = [(rid, _answers(rng, p.age(today) or 40)) for rid, p in sorted(chosen.items())]
    user = _caseworker(session, tenant.id)
    kept = service.store_triages(session, tenant.id, user.organisation_id, f"user:{user.email}",
                                 items, channel="demo")  # fmt: skip
    by_need: dict[str, int] = {}
    for outcome in kept:
        for need in outcome.needs:
            by_need[need] = by_need.get(need, 0) + 1
    return DemoTriages(len(kept), by_need)

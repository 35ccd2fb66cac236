"""A week at the demo partners' front desks, recorded through the desk's own service.

Each charity's desk sees some of its own clients again (visits, food parcels, referral
vouchers) and a few people new to it: residents the council knows, walking in for the first
time, so linkage has real work to do with what the desks typed. Seeded: the same seed gives
the same week.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from safetynet.accounts.models import Organisation, User
from safetynet.accounts.permissions import Principal
from safetynet.frontdesk import service
from safetynet.frontdesk.models import EventKind, Outcome
from safetynet.sources.models import Record, Source

DAYS = 7
PER_DAY = (4, 10)  # people at each desk each day, at least and at most
NEW_SHARE = 0.15  # of them, people new to the desk
KINDS = (EventKind.VISIT, EventKind.FOOD_PARCEL, EventKind.REFERRAL)
KIND_WEIGHTS = (0.3, 0.55, 0.15)
SERVICES = ("Borough Advice Centre", "Citizens Advice", "Council Tax Support", "Warm Spaces")


@dataclass
class DeskWeek:
    """What each desk recorded: events by organisation name, and new people among them."""

    events: dict[str, int] = field(default_factory=dict)
    new_people: int = 0


def record_week(session: Session, *, seed: int, today: date | None = None) -> DeskWeek:
    """Record the last seven days at every charity's desk, as its front-desk user."""
    rng = random.Random(seed)
    last = today or date.today()
    week = DeskWeek()
    for principal in _desk_staff(session):
        clients = _sample(session, service.readable_records(principal), rng, 200)
        walk_ins = _walk_ins(session, principal, rng)
        for offset in range(DAYS - 1, -1, -1):
            day = last - timedelta(days=offset)
            for _ in range(rng.randint(*PER_DAY)):
                _one(session, principal, rng, day, clients, walk_ins, week)
    return week


def _desk_staff(session: Session) -> list[Principal]:
    users = session.scalars(
        select(User)
        .join(Organisation)
        .where(Organisation.kind != "council", User.role == "partner")
        .order_by(Organisation.slug)
    )
    return [Principal.of(u) for u in users]


def _sample(session: Session, query: Select, rng: random.Random, most: int) -> list[Record]:
    found = list(session.scalars(query.order_by(Record.id).limit(most * 5)))
    return rng.sample(found, min(most, len(found)))


def _walk_ins(session: Session, principal: Principal, rng: random.Random) -> list[Record]:
    """Residents on the council's lists who are not this desk's clients yet."""
    council = session.scalar(
        select(Organisation.id).where(
            Organisation.tenant_id == principal.tenant_id, Organisation.kind == "council"
        )
    )
    query = (
        select(Record)
        .join(Source, Source.id == Record.source_id)
        .where(
            Source.organisation_id == council,
            Record.dob.is_not(None),
            Record.forename.is_not(None),
            Record.surname.is_not(None),
        )
    )
    return _sample(session, query, rng, 40)


def _one(
    session: Session,
    principal: Principal,
    rng: random.Random,
    day: date,
    clients: list[Record],
    walk_ins: list[Record],
    week: DeskWeek,
) -> None:
    kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
    referred_to = rng.choice(SERVICES) if kind == EventKind.REFERRAL else ""
    new = walk_ins and (rng.random() < NEW_SHARE or not clients)
    person = _as_new(walk_ins.pop()) if new else None
    record_id = None if person else rng.choice(clients).id
    event = service.record_event(
        session, principal, kind=kind, record_id=record_id, new_person=person,
        referred_to=referred_to, on=day,
    )  # fmt: skip
    name = principal.organisation_name
    week.events[name] = week.events.get(name, 0) + 1
    week.new_people += 1 if person else 0
    if kind == EventKind.REFERRAL and day < date.today() - timedelta(days=2):
        outcome = rng.choice((Outcome.TOOK_UP, Outcome.TOOK_UP, Outcome.DID_NOT_TAKE_UP))
        service.set_outcome(session, principal, event.id, outcome)


def _as_new(record: Record) -> service.NewPerson:
    """A council resident as a desk would type them in (first address line only)."""
    first_line = (record.address or "").split(",")[0].title()
    return service.NewPerson(
        record.forename or "", record.surname or "", record.dob, record.postcode or "", first_line
    )

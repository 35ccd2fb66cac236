"""Finding a desk's clients: the records its organisation may search, one line per person,
and one person's page with what the desk recorded for them (both audited)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound
from safetynet.frontdesk.models import FrontDeskEvent
from safetynet.sources.models import ImportStatus, Record, Source, SourceImport, SourceKind

MOST_FOUND = 20
DATE_TOKEN = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s+([0-9][A-Z]{2})\b", re.IGNORECASE)
POSTCODE_TOKEN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?([0-9][A-Z]{2})?$")


@dataclass(frozen=True)
class Client:
    """One person among the organisation's clients, as its latest record shows them."""

    record_id: int
    forename: str | None
    surname: str | None
    dob: date | None
    postcode: str | None
    source: str
    at_desk: bool

    @property
    def name(self) -> str:
        """Forename and surname."""
        return " ".join(p for p in (self.forename, self.surname) if p) or "No name"


@dataclass
class PersonView:
    """A client and what the desk has recorded for them."""

    client: Client
    address: str | None
    phone: str | None
    events: list[FrontDeskEvent] = field(default_factory=list)


def readable_records(principal: Principal) -> Select[Any]:
    """The current records the caller's desk may search: those its own organisation supplied
    (a partner), or the area's (a council); never what an agreement lets a partner see back."""
    current = (
        select(SourceImport.id)
        .join(Source, Source.id == SourceImport.source_id)
        .where(
            SourceImport.status == ImportStatus.ACTIVE,
            principal.scope(Source.tenant_id, Source.organisation_id),
        )
    )
    return select(Record).where(Record.import_id.in_(current))


def find_clients(session: Session, principal: Principal, text: str) -> list[Client]:
    """Clients matching every word of `text` (names' starts, a postcode, a date of birth like
    12/03/1961), one line per person; audited as a read of the records listed."""
    principal.require("frontdesk.use")
    query = readable_records(principal).where(*_conditions(text))
    rows = session.execute(
        query.add_columns(Source.name, Source.kind)
        .join(Source, Source.id == Record.source_id)
        .order_by(Record.surname, Record.forename, Record.id.desc())
        .limit(MOST_FOUND * 5)
    ).all()
    found = _one_per_person(rows)[:MOST_FOUND]
    audit.record_read(
        session,
        actor=principal.actor,
        action="front_desk.search",
        entity_type="record",
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={"found": len(found), "record_ids": [c.record_id for c in found]},
    )
    session.commit()
    return found


def _conditions(text: str) -> list[Any]:
    joined = FULL_POSTCODE.sub(r"\1\2", text.strip())  # 'DB1 2AB' is one word
    words = [w for w in re.split(r"[\s,]+", joined) if w]
    if not words or sum(len(w) for w in words) < 2:
        raise InvalidInput("Enter at least 2 letters of a name, a postcode or a date of birth.")
    return [_condition(word) for word in words[:6]]


def _condition(word: str) -> Any:
    dated = DATE_TOKEN.match(word)
    if dated:
        day, month, year = (int(x) for x in dated.groups())
        try:
            return Record.dob == date(year, month, day)
        except ValueError:
            raise InvalidInput(f"{word} is not a real date.") from None
    squashed = re.sub(r"[^A-Z0-9]", "", word.upper())
    if POSTCODE_TOKEN.match(squashed) and any(ch.isdigit() for ch in squashed):
        spaced = squashed[:-3] + " " + squashed[-3:] if len(squashed) > 4 else squashed
        return func.upper(Record.postcode).like(f"{spaced}%")
    start = re.sub(r"[%_\\]", "", word.lower()) + "%"
    return or_(func.lower(Record.forename).like(start), func.lower(Record.surname).like(start))


def _one_per_person(rows: Sequence[Any]) -> list[Client]:
    """One client per name and date of birth: the desk's own latest record if it has one."""
    best: dict[tuple, Client] = {}
    for record, source_name, kind in rows:
        key = ((record.forename or "").lower(), (record.surname or "").lower(), record.dob)
        client = _client(record, source_name, kind)
        held = best.get(key)
        if held is None or (client.at_desk and not held.at_desk):
            best[key] = client
    return sorted(
        best.values(), key=lambda c: (c.surname or "", c.forename or "", c.dob or date.min)
    )


def _client(record: Record, source_name: str, kind: str) -> Client:
    return Client(
        record.id,
        record.forename,
        record.surname,
        record.dob,
        record.postcode,
        source_name,
        kind == SourceKind.FRONT_DESK,
    )


def readable_record(
    session: Session, principal: Principal, record_id: int
) -> tuple[Record, Source]:
    """One record the caller's desk may read, with its source (404 outside scope)."""
    found = session.execute(
        readable_records(principal)
        .add_columns(Source)
        .join(Source, Source.id == Record.source_id)
        .where(Record.id == record_id)
    ).first()
    if found is None:
        raise NotFound("There is no client with that id among your organisation's clients.")
    return found[0], found[1]


def person(session: Session, principal: Principal, record_id: int) -> PersonView:
    """One client with the desk's events for them, newest first; the view is audited."""
    principal.require("frontdesk.use")
    record, source = readable_record(session, principal, record_id)
    ref = desk_ref(session, principal, record, source)
    events = []
    if ref is not None:
        events = list(
            session.scalars(
                select(FrontDeskEvent)
                .where(
                    FrontDeskEvent.organisation_id == principal.organisation_id,
                    FrontDeskEvent.person_ref == ref,
                )
                .order_by(FrontDeskEvent.occurred_on.desc(), FrontDeskEvent.id.desc())
            )
        )
    audit.record_read(
        session,
        actor=principal.actor,
        action="front_desk.view_person",
        entity_type="record",
        entity_id=record.id,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
    )
    session.commit()
    client = _client(record, source.name, source.kind)
    return PersonView(client, record.address, record.phone, events)


def desk_ref(session: Session, principal: Principal, record: Record, source: Source) -> str | None:
    """The person's reference at the caller's desk: the record's own when the desk made it,
    else that of the desk's record with the same name and date of birth, if any."""
    if source.kind == SourceKind.FRONT_DESK and source.organisation_id == principal.organisation_id:
        return record.person_ref
    return session.scalar(
        select(FrontDeskEvent.person_ref)
        .join(Record, Record.id == FrontDeskEvent.record_id)
        .where(
            FrontDeskEvent.organisation_id == principal.organisation_id,
            func.lower(Record.forename) == (record.forename or "").lower(),
            func.lower(Record.surname) == (record.surname or "").lower(),
            Record.dob == record.dob if record.dob else Record.dob.is_(None),
        )
        .order_by(FrontDeskEvent.id.desc())
        .limit(1)
    )

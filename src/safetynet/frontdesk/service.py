"""The front desk's public face: find a client (`clients`), add one, record what happened,
note how a referral turned out.

Every function takes the signed-in caller. A partner's staff find only their own
organisation's clients (the records it supplied, by file or at the desk); a council's staff
their area's. What is recorded becomes a record of the organisation's front-desk source,
standardised and checked against its data-sharing agreement like an imported row
(`sources.typed`), so linkage, retention and subject access see it without a spreadsheet.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import AgreementParty, DataSharingAgreement, Organisation
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound
from safetynet.frontdesk.clients import (
    Client,
    PersonView,
    desk_ref,
    find_clients,
    person,
    readable_record,
    readable_records,
)
from safetynet.frontdesk.models import EventKind, FrontDeskEvent, Outcome
from safetynet.sources import typed
from safetynet.sources.models import Source, SourceKind, SourceMode

__all__ = [
    "Client",
    "NewPerson",
    "PersonView",
    "allowed_fields",
    "desk_source",
    "find_clients",
    "person",
    "readable_records",
    "record_event",
    "set_outcome",
]
SOURCE_NAME = "Front desk"
IDENTITY = ("forename", "surname", "dob", "postcode", "address", "uprn", "phone", "email")
# What a new person's form may carry, in the order the form asks for it.
PERSON_FIELDS = ("forename", "surname", "dob", "postcode", "address", "phone")
REFERRAL_TEXT = 200
KIND_LABELS = {
    EventKind.VISIT: "Visit",
    EventKind.FOOD_PARCEL: "Food parcel",
    EventKind.REFERRAL: "Referral voucher",
}
OUTCOME_LABELS = {
    Outcome.AWAITING: "Waiting to hear",
    Outcome.TOOK_UP: "Took it up",
    Outcome.DID_NOT_TAKE_UP: "Did not take it up",
}


@dataclass
class NewPerson:
    """A person not yet among the clients: what the desk typed about them."""

    forename: str = ""
    surname: str = ""
    dob: date | None = None
    postcode: str = ""
    address: str = ""
    phone: str = ""

    def values(self) -> dict[str, str | None]:
        """The typed values as a record's fields (dates in ISO form)."""
        found: dict[str, str | None] = {k: getattr(self, k) for k in PERSON_FIELDS if k != "dob"}
        found["dob"] = self.dob.isoformat() if self.dob else None
        return found


def desk_source(session: Session, organisation: Organisation) -> Source:
    """The organisation's front-desk source, made the first time its desk records anything."""
    found = session.scalar(
        select(Source).where(
            Source.organisation_id == organisation.id, Source.kind == SourceKind.FRONT_DESK
        )
    )
    if found is not None:
        return found
    clash = session.scalar(
        select(Source).where(Source.organisation_id == organisation.id, Source.name == SOURCE_NAME)
    )
    if clash is not None:
        raise Conflict(
            f"{organisation.name} already has a source called '{SOURCE_NAME}' holding "
            f"{clash.kind} records. Rename it before using the front desk."
        )
    made = Source(
        tenant_id=organisation.tenant_id,
        organisation_id=organisation.id,
        name=SOURCE_NAME,
        kind=SourceKind.FRONT_DESK,
        mode=SourceMode.APPEND,
    )
    session.add(made)
    session.flush()
    return made


def allowed_fields(session: Session, principal: Principal, on: date | None = None) -> set[str]:
    """Fields some agreement in force lets the caller's organisation supply: the desk asks for
    and copies no others."""
    day = on or date.today()
    agreements = session.scalars(
        select(DataSharingAgreement)
        .join(AgreementParty)
        .where(
            AgreementParty.organisation_id == principal.organisation_id,
            AgreementParty.role == "supplier",
        )
    )
    return {f for a in agreements if a.is_active_on(day) for f in a.fields_allowed}


def record_event(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    record_id: int | None = None,
    new_person: NewPerson | None = None,
    referred_to: str = "",
    on: date | None = None,
) -> FrontDeskEvent:
    """Record a visit, food parcel or referral voucher for a client (`record_id`) or a person
    new to the desk (`new_person`), in one transaction: the record and its event. Every
    problem with what was typed is reported at once, by field."""
    principal.require("frontdesk.use")
    day = on or date.today()
    if day > date.today():
        raise InvalidInput(f"{day:%d/%m/%Y} is in the future: record what has happened.")
    referred_to = " ".join(referred_to.split()) if kind == EventKind.REFERRAL else ""
    problems = _event_problems(kind, referred_to)
    organisation = session.get(Organisation, principal.organisation_id)
    assert organisation is not None
    try:
        source = desk_source(session, organisation)
        values, ref = _identity(session, principal, record_id, new_person)
        values |= {"person_ref": ref, "visit_date": day.isoformat()}
        try:
            record = typed.append_record(session, source, values, on=day, actor=principal.actor)
        except typed.RecordRefused as refused:
            raise typed.RecordRefused(refused.problems + problems) from None
        if problems:
            raise typed.RecordRefused(problems)
        event = FrontDeskEvent(
            tenant_id=organisation.tenant_id,
            organisation_id=organisation.id,
            record_id=record.id,
            person_ref=ref,
            kind=kind,
            occurred_on=day,
            referred_to=referred_to or None,
            outcome=Outcome.AWAITING if kind == EventKind.REFERRAL else None,
            recorded_by=principal.actor,
        )
        session.add(event)
        session.flush()
        _audit_recorded(session, principal, event, new_person is not None)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return event


def _audit_recorded(
    session: Session, principal: Principal, event: FrontDeskEvent, new_person: bool
) -> None:
    audit.record(
        session,
        actor=principal.actor,
        action="front_desk.record",
        entity_type="record",
        entity_id=event.record_id,
        tenant_id=event.tenant_id,
        user_id=principal.user_id,
        detail={"event_id": event.id, "kind": event.kind, "new_person": new_person},
    )


def _event_problems(kind: str, referred_to: str) -> list[typed.FieldProblem]:
    if kind not in set(EventKind):
        return [typed.FieldProblem("kind", "Choose a visit, a food parcel or a referral voucher.")]
    if kind == EventKind.REFERRAL and not referred_to:
        return [typed.FieldProblem("referred_to", "Enter who the voucher refers the person to.")]
    if len(referred_to) > REFERRAL_TEXT:
        return [typed.FieldProblem("referred_to", f"Use {REFERRAL_TEXT} characters or fewer.")]
    return []


def _identity(
    session: Session,
    principal: Principal,
    record_id: int | None,
    new_person: NewPerson | None,
) -> tuple[dict[str, str | None], str]:
    """The person's details for the new record (only fields an agreement allows the desk to
    supply), and their reference at the desk."""
    if (record_id is None) == (new_person is None):
        raise InvalidInput("Choose a client, or add a new person — one of the two.")
    if new_person is not None:
        return new_person.values(), new_ref()
    assert record_id is not None
    record, source = readable_record(session, principal, record_id)
    allowed = allowed_fields(session, principal)
    values: dict[str, str | None] = {}
    for name in IDENTITY:
        value = getattr(record, name)
        if name in allowed and value is not None:
            values[name] = value.isoformat() if isinstance(value, date) else str(value)
    return values, desk_ref(session, principal, record, source) or new_ref()


def new_ref() -> str:
    """A reference for a person new to the desk (random: two desks never clash)."""
    return f"FD-{secrets.token_hex(5).upper()}"


def set_outcome(
    session: Session, principal: Principal, event_id: int, outcome: str
) -> FrontDeskEvent:
    """Note how a referral turned out; audited."""
    principal.require("frontdesk.use")
    event = session.get(FrontDeskEvent, event_id)
    if event is None or not principal.sees(
        tenant_id=event.tenant_id, organisation_id=event.organisation_id
    ):
        raise NotFound("There is no referral with that id at your desk.")
    if event.kind != EventKind.REFERRAL:
        raise Conflict("Only a referral voucher has an outcome.")
    if outcome not in set(Outcome):
        raise InvalidInput(
            "Choose how the referral turned out: " + ", ".join(OUTCOME_LABELS.values()) + "."
        )
    event.outcome, event.outcome_at, event.outcome_by = outcome, utcnow(), principal.actor
    audit.record(
        session,
        actor=principal.actor,
        action="front_desk.outcome",
        entity_type="record",
        entity_id=event.record_id,
        tenant_id=event.tenant_id,
        user_id=principal.user_id,
        detail={"event_id": event.id, "outcome": outcome},
    )
    session.commit()
    return event

"""REST API `/api/v1/front-desk`: find a client, record a visit, food parcel or referral
voucher, note a referral's outcome, and read the desk's report — the pages' twins, over the
same scoped service functions. Searches are POSTs: names never travel in a URL."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.frontdesk import reports, service
from safetynet.frontdesk.models import FrontDeskEvent
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1/front-desk", tags=["v1"])
As_desk = Annotated[Principal, Depends(api_require("frontdesk.use"))]
As_reader = Annotated[Principal, Depends(api_require("frontdesk.report"))]


class SearchIn(BaseModel):
    """Words to find a client by: names' starts, a postcode, a date of birth (DD/MM/YYYY)."""

    text: str = Field(max_length=200)


class PersonIn(BaseModel):
    """A person new to the desk."""

    forename: str = Field(max_length=200)
    surname: str = Field(max_length=200)
    dob: date | None = None
    postcode: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)


class EventIn(BaseModel):
    """What happened: for a client (`record_id`) or a new person (`person`), one of the two."""

    kind: str = Field(description="visit, food_parcel or referral")
    record_id: int | None = None
    person: PersonIn | None = None
    referred_to: str = Field("", max_length=200)
    on: date | None = Field(None, description="The day it happened (today if left out)")


class OutcomeIn(BaseModel):
    """How a referral turned out: awaiting, took_up or did_not_take_up."""

    outcome: str


def _event(e: FrontDeskEvent) -> dict[str, Any]:
    keys = ("id", "record_id", "person_ref", "kind", "occurred_on", "referred_to", "outcome",
            "outcome_at", "recorded_at")  # fmt: skip
    return {k: getattr(e, k) for k in keys}


@router.post("/search")
def search(body: SearchIn, db: Db, principal: As_desk) -> object:
    """Clients of the caller's organisation matching the words, one per person; audited."""
    found = service.find_clients(db, principal, body.text)
    return [
        {
            "record_id": c.record_id,
            "forename": c.forename,
            "surname": c.surname,
            "dob": c.dob,
            "postcode": c.postcode,
            "source": c.source,
            "at_desk": c.at_desk,
        }
        for c in found
    ]


@router.post("/events", status_code=201)
def record(body: EventIn, db: Db, principal: As_desk) -> object:
    """Record a visit, food parcel or referral voucher; the person's details become a record
    of the organisation's front-desk source."""
    person = service.NewPerson(**body.person.model_dump()) if body.person else None
    event = service.record_event(
        db,
        principal,
        kind=body.kind,
        record_id=body.record_id,
        new_person=person,
        referred_to=body.referred_to,
        on=body.on,
    )
    return _event(event)


@router.post("/events/{event_id}/outcome")
def outcome(event_id: int, body: OutcomeIn, db: Db, principal: As_desk) -> object:
    """Note how a referral turned out."""
    return _event(service.set_outcome(db, principal, event_id, body.outcome))


@router.get("/report")
def report(db: Db, principal: As_reader, weeks: int = 8, organisation: str | None = None) -> object:
    """The desk's weeks (visits, food parcels, referrals, people, new people) and referrals by
    outcome and by service; a council's staff may name one organisation of their area."""
    return reports.report(db, principal, weeks=weeks, organisation=organisation).as_dict()

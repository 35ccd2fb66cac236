"""REST API `/api/v1/triage`: the pages' twins over the same scoped service functions. Take a
whole triage for a resident (or walk it answer by answer), read a resident's triages, upload
and read forms, and read the isolation-risk list and the residents behind the needs."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.errors import InvalidInput
from safetynet.paging import PageRequest
from safetynet.triage import isolation, needs, service
from safetynet.triage.models import TriageOutcome
from safetynet.triage.people import Person
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1/triage", tags=["v1"])
As_taker = Annotated[Principal, Depends(api_require("triage.take"))]
As_author = Annotated[Principal, Depends(api_require("triage.forms"))]
As_council = Annotated[Principal, Depends(api_require("triage.isolation"))]
AnswerValue = str | int | float | list[str] | None


class TriageIn(BaseModel):
    """A whole triage: question name -> answer (a list of choice names for a select_multiple,
    dates as YYYY-MM-DD)."""

    answers: dict[str, AnswerValue] = Field(max_length=500)


class AnswerIn(BaseModel):
    """One answer to one question of a triage in progress."""

    answer: AnswerValue = None


class FormIn(BaseModel):
    """An XLSForm file: its name and its bytes in base64."""

    filename: str = Field(max_length=200)
    content_base64: str = Field(max_length=3_000_000)


def _outcome(o: TriageOutcome) -> dict[str, Any]:
    keys = ("id", "resident_id", "form_id", "status", "channel", "answers", "scores", "needs",
            "started_at", "completed_at")  # fmt: skip
    return {k: getattr(o, k) for k in keys}


def _person(p: Person, as_of: date) -> dict[str, Any]:
    return {"resident_id": p.resident_id, "name": p.name, "age": p.age(as_of),
            "postcode": p.postcode, "ward": p.ward_name, "reasons": p.reasons,
            "needs": p.needs}  # fmt: skip


@router.post("/residents/{resident_id}", status_code=201)
def take(resident_id: int, body: TriageIn, db: Db, principal: As_taker) -> object:
    """Take a whole triage for a resident; every refused answer is listed at once."""
    return _outcome(service.take(db, principal, resident_id, body.answers))


@router.get("/residents/{resident_id}")
def resident_triages(resident_id: int, db: Db, principal: As_taker) -> object:
    """The resident's triages the caller may see, newest first (audited)."""
    return [_outcome(o) for o in service.resident_outcomes(db, principal, resident_id)]


@router.post("/residents/{resident_id}/start", status_code=201)
def start(resident_id: int, db: Db, principal: As_taker) -> object:
    """Start a triage to answer question by question; returns it with its first question."""
    found = service.start(db, principal, resident_id)
    _, form = service.outcome(db, principal, found.id)
    first = next((q.name for q in form.questions), None)
    return {**_outcome(found), "next": first}


@router.post("/outcomes/{outcome_id}/answers/{question_id}")
def answer(
    outcome_id: int, question_id: str, body: AnswerIn, db: Db, principal: As_taker
) -> object:
    """Keep one answer; returns the next question shown (null: all asked)."""
    after = service.record_answer(db, principal, outcome_id, question_id, body.answer)
    return {"next": after.name if after else None}


@router.post("/outcomes/{outcome_id}/complete")
def complete(outcome_id: int, db: Db, principal: As_taker) -> object:
    """Score and keep a triage whose answers are all given."""
    return _outcome(service.complete(db, principal, outcome_id))


@router.get("/outcomes/{outcome_id}")
def read(outcome_id: int, db: Db, principal: As_taker) -> object:
    """One triage (audited)."""
    return _outcome(service.outcome(db, principal, outcome_id, audited=True)[0])


@router.get("/forms")
def forms(db: Db, principal: As_author) -> object:
    """Every version of the area's forms."""
    return [{"id": f.form.id, "form_id": f.form.form_id, "version": f.form.version,
             "title": f.form.title, "current": f.current, "completed": f.completed}
            for f in service.forms(db, principal)]  # fmt: skip


@router.post("/forms", status_code=201)
def upload(body: FormIn, db: Db, principal: As_author) -> object:
    """Upload an XLSForm as the next version of its form."""
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except binascii.Error:
        raise InvalidInput("content_base64 is not base64.") from None
    row = service.upload_form(db, principal, content, body.filename)
    return {"id": row.id, "form_id": row.form_id, "version": row.version}


@router.get("/forms/{form_id}")
def form(form_id: int, db: Db, principal: As_author) -> object:
    """One form version as read: questions, rules and scoring."""
    return service.get_form(db, principal, form_id).definition


@router.get("/isolation")
def isolation_list(
    db: Db, principal: As_council, as_of: date | None = None, page: int = 1, size: int = 50
) -> object:
    """A page of the isolation-risk list (audited)."""
    day = as_of or date.today()
    found = isolation.isolation_page(db, principal, day, PageRequest.parse(page, size))
    return found.as_dict([_person(p, day) for p in found.items])


@router.get("/needs")
def needs_list(
    db: Db,
    principal: As_council,
    as_of: date | None = None,
    ward: str | None = None,
    need: str | None = None,
    page: int = 1,
    size: int = 50,
) -> object:
    """A page of the residents whose latest triage found a need (audited)."""
    day = as_of or date.today()
    found = needs.needs_list(
        db, principal, day, PageRequest.parse(page, size), ward=ward, need=need
    )
    return found.as_dict([_person(p, day) for p in found.items])

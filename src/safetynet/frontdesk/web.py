"""The front desk's pages, sized for a phone: find a client (the search is a POST, so no name
ever reaches a URL or a log), add a new person, record a visit, a food parcel or a referral
voucher, note a referral's outcome, and read the desk's weekly report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput
from safetynet.frontdesk import reports, service
from safetynet.sources.typed import FieldProblem, RecordRefused
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Desk = Annotated[Principal, Depends(require("frontdesk.use"))]
Reader = Annotated[Principal, Depends(require("frontdesk.report"))]
Text = Annotated[str, Form(max_length=200)]
DONE = {
    "visit": "Visit recorded.",
    "food_parcel": "Food parcel recorded.",
    "referral": "Referral voucher recorded.",
    "outcome": "Referral outcome saved.",
}
# Which form field each refused value belongs to (the date of birth's first box).
FIELD_IDS = {"dob": "dob-day", "full_name": "forename", "row_id": "forename"}


def _errors(refused: InvalidInput) -> list[dict[str, str]]:
    if isinstance(refused, RecordRefused):
        return [
            {"text": p.message, "href": f"#{FIELD_IDS.get(p.field, p.field)}"}
            for p in refused.problems
        ]
    return [{"text": refused.message, "href": "#kind"}]


KINDS = [(str(k), label) for k, label in service.KIND_LABELS.items()]


@router.get("/front-desk")
def desk(request: Request, principal: Desk) -> Response:
    """The desk's start: find a client, or add a new person."""
    notice = DONE.get(request.query_params.get("done", ""))
    return render(request, "frontdesk/index.html", title="Front desk", notice=notice)


@router.post("/front-desk")
def search(request: Request, db: Db, principal: Desk, q: Text = "") -> Response:
    """Clients matching what was typed (names, postcode, date of birth)."""
    try:
        found = service.find_clients(db, principal, q)
    except InvalidInput as refused:
        errors = [{"text": refused.message, "href": "#q"}]
        return render(
            request, "frontdesk/index.html", 400, title="Front desk", errors=errors, form={"q": q}
        )
    return render(request, "frontdesk/index.html", title="Front desk", found=found, form={"q": q})


def _new_page(request: Request, db: Db, principal: Principal, status: int = 200, **extra):
    allowed = service.allowed_fields(db, principal)
    return render(
        request,
        "frontdesk/new.html",
        status,
        title="Add a new person",
        allowed=allowed,
        kinds=KINDS,
        **extra,
    )


@router.get("/front-desk/new")
def new_person(request: Request, db: Db, principal: Desk) -> Response:
    """The form for a person new to the desk, with what happened today."""
    return _new_page(request, db, principal)


def _dob(day: str, month: str, year: str) -> date | None:
    parts = [p.strip() for p in (day, month, year)]
    if not any(parts):
        return None
    try:
        born = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise RecordRefused([_dob_problem()]) from None
    if len(parts[2]) != 4:
        raise RecordRefused([_dob_problem()])
    return born


def _dob_problem() -> FieldProblem:
    return FieldProblem("dob", "Date of birth must be a real date, like 27 3 1961.")


@router.post("/front-desk/new")
def add_person(
    request: Request,
    db: Db,
    principal: Desk,
    forename: Text = "",
    surname: Text = "",
    dob_day: Annotated[str, Form(alias="dob-day", max_length=4)] = "",
    dob_month: Annotated[str, Form(alias="dob-month", max_length=4)] = "",
    dob_year: Annotated[str, Form(alias="dob-year", max_length=6)] = "",
    postcode: Text = "",
    address: Text = "",
    phone: Text = "",
    kind: Text = "",
    referred_to: Text = "",
) -> Response:
    """Add the person and record today's visit, parcel or referral for them."""
    form = {
        "forename": forename, "surname": surname, "dob-day": dob_day, "dob-month": dob_month,
        "dob-year": dob_year, "postcode": postcode, "address": address, "phone": phone,
        "kind": kind, "referred_to": referred_to,
    }  # fmt: skip
    try:
        person = service.NewPerson(
            forename, surname, _dob(dob_day, dob_month, dob_year), postcode, address, phone
        )
        service.record_event(db, principal, kind=kind, new_person=person, referred_to=referred_to)
    except InvalidInput as refused:
        db.rollback()
        return _new_page(request, db, principal, 400, errors=_errors(refused), form=form)
    return RedirectResponse(f"/front-desk?done={kind}", status_code=303)


def _person_page(
    request: Request, db: Db, principal: Principal, record_id: int, status: int = 200, **extra
) -> Response:
    seen = service.person(db, principal, record_id)
    return render(
        request,
        "frontdesk/person.html",
        status,
        title=seen.client.name,
        seen=seen,
        kinds=KINDS,
        kind_labels=service.KIND_LABELS,
        outcome_labels=service.OUTCOME_LABELS,
        outcome_choices=[(str(o), label) for o, label in service.OUTCOME_LABELS.items()],
        **extra,
    )


@router.get("/front-desk/people/{record_id}")
def person(request: Request, record_id: int, db: Db, principal: Desk) -> Response:
    """One client, the form for today's event, and what the desk recorded before."""
    notice = DONE.get(request.query_params.get("done", ""))
    return _person_page(request, db, principal, record_id, notice=notice)


@router.post("/front-desk/people/{record_id}")
def record(
    request: Request,
    record_id: int,
    db: Db,
    principal: Desk,
    kind: Text = "",
    referred_to: Text = "",
) -> Response:
    """Record today's visit, food parcel or referral voucher for this client."""
    try:
        service.record_event(db, principal, kind=kind, record_id=record_id, referred_to=referred_to)
    except InvalidInput as refused:
        db.rollback()
        form = {"kind": kind, "referred_to": referred_to}
        return _person_page(
            request, db, principal, record_id, 400, errors=_errors(refused), form=form
        )
    return RedirectResponse(f"/front-desk?done={kind}", status_code=303)


@router.post("/front-desk/events/{event_id}/outcome")
def outcome(
    request: Request, event_id: int, db: Db, principal: Desk, outcome: Text = ""
) -> Response:
    """Note how a referral turned out, back on the person's page."""
    event = service.set_outcome(db, principal, event_id, outcome)
    return RedirectResponse(f"/front-desk/people/{event.record_id}?done=outcome", status_code=303)


@router.get("/front-desk/report")
def report(request: Request, db: Db, principal: Reader, weeks: int = 8) -> Response:
    """The desk's weeks: visits, people, new people, referrals and their outcomes."""
    found = reports.report(db, principal, weeks=weeks)
    return render(
        request,
        "frontdesk/report.html",
        title="Front desk report",
        report=found,
        outcome_labels=service.OUTCOME_LABELS,
    )

"""The triage pages: a caseworker runs a triage for a resident one question a page (GOV.UK
question pages: back links, an error summary, post/redirect/get, questions skipped by their
relevance, check your answers), then reads the needs found. The council's analysts upload and
preview forms; its staff read the isolation-risk list and the residents behind the needs."""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.errors import InvalidInput
from safetynet.gaps.web import _as_of
from safetynet.paging import PageRequest
from safetynet.triage import isolation, needs, service
from safetynet.triage import questionnaire as qn
from safetynet.triage.forms import NEEDS, FormRefused, Question
from safetynet.triage.forms import Form as TriageForm
from safetynet.triage.widgets import widget
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Taker = Annotated[Principal, Depends(require("triage.take"))]
Author = Annotated[Principal, Depends(require("triage.forms"))]
Council = Annotated[Principal, Depends(require("triage.isolation"))]
Answer = Annotated[list[str], Form(max_length=1000)]
Part = Annotated[str, Form(max_length=6)]


def _question_url(outcome_id: int, q: Question | None) -> str:
    if q is None:
        return f"/triage/{outcome_id}/check"
    return f"/triage/{outcome_id}/questions/{q.name}"


# -- forms --------------------------------------------------------------------------------------


def _forms_page(request: Request, db: Db, principal: Principal, status: int = 200, **extra: Any):
    return render(request, "triage/forms.html", status, title="Triage forms",
                  forms=service.forms(db, principal), **extra)  # fmt: skip


@router.get("/triage/forms")
def forms(request: Request, db: Db, principal: Author) -> Response:
    """The area's triage forms, every version, and a form to upload a new one."""
    notice = "Form uploaded." if request.query_params.get("done") else None
    return _forms_page(request, db, principal, notice=notice)


@router.post("/triage/forms")
def upload(
    request: Request,
    db: Db,
    principal: Author,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check and keep an uploaded XLSForm; every problem is listed on the same page."""
    if file is None or not file.filename:
        errors = [{"text": "Choose an XLSForm file to upload", "href": "#file"}]
        return _forms_page(request, db, principal, 400, errors=errors)
    content = file.file.read(get_settings().triage_form_max_bytes + 1)
    try:
        row = service.upload_form(db, principal, content, file.filename)
    except (FormRefused, InvalidInput) as refused:
        db.rollback()
        errors = [{"text": refused.message, "href": "#file"}]
        errors += [{"text": d, "href": "#file"} for d in refused.details]
        return _forms_page(request, db, principal, 400, errors=errors)
    return RedirectResponse(f"/triage/forms/{row.id}?done=1", 303)


@router.get("/triage/forms/{form_id}")
def preview(request: Request, form_id: int, db: Db, principal: Author) -> Response:
    """A form version's questions, with their relevance, rules and scoring."""
    row = service.get_form(db, principal, form_id)
    notice = "Form uploaded." if request.query_params.get("done") else None
    return render(request, "triage/form.html", title=row.title, row=row,
                  form=service.form_of(row), needs=NEEDS, notice=notice)  # fmt: skip


# -- the council's lists ------------------------------------------------------------------------


@router.get("/triage/isolation")
def isolation_list(
    request: Request, db: Db, principal: Council, page: str | None = None, size: str | None = None
) -> Response:
    """Residents at risk of isolation, a page at a time (audited)."""
    day = _as_of(request.query_params.get("as_of"))
    found = isolation.isolation_page(db, principal, day, PageRequest.parse(page, size))
    return render(request, "triage/isolation.html", title="Isolation risk", page=found, as_of=day,
                  age=get_settings().triage_isolation_age)  # fmt: skip


@router.post("/triage/isolation/export")
def isolation_export(
    request: Request, db: Db, principal: Council, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    """The whole list as CSV, with the reason recorded in the audit log."""
    day = _as_of(request.query_params.get("as_of"))
    try:
        path, _ = isolation.export_isolation(db, principal, day, reason)
    except InvalidInput as refused:
        found = isolation.isolation_page(db, principal, day, PageRequest())
        return render(request, "triage/isolation.html", 400, title="Isolation risk", page=found,
                      as_of=day, age=get_settings().triage_isolation_age,
                      errors=[{"text": refused.message, "href": "#reason"}])  # fmt: skip
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, path.parent, True))  # fmt: skip


@router.get("/triage/needs")
def needs_page(
    request: Request,
    db: Db,
    principal: Council,
    ward: str | None = None,
    need: str | None = None,
    page: str | None = None,
    size: str | None = None,
) -> Response:
    """The residents behind the dashboard's digital inclusion needs (audited)."""
    day = _as_of(request.query_params.get("as_of"))
    found = needs.needs_list(db, principal, day, PageRequest.parse(page, size), ward=ward,
                             need=need)  # fmt: skip
    return render(request, "triage/needs.html", title="Digital inclusion needs", page=found,
                  as_of=day, ward=ward, need=need, needs=NEEDS)  # fmt: skip


# -- taking a triage (after the fixed /triage/... paths, which /triage/{outcome_id} would
# otherwise match) ----------------------------------------------------------------------------


@router.get("/residents/{resident_id}/triage")
def resident_triages(request: Request, resident_id: int, db: Db, principal: Taker) -> Response:
    """The resident's triages, and a button to start one."""
    found = service.resident_outcomes(db, principal, resident_id)
    return render(request, "triage/resident.html", title="Digital inclusion triage",
                  resident_id=resident_id, outcomes=found, needs=NEEDS)  # fmt: skip


@router.post("/residents/{resident_id}/triage")
def start(resident_id: int, db: Db, principal: Taker) -> Response:
    """Start a triage with the area's current form, at its first question."""
    started = service.start(db, principal, resident_id)
    _, form = service.outcome(db, principal, started.id)
    return RedirectResponse(_question_url(started.id, qn.next_question(form, {})), 303)


def _question_page(
    request: Request, db: Db, principal: Principal, outcome_id: int, name: str, **extra: Any
) -> Response:
    found, form = service.outcome(db, principal, outcome_id)
    if found.status != service.IN_PROGRESS:
        return RedirectResponse(f"/triage/{outcome_id}", 303)
    q = service.shown(form, found.answers, name)
    before = qn.previous_question(form, found.answers, q.name)
    back = _question_url(outcome_id, before) if before else f"/residents/{found.resident_id}/triage"
    value = extra.pop("value", found.answers.get(q.name))
    field = widget(q, value, extra.get("error"), extra.pop("date_parts", None))
    if q.type == "date":  # the error summary links to the first box
        extra["errors"] = [{**e, "href": "#answer-day"} for e in extra.get("errors", [])]
    change = request.query_params.get("change") or extra.pop("change", "")
    return render(request, "triage/question.html", extra.pop("status", 200), title=q.label,
                  q=q, outcome=found, back=back, field=field, change=change, **extra)  # fmt: skip


@router.get("/triage/{outcome_id}/questions/{question_id}")
def question(
    request: Request, outcome_id: int, question_id: str, db: Db, principal: Taker
) -> Response:
    """One question of the triage."""
    return _question_page(request, db, principal, outcome_id, question_id)


@router.post("/triage/{outcome_id}/questions/{question_id}")
def answer(
    request: Request,
    outcome_id: int,
    question_id: str,
    db: Db,
    principal: Taker,
    answer: Answer = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
    day: Annotated[str, Form(alias="answer-day", max_length=4)] = "",
    month: Annotated[str, Form(alias="answer-month", max_length=4)] = "",
    year: Annotated[str, Form(alias="answer-year", max_length=6)] = "",
    change: Part = "",
) -> Response:
    """Keep the answer and go on to the next question shown (or back to checking the
    answers, after a change); on a problem, the same page with the error."""
    typed: list[str] = answer
    if any((day, month, year)):
        typed = [" ".join(p.strip() or "?" for p in (day, month, year))]
    try:
        after = service.record_answer(db, principal, outcome_id, question_id, typed)
    except service.AnswerRefused as refused:
        db.rollback()
        error = refused.message
        return _question_page(
            request, db, principal, outcome_id, question_id, status=400, error=error,
            errors=[{"text": error, "href": "#answer"}], value=typed,
            date_parts=(day, month, year), change=change,
        )  # fmt: skip
    found, form = service.outcome(db, principal, outcome_id)
    if change and qn.unfinished(form, found.answers) is None:
        after = None
    return RedirectResponse(_question_url(outcome_id, after), 303)


def _rows(outcome_id: int, form: TriageForm, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Summary list rows: each question asked, its answer, a change link."""
    return [
        {
            "key": {"text": q.label},
            "value": {"text": qn.display(q, answers.get(q.name))},
            "actions": {"items": [{
                "href": f"/triage/{outcome_id}/questions/{q.name}?change=1",
                "text": "Change", "visuallyHiddenText": q.label.lower(),
            }]},
        }
        for q in qn.asked(form, answers)
        if q.asks
    ]  # fmt: skip


@router.get("/triage/{outcome_id}/check")
def check(request: Request, outcome_id: int, db: Db, principal: Taker) -> Response:
    """Check your answers before the triage is saved."""
    found, form = service.outcome(db, principal, outcome_id, audited=True)
    if found.status == service.COMPLETE:
        return RedirectResponse(f"/triage/{outcome_id}", 303)
    missing = qn.unfinished(form, found.answers)
    last = qn.asked(form, found.answers)
    back = _question_url(outcome_id, last[-1]) if last else "/residents"
    return render(request, "triage/check.html", title="Check your answers", outcome=found,
                  rows=_rows(outcome_id, form, found.answers), back=back,
                  missing=missing)  # fmt: skip


@router.post("/triage/{outcome_id}/check")
def save(outcome_id: int, db: Db, principal: Taker) -> Response:
    """Score and keep the triage, then show its result."""
    try:
        service.complete(db, principal, outcome_id)
    except service.AnswerRefused as refused:
        db.rollback()
        return RedirectResponse(f"/triage/{outcome_id}/questions/{refused.field}", 303)
    return RedirectResponse(f"/triage/{outcome_id}", 303)


@router.get("/triage/{outcome_id}")
def result(request: Request, outcome_id: int, db: Db, principal: Taker) -> Response:
    """The needs the triage found, with the scores and answers behind them (audited)."""
    found, form = service.outcome(db, principal, outcome_id, audited=True)
    if found.status != service.COMPLETE:
        return RedirectResponse(f"/triage/{outcome_id}/check", 303)
    scores = [(NEEDS[n], found.scores.get(n, 0), n in found.needs) for n in NEEDS]
    answers = [{"key": {"text": r["key"]["text"]}, "value": r["value"]}
               for r in _rows(outcome_id, form, found.answers)]  # fmt: skip
    return render(request, "triage/result.html", title="Triage result", outcome=found, form=form,
                  found_needs=[NEEDS[n] for n in found.needs], scores=scores,
                  answers=answers)  # fmt: skip

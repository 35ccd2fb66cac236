"""The call-back queue pages: self-checks residents shared asking the council to call them
back, and a form to record what happened. Council admins and caseworkers only; the functions
in `entitlements.access` check the organisation and area again and audit each view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.entitlements import access, callbacks
from safetynet.errors import InvalidInput
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Handler = Annotated[Principal, Depends(require("callbacks.handle"))]
TAGS = {
    "new": "govuk-tag--blue",
    "no_answer": "govuk-tag--yellow",
    "called_back": "govuk-tag--green",
    "closed": "govuk-tag--grey",
}


@router.get("/call-backs")
def queue_page(request: Request, db: Db, principal: Handler, status: str = "") -> Response:
    """The area's call-backs, new ones first, oldest first; filtered by status."""
    found = access.call_back_queue(db, principal, status or None)
    return render(
        request,
        "entitlements/call_backs.html",
        title="Call-backs",
        queue=found,
        statuses=callbacks.STATUSES,
        tags=TAGS,
    )


def _detail(
    request: Request,
    db: Session,
    principal: Principal,
    check_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    form: dict[str, Any] | None = None,
    notice: str | None = None,
) -> Response:
    check, history = access.call_back(db, principal, check_id)
    form = form or {}
    return render(
        request,
        "entitlements/call_back.html",
        status_code=400 if errors else 200,
        title=f"Call-back {check.id}",
        check=check,
        history=history,
        answers=[
            {"key": {"text": key}, "value": {"text": value}}
            for key, value in callbacks.household_rows(check.inputs)
        ],
        result=callbacks.results(check),
        consented_at=callbacks.consented_at(check),
        statuses=callbacks.STATUSES,
        outcome_items=[
            {"value": v, "text": t, "checked": form.get("status") == v}
            for v, t in callbacks.OUTCOMES.items()
        ],
        tags=TAGS,
        note_max=callbacks.NOTE_MAX,
        errors=errors or [],
        by_field={e["href"][1:]: e["text"] for e in errors or []},
        form=form,
        notice=notice,
    )


@router.get("/call-backs/{check_id}")
def call_back_page(
    request: Request, db: Db, principal: Handler, check_id: int, recorded: str = ""
) -> Response:
    """One call-back: the household's answers, the results, the contact details and consent
    (the view is audited), its history and the outcome form."""
    notice = "Outcome recorded." if recorded == "1" else None
    return _detail(request, db, principal, check_id, notice=notice)


def _problems(status: str, note: str) -> list[dict[str, str]]:
    found = []
    if status not in callbacks.OUTCOMES:
        found.append({"text": "Select what happened with the call back", "href": "#status"})
    if len(note.strip()) > callbacks.NOTE_MAX:
        text = f"The note must be {callbacks.NOTE_MAX:,} characters or fewer"
        found.append({"text": text, "href": "#note"})
    return found


@router.post("/call-backs/{check_id}")
def record_outcome(
    request: Request,
    db: Db,
    principal: Handler,
    check_id: int,
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    seen: Annotated[str, Form()] = "",
) -> Response:
    """Record what happened; the same form sent twice records it once."""
    errors = _problems(status, note)
    if errors:
        form = {"status": status, "note": note}
        return _detail(request, db, principal, check_id, errors=errors, form=form)
    try:
        shown = int(seen) if seen else None
    except ValueError:
        raise InvalidInput("This form is damaged: reload the page and try again.") from None
    access.record_call_back(db, principal, check_id, status=status, note=note, seen=shown)
    return RedirectResponse(f"/call-backs/{check_id}?recorded=1", status_code=303)

"""Pages for "who is missing" and outreach: the programme x ward table with a bar chart and a
ward map, the residents each rule finds, exporting an outreach list, the lists with contact
statuses, and take-up."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound
from safetynet.gaps import access
from safetynet.paging import PageRequest
from safetynet.web.deps import Db, require
from safetynet.web.templating import fragment, render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("gaps.view"))]
Exporter = Annotated[Principal, Depends(require("outreach.export"))]
ListViewer = Annotated[Principal, Depends(require("outreach.view"))]
Updater = Annotated[Principal, Depends(require("outreach.update"))]
LIST_VIEW = ("status", "q", "page", "size")  # what a list page shows: kept across its forms
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _as_of(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date like 2026-11-27.") from None


@router.get("/gaps")
def gaps(request: Request, db: Db, principal: Viewer, as_of: str | None = None) -> Response:
    """Residents probably missing each programme, by ward: table, bar chart and map."""
    found = access.report(db, principal, _as_of(as_of))
    if "body" not in found.rendered:  # the same result: the same tables, chart and map
        found.rendered["body"] = fragment("gaps/_report_body.html", report=found)
    body = found.rendered["body"]
    return render(request, "gaps/report.html", title="Who is missing", report=found, body=body)


def _found_page(
    request: Request,
    db: Db,
    principal: Principal,
    rule_id: str,
    ward: str | None,
    as_of: date,
    status: int = 200,
    **extra: object,
) -> Response:
    wanted = PageRequest.parse(request.query_params.get("page"), request.query_params.get("size"))
    try:
        found = access.found(db, principal, rule_id, ward=ward or None, as_of=as_of, page=wanted)
    except InvalidInput as problem:  # an unknown ward, or an area with no residents yet
        db.rollback()
        raise NotFound(problem.message) from None
    return render(
        request,
        "gaps/found.html",
        status_code=status,
        title=found.title,
        found=found,
        as_of=as_of,
        statuses=dict(access.STATUSES),
        **extra,
    )


@router.get("/gaps/{rule_id}")
def rule_residents(
    request: Request,
    rule_id: str,
    db: Db,
    principal: Viewer,
    ward: str | None = None,
    as_of: str | None = None,
) -> Response:
    """The residents one rule finds (in one ward, or all), with contacts and outreach status."""
    return _found_page(request, db, principal, rule_id, ward, _as_of(as_of))


@router.post("/gaps/{rule_id}/export")
def export(
    request: Request,
    rule_id: str,
    db: Db,
    principal: Exporter,
    reason: Annotated[str, Form()] = "",
    file_format: Annotated[str, Form(alias="format")] = "csv",
    ward: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    """Make an outreach list of the residents the rule finds and download it (audited)."""
    day = _as_of(as_of)
    if not reason.strip():
        return _found_page(
            request,
            db,
            principal,
            rule_id,
            ward,
            day,
            400,
            errors=[{"text": "Enter why you need this list", "href": "#reason"}],
            form={"reason": reason, "format": file_format},
        )
    try:
        done = access.export(
            db, principal, rule_id, ward=ward, reason=reason, file_format=file_format, as_of=day
        )
    except InvalidInput as problem:
        db.rollback()
        return _found_page(
            request,
            db,
            principal,
            rule_id,
            ward,
            day,
            400,
            errors=[{"text": problem.message, "href": "#reason"}],
            form={"reason": reason, "format": file_format},
        )
    return FileResponse(
        done.path,
        media_type=MEDIA[done.path.suffix.lstrip(".")],
        filename=f"outreach-list-{done.outreach.id}{done.path.suffix}",
        background=BackgroundTask(shutil.rmtree, done.path.parent, True),
    )


@router.get("/outreach")
def outreach_lists(request: Request, db: Db, principal: ListViewer) -> Response:
    """Outreach lists, newest first, with how many people are at each status."""
    return render(
        request,
        "gaps/lists.html",
        title="Outreach lists",
        lists=access.lists(db, principal),
        statuses=access.STATUSES,
    )


def _list_page(
    request: Request,
    db: Db,
    principal: Principal,
    list_id: int,
    status: int = 200,
    view: dict[str, str] | None = None,
    **extra,
) -> Response:
    """The list page: one page of its people, filtered by status and searched (`view`)."""
    found = access.get_list(db, principal, list_id)
    view = view or _view(request.query_params)
    errors = list(extra.pop("errors", []))
    try:
        people = access.entry_page(
            db,
            principal,
            found,
            status=view["status"] or None,
            search=view["q"],
            page=PageRequest.parse(view["page"], view["size"]),
        )
    except InvalidInput as problem:
        db.rollback()
        errors.append({"text": problem.message, "href": "#filter-q"})
        people = access.entry_page(db, principal, found, page=PageRequest())
        view, status = {"status": "", "q": view["q"], "page": "", "size": ""}, 400
    return render(
        request,
        "gaps/list.html",
        status_code=status,
        title=f"Outreach list {found.id}",
        item=found,
        people=people,
        view=view,
        pager=people.links(f"/outreach/{found.id}", {"status": view["status"], "q": view["q"]}),
        statuses=access.STATUSES,
        errors=errors,
        **extra,
    )


def _view(values: Any) -> dict[str, str]:
    """Which of a list's people the page shows: status filter, search and page number."""
    return {key: str(values.get(key) or "").strip()[:100] for key in LIST_VIEW}


@router.get("/outreach/{list_id}")
def outreach_list(request: Request, list_id: int, db: Db, principal: ListViewer) -> Response:
    """One page of the people on a list with their contact details and status, by status
    and name or resident number (audited)."""
    done = request.query_params.get("updated")
    notice = f"Resident {done}: status saved." if done and done.isdigit() else None
    return _list_page(request, db, principal, list_id, notice=notice)


@router.post("/outreach/{list_id}/status")
def set_status(
    request: Request,
    list_id: int,
    db: Db,
    principal: Updater,
    resident_id: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    shown_status: Annotated[str, Form()] = "",
    shown_q: Annotated[str, Form()] = "",
    shown_page: Annotated[str, Form()] = "",
    shown_size: Annotated[str, Form()] = "",
) -> Response:
    """Record where contact with one person on the list stands, then show the same page of
    the list again (the same filter, search and page)."""
    access.get_list(db, principal, list_id)
    view = _view({"status": shown_status, "q": shown_q, "page": shown_page, "size": shown_size})
    try:
        access.set_status(
            db, principal, list_id, _number(resident_id), status, note.strip() or None
        )
    except InvalidInput as problem:
        db.rollback()
        return _list_page(
            request,
            db,
            principal,
            list_id,
            400,
            view,
            errors=[{"text": problem.message, "href": f"#status-{resident_id}"}],
            form={"resident_id": resident_id, "status": status, "note": note},
        )
    kept = urlencode({k: v for k, v in view.items() if v} | {"updated": _number(resident_id)})
    return RedirectResponse(
        f"/outreach/{list_id}?{kept}#person-{_number(resident_id)}", status_code=303
    )


@router.get("/takeup")
def takeup(
    request: Request, db: Db, principal: Viewer, by: str = "month", list_id: int | None = None
) -> Response:
    """Take-up among people contacted against those not yet contacted, over time."""
    if list_id is not None:
        access.get_list(db, principal, list_id)
    table = access.takeup_report(db, principal, period=by, list_id=list_id)
    return render(
        request,
        "gaps/takeup.html",
        title="Take-up",
        rows=list(table.iter_rows(named=True)),
        by=by,
        list_id=list_id,
    )


def _number(text: str) -> int:
    """A resident id from a form (0, which no resident has, when it is not a number)."""
    return int(text) if text.strip().isdigit() else 0

"""Pages for the privacy operations: retention (what would go, then run it) and subject access
(one resident's file, with the reason). Council admins only; see `privacy.access`."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound
from safetynet.privacy import access
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Retainer = Annotated[Principal, Depends(require("privacy.retention"))]
Requester = Annotated[Principal, Depends(require("privacy.subject_access"))]
FORMAT_NAMES = {"xlsx": "Spreadsheet (XLSX), a sheet per section", "json": "JSON"}


@router.get("/privacy")
def privacy(request: Request, principal: Retainer) -> Response:
    """The privacy operations an admin can run."""
    return render(request, "privacy/index.html", title="Privacy operations")


def _day(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(
            f"Enter the date as year-month-day, like 2026-11-27, not '{text}'."
        ) from None


def _due_page(
    request: Request, db: Db, principal: Principal, as_of: date, status: int = 200, **extra
) -> Response:
    return render(
        request,
        "privacy/retention.html",
        status_code=status,
        title="Retention",
        report=access.retention_due(db, principal, as_of),
        periods=access.periods(db, principal),
        can_run=as_of <= access.today(),
        today=access.today(),
        **extra,
    )


@router.get("/privacy/retention")
def retention_due(request: Request, db: Db, principal: Retainer, as_of: str = "") -> Response:
    """What a retention run would delete today (or on a later day, to plan), before running."""
    if not as_of.strip():
        return _due_page(request, db, principal, access.today())
    try:
        day = _day(as_of)
    except InvalidInput as problem:
        errors = [{"text": problem.message, "href": "#as_of"}]
        return _due_page(request, db, principal, access.today(), 400, errors=errors)
    return _due_page(request, db, principal, day)


@router.post("/privacy/retention")
def run_retention(
    request: Request, db: Db, principal: Retainer, as_of: Annotated[str, Form()] = ""
) -> Response:
    """Delete what is past retention, in one transaction, and show what went. Sending the
    form twice is harmless: the second run finds nothing further and says so."""
    try:
        day = _day(as_of) if as_of.strip() else access.today()
        report = access.run_retention(db, principal, day)
    except InvalidInput as problem:
        db.rollback()
        errors = [{"text": problem.message, "href": "#run"}]
        return _due_page(request, db, principal, access.today(), 400, errors=errors)
    return render(request, "privacy/retention_done.html", title="Retention run", report=report)


def _request_page(request: Request, status: int = 200, **form: object) -> Response:
    errors = form.pop("errors", [])
    return render(
        request,
        "privacy/subject_access.html",
        status_code=status,
        title="Subject access request",
        form=form,
        errors=errors,
        formats=list(FORMAT_NAMES.items()),
    )


@router.get("/privacy/subject-access")
def subject_access_form(request: Request, principal: Requester) -> Response:
    """Ask which resident, why, and in which format."""
    return _request_page(request, file_format="xlsx")


@router.post("/privacy/subject-access")
def subject_access(
    request: Request,
    db: Db,
    principal: Requester,
    resident: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    file_format: Annotated[str, Form(alias="format")] = "xlsx",
) -> Response:
    """Download everything held about one resident, following merges (audited with why)."""
    form = {"resident": resident, "reason": reason, "file_format": file_format}
    errors = []
    if not resident.strip():
        errors.append({"text": "Enter the resident's id or reference", "href": "#resident"})
    if not reason.strip():
        errors.append({"text": "Enter why you are exporting this data", "href": "#reason"})
    if file_format not in FORMAT_NAMES:
        errors.append({"text": "Choose a format", "href": "#format"})
    if errors:
        return _request_page(request, 400, errors=errors, **form)
    try:
        resident_id = access.find_resident(db, principal, resident)
        done = access.export_subject_access(
            db, principal, resident_id, reason=reason, file_format=file_format
        )
    except (InvalidInput, NotFound) as problem:
        db.rollback()
        return _request_page(
            request, 400, errors=[{"text": problem.message, "href": "#resident"}], **form
        )
    return FileResponse(
        done.path,
        media_type=done.media_type,
        filename=done.filename,
        background=BackgroundTask(shutil.rmtree, done.path.parent, True),
    )

"""REST API `/api/v1/privacy`: retention and subject access, over the same scoped functions
as the pages (`privacy.access`), under the same permissions (council admins)."""

from __future__ import annotations

import shutil
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from safetynet.accounts.permissions import Principal
from safetynet.api import schemas
from safetynet.api.auth import api_require
from safetynet.privacy import access
from safetynet.privacy.retention import RetentionReport
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1/privacy", tags=["v1"])
As_retention = Annotated[Principal, Depends(api_require("privacy.retention"))]
As_subject_access = Annotated[Principal, Depends(api_require("privacy.subject_access"))]


def _report(db: Db, principal: Principal, report: RetentionReport) -> dict:
    return {
        "as_of": report.as_of,
        "dry_run": report.dry_run,
        "tables": report.tables,
        "call_backs": report.call_backs,
        "sources": [s.__dict__ | {"why": s.why} for s in report.sources],
        "periods": [p.__dict__ for p in access.periods(db, principal)],
    }


@router.get("/retention", response_model=schemas.RetentionReportOut)
def retention_due(db: Db, principal: As_retention, as_of: date | None = None) -> object:
    """What a retention run would delete today (or on `as_of`, to plan), by table and source,
    with the periods applied. Nothing is changed."""
    return _report(db, principal, access.retention_due(db, principal, as_of))


@router.post("/retention", response_model=schemas.RetentionReportOut)
def run_retention(
    db: Db, principal: As_retention, body: schemas.RetentionIn | None = None
) -> object:
    """Delete what is past retention (as of today, or an earlier `as_of`) in one transaction,
    audited; answers what was deleted. Running it again deletes nothing further."""
    report = access.run_retention(db, principal, body.as_of if body else None)
    return _report(db, principal, report)


@router.post(
    "/subject-access",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file: JSON, or XLSX with a sheet per section.",
            "content": {"application/json": {}, access.XLSX: {}},
        }
    },
)
def subject_access(body: schemas.SubjectAccessIn, db: Db, principal: As_subject_access) -> Response:
    """Everything held about one resident, following merges, as JSON or XLSX (audited with
    the reason). Another area's resident is not found, like a missing one."""
    done = access.export_subject_access(
        db, principal, body.resident_id, reason=body.reason, file_format=body.format
    )
    return FileResponse(
        done.path,
        media_type=done.media_type,
        filename=done.filename,
        background=BackgroundTask(shutil.rmtree, done.path.parent, True),
    )

"""REST API `/api/v1`: thin handlers over the same scoped service functions as the pages."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from safetynet import audit
from safetynet.accounts import access as accounts
from safetynet.accounts.permissions import Principal
from safetynet.api import schemas
from safetynet.api.auth import api_require
from safetynet.link import access as link
from safetynet.paging import PageRequest, page_of
from safetynet.sources import access as sources
from safetynet.sources.imports import ImportRequest
from safetynet.sources.models import SourceImport
from safetynet.sources.service import export_rejected
from safetynet.web.deps import Db, public, settings_of
from safetynet.web.templating import render

router = APIRouter(prefix="/api/v1", tags=["v1"])
docs_router = APIRouter(include_in_schema=False)


# One annotated dependency per permission: every route names the permission it needs.
As_agreements_view = Annotated[Principal, Depends(api_require("agreements.view"))]
As_audit_view = Annotated[Principal, Depends(api_require("audit.view"))]
As_dashboard_view = Annotated[Principal, Depends(api_require("dashboard.view"))]
As_imports_create = Annotated[Principal, Depends(api_require("imports.create"))]
As_imports_view = Annotated[Principal, Depends(api_require("imports.view"))]
As_jobs_view = Annotated[Principal, Depends(api_require("jobs.view"))]
As_link_run = Annotated[Principal, Depends(api_require("link.run"))]
As_link_view = Annotated[Principal, Depends(api_require("link.view"))]
As_organisations_view = Annotated[Principal, Depends(api_require("organisations.view"))]
As_sources_view = Annotated[Principal, Depends(api_require("sources.view"))]
As_users_manage = Annotated[Principal, Depends(api_require("users.manage"))]
As_users_view = Annotated[Principal, Depends(api_require("users.view"))]


@router.get("/me", response_model=schemas.Me)
def me(principal: As_dashboard_view) -> Principal:
    """Who the token belongs to."""
    return principal


@router.get("/organisations", response_model=list[schemas.OrganisationOut])
def organisations(db: Db, principal: As_organisations_view) -> object:
    """Organisations in the caller's scope."""
    return accounts.organisations(db, principal)


@router.get("/users", response_model=list[schemas.UserOut])
def users(db: Db, principal: As_users_view) -> object:
    """Users the caller administers."""
    return accounts.users(db, principal)


@router.post("/users", response_model=schemas.UserCreated, status_code=201)
def create_user(body: schemas.UserIn, db: Db, principal: As_users_manage) -> object:
    """Add a user; the response holds their first password, once."""
    user, password = accounts.create_user(
        db,
        principal,
        email=body.email,
        full_name=body.full_name,
        organisation=body.organisation,
        role=body.role,
    )
    return {"user": user, "password": password}


@router.post("/users/{user_id}/deactivate", response_model=schemas.UserOut)
def deactivate_user(user_id: int, db: Db, principal: As_users_manage) -> object:
    """Stop a user signing in; their sessions end and their API tokens are revoked."""
    return accounts.deactivate_user(db, principal, user_id)


@router.post("/users/{user_id}/reactivate", response_model=schemas.UserOut)
def reactivate_user(user_id: int, db: Db, principal: As_users_manage) -> object:
    """Let a deactivated user sign in again (an active user stays as they are); their old API
    tokens stay revoked."""
    return accounts.reactivate_user(db, principal, user_id)


@router.post("/users/{user_id}/reset-password", response_model=schemas.PasswordReset)
def reset_password(user_id: int, db: Db, principal: As_users_manage) -> object:
    """Give a user a new random password, in the response once; their sessions end and their
    API tokens are revoked."""
    user, password = accounts.reset_password(db, principal, user_id)
    return {"user": user, "password": password}


@router.post("/users/{user_id}/revoke-sessions", response_model=schemas.SessionsRevoked)
def revoke_sessions(user_id: int, db: Db, principal: As_users_manage) -> object:
    """Sign a user out everywhere (sessions end, API tokens are revoked); answers how many
    sessions ended."""
    return {"user_id": user_id, "sessions_ended": accounts.revoke_sessions(db, principal, user_id)}


@router.get("/agreements", response_model=list[schemas.AgreementOut])
def agreements(db: Db, principal: As_agreements_view) -> object:
    """Data-sharing agreements the caller may read."""
    return accounts.agreements(db, principal)


@router.get("/agreements/{agreement_id}", response_model=schemas.AgreementOut)
def agreement(agreement_id: int, db: Db, principal: As_agreements_view) -> object:
    """One agreement."""
    return accounts.get_agreement(db, principal, agreement_id)


@router.get("/sources", response_model=list[schemas.SourceOut])
def list_sources(db: Db, principal: As_sources_view) -> object:
    """Sources in the caller's scope, with current record counts."""
    return [
        schemas.SourceOut(
            id=s.source.id,
            organisation=s.organisation,
            name=s.source.name,
            kind=s.source.kind,
            mode=s.source.mode,
            current_records=s.records,
            versions=s.latest_version,
        )
        for s in sources.sources(db, principal)
    ]


@router.get("/imports", response_model=list[schemas.ImportOut])
def list_imports(db: Db, principal: As_imports_view, source_id: int | None = None) -> object:
    """Imports, newest first."""
    return sources.imports(db, principal, source_id=source_id)


@router.get("/imports/{import_id}", response_model=schemas.ImportOut)
def get_import(import_id: int, db: Db, principal: As_imports_view) -> object:
    """One import."""
    return sources.get_import(db, principal, import_id)


@router.get("/imports/{import_id}/issues", response_model=list[schemas.IssueOut])
def import_issues(import_id: int, db: Db, principal: As_imports_view) -> object:
    """The first problems found in an import (audited: messages can quote cell values)."""
    found = sources.get_import(db, principal, import_id)
    issues = sources.issues(db, principal, import_id)
    audit.record(
        db,
        actor=principal.actor,
        action="import.view_issues",
        entity_type="import",
        entity_id=found.id,
        tenant_id=found.tenant_id,
        user_id=principal.user_id,
        detail={"issues_shown": len(issues), "door": "api"},
    )
    db.commit()
    return issues


ImportTarget = tuple[Principal, SourceImport]


def _import_in_scope(import_id: int, db: Db, principal: As_imports_view) -> ImportTarget:
    """The caller and the import, once it is known to be in the caller's scope: checked before
    the body, so another organisation's import is 404 whatever was sent."""
    return principal, sources.get_import(db, principal, import_id)


@router.post(
    "/imports/{import_id}/rejected",
    response_class=FileResponse,
    responses={200: {"description": "The rows left out, as CSV.", "content": {"text/csv": {}}}},
)
def rejected_rows(
    target: Annotated[ImportTarget, Depends(_import_in_scope)],
    body: schemas.RejectedRowsIn,
    db: Db,
) -> Response:
    """Download the rows an import left out, with their reasons, as CSV (audited with the
    reason), like the import page's download."""
    principal, found = target
    folder = Path(tempfile.mkdtemp(prefix="safetynet-export-"))
    path = folder / f"import-{found.id}-rejected.csv"
    export_rejected(db, found.id, path, reason=body.reason, actor=principal.actor)
    return FileResponse(
        path,
        media_type="text/csv",
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, True),
    )


@router.post("/imports", response_model=schemas.ImportOut, status_code=201)
def upload(
    request: Request,
    db: Db,
    principal: As_imports_create,
    file: Annotated[UploadFile, File()],
    organisation: Annotated[str, Form()],
    source: Annotated[str, Form()],
    kind: Annotated[str | None, Form()] = None,
    skip_invalid_rows: Annotated[bool, Form()] = False,
) -> object:
    """Import a CSV, XLSX or Parquet file now; a refused file answers 422 with its problems."""
    settings = settings_of(request)
    path = sources.keep_upload(file, settings)
    try:
        sources.check_upload_type(path, file.filename or "")
        outcome = sources.import_file(
            db,
            principal,
            ImportRequest(
                path=path,
                organisation=organisation,
                source=source,
                kind=kind,
                skip_invalid_rows=skip_invalid_rows,
            ),
        )
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return sources.get_import(db, principal, outcome.import_id or 0)


@router.get("/link-runs", response_model=list[schemas.LinkRunOut])
def link_runs(db: Db, principal: As_link_view) -> object:
    """The area's link runs, newest first."""
    return link.runs(db, principal)


@router.get("/link-runs/{run_id}", response_model=schemas.LinkRunOut)
def link_run(run_id: int, db: Db, principal: As_link_view) -> object:
    """One link run."""
    return link.get_run(db, principal, run_id)


@router.post("/link-runs", response_model=schemas.JobOut, status_code=202)
def start_link_run(db: Db, principal: As_link_run) -> object:
    """Queue a link run of the caller's area; follow it at /api/v1/jobs/{id}."""
    return link.start_run(db, principal)


@router.get("/jobs/{job_id}", response_model=schemas.JobOut)
def job(job_id: int, db: Db, principal: As_jobs_view) -> object:
    """A background job's status and result."""
    return link.get_job(db, principal, job_id)


@router.get("/audit", response_model=list[schemas.AuditEventOut])
def audit_events(
    db: Db,
    principal: As_audit_view,
    response: Response,
    action: Annotated[str, Query(max_length=64, description="Exactly this action.")] = "",
    actor: Annotated[str, Query(max_length=200, description="Actor containing this.")] = "",
    since: Annotated[date | None, Query(description="From this day (London), inclusive.")] = None,
    until: Annotated[date | None, Query(description="To this day (London), inclusive.")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events a page.")] = 100,
) -> object:
    """The area's audit log, newest first, a page at a time (`X-Total-Count` says how many
    events match in all)."""
    query = audit.filtered(
        accounts.readable_audit_events(principal),
        action=action,
        exact_action=True,
        actor=actor,
        since=since,
        until=until,
    ).order_by(audit.AuditEvent.id.desc())
    found = page_of(db, query, PageRequest(page, limit))
    response.headers["X-Total-Count"] = str(found.total)
    return found.items


@docs_router.get("/api/docs")
def docs(request: Request, _: Annotated[Principal | None, Depends(public())]) -> Response:
    """The API's reference, from its OpenAPI document, as a plain page (no CDN, no scripts)."""
    spec = request.app.openapi()
    operations = [
        (path, method.upper(), op.get("summary", ""), op.get("description", ""))
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]
    return render(request, "api_docs.html", title="API", operations=operations)

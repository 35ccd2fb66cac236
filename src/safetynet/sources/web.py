"""Pages for sources and imports: lists, history, one import's report, and uploading a file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.errors import SafetynetError
from safetynet.sources import access
from safetynet.sources.imports import ImportRefused, ImportRequest
from safetynet.sources.models import SourceImport, SourceKind
from safetynet.sources.service import export_rejected
from safetynet.sources.validate import reason_label
from safetynet.web.deps import Db, require, settings_of
from safetynet.web.templating import error_list, render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("imports.view"))]
Uploader = Annotated[Principal, Depends(require("imports.create"))]


@router.get("/sources")
def sources(
    request: Request, db: Db, principal: Annotated[Principal, Depends(require("sources.view"))]
) -> Response:
    """The caller's sources with their current records."""
    return render(
        request, "sources/sources.html", title="Sources", sources=access.sources(db, principal)
    )


@router.get("/sources/{source_id}")
def source_detail(
    request: Request,
    source_id: int,
    db: Db,
    principal: Annotated[Principal, Depends(require("sources.view"))],
) -> Response:
    """One source and its import history (every version)."""
    source = access.get_source(db, principal, source_id)
    recent = access.imports(db, principal, source_id=source_id)
    return render(request, "sources/source.html", title=source.name, source=source, recent=recent)


@router.get("/imports")
def imports(request: Request, db: Db, principal: Viewer) -> Response:
    """Import history across the caller's sources."""
    recent = access.imports(db, principal)
    return render(request, "sources/imports.html", title="Imports", recent=recent)


def _upload_form(
    request: Request, db: Db, principal: Principal, status: int = 200, **context: object
) -> Response:
    orgs = access.upload_organisations(db, principal)
    context.setdefault("form", {})
    return render(
        request,
        "sources/upload.html",
        status_code=status,
        title="Upload a file",
        org_options=[(o.slug, o.name) for o in orgs],
        kind_options=[(k.value, k.value.replace("_", " ")) for k in SourceKind],
        max_bytes=settings_of(request).upload_max_bytes,
        **context,
    )


@router.get("/imports/new")
def new_import(request: Request, db: Db, principal: Uploader) -> Response:
    """The upload form."""
    return _upload_form(request, db, principal)


def _field_errors(form: dict[str, str], upload: UploadFile | None) -> list[dict[str, str]]:
    checks = (
        ("organisation", not form["organisation"], "Choose the organisation the list comes from"),
        ("source", not form["source"].strip(), "Enter the name of the list (source)"),
        ("file", upload is None or not upload.filename, "Choose a file to upload"),
    )
    return [{"text": text, "href": f"#{field}"} for field, failed, text in checks if failed]


@router.post("/imports/new")
def upload(
    request: Request,
    db: Db,
    principal: Uploader,
    organisation: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    skip_invalid_rows: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Import the uploaded file now; on refusal, show the problems on the same page."""
    form = {"organisation": organisation, "source": source, "kind": kind, "skip": skip_invalid_rows}
    errors = _field_errors(form, file)
    if errors:
        return _upload_form(request, db, principal, 400, errors=errors, form=form)
    assert file is not None
    try:
        outcome = _import_upload(request, db, principal, file, form)
    except ImportRefused as refused:
        return _refused(request, db, principal, form, refused)
    except SafetynetError as error:
        if error.status in (403, 404):  # out-of-scope organisation: as if it did not exist
            raise
        errors = error_list(error, "#file")
        return _upload_form(request, db, principal, 400, form=form, errors=errors)
    if isinstance(outcome, Response):  # a big file: imported in the background
        return outcome
    found = access.get_import(db, principal, outcome.import_id or 0)
    return _import_page(
        request, db, principal, found, notice=f"Imported {outcome.rows_loaded:,} records."
    )


def _import_upload(
    request: Request, db: Db, principal: Principal, file: UploadFile, form: dict[str, str]
) -> Any:
    """Save the upload to a random folder, check its type, and import it now (the outcome)
    or, when it is big, queue it (the redirect to its job); the folder goes unless queued."""
    settings = settings_of(request)
    path = access.keep_upload(file, settings)
    try:
        access.check_upload_type(path, file.filename or "")
        if path.stat().st_size > settings.import_background_bytes:
            job = _in_background(db, principal, path, form)
            path = path.parent / ".queued"  # the worker owns the folder now
            return RedirectResponse(f"/jobs/{job.id}", status_code=303)
        return access.import_file(
            db,
            principal,
            ImportRequest(
                path=path,
                organisation=form["organisation"],
                source=form["source"].strip(),
                kind=form["kind"] or None,
                skip_invalid_rows=bool(form["skip"]),
            ),
        )
    finally:
        if path.name != ".queued":
            shutil.rmtree(path.parent, ignore_errors=True)


def _in_background(db: Db, principal: Principal, path: Any, form: dict[str, str]) -> Any:
    """Queue a big upload's import; the job names the upload by its random folder only."""
    from safetynet import jobs
    from safetynet.accounts.service import get_organisation

    principal.require("imports.create")
    organisation = get_organisation(db, form["organisation"])
    principal.check_organisation(organisation)
    return jobs.submit(
        db,
        kind="import",
        tenant_id=organisation.tenant_id,
        organisation_id=organisation.id,
        user_id=principal.user_id,
        actor=principal.actor,
        params={
            "upload": path.parent.name,
            "organisation": form["organisation"],
            "source": form["source"].strip(),
            "kind": form["kind"] or None,
            "skip_invalid_rows": bool(form["skip"]),
        },
    )


def _refused(
    request: Request, db: Db, principal: Principal, form: dict[str, str], refused: ImportRefused
) -> Response:
    outcome = refused.outcome
    # The service speaks the CLI's words; on this page the option is a checkbox.
    message = refused.message.replace(
        "add --skip-invalid-rows", "tick 'Load the valid rows and keep the rows with errors aside'"
    )
    sample = [row for row in outcome.sample if row.get("severity") == "error"][:20]
    reasons = outcome.top_reasons("error", 10)
    return _upload_form(
        request,
        db,
        principal,
        400,
        form=form,
        errors=[{"text": message, "href": "#file"}],
        refused=outcome,
        sample=sample,
        reasons=reasons,
    )


def _import_page(
    request: Request, db: Db, principal: Principal, found: SourceImport, notice: str | None = None
) -> Response:
    issue_list = access.issues(db, principal, found.id)
    # Issue messages can quote cell values: a view of personal data, so it is audited.
    audit.record(
        db,
        actor=principal.actor,
        action="import.view_issues",
        entity_type="import",
        entity_id=found.id,
        tenant_id=found.tenant_id,
        user_id=principal.user_id,
        detail={"issues_shown": len(issue_list)},
    )
    db.commit()
    reasons = [
        (reason_label(f, c), n) for s, f, c, n in found.summary.get("reasons", []) if s == "error"
    ]
    return render(
        request,
        "sources/import.html",
        title=f"Import {found.id}",
        imp=found,
        issues=issue_list,
        reasons=reasons,
        notice=notice,
    )


@router.get("/imports/{import_id}")
def import_detail(request: Request, import_id: int, db: Db, principal: Viewer) -> Response:
    """One import: counts, mapping, the first problems found."""
    found = access.get_import(db, principal, import_id)
    return _import_page(request, db, principal, found)


@router.post("/imports/{import_id}/rejected")
def export_rejected_rows(
    request: Request,
    import_id: int,
    db: Db,
    principal: Viewer,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Download the rows an import left out, as CSV, with the reason recorded in the audit log."""
    found = access.get_import(db, principal, import_id)
    if not reason.strip():
        return render(
            request,
            "sources/import.html",
            status_code=400,
            title=f"Import {found.id}",
            imp=found,
            issues=[],
            reasons=[],
            errors=[{"text": "Enter why you need the rejected rows", "href": "#reason"}],
        )
    folder = Path(tempfile.mkdtemp(prefix="safetynet-export-"))
    path = folder / f"import-{found.id}-rejected.csv"
    export_rejected(db, found.id, path, reason=reason.strip(), actor=principal.actor)
    return FileResponse(
        path,
        media_type="text/csv",
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, True),
    )

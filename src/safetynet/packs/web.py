"""Pack pages (export download; upload, see the differences, confirm) and their API twins.
A council's admins and analysts only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.errors import InvalidInput
from safetynet.packs import access, sections
from safetynet.packs.schemas import MAX_PACK_BYTES
from safetynet.packs.service import PackDiff
from safetynet.packs.staging import slug
from safetynet.web.deps import Db, require
from safetynet.web.templating import error_list, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["v1"])
Manager = Annotated[Principal, Depends(require("packs.manage"))]
As_manager = Annotated[Principal, Depends(api_require("packs.manage"))]


def _read(upload: UploadFile | None) -> tuple[bytes, str]:
    """An uploaded pack's bytes (refused past the size limit) and its file name."""
    if upload is None or not upload.filename:
        raise InvalidInput("Choose a pack file to upload.")
    data = upload.file.read(MAX_PACK_BYTES + 1)
    if len(data) > MAX_PACK_BYTES:
        raise InvalidInput(
            f"{upload.filename} is bigger than {MAX_PACK_BYTES:,} bytes: not a pack."
        )
    return data, upload.filename[:120]


def _errors(problem: InvalidInput, href: str = "#pack") -> list[dict[str, str]]:
    return error_list(problem, href)


def _packs_page(
    request: Request, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    page = render(
        request,
        "packs/packs.html",
        title="Configuration packs",
        sections=sections.ordered(),
        planned=sections.PLANNED,
        **extra,
    )
    page.status_code = status
    return page


@router.get("/packs")
def packs_page(request: Request, principal: Manager, applied: int | None = None) -> Response:
    """Export this area's configuration, or upload another council's pack."""
    return _packs_page(request, principal, applied=applied)


def _download(data: bytes, principal: Principal) -> Response:
    name = f"safetynet-pack-{slug(principal.organisation_name)}.json"
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/packs/export")
def export_page(db: Db, principal: Manager) -> Response:
    """The area's pack as a file to download (audited)."""
    return _download(access.export(db, principal), principal)


@router.post("/packs/diff")
def diff_page(
    request: Request, db: Db, principal: Manager, pack: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Check an uploaded pack and show what it would change, with a button to apply it."""
    try:
        data, name = _read(pack)
        found = access.diff(db, principal, data, name)
    except InvalidInput as problem:
        return _packs_page(request, principal, 400, errors=_errors(problem))
    token = access.stash(principal, data) if found.changes else ""
    return render(
        request, "packs/diff.html", title="What the pack would change", diff=found, token=token,
        name=name,
    )  # fmt: skip


@router.post("/packs/apply")
def apply_page(
    request: Request,
    db: Db,
    principal: Manager,
    token: Annotated[str, Form(max_length=64)] = "",
    state: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=120)] = "pack",
) -> Response:
    """Apply the pack whose differences were just shown, all or nothing."""
    try:
        found = access.apply(db, principal, access.unstash(principal, token), name, state or None)
    except InvalidInput as problem:
        return _packs_page(request, principal, 400, errors=_errors(problem, "#pack"))
    access.discard(principal, token)
    return RedirectResponse(f"/packs?applied={found.changes}", status_code=303)


# -- API --------------------------------------------------------------------------------------


def diff_out(found: PackDiff) -> dict[str, Any]:
    """A diff as the API gives it: the manifest, the fingerprint to confirm, every item."""
    return {
        "source_council": found.manifest.source_council,
        "created_at": found.manifest.created_at,
        "app_version": found.manifest.app_version,
        "sha256": found.sha256,
        "state": found.state,
        "changes": found.changes,
        "sections": [
            {
                "name": s.name,
                "kept": s.kept,
                "items": [
                    {"key": i.key, "status": i.status,
                     "changes": [{"field": c.field, "before": c.before, "after": c.after}
                                 for c in i.changes]}
                    for i in s.items
                ],
            }
            for s in found.sections
        ],
    }  # fmt: skip


@api_router.get("/packs/export")
def api_export(db: Db, principal: As_manager) -> Response:
    """The caller's area's configuration pack (format safetynet-pack, version 1)."""
    return _download(access.export(db, principal), principal)


@api_router.post("/packs/diff")
def api_diff(db: Db, principal: As_manager, pack: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """What a pack would add and change in the caller's area, field by field."""
    data, name = _read(pack)
    return diff_out(access.diff(db, principal, data, name))


@api_router.post("/packs/apply")
def api_apply(
    db: Db,
    principal: As_manager,
    pack: Annotated[UploadFile, File()],
    state: Annotated[
        str | None,
        Form(
            max_length=64,
            description="`state` of the diff you checked: refused if the area changed since.",
        ),
    ] = None,
) -> dict[str, Any]:
    """Apply a pack's added and changed items, all or nothing (audited)."""
    data, name = _read(pack)
    return diff_out(access.apply(db, principal, data, name, state))

"""The allocation pages: a caseworker picks a group of residents (a triage list, or a file of
seekers) and what they are looking for, sees the proposed allocation a page at a time (who to
whom and why, the places each provider would use, who was left out and why) and confirms it,
which refers everyone placed in one transaction, once. The same service functions and
permissions as `POST /api/v1/match/allocate` and its confirm."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.errors import InvalidInput, SafetynetError
from safetynet.match import allocations, batch
from safetynet.match.area import area_loader
from safetynet.match.columns import ProviderColumns
from safetynet.paging import PageRequest
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Referrer = Annotated[Principal, Depends(require("match.refer"))]
Area = Annotated[Callable[[int], ProviderColumns], Depends(area_loader)]
MAX_FILE_BYTES = 2_000_000  # 5,000 seekers of a few hundred characters each
GROUPS = allocations.GROUPS
KINDS = {"": "Anything", "service": "A service", "counsellor": "A counsellor", "vacancy": "A job"}


def _start_page(
    request: Request, db: Db, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    groups = {k: v for k, v in GROUPS.items() if k == "file" or principal.can("triage.isolation")}
    form = {
        "group": "needs" if "needs" in groups else "file",
        "kind": "",
        "strength": f"{get_settings().match_exposure_strength:g}",
    } | extra.pop("form", {})
    return render(
        request,
        "match/allocations.html",
        status,
        title="Allocate a waiting list",
        made=allocations.recent(db, principal),
        groups=groups,
        kinds=KINDS,
        form=form,
        **extra,
    )


@router.get("/match/allocations")
def start(request: Request, db: Db, principal: Referrer) -> Response:
    """Choose a group to allocate; the allocations proposed so far."""
    return _start_page(request, db, principal)


def _strength(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise InvalidInput("Fair shares: enter a number from 0 to 1, like 0.3.")
    return value


async def _asked(
    db: Db,
    principal: Principal,
    group: str,
    kind: str | None,
    upload: UploadFile | None,
    cols: ProviderColumns,
) -> list[batch.Asked]:
    """The group's seekers, looking for `kind` (a file's own `kind` column wins)."""
    if group == "file":
        if upload is None or not upload.filename:
            raise InvalidInput("Choose a CSV file of seekers to upload.")
        data = await upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InvalidInput(f"{upload.filename}: the file is larger than 2 MB.")
        return batch.with_kind(batch.seekers_from_text(upload.filename, data), kind)
    return batch.seekers_from_list(db, principal, group, date.today(), cols, kind)


@router.post("/match/allocations")
async def propose(
    request: Request,
    db: Db,
    principal: Referrer,
    area: Area,
    group: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    strength: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Allocate the chosen group (nothing referred yet) and show the proposal."""
    form = {"group": group, "kind": kind, "strength": strength}
    href = "#file" if group == "file" else "#group"
    try:
        if group not in GROUPS or kind not in KINDS:
            raise InvalidInput("Choose who to allocate and what they are looking for.")
        value = _strength(strength.strip() or str(get_settings().match_exposure_strength))
        cols = area(principal.tenant_id)
        asked = await _asked(db, principal, group, kind or None, file, cols)
        name = GROUPS[group] + (f": {file.filename}" if file and group == "file" else "")
        kept = allocations.propose(
            db, principal, asked, cols, drawn_from=name, kind=kind or None, strength=value
        )
    except InvalidInput as refused:
        db.rollback()
        href = "#strength" if refused.message.startswith("Fair shares") else href
        errors = [{"text": refused.message, "href": href}]
        errors += [{"text": d, "href": href} for d in refused.details]
        return _start_page(request, db, principal, 400, errors=errors, form=form)
    return RedirectResponse(f"/match/allocations/{kept.id}", status_code=303)


def _allocation_page(
    request: Request,
    db: Db,
    principal: Principal,
    allocation_id: int,
    cols: ProviderColumns,
    page: str | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    found = allocations.page_of(db, principal, allocation_id, PageRequest.parse(page), cols)
    return render(
        request,
        "match/allocation.html",
        status,
        title=f"Allocation {allocation_id}",
        found=found,
        kinds=KINDS,
        **extra,
    )


@router.get("/match/allocations/{allocation_id}")
def show(
    request: Request,
    allocation_id: int,
    db: Db,
    principal: Referrer,
    area: Area,
    page: str | None = None,
    done: str | None = None,
) -> Response:
    """The proposed allocation a page at a time, with the places each provider would use."""
    notice = {
        "confirmed": "Allocation confirmed: the referrals are made.",
        "already": "This allocation was already confirmed: nothing more was referred.",
    }.get(done or "")
    return _allocation_page(
        request, db, principal, allocation_id, area(principal.tenant_id), page, notice=notice
    )


@router.post("/match/allocations/{allocation_id}/confirm")
def confirm(
    request: Request, allocation_id: int, db: Db, principal: Referrer, area: Area
) -> Response:
    """Refer everyone the allocation placed, all or none; a resubmit refers nothing more."""
    cols = area(principal.tenant_id)
    try:
        done = allocations.confirm(db, principal, allocation_id, cols)
    except InvalidInput as refused:
        errors = [{"text": refused.message, "href": "#confirm"}]
        errors += [{"text": d, "href": "#confirm"} for d in refused.details]
        return _allocation_page(
            request, db, principal, allocation_id, cols, status=400, errors=errors
        )
    except SafetynetError:
        db.rollback()
        raise
    outcome = "already" if done.already else "confirmed"
    return RedirectResponse(f"/match/allocations/{allocation_id}?done={outcome}", status_code=303)

"""The resident page: linked records with who supplied each, outreach statuses, and merging,
splitting and do-not-contact by form (each needs a reason). A merged id redirects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts.permissions import Principal
from safetynet.errors import Conflict, InvalidInput, NotFound
from safetynet.link import resident_access as people
from safetynet.link.models import Resident
from safetynet.web.deps import Db, require
from safetynet.web.kept_forms import restored_fields
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("residents.view"))]
Manager = Annotated[Principal, Depends(require("residents.manage"))]
Outreach = Annotated[Principal, Depends(require("outreach.update"))]
KEPT_REASON = {"merge": "merge_reason", "split": "split_reason", "do-not-contact": "dnc_reason"}


def _page(
    request: Request, db: Db, principal: Principal, resident: Resident, status: int = 200, **extra
) -> Response:
    seen = people.view(db, principal, resident)
    form = extra.pop("form", None) or _kept(request, resident.id)
    items = [
        {
            "value": str(x["record"]),
            "text": f"Record {x['record']}: {x['name'] or 'no name'}, {x['organisation']} "
            f"({x['source']})",
            "checked": x["record"] in form.get("records", []),
        }
        for x in seen.records
    ]
    return render(
        request,
        "residents/resident.html",
        status_code=status,
        title=seen.name or f"Resident {resident.id}",
        seen=seen,
        form=form,
        split_items=items,
        **extra,
    )


def _kept(request: Request, resident_id: int) -> dict:
    """What was typed into one of this page's forms before the session ended (kept, and now
    restored), under the names the page's template reads: the forms share the name `reason`."""
    for action, reason_key in KEPT_REASON.items():
        fields = restored_fields(request, f"/residents/{resident_id}/{action}")
        if fields:
            records = fields.get("records", [])
            ticked = [records] if isinstance(records, str) else records
            return {
                reason_key: fields.get("reason", ""),
                "other": fields.get("other", ""),
                "records": [int(v) for v in ticked if v.isdigit()],
            }
    return {}


@router.get("/residents/{resident_id}")
def resident(request: Request, resident_id: int, db: Db, principal: Viewer) -> Response:
    """One resident; an id merged into another redirects to the one that remains."""
    found = people.current(db, principal, resident_id)
    if found.id != resident_id:
        return RedirectResponse(f"/residents/{found.id}", status_code=303)
    notice = {
        "merged": "The residents were merged.",
        "split": "The records were split off.",
        "dnc": "Added to the do-not-contact list.",
    }.get(request.query_params.get("done", ""))
    return _page(request, db, principal, found, notice=notice)


def _refused(
    request: Request,
    db: Db,
    principal: Principal,
    resident: Resident,
    field: str,
    text: str,
    form: dict,
) -> Response:
    db.rollback()
    return _page(
        request,
        db,
        principal,
        resident,
        400,
        errors=[{"text": text, "href": f"#{field}"}],
        form=form,
    )


@router.post("/residents/{resident_id}/merge")
def merge(
    request: Request,
    resident_id: int,
    db: Db,
    principal: Manager,
    other: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Join this resident and another who are one person."""
    found = people.current(db, principal, resident_id)
    form = {"other": other, "merge_reason": reason}
    if not other.strip().isdigit():
        return _refused(
            request,
            db,
            principal,
            found,
            "other",
            "Enter the id of the resident to merge with (a number)",
            form,
        )
    if not reason.strip():
        return _refused(
            request, db, principal, found, "merge_reason", "Enter why they are one person", form
        )
    try:
        kept = people.merge(db, principal, found.id, int(other), reason)
    except (InvalidInput, Conflict, NotFound) as problem:
        return _refused(request, db, principal, found, "other", problem.message, form)
    return RedirectResponse(f"/residents/{kept.id}?done=merged", status_code=303)


@router.post("/residents/{resident_id}/split")
async def split(request: Request, resident_id: int, db: Db, principal: Manager) -> Response:
    """Move the ticked records to a new resident."""
    found = people.current(db, principal, resident_id)
    data = await request.form()
    ticked = [int(v) for v in data.getlist("records") if isinstance(v, str) and v.isdigit()]
    reason = str(data.get("reason") or "")
    form = {"split_reason": reason, "records": ticked}
    if not ticked:
        return _refused(
            request, db, principal, found, "records", "Tick the records to split off", form
        )
    if not reason.strip():
        return _refused(
            request,
            db,
            principal,
            found,
            "split_reason",
            "Enter why they are different people",
            form,
        )
    try:
        people.split(db, principal, found.id, ticked, reason)
    except (InvalidInput, NotFound) as problem:
        return _refused(request, db, principal, found, "records", problem.message, form)
    return RedirectResponse(f"/residents/{found.id}?done=split", status_code=303)


@router.post("/residents/{resident_id}/do-not-contact")
def do_not_contact(
    request: Request,
    resident_id: int,
    db: Db,
    principal: Outreach,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Never contact this resident: they are left out of every outreach list from now on."""
    from safetynet.gaps import access as gaps

    found = people.current(db, principal, resident_id)
    if not reason.strip():
        return _refused(
            request,
            db,
            principal,
            found,
            "dnc_reason",
            "Enter why they are not to be contacted",
            {"dnc_reason": reason},
        )
    gaps.do_not_contact(db, principal, found.id, reason)
    return RedirectResponse(f"/residents/{found.id}?done=dnc", status_code=303)

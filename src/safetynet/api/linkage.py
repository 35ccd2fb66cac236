"""REST API `/api/v1` for the review queue, residents, gaps and outreach lists: thin handlers
over the same scoped service functions as the pages (`link.access`, `link.resident_access`,
`gaps.access`), under the same permissions."""

from __future__ import annotations

import shutil
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from safetynet.accounts.permissions import Principal
from safetynet.api import schemas
from safetynet.api.auth import api_require
from safetynet.errors import InvalidInput
from safetynet.gaps import access as gaps
from safetynet.link import access as link
from safetynet.link import resident_access as people
from safetynet.link import search
from safetynet.link.models import Resident
from safetynet.paging import PageRequest
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1", tags=["v1"])

As_review_view = Annotated[Principal, Depends(api_require("review.view"))]
As_review_decide = Annotated[Principal, Depends(api_require("review.decide"))]
As_residents_view = Annotated[Principal, Depends(api_require("residents.view"))]
As_residents_manage = Annotated[Principal, Depends(api_require("residents.manage"))]
As_gaps_view = Annotated[Principal, Depends(api_require("gaps.view"))]
As_outreach_view = Annotated[Principal, Depends(api_require("outreach.view"))]
As_outreach_update = Annotated[Principal, Depends(api_require("outreach.update"))]
As_outreach_export = Annotated[Principal, Depends(api_require("outreach.export"))]
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/review", response_model=schemas.ReviewQueueOut)
def review_queue(db: Db, principal: As_review_view, limit: int = 50) -> object:
    """The area's open review pairs, most useful first, with counts."""
    pairs = link.review_queue(db, principal, limit=max(1, min(limit, 500)))
    return {"counts": link.review_counts(db, principal), "pairs": pairs}


@router.get("/review/{pair_id}", response_model=schemas.ReviewPairDetail)
def review_pair(pair_id: int, db: Db, principal: As_review_view) -> object:
    """One pair: both records (audited), the fields that differ, and the model's explanation."""
    pair = link.review_pair(db, principal, pair_id)
    records = link.side_by_side(db, principal, pair)
    differs = sorted(set().union(*(r.pop("differs", set()) for r in records)))
    return {
        "pair": pair,
        "records": records,
        "differs": differs,
        "explanation": pair.explanation or [],
    }


@router.post("/review/{pair_id}", response_model=schemas.DecisionOut)
def decide(pair_id: int, body: schemas.DecisionIn, db: Db, principal: As_review_decide) -> object:
    """Accept (same person), reject (different people) or skip; accept and reject need a
    reason and apply at once. A pair decided already answers 409."""
    pair = link.decide(db, principal, pair_id, verdict=body.verdict, reason=body.reason)
    return {"pair": pair, "next_pair_id": link.next_pair(db, principal, after=pair.id)}


@router.post("/residents/search", response_model=schemas.ResidentSearchOut)
def search_residents(
    body: schemas.ResidentSearchIn, db: Db, principal: As_residents_view
) -> object:
    """Residents with a record the caller may read matching every criterion given (name,
    date of birth, postcode, reference), a page at a time, by surname (audited). Sent as a
    body, not a query string, so names and dates of birth stay out of access logs."""
    query, problems = search.criteria(
        name=body.name, dob=body.dob, postcode=body.postcode, reference=body.reference
    )
    if problems:
        first = next(iter(problems.values()))
        raise InvalidInput(f"{first}.", details=[f"{k}: {v}" for k, v in problems.items()])
    found = search.search(db, principal, query, PageRequest(body.page, body.size))
    return found.as_dict([m.__dict__ for m in found.items])


@router.get("/residents/{resident_id}", response_model=schemas.ResidentOut)
def resident(resident_id: int, db: Db, principal: As_residents_view) -> Any:
    """A resident's linked records the caller may read, and outreach statuses where allowed
    (audited). A merged id answers 308 to the resident it became."""
    found = people.current(db, principal, resident_id)
    if found.id != resident_id:
        return RedirectResponse(f"/api/v1/residents/{found.id}", status_code=308)
    seen = people.view(db, principal, found)
    return {
        "id": found.id,
        "records": seen.records,
        "outreach": None if seen.statuses is None else [s.__dict__ for s in seen.statuses],
        "do_not_contact": seen.do_not_contact,
        "programmes": seen.programmes,
    }


Target = tuple[Principal, Resident]


def _to_manage(resident_id: int, db: Db, principal: As_residents_manage) -> Target:
    """The caller and the resident (following merges), once the resident is known to be in the
    caller's area: checked before the body, so another area's resident is 404 whatever was sent."""
    return principal, people.current(db, principal, resident_id)


def _to_contact(resident_id: int, db: Db, principal: As_outreach_update) -> Target:
    """As `_to_manage`, for the do-not-contact list (outreach staff)."""
    return principal, people.current(db, principal, resident_id)


Managed = Annotated[Target, Depends(_to_manage)]
Contactable = Annotated[Target, Depends(_to_contact)]


@router.post("/residents/{resident_id}/merge", response_model=schemas.MergedOut)
def merge_residents(target: Managed, body: schemas.MergeIn, db: Db) -> object:
    """Join this resident and another who are one person, like the page's merge: the older id
    remains and the other redirects to it; later link runs keep the ruling. Residents that are
    one already answer 409; an unknown or another area's `other_id` 404."""
    principal, found = target
    other = people.current(db, principal, body.other_id)
    kept = people.merge(db, principal, found.id, other.id, body.reason)
    return {"resident_id": kept.id, "merged_id": other.id if kept.id == found.id else found.id}


@router.post("/residents/{resident_id}/split", response_model=schemas.SplitOut)
def split_resident(target: Managed, body: schemas.SplitIn, db: Db) -> object:
    """Move some of the resident's records to a new resident (two people wrongly joined), like
    the page's split; later link runs keep them apart. Naming none, all, or another resident's
    records answers 422."""
    principal, found = target
    new = people.split(db, principal, found.id, body.record_ids, body.reason)
    return {
        "resident_id": found.id,
        "new_resident_id": new.id,
        "record_ids": sorted(set(body.record_ids)),
    }


@router.post("/residents/{resident_id}/do-not-contact", response_model=schemas.DoNotContactOut)
def do_not_contact(target: Contactable, body: schemas.DoNotContactIn, db: Db) -> object:
    """Never contact this resident: they are left out of every outreach list from now on
    (audited with the reason). A resident on the list already stays, with `added` false."""
    principal, found = target
    added = gaps.do_not_contact(db, principal, found.id, body.reason)
    return {"resident_id": found.id, "do_not_contact": True, "added": added}


@router.get("/gaps", response_model=schemas.GapReportOut)
def gap_report(db: Db, principal: As_gaps_view, as_of: date | None = None) -> object:
    """Residents probably missing each programme, by ward, and by rule (counts only)."""
    found = gaps.report(db, principal, as_of or date.today())
    if found.problem:
        from safetynet.errors import InvalidInput

        raise InvalidInput(found.problem)
    return {
        "as_of": found.as_of,
        "programmes": dict(found.programmes),
        "wards": found.rows,
        "totals": found.totals,
        "rules": [
            {"id": r["id"], "title": r["title"], "programme": r["heading"], "residents": r["count"]}
            for r in found.rules
        ],
        "not_run": found.not_run,
    }


@router.post(
    "/gaps/{rule_id}/export",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The list as CSV or XLSX; its id in the `Outreach-List-Id` header.",
            "content": {media: {} for media in MEDIA.values()},
        }
    },
)
def export_outreach_list(
    rule_id: str, body: schemas.OutreachExportIn, db: Db, principal: As_outreach_export
) -> Response:
    """Make an outreach list of the residents the rule finds (in one ward, or all) and
    download it (audited with the reason), like the page's export."""
    done = gaps.export(
        db,
        principal,
        rule_id,
        ward=body.ward,
        reason=body.reason,
        file_format=body.format,
        as_of=body.as_of or date.today(),
    )
    suffix = done.path.suffix
    return FileResponse(
        done.path,
        media_type=MEDIA[suffix.lstrip(".")],
        filename=f"outreach-list-{done.outreach.id}{suffix}",
        headers={"Outreach-List-Id": str(done.outreach.id)},
        background=BackgroundTask(shutil.rmtree, done.path.parent, True),
    )


@router.get("/outreach", response_model=list[schemas.OutreachListSummary])
def outreach_lists(db: Db, principal: As_outreach_view) -> object:
    """Outreach lists, newest first, with how many people are at each status."""
    return [
        {"outreach_list": item, "statuses": counts} for item, counts in gaps.lists(db, principal)
    ]


@router.get("/outreach/{list_id}", response_model=schemas.OutreachListDetail)
def outreach_list(list_id: int, db: Db, principal: As_outreach_view) -> object:
    """One list: each person's status, name and phone (audited)."""
    found = gaps.get_list(db, principal, list_id)
    entries = [
        {
            "resident_id": p["resident_id"],
            "ward_code": p["entry"].ward_code,
            "status": p["entry"].status,
            "status_at": p["entry"].status_at,
            "name": p.get("name"),
            "phone": p.get("phone"),
        }
        for p in gaps.entries(db, principal, found)
    ]
    return {"outreach_list": found, "entries": entries}


@router.post("/outreach/{list_id}/status", response_model=schemas.OutreachEntryOut)
def set_status(
    list_id: int, body: schemas.StatusIn, db: Db, principal: As_outreach_update
) -> object:
    """Record where contact with one person on the list stands."""
    entry = gaps.set_status(db, principal, list_id, body.resident_id, body.status, body.note)
    return {
        "resident_id": entry.resident_id,
        "ward_code": entry.ward_code,
        "status": entry.status,
        "status_at": entry.status_at,
    }

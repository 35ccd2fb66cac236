"""Pages for the linkage review queue: the queue, one pair side by side with the model's
explanation, and accept / reject / skip (then straight on to the next pair)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts.permissions import Principal
from safetynet.errors import Conflict, InvalidInput
from safetynet.gaps import charts
from safetynet.link import access
from safetynet.link.models import ReviewPair
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("review.view"))]
Decider = Annotated[Principal, Depends(require("review.decide"))]
LABELS = {
    "forename": "First name",
    "surname": "Last name",
    "dob": "Date of birth",
    "postcode": "Postcode",
    "address": "Address",
    "uprn": "UPRN",
    "phone": "Phone",
    "email": "Email",
}


@router.get("/review")
def queue(request: Request, db: Db, principal: Viewer) -> Response:
    """The pairs waiting for a person, most useful first, with counts."""
    pairs = access.review_queue(db, principal, limit=100)
    return render(
        request,
        "review/queue.html",
        title="Review queue",
        pairs=pairs,
        counts=access.review_counts(db, principal),
        notice=request.query_params.get("done") and "Decision saved. The queue is empty.",
    )


def _pair_page(
    request: Request, db: Db, principal: Principal, pair: ReviewPair, status: int = 200, **extra
) -> Response:
    records = access.side_by_side(db, principal, pair)
    return render(
        request,
        "review/pair.html",
        status_code=status,
        title=f"Review pair {pair.id}",
        pair=pair,
        records=records,
        labels=LABELS,
        waterfall=charts.waterfall(pair.explanation or []),
        counts=access.review_counts(db, principal),
        **extra,
    )


@router.get("/review/{pair_id}")
def pair_detail(request: Request, pair_id: int, db: Db, principal: Viewer) -> Response:
    """Two records side by side, differences marked, and why the model scored them so."""
    pair = access.review_pair(db, principal, pair_id)
    notice = {
        "accept": "Accepted: same person.",
        "reject": "Rejected: different people.",
        "skip": "Skipped.",
    }.get(request.query_params.get("last", ""))
    return _pair_page(request, db, principal, pair, notice=notice)


@router.post("/review/{pair_id}")
def decide(
    request: Request,
    pair_id: int,
    db: Db,
    principal: Decider,
    verdict: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Record a decision (accept and reject need a reason), then show the next pair."""
    pair = access.review_pair(db, principal, pair_id)
    try:
        access.decide(db, principal, pair.id, verdict=verdict, reason=reason)
    except Conflict:
        pass  # decided already (a second click): go on as if this one had done it
    except InvalidInput as problem:
        db.rollback()
        field = "#reason" if verdict in ("accept", "reject") else "#verdict"
        return _pair_page(
            request,
            db,
            principal,
            pair,
            400,
            errors=[{"text": _why(problem.message, verdict), "href": field}],
            form={"reason": reason},
        )
    following = access.next_pair(db, principal, after=pair.id)
    if following is None:
        return RedirectResponse("/review?done=1", status_code=303)
    return RedirectResponse(f"/review/{following}?last={verdict}", status_code=303)


def _why(message: str, verdict: str) -> str:
    if verdict in ("accept", "reject") and "reason" in message:
        return "Enter why you made this decision"
    return message

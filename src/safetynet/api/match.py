"""REST API `/api/v1/match`: a resident's ranked matches with reasons, referrals and their
outcomes, and the area's ranker — the pages' twins over the same scoped service functions.
A need is sent in the body (POST): it is personal and never travels in a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.link import resident_access
from safetynet.match import referrals, training
from safetynet.match.area import area_loader, located
from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import Match
from safetynet.match.models import Referral
from safetynet.match.schemas import SeekerIn
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1/match", tags=["v1"])
As_viewer = Annotated[Principal, Depends(api_require("match.view"))]
As_referrer = Annotated[Principal, Depends(api_require("match.refer"))]
As_trainer = Annotated[Principal, Depends(api_require("match.train"))]


def _viewing(resident_id: int, db: Db, principal: As_viewer) -> tuple[Principal, int]:
    """The caller and the resident, known to be readable before the body is validated (so a
    resident out of scope is 404 whatever was sent)."""
    return principal, resident_access.current(db, principal, resident_id).id


def _referring(resident_id: int, db: Db, principal: As_referrer) -> tuple[Principal, int]:
    """As `_viewing`, for a caller who may refer."""
    return principal, resident_access.current(db, principal, resident_id).id


Viewing = Annotated[tuple[Principal, int], Depends(_viewing)]
Referring = Annotated[tuple[Principal, int], Depends(_referring)]
Area = Annotated[Callable[[int], ProviderColumns], Depends(area_loader)]


class ReferIn(BaseModel):
    """Refer the resident to these services, chosen from their matches for this need."""

    need: SeekerIn
    service_ids: list[int] = Field(min_length=1, max_length=20)


class StatusIn(BaseModel):
    """How a referral moved on: accepted, attended, declined or no_show; and what came of it."""

    status: str
    outcome: str | None = Field(None, max_length=2000)


def _match(m: Match) -> dict[str, Any]:
    return {
        "service_id": m.provider.id, "name": m.provider.name, "kind": m.provider.kind,
        "position": m.position, "score": m.score, "method": m.method,
        "distance_km": m.distance_km, "reasons": m.reasons,
        "contributions": [
            {"feature": c.feature, "value": c.value, "weight": c.weight, "points": c.points,
             "reason": c.reason} for c in m.contributions
        ],
    }


def _referral(r: Referral) -> dict[str, Any]:
    keys = ("id", "resident_id", "service_id", "service_name", "batch", "position", "method",
            "score", "reasons", "status", "outcome", "made_at", "made_by", "updated_at")
    return {k: getattr(r, k) for k in keys}


@router.post("/residents/{resident_id}/matches")
def matches(body: SeekerIn, db: Db, target: Viewing, area: Area, limit: int = 10) -> object:
    """The resident's best matches for this need, each with its reasons; audited."""
    principal, resident_id = target
    ranking = referrals.resident_matches(
        db, principal, resident_id=resident_id,
        seeker=located(db, principal.tenant_id, body).seeker(resident_id),
        cols=area(principal.tenant_id), ranker=training.current_ranker(db, principal.tenant_id),
        limit=max(1, min(limit, 50)),
    )
    return {"method": ranking.method, "candidates": ranking.candidates,
            "matches": [_match(m) for m in ranking.matches]}


@router.post("/residents/{resident_id}/referrals", status_code=201)
def refer(body: ReferIn, db: Db, target: Referring, area: Area) -> object:
    """Refer the resident to some of their matches, in one sitting; audited."""
    principal, resident_id = target
    made = referrals.refer(
        db, principal, resident_id=resident_id,
        seeker=located(db, principal.tenant_id, body.need).seeker(resident_id),
        service_ids=body.service_ids, cols=area(principal.tenant_id),
        ranker=training.current_ranker(db, principal.tenant_id),
    )
    return [_referral(r) for r in made]


@router.get("/residents/{resident_id}/referrals")
def resident_referrals(resident_id: int, db: Db, principal: As_viewer) -> object:
    """The resident's referrals the caller may read, newest first; audited."""
    return [_referral(r) for r in referrals.referrals_for(db, principal, resident_id)]


@router.post("/referrals/{referral_id}/status")
def status(referral_id: int, body: StatusIn, db: Db, principal: As_referrer) -> object:
    """Move a referral on: made → accepted → attended, declined or no_show."""
    return _referral(referrals.set_status(db, principal, referral_id, body.status, body.outcome))


@router.get("/ranker")
def ranker(db: Db, principal: As_trainer) -> object:
    """How many outcomes the area has, whether that is enough, and the ranker in use."""
    outcomes, informative, ready = training.outcome_counts(db, principal.tenant_id)
    kept = training.latest_ranker(db, principal.tenant_id)
    return {"outcomes": outcomes, "informative_sittings": informative, "enough": ready,
            "ranker": None if kept is None else {"id": kept.id, "outcomes": kept.outcomes,
                                                 "trained_at": kept.trained_at}}


@router.post("/ranker")
def train(db: Db, principal: As_trainer) -> object:
    """Train the area's ranker from its outcomes (too few: it keeps the transparent score)."""
    kept = training.train_ranker(db, principal)
    return {"trained": kept is not None, "ranker_id": kept.id if kept else None,
            "outcomes": kept.outcomes if kept else training.outcome_counts(
                db, principal.tenant_id)[0]}

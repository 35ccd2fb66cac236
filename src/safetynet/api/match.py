"""REST API `/api/v1/match`: a resident's referrals and their outcomes, and the area's ranker
— the pages' twins over the same scoped service functions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.match import referrals, training
from safetynet.match.models import Referral
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1/match", tags=["v1"])
As_viewer = Annotated[Principal, Depends(api_require("match.view"))]
As_referrer = Annotated[Principal, Depends(api_require("match.refer"))]
As_trainer = Annotated[Principal, Depends(api_require("match.train"))]


class StatusIn(BaseModel):
    """How a referral moved on: accepted, attended, declined or no_show; and what came of it."""

    status: str
    outcome: str | None = Field(None, max_length=2000)


def _referral(r: Referral) -> dict[str, Any]:
    keys = ("id", "resident_id", "service_id", "service_name", "batch", "position", "method",
            "score", "reasons", "status", "outcome", "made_at", "made_by", "updated_at")
    return {k: getattr(r, k) for k in keys}


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

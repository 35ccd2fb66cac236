"""REST API `/api/v1/match`: a resident's ranked matches with reasons, referrals and their
outcomes, and the area's ranker — the pages' twins over the same scoped service functions.
A need is sent in the body (POST): it is personal and never travels in a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.errors import InvalidInput
from safetynet.link import resident_access
from safetynet.match import batch, referrals, training
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


class SeekerRow(BaseModel):
    """One resident of a batch and their need."""

    resident_id: int
    need: SeekerIn


class AllocateIn(BaseModel):
    """Who to allocate: `seekers`, or a `triage_list` (needs or isolation); and how strongly
    to share referrals among providers (default: the setting)."""

    seekers: list[SeekerRow] = Field(default_factory=list, max_length=batch.MAX_SEEKERS)
    triage_list: str | None = Field(None, description="needs or isolation")
    kind: Literal["service", "counsellor", "vacancy"] | None = Field(
        None, description="what a triage list's residents look for (any if left out)")
    strength: float | None = Field(None, ge=0, le=1)


class ProposalIn(BaseModel):
    """A proposal to confirm: refer this resident to this service for this need."""

    resident_id: int
    service_id: int
    need: SeekerIn


class ConfirmIn(BaseModel):
    proposals: list[ProposalIn] = Field(min_length=1, max_length=batch.MAX_SEEKERS)


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


@router.post("/allocate")
def allocate(body: AllocateIn, db: Db, principal: As_referrer, area: Area) -> object:
    """Propose one provider per resident within free places, with fair exposure, and the
    reasons for each; nothing is referred (confirm with `/allocate/confirm`). Audited."""
    from datetime import date

    from safetynet.config import get_settings

    if bool(body.seekers) == bool(body.triage_list):
        raise InvalidInput("Send either seekers or a triage_list (needs or isolation).")
    cols = area(principal.tenant_id)
    asked = ([batch.Asked(s.resident_id, s.need, f"seekers[{i}]")
              for i, s in enumerate(body.seekers)] if body.seekers else
             batch.seekers_from_list(db, principal, str(body.triage_list), date.today(), cols,
                                     body.kind))
    strength = get_settings().match_exposure_strength if body.strength is None else body.strength
    proposals = batch.propose(db, principal, asked, cols, strength=strength)
    return {"strength": strength, "proposals": [
        {"resident_id": p.resident_id, "service_id": p.service_id, "name": p.service_name,
         "score": p.score, "reasons": list(p.reasons),
         "need": p.need.model_dump(exclude_none=True)} for p in proposals]}


@router.post("/allocate/confirm")
def confirm(body: ConfirmIn, db: Db, principal: As_referrer, area: Area) -> object:
    """Refer the proposals, all or none (each checked again against the resident's rules)."""
    found = [(p.resident_id, p.service_id, p.need) for p in body.proposals]
    return {"referred": batch.confirm(db, principal, found, area(principal.tenant_id))}


@router.get("/exposure")
def exposure(db: Db, principal: As_trainer, area: Area) -> object:
    """How fairly the area's referrals shared attention among its providers (Gini)."""
    found = batch.exposure_report(db, principal, area(principal.tenant_id))
    return {"providers": found.providers, "referred_to": found.referred_to,
            "referrals": found.referrals, "gini": found.gini,
            "top_tenth_share": found.top_tenth_share}


@router.get("/ranker")
def ranker(db: Db, principal: As_trainer) -> object:
    """How many outcomes the area has, whether that is enough, and the ranker in use."""
    outcomes, informative, ready = training.outcome_counts(db, principal.tenant_id)
    kept = training.latest_ranker(db, principal.tenant_id)
    return {"outcomes": outcomes, "informative_sittings": informative, "enough": ready,
            "ranker": None if kept is None else {
                "id": kept.id, "outcomes": kept.outcomes, "trained_at": kept.trained_at,
                "in_use": training.in_use(kept), "verdict": training.verdict(kept),
                "held_out": {k: v for k, v in kept.detail.items() if k != "adopted"}}}


@router.post("/ranker")
def train(db: Db, principal: As_trainer) -> object:
    """Train the area's ranker from its outcomes (too few: it keeps the transparent score)."""
    kept = training.train_ranker(db, principal)
    return {"trained": kept is not None, "ranker_id": kept.id if kept else None,
            "in_use": kept is not None and training.in_use(kept),
            "outcomes": kept.outcomes if kept else training.outcome_counts(
                db, principal.tenant_id)[0]}

"""Training an area's ranker from its referral outcomes, keeping it, and using the newest.

A trained ranker is kept as LightGBM's text model in `match_rankers`, so every process of a
deployment ranks with the same one and a restart loses nothing; each process loads it once
(by id) and keeps it. A ranker that did not beat the transparent score on held-out sittings is
kept too, with both figures in its `detail`, but not used: matching stays with the score.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.match.models import RankerModel
from safetynet.match.ranker import RANKER_FEATURES, LearnedRanker, enough, trial
from safetynet.match.referrals import training_set
from safetynet.versions import Recent, store_of


def train_ranker(session: Session, principal: Principal, *, seed: int = 7) -> RankerModel | None:
    """Train the area's ranker from its outcomes and keep it (None: too few outcomes yet, so
    matching keeps to the transparent score); audited either way."""
    principal.require("match.train")
    settings = get_settings()
    data = training_set(session, principal.tenant_id)
    limits = (settings.match_ranker_min_outcomes, settings.match_ranker_min_groups)
    tried = trial(data, seed=seed, margin=settings.match_ranker_margin,
                  min_outcomes=limits[0], min_groups=limits[1])
    kept = None
    if tried is not None:
        kept = RankerModel(
            tenant_id=principal.tenant_id, outcomes=tried.ranker.outcomes,
            groups=tried.trained_groups, seed=seed, features=list(RANKER_FEATURES),
            model=tried.ranker.booster.model_to_string(),
            detail={"informative_groups": data.informative_groups(), **tried.detail()},
            trained_by=principal.actor,
        )
        session.add(kept)
        session.flush()
    audit.record(
        session, actor=principal.actor, action="match.train", entity_type="ranker",
        entity_id=kept.id if kept else None, tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={"outcomes": len(data.labels), "groups": len(data.groups),
                "trained": kept is not None, "adopted": kept is not None and in_use(kept)},
    )
    session.commit()
    return kept


def outcome_counts(session: Session, tenant_id: int) -> tuple[int, int, bool]:
    """Outcomes recorded, sittings that tell something apart, and whether that is enough."""
    settings = get_settings()
    data = training_set(session, tenant_id)
    ready = enough(data, settings.match_ranker_min_outcomes, settings.match_ranker_min_groups)
    return len(data.labels), data.informative_groups(), ready


def latest_ranker(session: Session, tenant_id: int) -> RankerModel | None:
    """The area's newest kept ranker, if any."""
    return session.scalar(
        select(RankerModel).where(RankerModel.tenant_id == tenant_id)
        .order_by(RankerModel.id.desc()).limit(1)
    )


def in_use(kept: RankerModel) -> bool:
    """Whether this ranker beat the score on held-out sittings (one kept before that check
    existed was in use, and stays so until the next training)."""
    return adopted(kept.detail)


def adopted(detail: dict[str, Any] | None) -> bool:
    """Whether a kept ranker's figures say it is used (no figures: kept before the check)."""
    return bool((detail or {}).get("adopted", True))


def verdict(kept: RankerModel) -> str:
    """In words: how the ranker did against the score on held-out sittings, and which is used."""
    d = kept.detail or {}
    if "ndcg_ranker" not in d:
        return "Matching uses it (trained before rankers were checked against the score)."
    figures = (f"On {d['held_out_sittings']} held-out sittings it ranked NDCG@{d['ndcg_at']} "
               f"{d['ndcg_ranker']:.3f} against the weighted score's {d['ndcg_score']:.3f}")
    if adopted(d):
        return f"{figures}, so matching now uses it."
    return (f"{figures}; it needs to beat the score by more than {d['margin']:g}, so matching "
            "keeps to the weighted score.")


def current_ranker(session: Session, tenant_id: int) -> LearnedRanker | None:
    """The area's newest ranker if it beat the transparent score, or None (then matching ranks
    by the score)."""
    row = session.execute(
        select(RankerModel.id, RankerModel.features, RankerModel.detail)
        .where(RankerModel.tenant_id == tenant_id)
        .order_by(RankerModel.id.desc()).limit(1)
    ).first()
    if row is None or list(row.features) != list(RANKER_FEATURES):
        return None
    if not adopted(row.detail):
        return None
    return _load(session, row.id)


def _load(session: Session, ranker_id: int) -> LearnedRanker:
    """The kept ranker, parsed once per process (rankers are never changed, only added)."""

    def parse() -> LearnedRanker:
        import lightgbm  # heavy: only once a ranker exists

        kept = session.get(RankerModel, ranker_id)
        assert kept is not None
        return LearnedRanker(lightgbm.Booster(model_str=kept.model), kept.outcomes)

    loaded, _ = _RANKERS.get((store_of(session), ranker_id), parse)
    return loaded


_RANKERS: Recent[LearnedRanker] = Recent(keep=16)

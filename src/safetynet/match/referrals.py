"""Referrals: a caseworker refers a resident to some of their matches, notes how each turned
out, and the outcomes train the area's ranker (the closed loop).

A referral is made from the ranking as the server computes it at that moment, never from
figures a form sends back: the features kept for training, the score and the reasons are the
engine's own. A provider that breaks one of the resident's hard rules cannot be referred to.
Every read of a resident's referrals and every change is audited. Council staff see their
area's referrals; a partner's staff their own organisation's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound
from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import Ranking, rank
from safetynet.match.model import Seeker
from safetynet.match.models import LABEL, NEXT, Referral, Status
from safetynet.match.ranker import RANKER_FEATURES, LearnedRanker, TrainingSet
from safetynet.match.rules import broken_rules

OUTCOME_TEXT = 2000
STATUS_LABELS = {
    Status.MADE: "Referred", Status.ACCEPTED: "Accepted", Status.ATTENDED: "Attended",
    Status.DECLINED: "Declined", Status.NO_SHOW: "Did not attend",
}


def readable_referrals(principal: Principal) -> Select[Any]:
    """The referrals this caller may read: the area's (council) or their organisation's."""
    return select(Referral).where(principal.scope(Referral.tenant_id, Referral.organisation_id))


def refer(session: Session, principal: Principal, *, resident_id: int, seeker: Seeker,
          service_ids: Sequence[int], cols: ProviderColumns,
          ranker: LearnedRanker | None = None) -> list[Referral]:
    """Refer a resident to the chosen providers among their matches, in one sitting; audited."""
    made = add_referrals(session, principal, resident_id=resident_id, seeker=seeker,
                         service_ids=service_ids, cols=cols, ranker=ranker)
    session.commit()
    return made


def add_referrals(session: Session, principal: Principal, *, resident_id: int, seeker: Seeker,
                  service_ids: Sequence[int], cols: ProviderColumns,
                  ranker: LearnedRanker | None = None) -> list[Referral]:
    """As `refer`, without committing: a batch of residents is referred in one transaction."""
    from safetynet.link import resident_access

    principal.require("match.refer")
    if not service_ids:
        raise InvalidInput("Choose at least one service to refer to.")
    resident = resident_access.current(session, principal, resident_id)
    by_id = {m.provider.id: m for m in rank(cols, seeker, limit=len(cols), ranker=ranker).matches}
    _refuse_unmatched(cols, seeker, service_ids, by_id)
    batch = secrets.token_hex(8)
    made = [
        Referral(
            tenant_id=principal.tenant_id, organisation_id=principal.organisation_id,
            resident_id=resident.id, service_id=sid, service_name=by_id[sid].provider.name,
            batch=batch, position=by_id[sid].position, method=by_id[sid].method,
            score=by_id[sid].score, features=list(by_id[sid].training_row),
            reasons=by_id[sid].reasons[:5], status=Status.MADE.value, made_by=principal.actor,
        )
        for sid in dict.fromkeys(service_ids)
    ]
    session.add_all(made)
    audit.record(
        session, actor=principal.actor, action="match.refer", entity_type="resident",
        entity_id=resident.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail={"batch": batch, "service_ids": [r.service_id for r in made]},
    )
    return made


def _refuse_unmatched(cols: ProviderColumns, seeker: Seeker, service_ids: Sequence[int],
                      matched: dict) -> None:
    known = {p.id: p for p in cols.providers}
    for sid in service_ids:
        if sid in matched:
            continue
        if sid not in known:
            raise NotFound(f"There is no service {sid} in this area's directory.")
        broken = "; ".join(broken_rules(known[sid], seeker))
        raise Conflict(f"Service {sid} ({known[sid].name}) does not fit this person: {broken}.")


def get_referral(session: Session, principal: Principal, referral_id: int) -> Referral:
    """One referral the caller may read (404 otherwise, never 'forbidden')."""
    principal.require("match.view")
    found = session.scalar(readable_referrals(principal).where(Referral.id == referral_id))
    if found is None:
        raise NotFound(f"There is no referral {referral_id}.")
    return found


def set_status(session: Session, principal: Principal, referral_id: int, status: str,
               outcome: str | None = None) -> Referral:
    """Move a referral on (made → accepted → attended, declined or no-show); audited."""
    principal.require("match.refer")
    referral = get_referral(session, principal, referral_id)
    if status not in set(Status):
        raise InvalidInput(f"Status must be one of {', '.join(s.value for s in Status)}.")
    if status not in NEXT[referral.status]:
        allowed = ", ".join(sorted(NEXT[referral.status])) or "nothing: it is closed"
        raise Conflict(f"A referral that is {referral.status} can become {allowed}.")
    if outcome is not None and len(outcome) > OUTCOME_TEXT:
        raise InvalidInput(f"Describe the outcome in {OUTCOME_TEXT} characters or fewer.")
    referral.status, referral.updated_at, referral.updated_by = status, utcnow(), principal.actor
    if outcome:
        referral.outcome = outcome.strip()
    audit.record(
        session, actor=principal.actor, action="match.referral_status", entity_type="resident",
        entity_id=referral.resident_id, tenant_id=referral.tenant_id, user_id=principal.user_id,
        detail={"referral_id": referral.id, "status": status},
    )
    session.commit()
    return referral


def referrals_for(session: Session, principal: Principal, resident_id: int) -> list[Referral]:
    """A resident's referrals the caller may read, newest first, with those made for residents
    a link run or a reviewer has since merged into them; the read is audited."""
    from safetynet.link import resident_access
    from safetynet.link.residents import same_person

    principal.require("match.view")
    resident_id = resident_access.current(session, principal, resident_id).id
    ids = same_person(session, principal.tenant_id, resident_id)  # made before a merge too
    found = list(session.scalars(
        readable_referrals(principal).where(Referral.resident_id.in_(ids))
        .order_by(Referral.made_at.desc(), Referral.position)
    ))
    audit.record_read(
        session, actor=principal.actor, action="match.referrals_viewed", entity_type="resident",
        entity_id=resident_id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail={"count": len(found)},
    )
    session.commit()
    return found


def training_set(session: Session, tenant_id: int) -> TrainingSet:
    """The area's outcomes as ranker training data: one group per sitting, in sitting order."""
    rows = session.execute(
        select(Referral.batch, Referral.features, Referral.status)
        .where(Referral.tenant_id == tenant_id, Referral.status != Status.MADE.value)
        .order_by(Referral.batch, Referral.id)
    ).all()
    # rows kept under another list of features (an older release) cannot be mixed in
    rows = [r for r in rows if len(r.features) == len(RANKER_FEATURES)]
    data = TrainingSet()
    start = 0
    for end in range(1, len(rows) + 1):
        if end == len(rows) or rows[end].batch != rows[start].batch:
            group = rows[start:end]
            data.add_group([r.features for r in group], [LABEL[r.status] or 0 for r in group])
            start = end
    return data


def resident_matches(session: Session, principal: Principal, *, resident_id: int,
                     seeker: Seeker, cols: ProviderColumns, ranker: LearnedRanker | None = None,
                     limit: int = 10) -> Ranking:
    """A resident's ranked matches with reasons, for a caller who may read the resident; the
    view is audited (what was asked is personal: needs, age, languages)."""
    from safetynet.link import resident_access

    principal.require("match.view")
    resident = resident_access.current(session, principal, resident_id)
    ranking = rank(cols, seeker, limit=limit, ranker=ranker)
    audit.record_read(
        session, actor=principal.actor, action="match.viewed", entity_type="resident",
        entity_id=resident.id, tenant_id=principal.tenant_id, user_id=principal.user_id,
        detail={"method": ranking.method, "candidates": ranking.candidates,
                "shown": [m.provider.id for m in ranking.matches]},
    )
    session.commit()
    return ranking

"""A few hundred referrals for the demo borough, with outcomes, so the area's ranker is trained.

Each sitting is one resident with a need drawn from the directory's terms: the engine ranks
the area's providers, the caseworker refers to four of the top ten (mostly the first ones),
and each referral's outcome follows plain seeded rules: a provider that meets every need,
is near and has a short wait is more often attended; one far away or with a long wait is more
often declined or missed. Rows are written the way `match.referrals.refer` writes them (the
engine's own figures), without ranking every provider for each (which would be slow).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.match.area import area_columns
from safetynet.match.engine import Match, rank
from safetynet.match.model import Seeker
from safetynet.match.models import Referral, Status

SITTINGS = 80
PER_SITTING = 4


@dataclass
class DemoReferrals:
    """What the demo recorded, and whether a ranker was trained."""

    referrals: int
    outcomes: dict[str, int]
    ranker_id: int | None


def _outcome(rng: random.Random, m: Match) -> str:
    """Attended, accepted, declined or no-show, by plain rules on the match's make-up."""
    points = {c.feature: c.value for c in m.contributions}
    good = 1.5 * points.get("need", 0) + 1.2 * points.get("nearness", 0) \
        + 0.8 * points.get("promptness", 0) + rng.gauss(0, 0.35)
    if good > 2.3:
        return Status.ATTENDED.value
    if good > 1.8:
        return Status.ACCEPTED.value
    return rng.choice((Status.DECLINED.value, Status.NO_SHOW.value))


def record_referrals(session: Session, principal: Principal, resident_ids: list[int], *,
                     seed: int, sittings: int = SITTINGS) -> DemoReferrals:
    """Seeded sittings of referrals with outcomes, then the area's ranker trained from them."""
    from safetynet.match import training

    rng = random.Random(seed)
    cols = area_columns(session, principal.tenant_id)
    terms = sorted(cols.categories.codes)
    counts: dict[str, int] = {}
    made = 0
    for _ in range(sittings if terms and resident_ids else 0):
        seeker = Seeker(needs=frozenset(rng.sample(terms, k=rng.choice((1, 1, 2)))),
                        lat=53.38 + rng.gauss(0, 0.03), lon=-1.47 + rng.gauss(0, 0.05),
                        max_cost_pence=None, low_income=rng.random() < 0.6,
                        age=rng.randint(18, 90), max_distance_km=rng.choice((None, 5, 10)))
        found = rank(cols, seeker, limit=10).matches
        chosen = sorted(rng.sample(found[:6], k=min(PER_SITTING - 1, len(found[:6])))
                        + ([rng.choice(found[6:])] if len(found) > 6 else []),
                        key=lambda m: m.position)
        batch, resident = secrets.token_hex(8), rng.choice(resident_ids)
        for m in chosen:
            status = _outcome(rng, m)
            counts[status] = counts.get(status, 0) + 1
            session.add(Referral(
                tenant_id=principal.tenant_id, organisation_id=principal.organisation_id,
                resident_id=resident, service_id=m.provider.id, service_name=m.provider.name,
                batch=batch, position=m.position, method=m.method, score=m.score,
                features=list(m.training_row), reasons=m.reasons[:5], status=status,
                made_by=principal.actor, updated_by=principal.actor,
            ))
            made += 1
    session.commit()
    kept = training.train_ranker(session, principal, seed=seed)
    return DemoReferrals(made, counts, kept.id if kept else None)


def demo_referrals(session: Session, *, seed: int) -> DemoReferrals:
    """The demo's referrals, made as the council's admin (who may also train the ranker),
    for the area's current residents."""
    from sqlalchemy import select

    from safetynet.accounts.models import Organisation, OrganisationKind, User
    from safetynet.link.models import Resident

    admin = session.scalars(
        select(User).join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.kind == OrganisationKind.COUNCIL, User.role == "admin")
        .order_by(User.id)
    ).first()
    if admin is None:
        return DemoReferrals(0, {}, None)
    principal = Principal.of(admin)
    residents = list(session.scalars(
        select(Resident.id).where(Resident.tenant_id == principal.tenant_id,
                                  Resident.ended_by_run_id.is_(None)).order_by(Resident.id)))
    return record_referrals(session, principal, residents, seed=seed)

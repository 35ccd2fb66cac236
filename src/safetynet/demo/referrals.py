"""A few hundred referrals for the demo borough, with outcomes, so the area's ranker is trained.

Each sitting is one resident with a need drawn from the directory's terms: the engine ranks
the area's providers, the caseworker refers to four of the top ten (mostly the first ones),
and each referral's outcome is drawn from the benchmark's hidden-utility simulation
(`match.simulation`: meeting the needs, nearness more steeply than the score assumes, the
person's age against how the provider meets people, and a hidden quality per provider), so the
ranker learns something the transparent score does not already say. Rows are written the way
`match.referrals.refer` writes them (the engine's own figures), without ranking every
provider for each (which would be slow). Then one allocation of the triage needs list is
proposed, and left for a caseworker to look at and confirm on the allocation page.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.match.area import area_columns
from safetynet.match.engine import Match, rank
from safetynet.match.model import Seeker
from safetynet.match.models import Referral, Status
from safetynet.match.simulation import hidden_world, referral_outcomes

SITTINGS = 80
PER_SITTING = 4
LISTED = 100  # how far down each sitting's list the caseworker may look


@dataclass
class DemoReferrals:
    """What the demo recorded, and whether a ranker was trained."""

    referrals: int
    outcomes: dict[str, int]
    ranker_id: int | None
    ranker_verdict: str = ""  # how it did against the score on held-out sittings, in words


# What each simulated outcome (0, 1, 2) is recorded as; a 0 is a decline or a no-show.
STATUS_OF = {1: Status.ACCEPTED.value, 2: Status.ATTENDED.value}


def _statuses(rng: random.Random, drawn: np.ndarray) -> list[str]:
    return [STATUS_OF.get(int(d)) or rng.choice((Status.DECLINED.value, Status.NO_SHOW.value))
            for d in drawn]


def _chosen(rng: random.Random, found: Sequence[Match]) -> list[Match]:
    """Referrals as the benchmark's simulated caseworker makes them: half among the best few,
    half further down the list (so outcomes tell good from poor matches apart)."""
    top = rng.sample(list(found[:6]), k=min(PER_SITTING // 2, len(found[:6])))
    rest = list(found[6:])
    further = rng.sample(rest, k=min(PER_SITTING - len(top), len(rest)))
    return sorted(top + further, key=lambda m: m.position)


def demo_seeker(rng: random.Random, terms: list[str]) -> Seeker:
    """A person of the demo borough with one or two of the directory's needs, somewhere in
    the borough, of any adult age, with or without a limit on how far they travel."""
    return Seeker(needs=frozenset(rng.sample(terms, k=rng.choice((1, 1, 2)))),
                  lat=53.38 + rng.gauss(0, 0.03), lon=-1.47 + rng.gauss(0, 0.05),
                  max_cost_pence=None, low_income=rng.random() < 0.6,
                  age=rng.randint(18, 90), max_distance_km=rng.choice((None, 5, 10)))


def record_referrals(session: Session, principal: Principal, resident_ids: list[int], *,
                     seed: int, sittings: int = SITTINGS) -> DemoReferrals:
    """Seeded sittings of referrals with outcomes, then the area's ranker trained from them."""
    from safetynet.match import training

    rng = random.Random(seed)
    cols = area_columns(session, principal.tenant_id)
    world, draws = hidden_world(cols.providers, seed), np.random.default_rng(seed)
    row_of = {int(i): row for row, i in enumerate(cols.ids)}
    terms = sorted(cols.categories.codes)
    counts: dict[str, int] = {}
    made = 0
    for _ in range(sittings if terms and resident_ids else 0):
        seeker = demo_seeker(rng, terms)
        chosen = _chosen(rng, rank(cols, seeker, limit=LISTED).matches)
        batch, resident = secrets.token_hex(8), rng.choice(resident_ids)
        drawn = referral_outcomes(draws, world, cols, seeker,
                                  np.array([row_of[m.provider.id] for m in chosen], dtype=int))
        for m, status in zip(chosen, _statuses(rng, drawn), strict=True):
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
    return DemoReferrals(made, counts, kept.id if kept else None,
                         training.verdict(kept) if kept else "")


def _council_user(session: Session, role: str) -> Principal | None:
    """The council's first user with this role, as a principal (None: the demo has none)."""
    from sqlalchemy import select

    from safetynet.accounts.models import Organisation, OrganisationKind, User

    found = session.scalars(
        select(User).join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.kind == OrganisationKind.COUNCIL, User.role == role)
        .order_by(User.id)
    ).first()
    return None if found is None else Principal.of(found)


def demo_referrals(session: Session, *, seed: int) -> DemoReferrals:
    """The demo's referrals, made as the council's admin (who may also train the ranker),
    for the area's current residents."""
    from sqlalchemy import select

    from safetynet.link.models import Resident

    principal = _council_user(session, "admin")
    if principal is None:
        return DemoReferrals(0, {}, None)
    residents = list(session.scalars(
        select(Resident.id).where(Resident.tenant_id == principal.tenant_id,
                                  Resident.ended_by_run_id.is_(None)).order_by(Resident.id)))
    return record_referrals(session, principal, residents, seed=seed)


@dataclass
class DemoAllocation:
    """The allocation the demo left proposed: its id, residents and how many were placed."""

    id: int
    seekers: int
    placed: int


def demo_allocation(session: Session) -> DemoAllocation | None:
    """One allocation of the triage needs list, proposed as the council's caseworker and left
    unconfirmed, so the allocation page has a proposal to look at (None: no one to allocate)."""
    from datetime import date

    from safetynet.config import get_settings
    from safetynet.match import allocations, batch

    principal = _council_user(session, "caseworker")
    if principal is None:
        return None
    cols = area_columns(session, principal.tenant_id)
    asked = batch.seekers_from_list(session, principal, "needs", date.today(), cols)
    if not asked:
        return None
    kept = allocations.propose(session, principal, asked, cols,
                               drawn_from=allocations.GROUPS["needs"], kind=None,
                               strength=get_settings().match_exposure_strength)
    return DemoAllocation(kept.id, kept.seekers, kept.placed)

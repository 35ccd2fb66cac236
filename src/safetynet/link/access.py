"""Link runs and the review queue as a signed-in caller sees them: their area's runs, jobs
and pairs, starting a run, and deciding pairs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, select, true
from sqlalchemy.orm import Session, defer

from safetynet import jobs
from safetynet.accounts.permissions import Principal
from safetynet.errors import Conflict, NotFound
from safetynet.link import review
from safetynet.link.models import LinkRun, Resident, ReviewPair


def council_area(principal: Principal, tenant_column: Any) -> ColumnElement[bool]:
    """Rows of the caller's council area, for the council's own staff only: link runs, the
    review queue and what follows from them span every partner's records."""
    return and_(tenant_column == principal.tenant_id, true() if principal.council else false())


def readable_runs(principal: Principal) -> Select[Any]:
    """The link runs the caller may see: their area's, if they are the council's staff."""
    return select(LinkRun).where(council_area(principal, LinkRun.tenant_id))


def readable_jobs(principal: Principal) -> Select[Any]:
    """The jobs the caller may follow: their area's (council) or their organisation's."""
    return select(jobs.Job).where(principal.scope(jobs.Job.tenant_id, jobs.Job.organisation_id))


def runs(session: Session, principal: Principal, limit: int = 50) -> list[LinkRun]:
    """The caller's area's link runs, newest first."""
    principal.require("link.view")
    query = readable_runs(principal)
    query = query.options(defer(LinkRun.model))  # the fitted model: read when a page needs it
    return list(session.scalars(query.order_by(LinkRun.id.desc()).limit(limit)))


def get_run(session: Session, principal: Principal, run_id: int) -> LinkRun:
    """One link run of the caller's area (404 otherwise)."""
    principal.require("link.view")
    run = session.scalar(readable_runs(principal).where(LinkRun.id == run_id))
    if run is None:
        raise NotFound(f"There is no link run with id {run_id}.")
    return run


def run_jobs(session: Session, principal: Principal, limit: int = 10) -> list[jobs.Job]:
    """The area's link-run jobs, newest first (queued, running, finished or failed)."""
    principal.require("link.view")
    query = readable_jobs(principal).where(jobs.Job.kind == "link_run")
    return list(session.scalars(query.order_by(jobs.Job.id.desc()).limit(limit)))


def start_run(session: Session, principal: Principal) -> jobs.Job:
    """Queue a link run of the caller's area; refused while one is already waiting or running."""
    principal.require("link.run")
    busy = session.scalar(
        select(jobs.Job).where(
            jobs.Job.kind == "link_run",
            jobs.Job.tenant_id == principal.tenant_id,
            jobs.Job.status.in_([jobs.QUEUED, jobs.RUNNING]),
        )
    )
    if busy is not None:
        raise Conflict(f"A link run is already {busy.status} (job {busy.id}). Wait for it to end.")
    return jobs.submit(
        session,
        kind="link_run",
        tenant_id=principal.tenant_id,
        organisation_id=principal.organisation_id,
        user_id=principal.user_id,
        actor=principal.actor,
        params={"tenant_id": principal.tenant_id},
    )


def resident_count(session: Session, principal: Principal) -> int | None:
    """Current residents in the caller's area (None for callers who may not see linkage)."""
    if not principal.can("link.view"):
        return None
    return (
        session.scalar(
            select(func.count(Resident.id)).where(
                Resident.tenant_id == principal.tenant_id,
                Resident.ended_by_run_id.is_(None),
                Resident.merged_into_id.is_(None),  # a merged id is the same person
            )
        )
        or 0
    )


def get_job(session: Session, principal: Principal, job_id: int) -> jobs.Job:
    """A job the caller may follow: their area's (council) or their organisation's (partner)."""
    principal.require("jobs.view")
    job = session.scalar(readable_jobs(principal).where(jobs.Job.id == job_id))
    if job is None:
        raise NotFound(f"There is no job with id {job_id}.")
    return job


# The review queue, as a signed-in caller sees it: their council area's pairs only.

FIELDS = ("forename", "surname", "dob", "postcode", "address", "uprn", "phone", "email")


def review_queue(session: Session, principal: Principal, limit: int = 50) -> list[ReviewPair]:
    """The area's open pairs, most useful first (skipped ones last)."""
    principal.require("review.view")
    return review.queue(session, principal.tenant_id, limit=limit)


def review_counts(session: Session, principal: Principal) -> dict[str, int]:
    """How many of the area's pairs are pending, skipped and decided."""
    principal.require("review.view")
    rows = session.execute(
        select(ReviewPair.status, func.count())
        .where(council_area(principal, ReviewPair.tenant_id))
        .group_by(ReviewPair.status)
    ).all()
    found = dict(rows)
    return {s: found.get(s, 0) for s in ("pending", "skipped", "decided")}


def review_pair(session: Session, principal: Principal, pair_id: int) -> ReviewPair:
    """One pair of the caller's area (404 otherwise)."""
    principal.require("review.view")
    return review.get_pair(session, principal.tenant_id, pair_id)


def side_by_side(session: Session, principal: Principal, pair: ReviewPair) -> list[dict]:
    """The pair's two records with who supplied each, and which fields differ (audited)."""
    records = review.records_side_by_side(session, principal.tenant_id, pair, actor=principal.actor)
    if len(records) == 2:
        for name in FIELDS:
            a, b = (str(r.get(name) or "").strip().lower() for r in records)
            for r in records:
                r.setdefault("differs", set())
                if a != b:
                    r["differs"].add(name)
    return records


def decide(
    session: Session, principal: Principal, pair_id: int, *, verdict: str, reason: str
) -> ReviewPair:
    """Accept, reject or skip a pair of the caller's area (accept and reject need a reason)."""
    principal.require("review.decide")
    return review.decide_pair(
        session,
        principal.tenant_id,
        pair_id,
        verdict=verdict,
        actor=principal.actor,
        reason=reason.strip(),
    )


def next_pair(session: Session, principal: Principal, after: int | None = None) -> int | None:
    """The id of the most useful open pair (other than `after`, unless it is the only one)."""
    principal.require("review.view")
    ids = [p.id for p in review.queue(session, principal.tenant_id, limit=2)]
    others = [i for i in ids if i != after]
    choice = others or ids
    return choice[0] if choice else None

"""Link runs as a signed-in caller sees them: their area's runs and jobs, and starting one."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet import jobs
from safetynet.accounts.permissions import Principal
from safetynet.errors import Conflict, NotFound
from safetynet.link.models import LinkRun, Resident


def runs(session: Session, principal: Principal, limit: int = 50) -> list[LinkRun]:
    """The caller's area's link runs, newest first."""
    principal.require("link.view")
    query = select(LinkRun).where(LinkRun.tenant_id == principal.tenant_id)
    return list(session.scalars(query.order_by(LinkRun.id.desc()).limit(limit)))


def get_run(session: Session, principal: Principal, run_id: int) -> LinkRun:
    """One link run of the caller's area (404 otherwise)."""
    principal.require("link.view")
    run = session.get(LinkRun, run_id)
    if run is None or run.tenant_id != principal.tenant_id:
        raise NotFound(f"There is no link run with id {run_id}.")
    return run


def run_jobs(session: Session, principal: Principal, limit: int = 10) -> list[jobs.Job]:
    """The area's link-run jobs, newest first (queued, running, finished or failed)."""
    principal.require("link.view")
    query = select(jobs.Job).where(
        jobs.Job.kind == "link_run", jobs.Job.tenant_id == principal.tenant_id
    )
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
                Resident.tenant_id == principal.tenant_id, Resident.ended_by_run_id.is_(None)
            )
        )
        or 0
    )


def get_job(session: Session, principal: Principal, job_id: int) -> jobs.Job:
    """A job the caller may follow: their area's (council) or their organisation's (partner)."""
    principal.require("jobs.view")
    job = session.get(jobs.Job, job_id)
    if job is None or not principal.sees(
        tenant_id=job.tenant_id, organisation_id=job.organisation_id
    ):
        raise NotFound(f"There is no job with id {job_id}.")
    return job

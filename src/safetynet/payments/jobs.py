"""Payment rounds as background jobs: a round too big to wait for (more payments due than
`SAFETYNET_PAYMENTS_ROUND_INLINE_MAX`) is queued from the page or the API and run by the
worker, with progress on the job's page. The round itself is the same `rounds.disburse`, so
its guarantees hold: one round of a scheme at a time, batches committed before they are
sent, the same references resent after an interruption."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import jobs
from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.errors import PermissionDenied
from safetynet.payments import rounds
from safetynet.payments.models import Round

KIND = "payment_round"


def _busy(session: Session, scheme_id: int) -> str | None:
    """Why a new round of the scheme cannot start now (one queued or running), if so."""
    queued = session.scalars(
        select(jobs.Job).where(
            jobs.Job.kind == KIND, jobs.Job.status.in_([jobs.QUEUED, jobs.RUNNING])
        )
    )
    for job in queued:
        if job.params.get("scheme_id") == scheme_id:
            return f"A payment round of this scheme is already {job.status} (job {job.id})."
    running = session.scalar(
        select(Round).where(Round.scheme_id == scheme_id, Round.status == "running")
    )
    if running is not None and not rounds.stale(running):
        return f"Round {running.id} of this scheme is in progress. Wait for it to finish."
    return None


def start_round(
    session: Session, principal: Principal, scheme_id: int, *, method: str, due_by: date,
    retry_failed: bool = False,
) -> rounds.Outcome | jobs.Job:  # fmt: skip
    """Run a payment round now when it is small, or queue it as a job when it has more
    payments due than the inline limit; either way one round of a scheme at a time."""
    scheme = rounds.may_run(session, principal, scheme_id, method)
    due = rounds.due_count(session, scheme.id, method, due_by, retry_failed)
    if due <= get_settings().payments_round_inline_max:
        return rounds.disburse(
            session, principal, scheme.id, method=method, due_by=due_by, retry_failed=retry_failed
        )
    if reason := _busy(session, scheme.id):
        raise rounds.RoundInProgress(reason)
    return jobs.submit(
        session, kind=KIND, tenant_id=scheme.tenant_id, actor=principal.actor,
        organisation_id=principal.organisation_id, user_id=principal.user_id,
        params={"scheme_id": scheme.id, "method": method, "due_by": due_by.isoformat(),
                "retry_failed": retry_failed, "due": due},
    )  # fmt: skip


@jobs.handler(KIND)
def payment_round_job(session: Session, job: jobs.Job, report: jobs.Report) -> dict[str, Any]:
    """Run the queued round as the user who asked for it (their permissions checked again);
    the result names the round and its counts."""
    user = session.get(User, job.user_id) if job.user_id else None
    if user is None or not user.is_active:
        raise PermissionDenied("The user who queued this round can no longer run rounds.")
    params = job.params
    done = rounds.disburse(
        session, Principal.of(user), int(params["scheme_id"]), method=str(params["method"]),
        due_by=date.fromisoformat(str(params["due_by"])),
        retry_failed=bool(params.get("retry_failed")), progress=report,
    )  # fmt: skip
    return {"round_id": done.round.id, "scheme_id": done.round.scheme_id, "sent": done.sent,
            "resent": done.resent, "taken": done.taken}  # fmt: skip

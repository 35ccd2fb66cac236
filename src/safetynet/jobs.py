"""Background jobs: long work (link runs, big imports) runs outside the web request.

The queue is Huey: an embedded SQLite queue in the data folder by default, Redis when
`SAFETYNET_REDIS_URL` is set. A queued message carries only a job id; what to do, for whom and
how far it got live in the `jobs` table, which pages and the API read. Huey is imported when a
job is queued or a worker starts, never by `safetynet --help`.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, open_session, utcnow
from safetynet.errors import NotFound, SafetynetError

log = logging.getLogger(__name__)
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"


class Job(Base):
    """One piece of background work: its kind, parameters (ids only), status and progress."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# kind -> function(session, job, report) doing the work and returning the result to keep.
Report = Callable[[int, str], None]
Handler = Callable[[Session, Job, Report], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of `kind` (domains register theirs on import)."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def get_queue() -> Any:
    """The Huey queue: RedisHuey when SAFETYNET_REDIS_URL is set, else SqliteHuey on disk."""
    return _queue_and_task()[0]


@lru_cache
def _queue_and_task() -> tuple[Any, Any]:
    from huey import RedisHuey, SqliteHuey

    from safetynet.config import get_settings

    settings = get_settings()
    if settings.redis_url:
        queue = RedisHuey("safetynet", url=settings.redis_url, results=False)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path = settings.data_dir / "jobs.db"
        queue = SqliteHuey("safetynet", filename=str(path), results=False)
    return queue, queue.task(name="safetynet.run_job")(run_job)


def submit(
    session: Session,
    *,
    kind: str,
    tenant_id: int,
    actor: str,
    params: dict[str, Any],
    organisation_id: int | None = None,
    user_id: int | None = None,
) -> Job:
    """Record a job and queue it; `params` must hold ids and names, never personal data."""
    if kind not in HANDLERS:
        _load_handlers()
    if kind not in HANDLERS:
        raise NotFound(f"There is no kind of job called '{kind}'.")
    job = Job(
        kind=kind,
        tenant_id=tenant_id,
        organisation_id=organisation_id,
        user_id=user_id,
        actor=actor,
        params=params,
    )
    session.add(job)
    session.commit()
    _queue_and_task()[1](job.id)
    return job


def run_job(job_id: int) -> None:
    """Do one job (called by the worker with the id from the queue); failures are recorded."""
    _load_handlers()
    with open_session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != QUEUED:
            return
        job.status, job.started_at, job.stage = RUNNING, utcnow(), "Started"
        session.commit()
        try:
            result = HANDLERS[job.kind](session, job, _reporter(job.id))
        except SafetynetError as error:
            _fail(session, job_id, error.message)
        except Exception as error:  # a bug: keep the trace in the log, not on the page
            log.error("job %s failed:\n%s", job_id, traceback.format_exc())
            _fail(session, job_id, f"An unexpected error stopped the job ({type(error).__name__}).")
        else:
            _finish(session, job_id, result)


def _reporter(job_id: int) -> Report:
    """Progress reports go through their own session so they show while the job runs."""

    def report(percent: int, stage: str) -> None:
        with open_session() as session:
            job = session.get(Job, job_id)
            if job is not None:
                job.progress, job.stage = max(0, min(percent, 100)), stage[:200]
                session.commit()

    return report


def _finish(session: Session, job_id: int, result: dict[str, Any]) -> None:
    session.rollback()
    job = session.get(Job, job_id)
    assert job is not None
    job.status, job.progress, job.stage = FINISHED, 100, "Finished"
    job.result, job.finished_at = result, utcnow()
    session.commit()


def _fail(session: Session, job_id: int, message: str) -> None:
    session.rollback()
    job = session.get(Job, job_id)
    assert job is not None
    job.status, job.stage, job.error, job.finished_at = FAILED, "Failed", message, utcnow()
    session.commit()


def _load_handlers() -> None:
    """Import the modules that register job handlers."""
    import safetynet.link.jobs  # noqa: F401
    import safetynet.payments.jobs  # noqa: F401
    import safetynet.sources.jobs  # noqa: F401


def get_job(session: Session, job_id: int) -> Job:
    """The job with this id."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"There is no job {job_id}.")
    return job


def list_jobs(session: Session, *, kind: str | None = None, limit: int = 20) -> list[Job]:
    """The latest jobs, newest first."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if kind:
        query = query.where(Job.kind == kind)
    return list(session.scalars(query))


def work(queue: Any | None = None, *, limit: int | None = None) -> int:
    """Take jobs off the queue and run them until it is empty (or `limit` ran); how many ran."""
    queue = queue or get_queue()
    done = 0
    while limit is None or done < limit:
        task = queue.dequeue()
        if task is None:
            break
        queue.execute(task)
        done += 1
    return done


def run_worker(workers: int = 1) -> None:
    """Run a Huey consumer in this process's main thread until it is stopped."""
    queue = get_queue()
    # Poll often when idle (at most every 2 s): someone is usually watching the job's page.
    consumer = queue.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=2.0,
    )
    consumer.run()

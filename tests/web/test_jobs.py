"""Background jobs through the real queues (SQLite file and the machine's Redis), and a link
run started from its page, run by the worker and shown with its result."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from safetynet import jobs
from safetynet.accounts import service as accounts
from safetynet.accounts.models import Organisation, Tenant
from safetynet.errors import InvalidInput
from safetynet.link.models import LinkRun
from safetynet.sources.models import SourceImport
from tests.web.conftest import PASSWORD, form_token, sign_in


@jobs.handler("test_count")
def _count_job(session, job, report):
    report(50, "Halfway")
    if job.params.get("fail") == "input":
        raise InvalidInput("Column 'dob' is missing from the file.")
    if job.params.get("fail") == "bug":
        raise RuntimeError("private detail that must not reach the page")
    return {"counted": job.params["n"] * 2}


def _area(db) -> Tenant:
    org = Organisation(
        tenant_id=accounts.ensure_tenant(db, "Testshire").id, slug="o", name="O", kind="council"
    )
    db.add(org)
    db.commit()
    return db.get(Tenant, org.tenant_id)


def _submit(db, tenant, **params):
    return jobs.submit(db, kind="test_count", tenant_id=tenant.id, actor="test", params=params)


def _run_queue_roundtrip(db):
    tenant = _area(db)
    job = _submit(db, tenant, n=21)
    assert job.status == "queued"
    assert jobs.work() == 1
    db.expire_all()
    done = db.get(jobs.Job, job.id)
    assert (done.status, done.progress, done.result) == ("finished", 100, {"counted": 42})
    assert done.started_at is not None and done.finished_at is not None
    assert jobs.work() == 0  # nothing left on the queue


def test_jobs_go_through_the_embedded_sqlite_queue(db, store, tmp_path):
    from safetynet.config import get_settings

    assert get_settings().redis_url is None
    assert type(jobs.get_queue()).__name__ == "SqliteHuey"
    _run_queue_roundtrip(db)
    assert (get_settings().data_dir / "jobs.db").exists()


def test_jobs_go_through_redis_when_configured(db, store, monkeypatch):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/11"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from safetynet.config import get_settings

    monkeypatch.setenv("SAFETYNET_REDIS_URL", url)
    get_settings.cache_clear()
    jobs._queue_and_task.cache_clear()
    queue = jobs.get_queue()
    assert type(queue).__name__ == "RedisHuey"
    queue.flush()
    try:
        _run_queue_roundtrip(db)
    finally:
        queue.flush()
        jobs._queue_and_task.cache_clear()


def test_a_job_payload_is_only_its_id(db, store):
    tenant = _area(db)
    job = _submit(db, tenant, n=1)
    queue = jobs.get_queue()
    task = queue.dequeue()
    assert task.args == (job.id,) and task.kwargs == {}
    queue.execute(task)


def test_a_failed_job_keeps_a_reason_the_user_can_act_on(db, store):
    tenant = _area(db)
    refused = _submit(db, tenant, n=1, fail="input")
    crashed = _submit(db, tenant, n=1, fail="bug")
    jobs.work()
    db.expire_all()
    refused, crashed = db.get(jobs.Job, refused.id), db.get(jobs.Job, crashed.id)
    assert (refused.status, refused.error) == ("failed", "Column 'dob' is missing from the file.")
    assert crashed.status == "failed"
    assert crashed.error == "An unexpected error stopped the job (RuntimeError)."
    assert "private detail" not in crashed.error


def test_an_unknown_kind_of_job_is_refused(db, store):
    tenant = _area(db)
    with pytest.raises(Exception, match="no kind of job"):
        jobs.submit(db, kind="nope", tenant_id=tenant.id, actor="t", params={})


@pytest.mark.slow
def test_a_link_run_started_on_its_page_runs_in_the_worker_and_shows_its_result(
    db, client, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from safetynet.cli import app

    result = CliRunner().invoke(app, ["demo", "run", "--people", "600", "--seed", "3"])
    assert result.exit_code == 0, result.output
    council = db.scalar(select(Organisation).where(Organisation.kind == "council"))
    email = f"{uuid.uuid4().hex[:8]}@council.example"
    accounts.create_user(
        db,
        email=email,
        full_name="An Analyst",
        organisation=council.slug,
        role="analyst",
        password=PASSWORD,
        actor="test",
    )
    sign_in(client, email)
    response = client.post("/link-runs", data={"csrf_token": form_token(client, "/link-runs")})
    assert response.status_code == 303
    job_page = response.headers["location"]
    waiting = client.get(job_page)
    assert "Queued" in waiting.text and 'http-equiv="refresh"' in waiting.text
    again = client.post("/link-runs", data={"csrf_token": form_token(client, "/link-runs")})
    assert again.status_code == 409 and "already queued" in again.text  # no double runs

    reported: list[tuple[int, str]] = []
    real_reporter = jobs._reporter

    def recording_reporter(job_id):
        report = real_reporter(job_id)

        def both(percent, stage):
            reported.append((percent, stage))
            report(percent, stage)

        return both

    monkeypatch.setattr(jobs, "_reporter", recording_reporter)
    assert jobs.work() == 1
    assert [p for p, _ in reported] == [5, 15, 85, 95]
    assert reported[-1][1] == "Ranking the review queue by the gap rules"
    assert reported[1][1].startswith("Linking ") and "records" in reported[1][1]

    finished = client.get(job_page)
    run = db.scalar(select(LinkRun).order_by(LinkRun.id.desc()))
    loaded = db.scalar(
        select(func.sum(SourceImport.rows_loaded)).where(SourceImport.status == "active")
    )
    assert run is not None and run.counts["records"] == loaded > 100
    assert "Finished" in finished.text and 'http-equiv="refresh"' not in finished.text
    assert f'href="/link-runs/{run.id}"' in finished.text
    detail = client.get(f"/link-runs/{run.id}").text
    assert f"{run.counts['residents']:,}" in detail
    home = client.get("/").text
    assert f">{run.counts['residents']:,}<" in home
    # As after a CLI run, the queue was ranked by the gap results each decision would change.
    from safetynet.audit import AuditEvent
    from safetynet.link import review

    job = db.scalar(select(jobs.Job).order_by(jobs.Job.id.desc()))
    assert job is not None and "review_ranked" in job.result
    ranked_reads = db.scalars(
        select(AuditEvent).where(AuditEvent.reason == "rank the linkage review queue")
    ).all()
    assert bool(ranked_reads) == bool(review.open_pairs(db, run.tenant_id))

"""Big payment rounds as background jobs: the API answers 202 with the job's link, a second
round is told one is queued, the worker runs the round as the user who asked, and a small
round still runs while the caller waits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet import jobs
from safetynet.accounts import sessions
from safetynet.accounts.models import User
from safetynet.config import get_settings
from safetynet.payments import jobs as payment_jobs
from safetynet.payments import rounds
from safetynet.payments.models import Attempt, Round
from tests.payments.conftest import START
from tests.payments.test_disburse import _approved, _statuses


@pytest.fixture
def inline_max(monkeypatch):
    monkeypatch.setenv("SAFETYNET_PAYMENTS_ROUND_INLINE_MAX", "2")
    get_settings.cache_clear()
    yield 2
    get_settings.cache_clear()


def _api(db, pw, name: str) -> TestClient:
    from safetynet.web.app import create_app

    token, _ = sessions.create_api_token(db, db.get(User, pw[name].user_id), name="test")
    client = TestClient(create_app())
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_a_big_round_is_queued_with_a_link_and_the_worker_runs_it_once(db, pw, inline_max):
    _approved(db, pw, 3, method="bacs")
    api = _api(db, pw, "admin")
    body = {"method": "bacs", "due_by": START.isoformat()}
    response = api.post(f"/api/v1/payments/schemes/{pw.scheme.id}/rounds", json=body)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.json()["href"] == response.headers["location"] == f"/api/v1/jobs/{job_id}"
    assert _statuses(db) == {"approved": 3}  # nothing is sent until the worker runs it
    again = api.post(f"/api/v1/payments/schemes/{pw.scheme.id}/rounds", json=body)
    assert again.status_code == 409
    assert f"already queued (job {job_id})" in again.json()["detail"]
    assert jobs.work() == 1
    followed = api.get(f"/api/v1/jobs/{job_id}").json()
    assert (followed["status"], followed["progress"]) == ("finished", 100)
    [found] = db.scalars(select(Round))
    assert followed["result"] == {"round_id": found.id, "scheme_id": pw.scheme.id, "sent": 3,
                                  "resent": 0, "taken": 3}  # fmt: skip
    assert (found.started_by, _statuses(db)) == (pw["admin"].actor, {"sent": 3})
    assert len(db.scalars(select(Attempt.id)).all()) == 3


def test_a_round_within_the_limit_runs_while_the_caller_waits(db, pw, inline_max):
    _approved(db, pw, 2, method="bacs")
    response = _api(db, pw, "admin").post(
        f"/api/v1/payments/schemes/{pw.scheme.id}/rounds",
        json={"method": "bacs", "due_by": START.isoformat()},
    )
    assert response.status_code == 200
    assert (response.json()["sent"], _statuses(db)) == (2, {"sent": 2})


def test_a_queued_round_is_refused_to_partners_and_while_another_runs(db, pw, inline_max):
    _approved(db, pw, 3, method="bacs")
    with pytest.raises(rounds.PermissionDenied):
        payment_jobs.start_round(db, pw["north"], pw.scheme.id, method="bacs", due_by=START)
    running = Round(tenant_id=pw.scheme.tenant_id, scheme_id=pw.scheme.id, method="bacs",
                    due_by=START, status="running", owner="far:1:x", started_by="x")  # fmt: skip
    db.add(running)
    db.commit()
    with pytest.raises(rounds.RoundInProgress, match="in progress"):
        payment_jobs.start_round(db, pw["admin"], pw.scheme.id, method="bacs", due_by=START)


def test_the_rounds_page_sends_a_big_round_to_its_job_page(db, pw, inline_max):
    from safetynet.web.app import create_app
    from tests.payments.conftest import PASSWORD
    from tests.web.conftest import form_token, sign_in

    _approved(db, pw, 3, method="bacs")
    browser = TestClient(create_app())
    sign_in(browser, "admin@tc.example", PASSWORD)
    path = f"/payments/schemes/{pw.scheme.id}"
    response = browser.post(
        f"{path}/rounds",
        data={"csrf_token": form_token(browser, path), "method": "bacs", "due_by": "2026-11-02"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert jobs.work() == 1
    page = browser.get(f"/jobs/{job_id}").text
    assert "Payment round: job" in page and "3 payments sent" in page

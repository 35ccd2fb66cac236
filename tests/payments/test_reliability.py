"""Reliability: a thousand concurrent duplicate submissions, two rounds at once, a round killed
with SIGKILL between the provider call and its commit. The concurrency tests need PostgreSQL
(they run in its pass); the kill test runs on both stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from safetynet.db import open_session
from safetynet.payments import rounds
from safetynet.payments.models import Attempt, Award, Payment
from safetynet.payments.simulator import Faults
from tests.conftest import ON_POSTGRES
from tests.payments.conftest import START, submit_duplicates
from tests.payments.test_disburse import _approved, _statuses, _wait_for, service, simulator  # noqa: F401

needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="concurrency runs in the PostgreSQL pass"
)


@needs_postgres
def test_a_thousand_concurrent_duplicate_submissions_make_one_payment(db, pw):
    ids = submit_duplicates(db, pw, workers=40, submissions=1_000)
    assert len(ids) == 1
    assert db.scalar(select(func.count()).select_from(Award)) == 1
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


@needs_postgres
def test_two_concurrent_rounds_one_runs_and_the_other_is_told(db, pw, service, monkeypatch):  # noqa: F811
    monkeypatch.setenv("SAFETYNET_PAYMENTS_PROVIDER_TIMEOUT_SECONDS", "10")
    sim = simulator(monkeypatch, Faults(timeout=1.0, slow_seconds=1.5))
    try:
        _approved(db, pw, 5)
        start = threading.Barrier(2)

        def run(_: int) -> str:
            with open_session() as session:
                start.wait()
                try:
                    done = rounds.disburse(session, pw["admin"], pw.scheme.id, method="provider",
                                           due_by=START)  # fmt: skip
                    return f"ran {done.sent}"
                except rounds.RoundInProgress as error:
                    return error.message

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(run, range(2)))
        assert "ran 5" in results
        [told] = [r for r in results if r != "ran 5"]
        assert "is in progress" in told
        assert sim.settle() and sim.provider.stats()["transfers"] == 5
    finally:
        sim.stop()


KILLED_ROUND = """
import os, signal, sys
from sqlalchemy import select
from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.db import open_session
from safetynet.payments import adapters, rounds
from datetime import date

real_submit = adapters.ProviderAdapter.submit

def submit_then_die(self, instructions):
    answer = real_submit(self, instructions)  # the provider has the transfers now...
    os.kill(os.getpid(), signal.SIGKILL)  # ...and this process dies before it commits that
    return answer

adapters.ProviderAdapter.submit = submit_then_die
with open_session() as session:
    user = session.scalar(select(User).where(User.email == sys.argv[1]))
    rounds.disburse(session, Principal.of(user), int(sys.argv[2]), method="provider",
                    due_by=date.fromisoformat(sys.argv[3]))
"""


def test_a_round_killed_after_the_provider_call_resends_the_same_references(
    db,
    pw,
    service,  # noqa: F811
    monkeypatch,
    store,
):
    sim = simulator(monkeypatch, Faults(hold=True))  # callbacks come after the restart
    try:
        _approved(db, pw, 6)
        env = dict(os.environ)
        process = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(KILLED_ROUND), pw["admin"].email,
             str(pw.scheme.id), START.isoformat()],
            env=env, capture_output=True, timeout=120,
        )  # fmt: skip
        assert process.returncode == -signal.SIGKILL, process.stderr.decode()[-2000:]
        db.expire_all()
        sent = sorted(db.scalars(select(Attempt.reference)))
        assert len(sent) == 6
        assert db.scalar(select(func.count()).where(Attempt.acknowledged_at.is_not(None))) == 0
        assert sim.provider.stats()["transfers"] == 6  # the provider made them before the kill
        done = rounds.disburse(db, pw["admin"], pw.scheme.id, method="provider", due_by=START)
        assert (done.resent, done.sent) == (6, 0)
        assert sorted(db.scalars(select(Attempt.reference))) == sent
        sim.provider.faults.hold = False
        assert sim.settle()
        assert sim.provider.stats()["transfers"] == 6
        assert _wait_for(db, {"confirmed": 6}) == {"confirmed": 6}
    finally:
        sim.stop()

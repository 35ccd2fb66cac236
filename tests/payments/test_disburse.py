"""Rounds, end to end: the provider simulator as a real HTTP server on a free port, calling
back this service's real API (served by uvicorn on another free port); Bacs files; cash
hand-overs; statements."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from safetynet.errors import Conflict, InvalidInput, PermissionDenied
from safetynet.payments import (
    attempts,
    awards,
    bacs,
    callbacks,
    cancellations,
    reconcile,
    rounds,
    schemes,
)
from safetynet.payments.models import Attempt, Payment, ProviderEvent
from safetynet.payments.simulator import Faults, Provider, Simulator, sign
from tests.payments.conftest import START, build, person

SECRET = "test provider secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service(store, monkeypatch) -> Iterator[str]:
    """This service's app on a real port, as the provider's callbacks reach it."""
    import uvicorn

    from safetynet.config import get_settings
    from safetynet.web.app import create_app

    port = _free_port()
    monkeypatch.setenv("SAFETYNET_PAYMENTS_PROVIDER_SECRET", SECRET)
    monkeypatch.setenv(
        "SAFETYNET_PAYMENTS_CALLBACK_URL",
        f"http://127.0.0.1:{port}/api/v1/payments/provider-events",
    )
    get_settings.cache_clear()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def simulator(monkeypatch, faults: Faults | None = None) -> Simulator:
    """The provider simulator on a free port, named by the settings."""
    from safetynet.config import get_settings

    sim = Simulator(Provider(SECRET, faults, seed=7)).start()
    monkeypatch.setenv("SAFETYNET_PAYMENTS_PROVIDER_URL", sim.url)
    get_settings.cache_clear()
    return sim


def _approved(db, world, n: int, method: str = "provider") -> list[int]:
    ids = []
    for i in range(n):
        extra = {"bank_sort_code": "112233", "bank_account": f"{i:08d}", "bank_name": f"P {i}"}
        enrolment = schemes.enrol(
            db, world["north"], world.scheme.id,
            person(f"Person {i}", method=method, **(extra if method == "bacs" else {})),
        )  # fmt: skip
        award = awards.request_award(
            db, world["north"], awards.AwardRequest(enrolment.id, 1_000 + i, START)
        )
        awards.decide(db, world["north2"], award.id, approve=True)
        ids.append(award.id)
    return ids


def _statuses(db) -> dict[str, int]:
    db.expire_all()
    rows = db.execute(select(Payment.status, func.count()).group_by(Payment.status)).all()
    return {str(s): int(n) for s, n in rows}


def _wait_for(db, want: dict[str, int], seconds: float = 20) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _statuses(db) != want:
        time.sleep(0.1)
    return _statuses(db)


def test_a_round_pays_through_the_provider_and_its_callbacks_confirm_once(
    db, pw, service, monkeypatch
):
    faults = Faults(fail=0.3, duplicate=0.5, reorder=True)
    sim = simulator(monkeypatch, faults)
    try:
        _approved(db, pw, 20)
        done = rounds.disburse(db, pw["admin"], pw.scheme.id, method="provider", due_by=START)
        assert (done.sent, done.taken, done.resent) == (20, 20, 0)
        assert sim.settle()
        stats = sim.provider.stats()
        assert stats["transfers"] == 20
        want = {
            "confirmed": stats["by_status"]["succeeded"],
            "failed": stats["by_status"].get("failed", 0),
        }
        assert _wait_for(db, want) == want
        # Every event was delivered at least once, some twice and out of order; each was kept once.
        assert db.scalar(select(func.count()).select_from(ProviderEvent)) == 40
        assert db.scalar(select(func.count()).where(Attempt.acknowledged_at.is_not(None))) == 20
        # A retry: only the failed ones, under new references; the provider makes new transfers.
        again = rounds.disburse(db, pw["admin"], pw.scheme.id, method="provider", due_by=START,
                                retry_failed=True)  # fmt: skip
        assert again.sent == want["failed"]
        assert sim.settle() and sim.provider.stats()["transfers"] == 20 + want["failed"]
    finally:
        sim.stop()


def test_the_same_callbacks_again_in_reverse_order_change_nothing(db, pw, service, monkeypatch):
    import httpx

    sim = simulator(monkeypatch)
    try:
        _approved(db, pw, 3)
        rounds.disburse(db, pw["admin"], pw.scheme.id, method="provider", due_by=START)
        assert sim.settle()
        assert _wait_for(db, {"confirmed": 3}) == {"confirmed": 3}
    finally:
        sim.stop()
    references = list(db.scalars(select(Attempt.reference)))
    events = [{"event_id": f"{r}:{s}", "reference": r, "status": s}
              for r in references for s in ("failed", "succeeded", "accepted")]  # fmt: skip
    body = httpx.Request("POST", "/", json={"events": events[::-1]}).content
    url = f"{service}/api/v1/payments/provider-events"
    headers = {"X-Provider-Signature": sign(SECRET, body), "Content-Type": "application/json"}
    answer = httpx.post(url, content=body, headers=headers)
    # The `failed` events are new ids, but their attempts are settled: nothing changes.
    assert answer.json() == {"received": 3, "payments_changed": 0, "unknown": 0}
    assert _statuses(db) == {"confirmed": 3}
    unsigned = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401


def test_a_provider_that_does_not_answer_in_time_gets_the_same_references_again(
    db, pw, service, monkeypatch
):
    monkeypatch.setenv("SAFETYNET_PAYMENTS_PROVIDER_TIMEOUT_SECONDS", "0.5")
    # The provider's callbacks are held back too: otherwise its "accepted" events could reach
    # the service before the second run and rightly leave nothing to resend.
    sim = simulator(monkeypatch, Faults(timeout=1.0, slow_seconds=1.5, hold=True))
    try:
        _approved(db, pw, 4)
        with pytest.raises(Exception, match="did not answer"):
            rounds.disburse(db, pw["admin"], pw.scheme.id, method="provider", due_by=START)
        first = sorted(db.scalars(select(Attempt.reference)))
        sim.provider.faults.timeout = 0.0
        done = rounds.disburse(db, pw["admin"], pw.scheme.id, method="provider", due_by=START)
        assert (done.resent, done.sent) == (4, 0)
        assert sorted(db.scalars(select(Attempt.reference))) == first
        sim.provider.faults.hold = False
        assert sim.settle() and sim.provider.stats()["transfers"] == 4
    finally:
        sim.stop()


def test_a_second_round_is_told_one_is_in_progress(db, pw):
    from safetynet.payments.models import Round

    db.add(Round(tenant_id=pw["admin"].tenant_id, scheme_id=pw.scheme.id, method="bacs",
                 due_by=START, owner=rounds._owner(), started_by="someone"))  # fmt: skip
    db.commit()
    with pytest.raises(rounds.RoundInProgress, match="is in progress"):
        rounds.disburse(db, pw["admin"], pw.scheme.id, method="bacs", due_by=START)


def test_a_round_left_by_a_dead_process_is_taken_over(db, pw):
    from safetynet.payments.models import Round

    dead = f"{socket.gethostname()}:99999999:x"
    db.add(Round(tenant_id=pw["admin"].tenant_id, scheme_id=pw.scheme.id, method="bacs",
                 due_by=START, owner=dead, started_by="someone"))  # fmt: skip
    db.commit()
    _approved(db, pw, 2, method="bacs")
    done = rounds.disburse(db, pw["admin"], pw.scheme.id, method="bacs", due_by=START)
    assert done.sent == 2 and done.round.status == "finished"


def test_a_bacs_file_adds_up_and_is_the_same_every_time(db, pw):
    _approved(db, pw, 5, method="bacs")
    done = rounds.disburse(db, pw["admin"], pw.scheme.id, method="bacs", due_by=START)
    again = rounds.round_file(db, pw["admin"], done.round.id)
    assert done.file == again
    totals = bacs.read_totals(again)
    pence = sum(1_000 + i for i in range(5))
    assert (totals.credits, totals.credit_pence, totals.contra_pence) == (5, pence, pence)
    assert (totals.trailer_credit_pence, totals.trailer_debit_pence, totals.trailer_credits) == (
        pence, pence, 5,
    )  # fmt: skip
    lines = again.decode().split("\r\n")
    assert {len(line) for line in lines if line} == {80, 106}
    assert lines[4][:14] == "11223300000000"  # the first credit: sort code and account


def test_a_bacs_statement_confirms_fails_and_returns_once(db, pw):
    _approved(db, pw, 3, method="bacs")
    rounds.disburse(db, pw["admin"], pw.scheme.id, method="bacs", due_by=START)
    refs = sorted(db.scalars(select(Attempt.reference)))
    text = ("Reference,Amount,Status,Value_date\n"
            f"{refs[0]},10.00,paid,2026-11-03\n{refs[1]},10.01,failed,03/11/2026\n"
            f"{refs[2]},10.02,paid,2026-11-03\nSN999,5.00,paid,2026-11-03\n")  # fmt: skip
    found, fresh = reconcile.import_statement(db, pw["analyst"], "bank.csv", text.encode())
    assert fresh and found.counts == {"confirmed": 2, "failed": 1, "unknown_reference": 1}
    assert _statuses(db) == {"confirmed": 2, "failed": 1}
    again, fresh = reconcile.import_statement(db, pw["analyst"], "bank.csv", text.encode())
    assert (again.id, fresh) == (found.id, False)
    returned = f"reference,amount,status,value_date\n{refs[0]},10.00,returned,2026-11-10\n"
    reconcile.import_statement(db, pw["analyst"], "returns.csv", returned.encode())
    assert _statuses(db) == {"confirmed": 1, "failed": 1, "reversed": 1}
    [line] = reconcile.exceptions(db, pw["analyst"], found.id)
    assert (line.row_number, line.outcome) == (5, "unknown_reference")


def test_a_statement_with_bad_rows_is_refused_whole_naming_each(db, pw):
    text = "reference,amount,status,value_date\nA,ten,paid,2026-11-03\n,1.00,lost,31/02/2026\n"
    with pytest.raises(InvalidInput) as refused:
        reconcile.import_statement(db, pw["admin"], "bad.csv", text.encode())
    assert refused.value.details == [
        "row 2, amount: write pounds and pence like 50.00, more than 0.",
        "row 3, reference: give the payment reference (1-18 characters).",
        "row 3, status: use one of paid, failed, returned.",
        "row 3, value_date: write a date like 2026-11-30 or 30/11/2026.",
    ]
    with pytest.raises(PermissionDenied):
        reconcile.import_statement(db, pw["north"], "x.csv", text.encode())


def test_cash_handed_over_is_confirmed_once_by_the_partner(db, pw):
    [award] = _approved(db, pw, 1, method="cash")
    payment = db.scalar(select(Payment).where(Payment.award_id == award))
    with pytest.raises(InvalidInput, match="receipt"):
        rounds.hand_over(db, pw["north"], payment.id, " ")
    assert rounds.hand_over(db, pw["north"], payment.id, "R-17").status == "confirmed"
    assert rounds.hand_over(db, pw["north"], payment.id, "R-17").status == "confirmed"
    assert db.scalar(select(func.count()).select_from(Attempt)) == 1
    with pytest.raises(Exception, match="no payment"):
        rounds.hand_over(db, pw["south"], payment.id, "R-18")


def test_callbacks_need_the_providers_signature(db, pw):
    body = b'{"events": []}'
    with pytest.raises(callbacks.BadSignature):
        callbacks.receive(db, body, "sha256=0")
    assert (
        callbacks.receive(db, body, sign("dev-only-insecure-secret-change-me", body))["received"]
        == 0
    )


def test_in_production_the_public_development_secret_moves_nothing(db, pw, monkeypatch):
    from safetynet.config import get_settings

    monkeypatch.setenv("SAFETYNET_ENVIRONMENT", "production")
    monkeypatch.setenv("SAFETYNET_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SAFETYNET_PAYMENTS_PROVIDER_SECRET", raising=False)
    get_settings.cache_clear()
    body = b'{"events": []}'
    with pytest.raises(callbacks.BadSignature, match="no provider is set up"):
        callbacks.receive(db, body, sign("dev-only-insecure-secret-change-me", body))
    get_settings.cache_clear()


def test_partners_cannot_run_rounds_and_attempt_references_fit_bacs(db, pw):
    with pytest.raises(PermissionDenied):
        rounds.disburse(db, pw["north"], pw.scheme.id, method="bacs", due_by=START)
    assert len(attempts.reference_for(10**11, 99)) == 17
    with pytest.raises(Conflict):
        cancellations.cancel_payment(db, pw["admin"], _payment_confirmed(db, pw), "too late")


def _payment_confirmed(db, world) -> int:
    [award] = _approved(db, world, 1, method="cash")
    payment = db.scalar(select(Payment).where(Payment.award_id == award))
    rounds.hand_over(db, world["north"], payment.id, "R1")
    return payment.id


def test_only_payments_due_by_the_day_are_sent(db):
    world = build(db)
    enrolment = schemes.enrol(db, world["north"], world.scheme.id, person(method="bacs",
        bank_sort_code="112233", bank_account="12345678", bank_name="A"))  # fmt: skip
    award = awards.request_award(
        db, world["north"], awards.AwardRequest(enrolment.id, 2_000, START, 3)
    )
    awards.decide(db, world["north2"], award.id, approve=True)
    done = rounds.disburse(db, world["admin"], world.scheme.id, method="bacs",
                           due_by=START + timedelta(days=7))  # fmt: skip
    assert done.sent == 2 and _statuses(db) == {"sent": 2, "approved": 1}

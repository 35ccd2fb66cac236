"""Idempotency keys and savepoints on both stores: a refused request leaves its key free for
the corrected one, a refused ledger write as the first change of a unit of work leaves
nothing behind, and concurrent duplicates make one award (threads on one SQLite file too)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from safetynet.errors import Conflict, InvalidInput
from safetynet.payments import awards, ledger, schemes
from safetynet.payments.models import Award, IdempotencyKey, LedgerTransaction, Payment
from tests.payments.conftest import START, person, submit_duplicates


def test_a_refused_request_leaves_its_key_for_the_corrected_one(db, pw):
    enrolment = schemes.enrol(db, pw["north"], pw.scheme.id, person())
    too_much = awards.AwardRequest(enrolment.id, 20_000, START)  # over the £100 weekly cap
    with pytest.raises(InvalidInput, match="more than £100.00"):
        awards.request_award(db, pw["north"], too_much, key="form-1")
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    fixed = awards.AwardRequest(enrolment.id, 5_000, START)
    made = awards.request_award(db, pw["north"], fixed, key="form-1")
    again = awards.request_award(db, pw["north"], fixed, key="form-1")
    assert (made.id, made.total_pence) == (again.id, 5_000)
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_refused_ledger_write_as_the_first_change_leaves_nothing(db, pw):
    fund = ledger.account(db, pw.scheme.tenant_id, f"fund:{pw.scheme.fund_id}")
    payable = ledger.account(db, pw.scheme.tenant_id, f"payable:{pw.scheme.id}")
    db.commit()
    before = ledger.balance(db, fund), db.scalar(select(func.count(LedgerTransaction.id)))
    ok = ledger.transfer("test", fund, payable, 100)
    too_much = ledger.transfer("test", fund, payable, before[0] + 1)
    with pytest.raises(Conflict, match="not enough money"):
        ledger.post(db, pw.scheme.tenant_id, [ok, too_much], actor="test")
    db.rollback()
    assert (ledger.balance(db, fund), db.scalar(select(func.count(LedgerTransaction.id)))) == before
    ledger.post(db, pw.scheme.tenant_id, [ok], actor="test")
    db.rollback()  # the caller's unit of work is undone whole: the savepoint committed nothing
    assert (ledger.balance(db, fund), db.scalar(select(func.count(LedgerTransaction.id)))) == before


def test_concurrent_duplicate_submissions_make_one_award_on_either_store(db, pw):
    ids = submit_duplicates(db, pw, workers=8, submissions=40)
    assert len(ids) == 1
    assert db.scalar(select(func.count()).select_from(Award)) == 1
    assert db.scalar(select(func.count()).select_from(Payment)) == 1

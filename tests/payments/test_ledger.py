"""The ledger: balanced transactions, running balances, append-only, reversals, no fund
below zero; and the payment state machine's steps and attempts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from safetynet.errors import Conflict, InvalidInput
from safetynet.payments import attempts, awards, ledger, schemes, states
from safetynet.payments.models import Attempt, LedgerAccount, LedgerPosting, Payment
from tests.payments.conftest import START, build, person


def _fund(db, world):
    return ledger.account(db, world["admin"].tenant_id, f"fund:{world.scheme.fund_id}")


def test_money_added_to_a_fund_is_one_balanced_transaction_with_running_balances(db, pw):
    fund = _fund(db, pw)
    schemes.add_money(db, pw["admin"], "Household Support Fund", 250, "top up")
    assert ledger.balance(db, fund) == 1_000_000_00 + 250
    postings = db.scalars(select(LedgerPosting).order_by(LedgerPosting.id)).all()
    assert [p.amount_pence for p in postings] == [-1_000_000_00, 1_000_000_00, -250, 250]
    assert postings[-1].balance_after_pence == 1_000_000_00 + 250
    assert db.scalar(select(LedgerAccount.postings).where(LedgerAccount.id == fund)) == 2


def test_an_unbalanced_or_empty_transaction_is_refused(db, pw):
    fund = _fund(db, pw)
    with pytest.raises(InvalidInput, match="must balance"):
        ledger.post(db, pw["admin"].tenant_id, [ledger.Entry("x", ((fund, 5),))], actor="t")
    with pytest.raises(InvalidInput, match="of nothing"):
        ledger.post(db, pw["admin"].tenant_id, [ledger.transfer("x", fund, fund, 0)], actor="t")


def test_the_ledger_refuses_updates_and_deletes_in_the_store_itself(db, pw):
    for statement in (
        "UPDATE ledger_postings SET amount_pence = 1",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_transactions SET memo = 'x'",
        "DELETE FROM ledger_transactions",
    ):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    assert db.scalar(select(func.count()).select_from(LedgerPosting)) == 2


def test_a_fund_never_goes_below_zero_and_a_correction_is_a_reversal(db):
    world = build(db, money=0)
    tenant = world["admin"].tenant_id
    schemes.add_money(db, world["admin"], "Household Support Fund", 1_000, "grant")
    first = db.scalar(select(func.max(LedgerPosting.transaction_id)))
    fund = _fund(db, world)
    with pytest.raises(Conflict, match="not enough money"):
        ledger.post(db, tenant, [ledger.transfer("x", fund, fund + 1, 1_001)], actor="t")
    db.rollback()
    assert ledger.balance(db, fund) == 1_000
    ledger.reverse(db, tenant, first, actor="t", memo="entered twice")
    db.commit()
    assert ledger.balance(db, fund) == 0
    with pytest.raises(Conflict, match="already been reversed"):
        ledger.reverse(db, tenant, first, actor="t", memo="again")


def _approved(db, world, pence=5_000, instalments=1):
    enrolment = schemes.enrol(db, world["north"], world.scheme.id, person())
    ask = awards.AwardRequest(enrolment.id, pence, START, instalments)
    award = awards.request_award(db, world["north"], ask)
    awards.decide(db, world["north2"], award.id, approve=True)
    return list(db.scalars(select(Payment.id).where(Payment.award_id == award.id)))


def _balances(db, world):
    codes = [states.account_code(p, world.scheme) for p in ("fund", *states.COMMITTED)]
    return list(ledger.balances(db, world["admin"].tenant_id, codes).values())


def test_each_step_moves_the_money_between_the_schemes_accounts(db, pw):
    tenant = pw["admin"].tenant_id
    [payment] = _approved(db, pw)
    assert _balances(db, pw) == [1_000_000_00 - 5_000, 5_000, 0, 0]
    [attempt] = attempts.send(db, tenant, [payment], adapter="provider", actor="t")
    assert attempt.reference == attempts.reference_for(payment, 1)
    assert _balances(db, pw) == [1_000_000_00 - 5_000, 0, 5_000, 0]
    assert attempts.resolve(db, tenant, [attempt.reference], "failed", actor="t") == [payment]
    assert _balances(db, pw) == [1_000_000_00 - 5_000, 5_000, 0, 0]
    [retry] = attempts.send(db, tenant, [payment], adapter="provider", actor="t", retry=True)
    assert retry.reference == attempts.reference_for(payment, 2)
    assert attempts.resolve(db, tenant, [retry.reference], "succeeded", actor="t") == [payment]
    assert _balances(db, pw) == [1_000_000_00 - 5_000, 0, 0, 5_000]
    assert states.move(db, tenant, [payment], "confirmed", "reversed", actor="t")
    db.commit()
    assert _balances(db, pw) == [1_000_000_00, 0, 0, 0]
    assert db.get(Payment, payment).status == "reversed"


def test_an_attempt_resolves_once_and_a_later_callback_changes_nothing(db, pw):
    tenant = pw["admin"].tenant_id
    [payment] = _approved(db, pw)
    [attempt] = attempts.send(db, tenant, [payment], adapter="provider", actor="t")
    assert attempts.resolve(db, tenant, [attempt.reference], "succeeded", actor="t") == [payment]
    assert attempts.resolve(db, tenant, [attempt.reference], "succeeded", actor="t") == []
    assert attempts.resolve(db, tenant, [attempt.reference], "failed", actor="t") == []
    db.commit()
    assert db.get(Payment, payment).status == "confirmed"
    assert _balances(db, pw)[1:] == [0, 0, 5_000]


def test_nothing_is_resent_while_an_attempt_is_pending_and_retries_only_come_from_failed(db, pw):
    tenant = pw["admin"].tenant_id
    [payment] = _approved(db, pw)
    attempts.send(db, tenant, [payment], adapter="provider", actor="t")
    assert attempts.send(db, tenant, [payment], adapter="provider", actor="t") == []
    assert attempts.send(db, tenant, [payment], adapter="provider", actor="t", retry=True) == []
    db.commit()
    assert db.scalar(select(func.count()).select_from(Attempt)) == 1
    # The store itself refuses a second pending attempt, whatever the code above does.
    with pytest.raises(Exception, match="(?i)unique"):
        db.execute(
            text(
                "INSERT INTO payment_attempts (tenant_id, payment_id, number, reference, adapter, "
                "status, created_at, detail) VALUES (:t, :p, 9, 'X', 'provider', 'pending', "
                "CURRENT_TIMESTAMP, '{}')"
            ),
            {"t": tenant, "p": payment},
        )
    db.rollback()


@pytest.mark.nostore
def test_the_state_machine_allows_only_its_steps():
    assert states.allowed("requested", "approved")
    assert states.allowed("failed", "sent")
    assert not states.allowed("sent", "sent")
    assert not states.allowed("confirmed", "sent")
    assert not states.allowed("requested", "sent")
    assert not states.allowed("reversed", "confirmed")
    assert set(states.MONEY) == {(a, b) for a, bs in states.TRANSITIONS.items() for b in bs}

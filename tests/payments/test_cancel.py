"""Cancelling awards: a request withdrawn, an approval undone with its money back in the fund,
payments already sent left alone, a repeat harmless, and the same from the page, API and CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safetynet.payments import awards, cancellations, ledger, rounds, schemes, states
from safetynet.payments.models import Award, Payment
from tests.payments.conftest import START, person


def _award(db, pw, *, approve=False, instalments=1, org="north", method="cash"):
    enrolment = schemes.enrol(db, pw[org], pw.scheme.id, person(method=method))
    ask = awards.AwardRequest(enrolment.id, 5_000, START, instalments)
    award = awards.request_award(db, pw[org], ask)
    if approve:
        awards.decide(db, pw[f"{org}2"], award.id, approve=True)
    return award


def _fund(db, pw) -> int:
    scheme = pw.scheme
    return ledger.balances(db, scheme.tenant_id, [states.account_code("fund", scheme)]).popitem()[1]


def _payment_statuses(db, award_id: int) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(
            select(Payment.status).where(Payment.award_id == award_id).order_by(Payment.instalment)
        )
    )


def test_a_requested_award_is_withdrawn_and_no_money_moves(db, pw):
    award = _award(db, pw, instalments=2)
    before = _fund(db, pw)
    done = cancellations.cancel_award(db, pw["north"], award.id, "Asked for in error")
    assert done.status == "cancelled"
    assert _payment_statuses(db, award.id) == ["cancelled", "cancelled"]
    assert _fund(db, pw) == before
    [decision] = [a for a in awards.approvals(db, done) if a.decision == "cancelled"]
    assert (decision.actor, decision.note) == (pw["north"].actor, "Asked for in error")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "payments.award_cancel"))
    assert event is not None and event.detail == {"payments_cancelled": 2}


def test_an_approved_award_gives_its_unsent_money_back_and_leaves_paid_ones(db, pw):
    award = _award(db, pw, approve=True, instalments=3)
    first = db.scalar(
        select(Payment.id).where(Payment.award_id == award.id, Payment.instalment == 1)
    )
    rounds.hand_over(db, pw["north"], first, "R-1")
    before = _fund(db, pw)
    assert states.committed(db, pw.scheme) == 15_000
    cancellations.cancel_award(db, pw["north2"], award.id, "Moved away")
    assert _payment_statuses(db, award.id) == ["confirmed", "cancelled", "cancelled"]
    assert _fund(db, pw) == before + 10_000
    assert states.committed(db, pw.scheme) == 5_000  # the cash handed over stays paid
    # Cancelling again changes nothing more; the money moved once.
    cancellations.cancel_award(db, pw["north2"], award.id, "Moved away")
    assert _fund(db, pw) == before + 10_000


def test_a_cancelled_award_can_no_longer_be_approved_or_paid(db, pw):
    award = _award(db, pw)
    cancellations.cancel_award(db, pw["north"], award.id, "No longer needed")
    with pytest.raises(Conflict):
        awards.decide(db, pw["north2"], award.id, approve=True)
    rejected = _award(db, pw)
    awards.decide(db, pw["north2"], rejected.id, approve=False)
    with pytest.raises(Conflict, match="rejected"):
        cancellations.cancel_award(db, pw["north"], rejected.id, "too late")


def test_cancelling_needs_a_reason_and_the_right_to_see_and_decide(db, pw):
    award = _award(db, pw, approve=True)
    with pytest.raises(InvalidInput, match="reason"):
        cancellations.cancel_award(db, pw["north"], award.id, "  ")
    with pytest.raises(NotFound):  # another partner's award is not theirs to see
        cancellations.cancel_award(db, pw["south"], award.id, "not mine")
    with pytest.raises(NotFound):
        cancellations.cancel_award(db, pw["otheradmin"], award.id, "other area")
    with pytest.raises(PermissionDenied):  # analysts neither ask for nor approve awards
        cancellations.cancel_award(db, pw["analyst"], award.id, "no")
    db.expire_all()
    assert db.get(Award, award.id).status == "approved"


def test_the_cli_cancels_an_award_as_the_named_user(db, pw):
    from safetynet.cli import app

    award = _award(db, pw)
    result = CliRunner().invoke(
        app, ["payments", "cancel-award", str(award.id), "--reason", "duplicate request",
              "--as", "north@north.example"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Award {award.id}: cancelled." in result.output
    db.expire_all()
    assert db.get(Award, award.id).status == "cancelled"

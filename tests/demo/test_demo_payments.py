"""`safetynet demo run` sets up a payments scheme: two food banks' enrolments and approved
awards, cash handed over, and a Bacs round reconciled against the bank's statement."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.payments import ledger, states
from safetynet.payments.models import Enrolment, Payment, Round, Scheme, StatementImport

runner = CliRunner()


def test_the_demo_pays_through_two_partners_and_reconciles_a_round(db):
    result = runner.invoke(app, ["demo", "run", "--people", "1500", "--seed", "3", "--no-screen"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    scheme = db.scalars(select(Scheme)).one()
    enrolled = dict(db.execute(
        select(Enrolment.organisation_id, func.count()).group_by(Enrolment.organisation_id)
    ).all())  # fmt: skip
    assert sorted(enrolled.values()) == [12, 12]  # two partners, twelve people each
    assert db.scalar(select(func.count(Enrolment.id)).where(Enrolment.resident_id.is_not(None))) > 0
    found = db.scalars(select(Round)).one()
    assert (found.method, found.status) == ("bacs", "finished")
    statement = db.scalars(select(StatementImport)).one()
    sent = found.counts["sent"]
    assert statement.counts == {"confirmed": sent - 1, "failed": 1}
    statuses = dict(db.execute(select(Payment.status, func.count()).group_by(Payment.status)).all())
    assert statuses["confirmed"] == sent - 1 + 6  # the Bacs credits paid and 3 cash per partner
    assert statuses["failed"] == 1 and statuses["approved"] > 0  # later instalments wait
    codes = [states.account_code(p, scheme) for p in states.COMMITTED]
    committed = sum(ledger.balances(db, scheme.tenant_id, codes).values())
    approved_pence = db.scalar(
        select(func.sum(Payment.amount_pence)).where(Payment.status != "cancelled")
    )
    assert committed == approved_pence
    assert f"Bacs round {found.id} sent {sent} payments" in output
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "payments.round"))

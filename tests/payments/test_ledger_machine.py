"""A Hypothesis state machine drives the ledger and the payment state machine through random
sequences of real service calls (money added, awards asked for and decided, payments sent,
attempts settled — some twice, payments retried, cancelled, reversed, ledger entries
corrected) and checks after every step that:

- every transaction's postings sum to zero;
- no fund account is ever below zero;
- each account's running balance equals the sum of its postings and its last posting's
  balance-after;
- the money in each of a scheme's accounts equals the payments in the matching states;
- each attempt settles once (a repeated outcome changes nothing), and a payment has at most
  one attempt pending.

Each example runs in its own council area on the test's store.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from safetynet.errors import SafetynetError
from safetynet.payments import attempts, awards, ledger, schemes, states
from safetynet.payments.models import (
    Attempt,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Payment,
)
from tests import factories
from tests.payments.conftest import START, person, principal, terms

AREAS = itertools.count()
SESSION: dict[str, object] = {}


class LedgerMachine(RuleBasedStateMachine):
    """Random journeys of payments through the real services."""

    @initialize()
    def area(self) -> None:
        self.db = SESSION["db"]
        n = next(AREAS)
        area = f"Area {n}"
        factories.organisation(
            self.db, slug=f"c{n}", name=f"Council {n}", kind="council", area=area
        )
        factories.organisation(
            self.db, slug=f"p{n}", name=f"Partner {n}", kind="charity", area=area
        )
        self.admin = principal(self.db, f"a{n}@c.example", f"c{n}", "admin")
        self.asker = principal(self.db, f"p{n}@p.example", f"p{n}", "caseworker")
        self.tenant = self.admin.tenant_id
        schemes.create_fund(self.db, self.admin, "Household Support Fund")
        self.scheme = schemes.create_scheme(
            self.db, self.admin,
            terms(partners=[f"p{n}"], budget_pence=60_000, cap_week_pence=None,
                  cap_period_pence=None, cap_period_days=None),
        )  # fmt: skip
        self.enrolments = [
            schemes.enrol(self.db, self.asker, self.scheme.id, person(f"P{i}")).id for i in range(3)
        ]
        self.settled: list[tuple[str, str]] = []

    def _payments(self, status: str) -> list[int]:
        return list(
            self.db.scalars(
                select(Payment.id)
                .where(Payment.tenant_id == self.tenant, Payment.status == status)
                .order_by(Payment.id)
            )
        )

    @rule(pence=st.integers(1, 40_000))
    def add_money(self, pence: int) -> None:
        schemes.add_money(self.db, self.admin, "Household Support Fund", pence, "grant")

    @rule(who=st.integers(0, 2), pence=st.integers(1, 20_000), instalments=st.integers(1, 3))
    def ask(self, who: int, pence: int, instalments: int) -> None:
        request = awards.AwardRequest(self.enrolments[who], pence, START, instalments)
        awards.request_award(self.db, self.asker, request)

    @rule(approve=st.booleans(), pick=st.integers(0, 50))
    def decide(self, approve: bool, pick: int) -> None:
        from safetynet.payments.models import Award

        waiting = list(self.db.scalars(select(Award.id).where(
            Award.tenant_id == self.tenant, Award.status == "requested")))  # fmt: skip
        if not waiting:
            return
        try:
            awards.decide(self.db, self.admin, waiting[pick % len(waiting)], approve=approve)
        except SafetynetError:  # over budget or the fund is short: nothing may change
            pass

    @rule(retry=st.booleans(), count=st.integers(1, 4))
    def send(self, retry: bool, count: int) -> None:
        ids = self._payments("failed" if retry else "approved")[:count]
        attempts.send(self.db, self.tenant, ids, adapter="provider", actor="t", retry=retry)
        self.db.commit()

    @rule(outcome=st.sampled_from(["succeeded", "failed"]), pick=st.integers(0, 50))
    def settle(self, outcome: str, pick: int) -> None:
        open_ = list(self.db.scalars(select(Attempt.reference).where(
            Attempt.tenant_id == self.tenant, Attempt.status == "pending")))  # fmt: skip
        if not open_:
            return
        reference = open_[pick % len(open_)]
        assert len(attempts.resolve(self.db, self.tenant, [reference], outcome, actor="t")) == 1
        self.db.commit()
        self.settled.append((reference, outcome))

    @rule(pick=st.integers(0, 50), outcome=st.sampled_from(["succeeded", "failed"]))
    def settle_again(self, pick: int, outcome: str) -> None:
        """A repeated or contradicting callback for an attempt already settled."""
        if not self.settled:
            return
        reference, _ = self.settled[pick % len(self.settled)]
        assert attempts.resolve(self.db, self.tenant, [reference], outcome, actor="t") == []
        self.db.commit()

    @rule(source=st.sampled_from(["approved", "failed"]), pick=st.integers(0, 50))
    def cancel(self, source: str, pick: int) -> None:
        found = self._payments(source)
        if found:
            states.move(self.db, self.tenant, [found[pick % len(found)]], source, "cancelled",
                        actor="t")  # fmt: skip
            self.db.commit()

    @rule(pick=st.integers(0, 50))
    def reverse_payment(self, pick: int) -> None:
        found = self._payments("confirmed")
        if found:
            states.move(self.db, self.tenant, [found[pick % len(found)]], "confirmed",
                        "reversed", actor="t")  # fmt: skip
            self.db.commit()

    @rule(pick=st.integers(0, 50))
    def correct_a_grant(self, pick: int) -> None:
        grants = list(
            self.db.scalars(
                select(LedgerTransaction.id).where(
                    LedgerTransaction.tenant_id == self.tenant, LedgerTransaction.kind == "fund.add"
                )
            )
        )
        if not grants:
            return
        try:
            ledger.reverse(self.db, self.tenant, grants[pick % len(grants)], actor="t", memo="x")
            self.db.commit()
        except SafetynetError:  # already reversed, or the money is committed
            self.db.rollback()

    @invariant()
    def postings_balance(self) -> None:
        unbalanced = self.db.execute(
            select(LedgerPosting.transaction_id)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .where(LedgerTransaction.tenant_id == self.tenant)
            .group_by(LedgerPosting.transaction_id)
            .having(func.sum(LedgerPosting.amount_pence) != 0)
        ).all()
        assert unbalanced == []

    @invariant()
    def balances_are_the_postings(self) -> None:
        for account in self.db.scalars(
            select(LedgerAccount).where(LedgerAccount.tenant_id == self.tenant)
        ):
            total = self.db.scalar(select(func.coalesce(func.sum(LedgerPosting.amount_pence), 0))
                                   .where(LedgerPosting.account_id == account.id))  # fmt: skip
            last = self.db.scalar(
                select(LedgerPosting.balance_after_pence)
                .where(LedgerPosting.account_id == account.id)
                .order_by(LedgerPosting.id.desc())
                .limit(1)
            )
            assert account.balance_pence == total == (last or 0), account.code
            if account.kind == "fund":
                assert account.balance_pence >= 0

    @invariant()
    def accounts_match_the_payments(self) -> None:
        def pence(*statuses: str) -> int:
            return int(
                self.db.scalar(
                    select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
                        Payment.tenant_id == self.tenant, Payment.status.in_(statuses)
                    )
                )
            )

        codes = [states.account_code(p, self.scheme) for p in states.COMMITTED]
        payable, in_transit, paid = ledger.balances(self.db, self.tenant, codes).values()
        assert (payable, in_transit, paid) == (
            pence("approved", "failed"), pence("sent"), pence("confirmed"),
        )  # fmt: skip
        assert payable + in_transit + paid <= self.scheme.budget_pence

    @invariant()
    def one_pending_attempt_per_sent_payment(self) -> None:
        sent = set(self._payments("sent"))
        pending = list(self.db.scalars(select(Attempt.payment_id).where(
            Attempt.tenant_id == self.tenant, Attempt.status == "pending")))  # fmt: skip
        assert sorted(pending) == sorted(sent)


def test_the_ledger_and_payment_states_hold_their_invariants(db, monkeypatch):
    from argon2 import PasswordHasher

    from safetynet.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    SESSION["db"] = db
    machine = settings(
        max_examples=25, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )(LedgerMachine)  # fmt: skip
    machine.TestCase().runTest()

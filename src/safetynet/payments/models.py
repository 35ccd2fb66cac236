"""Payments: funds, schemes, enrolments, awards, payments and their attempts, payment rounds,
provider callbacks, statement imports, idempotency keys, and the double-entry ledger.

Money is integer pence. The ledger (`ledger_transactions`, `ledger_postings`) is append-only in
the database itself (triggers refuse UPDATE and DELETE, as for the audit log); a mistake is put
right by a reversing transaction. Each account keeps its running balance, so reading a balance
is one row, whatever the history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class Fund(Base):
    """Money a council area sets aside (e.g. the Household Support Fund); schemes draw on it."""

    __tablename__ = "payment_funds"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Scheme(Base):
    """A safety-net scheme: who runs it, its budget, award amounts, caps and approval limits."""

    __tablename__ = "payment_schemes"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("payment_funds.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    eligibility: Mapped[str] = mapped_column(Text, default="")
    amount_pence: Mapped[int] = mapped_column(Integer)  # the usual award per instalment
    max_instalments: Mapped[int | None] = mapped_column(Integer)  # per award
    frequency_days: Mapped[int] = mapped_column(Integer, default=7)
    cap_week_pence: Mapped[int | None] = mapped_column(Integer)  # per person, any partner
    cap_period_pence: Mapped[int | None] = mapped_column(Integer)
    cap_period_days: Mapped[int | None] = mapped_column(Integer)
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    # Largest award total (pence) each role may approve on its own; a role not named may not.
    approval_limits: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    methods: Mapped[list[str]] = mapped_column(JSONType, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Bumped by every request and approval: takes the scheme's lock in both stores.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class SchemePartner(Base):
    """An organisation allowed to enrol people in a scheme and request awards."""

    __tablename__ = "payment_scheme_partners"

    scheme_id: Mapped[int] = mapped_column(ForeignKey("payment_schemes.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


class Enrolment(Base):
    """A person enrolled in a scheme by a partner: as little as will do, with their consent.

    No NI number is asked for; bank details only when they are to be paid by Bacs. The
    resident (from linkage), when known, lets caps and duplicate flags see across partners.
    """

    __tablename__ = "payment_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("payment_schemes.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    partner_ref: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))
    bank_sort_code: Mapped[str | None] = mapped_column(String(6))
    bank_account: Mapped[str | None] = mapped_column(String(8))
    bank_name: Mapped[str | None] = mapped_column(String(18))
    consent_text: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enrolled_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Award(Base):
    """What a caseworker asked for a person: an amount per instalment, how many, how often.
    A second person approves or rejects it (four eyes, within their role's limit)."""

    __tablename__ = "payment_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("payment_schemes.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("payment_enrolments.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    instalments: Mapped[int] = mapped_column(Integer, default=1)
    frequency_days: Mapped[int] = mapped_column(Integer, default=7)
    first_due: Mapped[date] = mapped_column(Date)
    total_pence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Approval(Base):
    """A decision on an award: who, with which role, approved or rejected it, and when."""

    __tablename__ = "payment_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("payment_awards.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Payment(Base):
    """One instalment of an award, as an instruction to pay: requested -> approved -> sent ->
    confirmed | failed | reversed (see `payments.states`)."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("award_id", "instalment"),
        Index("ix_payments_round_queue", "scheme_id", "status", "method", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("payment_schemes.id"))
    award_id: Mapped[int] = mapped_column(ForeignKey("payment_awards.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("payment_enrolments.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    instalment: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    round_id: Mapped[int | None] = mapped_column(ForeignKey("payment_rounds.id"))
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attempt(Base):
    """One try at paying a payment, under a provider reference made from the payment and the
    try's number. A payment has at most one attempt pending (a unique index says so)."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("payment_id", "number"),
        Index(
            "ix_payment_attempts_one_pending",
            "payment_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("payment_rounds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(18), unique=True)
    adapter: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Round(Base):
    """A payment round: a scheme's approved payments due by a day, sent through one adapter.
    At most one round of a scheme runs at a time (a unique index on running rounds)."""

    __tablename__ = "payment_rounds"
    __table_args__ = (
        Index(
            "ix_payment_rounds_one_running",
            "scheme_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("payment_schemes.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    due_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="running")
    owner: Mapped[str] = mapped_column(String(200))  # host:pid of the process running it
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(200))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ProviderEvent(Base):
    """A callback a payment provider sent, kept once by its event id (repeats are ignored)."""

    __tablename__ = "payment_provider_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(32))


class StatementImport(Base):
    """A bank or provider statement file read for reconciliation (kept once per file)."""

    __tablename__ = "payment_statement_imports"
    __table_args__ = (UniqueConstraint("tenant_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)


class StatementLine(Base):
    """One line of a statement and what reconciliation made of it."""

    __tablename__ = "payment_statement_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("payment_statement_imports.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(18), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    value_date: Mapped[date] = mapped_column(Date)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))


class IdempotencyKey(Base):
    """A client's key for one state change: the same key again returns what the first did."""

    __tablename__ = "payment_idempotency_keys"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerAccount(Base):
    """An account of the ledger, with its running balance. Fund accounts may never go below
    zero: a CHECK constraint refuses it in the store itself."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("kind <> 'fund' OR balance_pence >= 0", name="fund_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    balance_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    postings: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerTransaction(Base):
    """One balanced movement of money between accounts; never changed, only reversed."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True
    )
    memo: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerPosting(Base):
    """One leg of a transaction: an amount into (positive) or out of (negative) an account,
    and the account's balance after it."""

    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account", "account_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    balance_after_pence: Mapped[int] = mapped_column(BigInteger)

"""Payments: funds, schemes, enrolments, awards, approvals, payments, attempts, rounds,
provider events, statement imports, idempotency keys and the append-only ledger

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:41:30.259376
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("ledger_transactions", "ledger_postings")


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
    ]


def _postgres_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
    ]


def _make_ledger_append_only() -> None:
    """The ledger is append-only in the store itself: corrections are reversing entries."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$"
        )
        statements = [s for table in APPEND_ONLY for s in _postgres_triggers(table)]
    else:
        statements = [s for table in APPEND_ONLY for s in _sqlite_triggers(table)]
    for statement in statements:
        op.execute(statement)


def _drop_ledger_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
        return
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def upgrade() -> None:
    op.create_table(
        "payment_provider_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_provider_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_payment_provider_events_event_id")),
    )
    with op.batch_alter_table("payment_provider_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_provider_events_reference"), ["reference"], unique=False
        )

    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("balance_pence", sa.BigInteger(), nullable=False),
        sa.Column("postings", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind <> 'fund' OR balance_pence >= 0",
            name=op.f("ck_ledger_accounts_fund_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_accounts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_ledger_accounts_tenant_id_code")),
    )
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_accounts_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_funds_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_funds")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_payment_funds_tenant_id_name")),
    )
    with op.batch_alter_table("payment_funds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_funds_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "payment_idempotency_keys",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_idempotency_keys_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_payment_idempotency_keys")),
    )
    op.create_table(
        "payment_statement_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("counts", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_statement_imports_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_statement_imports")),
        sa.UniqueConstraint(
            "tenant_id", "sha256", name=op.f("uq_payment_statement_imports_tenant_id_sha256")
        ),
    )
    with op.batch_alter_table("payment_statement_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_statement_imports_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("max_instalments", sa.Integer(), nullable=True),
        sa.Column("frequency_days", sa.Integer(), nullable=False),
        sa.Column("cap_week_pence", sa.Integer(), nullable=True),
        sa.Column("cap_period_pence", sa.Integer(), nullable=True),
        sa.Column("cap_period_days", sa.Integer(), nullable=True),
        sa.Column("budget_pence", sa.BigInteger(), nullable=False),
        sa.Column("approval_limits", JSON_TYPE, nullable=False),
        sa.Column("methods", JSON_TYPE, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["payment_funds.id"], name=op.f("fk_payment_schemes_fund_id_payment_funds")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_schemes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_schemes")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_payment_schemes_tenant_id_slug")),
    )
    with op.batch_alter_table("payment_schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_schemes_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_schemes_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("partner_ref", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("bank_sort_code", sa.String(length=6), nullable=True),
        sa.Column("bank_account", sa.String(length=8), nullable=True),
        sa.Column("bank_name", sa.String(length=18), nullable=True),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_payment_enrolments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_payment_enrolments_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["payment_schemes.id"],
            name=op.f("fk_payment_enrolments_scheme_id_payment_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_enrolments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_enrolments")),
    )
    with op.batch_alter_table("payment_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_enrolments_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_enrolments_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_enrolments_scheme_id"), ["scheme_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_enrolments_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("counts", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["payment_schemes.id"],
            name=op.f("fk_payment_rounds_scheme_id_payment_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_rounds_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_rounds")),
    )
    with op.batch_alter_table("payment_rounds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_rounds_one_running",
            ["scheme_id"],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.create_index(
            batch_op.f("ix_payment_rounds_scheme_id"), ["scheme_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_rounds_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_scheme_partners",
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_payment_scheme_partners_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["payment_schemes.id"],
            name=op.f("fk_payment_scheme_partners_scheme_id_payment_schemes"),
        ),
        sa.PrimaryKeyConstraint(
            "scheme_id", "organisation_id", name=op.f("pk_payment_scheme_partners")
        ),
    )
    with op.batch_alter_table("payment_scheme_partners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_scheme_partners_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "payment_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("instalments", sa.Integer(), nullable=False),
        sa.Column("frequency_days", sa.Integer(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=False),
        sa.Column("total_pence", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["payment_enrolments.id"],
            name=op.f("fk_payment_awards_enrolment_id_payment_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_payment_awards_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_payment_awards_requested_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["payment_schemes.id"],
            name=op.f("fk_payment_awards_scheme_id_payment_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_awards_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_awards")),
    )
    with op.batch_alter_table("payment_awards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_awards_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_awards_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_awards_scheme_id"), ["scheme_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payment_awards_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_awards_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["payment_awards.id"],
            name=op.f("fk_payment_approvals_award_id_payment_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_approvals_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_payment_approvals_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_approvals")),
    )
    with op.batch_alter_table("payment_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_approvals_award_id"), ["award_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_approvals_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payments",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["payment_awards.id"], name=op.f("fk_payments_award_id_payment_awards")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["payment_enrolments.id"],
            name=op.f("fk_payments_enrolment_id_payment_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_payments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["payment_rounds.id"], name=op.f("fk_payments_round_id_payment_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["payment_schemes.id"],
            name=op.f("fk_payments_scheme_id_payment_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("award_id", "instalment", name=op.f("uq_payments_award_id_instalment")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_round_queue", ["scheme_id", "status", "method", "due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ledger_transactions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payment_id", BIG_ID, nullable=True),
        sa.Column("reverses_id", BIG_ID, nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_ledger_transactions_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_transactions_reverses_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_transactions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_transactions_reverses_id")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_attempts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", BIG_ID, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=18), nullable=False),
        sa.Column("adapter", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_attempts_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["payment_rounds.id"],
            name=op.f("fk_payment_attempts_round_id_payment_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_attempts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint(
            "payment_id", "number", name=op.f("uq_payment_attempts_payment_id_number")
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_attempts_reference")),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_attempts_one_pending",
            ["payment_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.create_index(
            batch_op.f("ix_payment_attempts_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_attempts_round_id"), ["round_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_attempts_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_statement_lines",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=18), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("payment_id", BIG_ID, nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["payment_statement_imports.id"],
            name=op.f("fk_payment_statement_lines_import_id_payment_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_statement_lines_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_statement_lines_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_statement_lines")),
    )
    with op.batch_alter_table("payment_statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_statement_lines_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_statement_lines_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_statement_lines_reference"), ["reference"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_statement_lines_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "ledger_postings",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("transaction_id", BIG_ID, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_pence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_postings_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_postings_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_postings_account", ["account_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_postings_transaction_id"), ["transaction_id"], unique=False
        )

    _make_ledger_append_only()


def downgrade() -> None:
    _drop_ledger_triggers()
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_postings_transaction_id"))
        batch_op.drop_index("ix_ledger_postings_account")

    op.drop_table("ledger_postings")
    with op.batch_alter_table("payment_statement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_statement_lines_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_statement_lines_reference"))
        batch_op.drop_index(batch_op.f("ix_payment_statement_lines_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_statement_lines_import_id"))

    op.drop_table("payment_statement_lines")
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_attempts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_attempts_round_id"))
        batch_op.drop_index(batch_op.f("ix_payment_attempts_payment_id"))
        batch_op.drop_index(
            "ix_payment_attempts_one_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.drop_table("payment_attempts")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_payment_id"))

    op.drop_table("ledger_transactions")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_tenant_id"))
        batch_op.drop_index("ix_payments_round_queue")
        batch_op.drop_index(batch_op.f("ix_payments_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_payments_enrolment_id"))

    op.drop_table("payments")
    with op.batch_alter_table("payment_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_approvals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_approvals_award_id"))

    op.drop_table("payment_approvals")
    with op.batch_alter_table("payment_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_awards_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_awards_status"))
        batch_op.drop_index(batch_op.f("ix_payment_awards_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_payment_awards_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_payment_awards_enrolment_id"))

    op.drop_table("payment_awards")
    with op.batch_alter_table("payment_scheme_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_scheme_partners_organisation_id"))

    op.drop_table("payment_scheme_partners")
    with op.batch_alter_table("payment_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_rounds_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_rounds_scheme_id"))
        batch_op.drop_index(
            "ix_payment_rounds_one_running",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )

    op.drop_table("payment_rounds")
    with op.batch_alter_table("payment_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_enrolments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_enrolments_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_payment_enrolments_resident_id"))
        batch_op.drop_index(batch_op.f("ix_payment_enrolments_organisation_id"))

    op.drop_table("payment_enrolments")
    with op.batch_alter_table("payment_schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_schemes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_schemes_fund_id"))

    op.drop_table("payment_schemes")
    with op.batch_alter_table("payment_statement_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_statement_imports_tenant_id"))

    op.drop_table("payment_statement_imports")
    op.drop_table("payment_idempotency_keys")
    with op.batch_alter_table("payment_funds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_funds_tenant_id"))

    op.drop_table("payment_funds")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_accounts_tenant_id"))

    op.drop_table("ledger_accounts")
    with op.batch_alter_table("payment_provider_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_provider_events_reference"))

    op.drop_table("payment_provider_events")

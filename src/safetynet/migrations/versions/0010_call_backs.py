"""Call-backs: the status of each self-check a resident shared, and the history of outcomes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 12:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entitlement_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_status", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("callback_updated_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_entitlement_checks_callback_queue",
            ["tenant_id", "callback_status", "created_at"],
            unique=False,
        )
    # Self-checks shared before this revision are waiting for their call back.
    op.execute(
        "UPDATE entitlement_checks SET callback_status = 'new', callback_updated_at = created_at "
        "WHERE kind = 'self_check'"
    )
    op.create_table(
        "call_back_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["entitlement_checks.id"],
            name=op.f("fk_call_back_outcomes_check_id_entitlement_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_call_back_outcomes_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_call_back_outcomes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_back_outcomes")),
    )
    with op.batch_alter_table("call_back_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_back_outcomes_check_id"), ["check_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("call_back_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_back_outcomes_check_id"))
    op.drop_table("call_back_outcomes")
    with op.batch_alter_table("entitlement_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_entitlement_checks_callback_queue")
        batch_op.drop_column("callback_updated_at")
        batch_op.drop_column("callback_status")

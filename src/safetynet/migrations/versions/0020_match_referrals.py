"""Matching: referrals made from matches with their outcomes, and the rankers learned from them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 12:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
REFERRAL_INDEXES = ("tenant_id", "organisation_id", "resident_id", "record_id", "service_id",
                    "batch", "status")


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "match_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("service_name", sa.String(length=300), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        _fk("match_referrals", "tenant_id", "tenants"),
        _fk("match_referrals", "organisation_id", "organisations"),
        _fk("match_referrals", "resident_id", "residents", ondelete="CASCADE"),
        _fk("match_referrals", "record_id", "records", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_referrals")),
    )
    with op.batch_alter_table("match_referrals", schema=None) as batch_op:
        for column in REFERRAL_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_match_referrals_{column}"), [column])
    op.create_table(
        "match_rankers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_by", sa.String(length=200), nullable=False),
        _fk("match_rankers", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_rankers")),
    )
    with op.batch_alter_table("match_rankers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_rankers_tenant_id"), ["tenant_id"])


def downgrade() -> None:
    with op.batch_alter_table("match_rankers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_rankers_tenant_id"))
    op.drop_table("match_rankers")
    with op.batch_alter_table("match_referrals", schema=None) as batch_op:
        for column in REFERRAL_INDEXES:
            batch_op.drop_index(batch_op.f(f"ix_match_referrals_{column}"))
    op.drop_table("match_referrals")

"""Allocations proposed on the batch allocation page, one row per resident, until confirmed

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ALLOCATION_INDEXES = ("tenant_id", "organisation_id", "status")
ROW_INDEXES = ("allocation_id", "tenant_id", "resident_id", "service_id")


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "match_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("drawn_from", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("seekers", sa.Integer(), nullable=False),
        sa.Column("placed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("referred", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        _fk("match_allocations", "tenant_id", "tenants"),
        _fk("match_allocations", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_allocations")),
    )
    with op.batch_alter_table("match_allocations", schema=None) as batch_op:
        for column in ALLOCATION_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_match_allocations_{column}"), [column])
    op.create_table(
        "match_allocation_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("service_name", sa.String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("need", JSON, nullable=False),
        sa.Column("unplaced", sa.String(length=300), nullable=True),
        _fk("match_allocation_rows", "allocation_id", "match_allocations", ondelete="CASCADE"),
        _fk("match_allocation_rows", "tenant_id", "tenants"),
        _fk("match_allocation_rows", "resident_id", "residents", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_allocation_rows")),
    )
    with op.batch_alter_table("match_allocation_rows", schema=None) as batch_op:
        for column in ROW_INDEXES:
            batch_op.create_index(batch_op.f(f"ix_match_allocation_rows_{column}"), [column])


def downgrade() -> None:
    with op.batch_alter_table("match_allocation_rows", schema=None) as batch_op:
        for column in ROW_INDEXES:
            batch_op.drop_index(batch_op.f(f"ix_match_allocation_rows_{column}"))
    op.drop_table("match_allocation_rows")
    with op.batch_alter_table("match_allocations", schema=None) as batch_op:
        for column in ALLOCATION_INDEXES:
            batch_op.drop_index(batch_op.f(f"ix_match_allocations_{column}"))
    op.drop_table("match_allocations")

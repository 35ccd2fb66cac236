"""Configuration per council area: gap programmes and rules, CTR schemes and plan risks an
area holds itself (a pack applied there), overlaid on the deployment's folders.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 13:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "area_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_area_config_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_config")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "key", name=op.f("uq_area_config_tenant_id_kind_key")
        ),
    )
    op.create_index(op.f("ix_area_config_tenant_id"), "area_config", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_area_config_tenant_id"), table_name="area_config")
    op.drop_table("area_config")

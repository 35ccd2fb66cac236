"""The partners' front desk: events typed at a desk, and one front-desk source per organisation

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
FRONT_DESK = sa.text("kind = 'front_desk'")


def upgrade() -> None:
    op.create_table(
        "front_desk_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("person_ref", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("referred_to", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_front_desk_events_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_front_desk_events_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_front_desk_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_front_desk_events")),
        sa.UniqueConstraint("record_id", name=op.f("uq_front_desk_events_record_id")),
    )
    with op.batch_alter_table("front_desk_events", schema=None) as batch_op:
        for column in ("tenant_id", "organisation_id", "person_ref", "occurred_on"):
            batch_op.create_index(batch_op.f(f"ix_front_desk_events_{column}"), [column])
    op.create_index(
        "uq_sources_front_desk",
        "sources",
        ["organisation_id"],
        unique=True,
        sqlite_where=FRONT_DESK,
        postgresql_where=FRONT_DESK,
    )


def downgrade() -> None:
    op.drop_index("uq_sources_front_desk", table_name="sources")
    with op.batch_alter_table("front_desk_events", schema=None) as batch_op:
        for column in ("tenant_id", "organisation_id", "person_ref", "occurred_on"):
            batch_op.drop_index(batch_op.f(f"ix_front_desk_events_{column}"))
    op.drop_table("front_desk_events")

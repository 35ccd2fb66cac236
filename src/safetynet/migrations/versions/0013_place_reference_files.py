"""Published reference files of places: postcode directory, deprivation, broadband coverage

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _file_id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["place_files.id"],
            name=op.f(f"fk_{table}_file_id_place_files"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "place_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("edition", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_place_files_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_files")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "sha256", name=op.f("uq_place_files_tenant_id_kind_sha256")
        ),
    )
    with op.batch_alter_table("place_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_files_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "place_postcodes",
        *_file_id("place_postcodes"),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("oa", sa.String(length=12), nullable=True),
        sa.Column("lsoa", sa.String(length=12), nullable=True),
        sa.Column("ward_code", sa.String(length=12), nullable=True),
        sa.Column("la_code", sa.String(length=12), nullable=True),
        sa.Column("rural_class", sa.String(length=8), nullable=True),
        sa.Column("rural", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("file_id", "postcode", name=op.f("pk_place_postcodes")),
    )
    op.create_table(
        "place_deprivation",
        *_file_id("place_deprivation"),
        sa.Column("lsoa", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("decile", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "lsoa", name=op.f("pk_place_deprivation")),
    )
    op.create_table(
        "place_connectivity",
        *_file_id("place_connectivity"),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("premises", sa.Integer(), nullable=False),
        sa.Column("gigabit_pct", sa.Float(), nullable=False),
        sa.Column("full_fibre_pct", sa.Float(), nullable=True),
        sa.Column("superfast_pct", sa.Float(), nullable=True),
        sa.Column("below_uso_pct", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("file_id", "postcode", name=op.f("pk_place_connectivity")),
    )


def downgrade() -> None:
    op.drop_table("place_connectivity")
    op.drop_table("place_deprivation")
    op.drop_table("place_postcodes")
    with op.batch_alter_table("place_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_files_tenant_id"))
    op.drop_table("place_files")

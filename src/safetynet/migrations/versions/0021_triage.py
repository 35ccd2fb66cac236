"""Triage: uploaded XLSForm versions and the triages taken with them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
OUTCOME_INDEXES = ("tenant_id", "organisation_id", "form_id", "resident_id", "status",
                   "completed_at")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "triage_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_triage_forms_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_forms")),
        sa.UniqueConstraint(
            "tenant_id",
            "form_id",
            "version",
            name=op.f("uq_triage_forms_tenant_id_form_id_version"),
        ),
    )
    op.create_index(op.f("ix_triage_forms_tenant_id"), "triage_forms", ["tenant_id"])
    op.create_table(
        "triage_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("needs", JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_id"], ["triage_forms.id"], name=op.f("fk_triage_outcomes_form_id_triage_forms")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_triage_outcomes_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_triage_outcomes_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_triage_outcomes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_outcomes")),
    )
    for column in OUTCOME_INDEXES:
        op.create_index(op.f(f"ix_triage_outcomes_{column}"), "triage_outcomes", [column])


def downgrade() -> None:
    for column in OUTCOME_INDEXES:
        op.drop_index(op.f(f"ix_triage_outcomes_{column}"), table_name="triage_outcomes")
    op.drop_table("triage_outcomes")
    op.drop_index(op.f("ix_triage_forms_tenant_id"), table_name="triage_forms")
    op.drop_table("triage_forms")

"""Outreach lists and caseworker checks record the organisation that made them

A partner's staff see only the outreach lists and entitlement checks their own organisation
made (plus, for checks, what an agreement lets it see back); the council sees its whole area.
Rows made before this revision are attributed from the user who made them: a partner's user's
to that partner, everything else to the council (no organisation).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outreach_lists", "entitlement_checks")
# How each table names its maker: lists as "user:<email>", caseworker checks as "<email>".
MAKERS = {"outreach_lists": "'user:' || users.email", "entitlement_checks": "users.email"}


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_organisation_id_organisations"),
                "organisations",
                ["organisation_id"],
                ["id"],
            )
            batch_op.create_index(
                batch_op.f(f"ix_{table}_organisation_id"), ["organisation_id"], unique=False
            )
    for table, maker in MAKERS.items():
        op.execute(
            f"UPDATE {table} SET organisation_id = ("
            "SELECT users.organisation_id FROM users JOIN organisations "
            "ON organisations.id = users.organisation_id "
            f"WHERE {maker} = {table}.created_by AND organisations.kind <> 'council')"
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_organisation_id"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_organisation_id_organisations"), type_="foreignkey"
            )
            batch_op.drop_column("organisation_id")

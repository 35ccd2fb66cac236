"""Which pack last wrote each item of an area's own configuration (its file's sha256), so a
council admin can revert everything one pack applied.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("area_config") as batch:
        batch.add_column(sa.Column("pack_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("area_config") as batch:
        batch.drop_column("pack_sha256")

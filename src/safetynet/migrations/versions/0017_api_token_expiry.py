"""API tokens expire: `expires_at` on api_tokens, set for existing tokens to 90 days after
they were made

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 08:50:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING_TOKEN_DAYS = 90  # the default of SAFETYNET_API_TOKEN_DAYS when this was written


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    for token_id, created in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)):
        connection.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(expires_at=created + timedelta(days=EXISTING_TOKEN_DAYS))
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")

"""Postcode coordinates: the postcode directory's latitude and longitude, kept so matching can
take where a resident travels from as a postcode

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("place_postcodes") as batch:
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("place_postcodes") as batch:
        batch.drop_column("lon")
        batch.drop_column("lat")

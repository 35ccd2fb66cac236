"""Resident search by postcode district or sector reads an index

A district ("DB4") or sector ("DB4 7") search is a prefix of the stored, normalised postcode
("DB4 7QT"). SQLite's plain index on `records.postcode` already serves a prefix read as a
byte range. PostgreSQL can use an index for `LIKE 'DB4 %'` only when the database's collation
is "C" or the index uses the pattern operator class, so there the index is made again with
`varchar_pattern_ops` (it still serves exact postcodes).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 12:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_records_postcode", table_name="records")
    op.create_index(
        "ix_records_postcode",
        "records",
        ["postcode"],
        unique=False,
        postgresql_ops={"postcode": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_records_postcode", table_name="records")
    op.create_index("ix_records_postcode", "records", ["postcode"], unique=False)

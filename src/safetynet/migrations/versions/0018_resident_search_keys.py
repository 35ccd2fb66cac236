"""Resident search: name search keys on records, and indexes for the search's lookups

Records gain `forename_key` and `surname_key` (the names in lower case without accents or
punctuation, as `sources.standardise.search_keys` writes them at import), and indexes on the
surname key, date of birth, postcode and the partner's person reference, so a caseworker's
search reads a few rows rather than the whole area's records. Existing records get their
keys here, in batches.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 08:45:00.000000
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
INDEXED = ("surname_key", "dob", "postcode", "person_ref")


def _key(name: str | None) -> str | None:
    """The search key of a name, as the importer writes it (kept here, frozen, so this
    revision means the same whatever later code does)."""
    if name is None:
        return None
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in plain if "a" <= c <= "z") or None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forename_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("surname_key", sa.String(length=200), nullable=True))
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_records_{column}"), [column], unique=False)
    _backfill()


def _backfill() -> None:
    connection = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id", sa.Integer),
        sa.column("forename", sa.String),
        sa.column("surname", sa.String),
        sa.column("forename_key", sa.String),
        sa.column("surname_key", sa.String),
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(records.c.id, records.c.forename, records.c.surname)
            .where(records.c.id > after)
            .order_by(records.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            records.update()
            .where(records.c.id == sa.bindparam("rid"))
            .values(forename_key=sa.bindparam("fk"), surname_key=sa.bindparam("sk")),
            [{"rid": r.id, "fk": _key(r.forename), "sk": _key(r.surname)} for r in rows],
        )
        after = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_records_{column}"))
        batch_op.drop_column("surname_key")
        batch_op.drop_column("forename_key")

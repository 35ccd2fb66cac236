"""Alembic environment: runs migrations on the engine handed over, or the configured store."""

from __future__ import annotations

from alembic import context

from safetynet.db import get_engine
from safetynet.migrations import model_metadata

target_metadata = model_metadata()


def run_migrations_online() -> None:
    """Run on a live connection; SQLite needs batch mode for ALTERs."""
    engine = context.config.attributes.get("engine") or get_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

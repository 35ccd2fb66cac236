"""The migration giving API tokens an expiry sets one on every token made before it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from safetynet import migrations


def _expiry_revision() -> tuple[str, str]:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    for revision in script.walk_revisions():
        if str(revision.path).endswith("_api_token_expiry.py"):
            return revision.revision, str(revision.down_revision)
    raise AssertionError("no api_token_expiry migration")


@pytest.mark.nostore
def test_tokens_made_before_expiry_existed_expire_90_days_after_they_were_made(tmp_path):
    # A plain SQLite engine: foreign keys are not enforced, so a token row needs no user.
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    revision, before = _expiry_revision()
    migrations.upgrade(engine, before)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_tokens (token_hash, user_id, name, created_at) "
                "VALUES ('h', 1, 'old', '2026-01-10 09:30:00.000000')"
            )
        )
    migrations.upgrade(engine, revision)
    with engine.connect() as connection:
        expires = connection.execute(text("SELECT expires_at FROM api_tokens")).scalar_one()
    expected = datetime(2026, 1, 10, 9, 30) + timedelta(days=90)
    assert datetime.fromisoformat(str(expires)).replace(tzinfo=None) == expected
    engine.dispose()

"""Migrations are numbered, in order, match the models, and upgrade a populated store."""

from __future__ import annotations

import re
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from safetynet import migrations
from safetynet.accounts import service as accounts
from safetynet.accounts.models import Organisation, User
from safetynet.audit import AuditEvent
from tests.conftest import ON_POSTGRES, STORE_URL


@pytest.mark.nostore
def test_migrations_are_numbered_in_one_line_with_one_head():
    script = ScriptDirectory.from_config(migrations.alembic_config())
    revisions = list(reversed(list(script.walk_revisions())))
    numbers = [r.revision for r in revisions]
    assert numbers == [f"{i:04d}" for i in range(1, len(numbers) + 1)]
    assert script.get_heads() == [numbers[-1]]
    for path in (migrations.HERE / "versions").glob("*.py"):
        assert re.match(r"^\d{4}_[a-z0-9_]+\.py$", path.name), path.name


def test_the_migrated_schema_matches_the_models(db):
    with db.get_bind().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, migrations.model_metadata())
    assert diff == []


def test_a_populated_store_upgrades_from_the_previous_head(tmp_path):
    """Build at the revision before head, add data the old way, upgrade, and find it intact."""
    if ON_POSTGRES:
        url = STORE_URL
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    previous = f"{int(migrations.head_revision()) - 1:04d}"
    migrations.upgrade(engine, previous)
    with Session(engine) as session:
        accounts.create_organisation(
            session, name="Old Council", kind="council", tenant="Oldshire", actor="test"
        )
        accounts.create_user(
            session,
            email="a@old.example",
            full_name="A",
            role="admin",
            organisation="old-council",
            password="long enough password 1",
            actor="test",
        )
    migrations.upgrade(engine)
    with Session(engine) as session:
        assert session.scalar(select(Organisation.name)) == "Old Council"
        assert session.scalar(select(User.email)) == "a@old.example"
        assert len(session.scalars(select(AuditEvent)).all()) == 2
    assert migrations.current_revision(engine) == migrations.head_revision()
    if ON_POSTGRES:  # leave the shared database as the session fixture expects it
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrations.upgrade(engine)
    engine.dispose()


def test_the_audit_log_refuses_updates_and_deletes(db):
    accounts.create_organisation(db, name="C", kind="council", tenant="T", actor="test")
    event_id = db.scalar(select(AuditEvent.id))
    for statement in (
        f"UPDATE audit_events SET actor = 'x' WHERE id = {event_id}",
        f"DELETE FROM audit_events WHERE id = {event_id}",
    ):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    assert db.scalar(select(AuditEvent.actor)) == "test"


def test_the_date_type_round_trips(db):
    accounts.create_organisation(db, name="C", kind="council", tenant="T", actor="test")
    from tests import factories

    agreement = factories.agreement(db, supplier="c", start=date(2026, 3, 4))
    db.expire_all()
    assert db.get(type(agreement), agreement.id).start_date == date(2026, 3, 4)

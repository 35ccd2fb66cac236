"""A newcomer's first commands: on a new data folder every command creates the store first
(the README's import steps work without `safetynet db upgrade`); `import --help` says how to
import a file and which kinds there are; `user reset-password` sets a forgotten password."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.cli import app, needs_store
from tests import factories
from tests.conftest import _reset_caches

runner = CliRunner()


def ok(*args: str, stdin: str | None = None):
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.nostore  # its own SQLite store in a new folder, on either pass
def test_the_readme_import_steps_work_on_a_new_data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "brand-new"
    monkeypatch.delenv("SAFETYNET_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(folder))
    _reset_caches()
    try:
        first = ok("org", "create", "--name", "Sheffield City Council", "--kind", "council",
                   "--area", "Sheffield")  # fmt: skip
        assert "Created a new store" in first.output and (folder / "safetynet.db").is_file()
        second = ok("org", "create", "--name", "North End Food Bank", "--kind", "charity",
                    "--slug", "north")  # fmt: skip
        assert "Created a new store" not in second.output
        ok("agreement", "create", "--reference", "DSA-2026-01", "--title", "Food bank",
           "--purpose", "Find residents missing out on support", "--supplier", "north",
           "--recipient", "sheffield-city-council", "--fields",
           "row_id,person_ref,full_name,forename,surname,dob,postcode,phone,visit_date,extras",
           "--retention-days", "730")  # fmt: skip
        visits = factories.csv_file(tmp_path, factories.VISITS, name="visits.csv")
        done = ok("import", str(visits), "--org", "north", "--source", "visits",
                  "--kind", "foodbank_attendance")  # fmt: skip
        assert "3 rows loaded" in done.output
    finally:
        _reset_caches()


@pytest.mark.nostore
def test_an_old_store_is_upgraded_by_the_next_command(tmp_path, monkeypatch):
    from safetynet import migrations
    from safetynet.db import get_engine

    monkeypatch.delenv("SAFETYNET_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(tmp_path / "old"))
    _reset_caches()
    try:
        head = migrations.head_revision()
        previous = f"{int(head) - 1:04d}"
        migrations.upgrade(get_engine(), previous)
        result = ok("org", "list")
        assert f"Upgraded the store from {previous}" in result.output
        assert migrations.current_revision(get_engine()) == head
    finally:
        _reset_caches()


@pytest.mark.nostore
def test_a_store_that_cannot_be_opened_gets_a_clear_message(monkeypatch):
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    _reset_caches()
    try:
        result = runner.invoke(app, ["org", "list"])
        assert result.exit_code == 2
        said = " ".join(result.output.split())
        assert "Cannot open the store at postgresql+psycopg://nobody@127.0.0.1:1/none" in said
        assert "SAFETYNET_DATABASE_URL" in said and "Traceback" not in said
    finally:
        _reset_caches()


@pytest.mark.nostore
def test_help_and_bare_groups_never_touch_the_store():
    assert not needs_store([])
    assert not needs_store(["import", "--help"])
    assert not needs_store(["import", "visits.csv", "--help"])
    assert not needs_store(["user"])
    assert not needs_store(["db", "upgrade"])
    assert needs_store(["user", "list"]) and needs_store(["worker"])
    assert needs_store(["import", "visits.csv", "--org", "north"])


@pytest.mark.nostore
def test_import_help_says_how_to_import_a_file_and_lists_the_kinds():
    said = " ".join(runner.invoke(app, ["import", "--help"]).output.split())
    assert "safetynet import FILE --org ORG --source NAME --kind KIND" in said
    for kind in ("foodbank_attendance", "universal_credit", "household_support_fund", "other"):
        assert kind in said
    file_help = " ".join(runner.invoke(app, ["import", "x.csv", "--help"]).output.split())
    assert "advice_clients" in file_help.replace("│", "").replace(" ", "")


def test_user_reset_password_sets_it_and_signs_the_user_out_everywhere(db):
    from safetynet.accounts import service, sessions
    from safetynet.accounts.models import ApiToken, User
    from safetynet.accounts.passwords import verify_password

    factories.organisation(db)
    user = service.create_user(db, email="ann@north.example", full_name="Ann", role="admin",
                               organisation="north", password="an old long passphrase",
                               actor="test")  # fmt: skip
    sessions.start_session(db, user)
    value, _ = sessions.create_api_token(db, user, name="script")
    result = ok("user", "reset-password", "--email", "Ann@north.example", "--password-stdin",
                stdin="a brand new passphrase\n")  # fmt: skip
    assert "signed out everywhere" in result.output
    db.expire_all()
    stored = db.scalar(select(User).where(User.email == "ann@north.example"))
    assert verify_password(stored.password_hash, "a brand new passphrase")
    assert sessions.user_for_api_token(db, value) is None
    assert db.scalar(select(ApiToken.revoked_at)) is not None
    weak = runner.invoke(app, ["user", "reset-password", "--email", "ann@north.example",
                               "--password-stdin"], input="short\n")  # fmt: skip
    assert weak.exit_code == 2 and "Traceback" not in weak.output
    unknown = runner.invoke(app, ["user", "reset-password", "--email", "nobody@x.example",
                                  "--generate-password"])  # fmt: skip
    assert unknown.exit_code == 2 and "no user with email nobody@x.example" in unknown.output

"""Organisations, users, passwords and data-sharing agreements."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.accounts import service
from safetynet.accounts.models import User
from safetynet.accounts.passwords import check_strength, verify_password
from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import Conflict, InvalidInput, NotFound
from tests import factories

runner = CliRunner()
GOOD = "correct horse battery staple"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.nostore
@pytest.mark.parametrize("password", ["short", "password1234", "Password1234"])
def test_short_and_common_passwords_are_refused(password):
    with pytest.raises(InvalidInput):
        check_strength(password)


def test_a_user_gets_an_argon2id_hash_and_an_audit_event(db):
    factories.organisation(db, slug="council", kind="council")
    user = service.create_user(
        db,
        email=" Ann@Council.Example ",
        full_name="Ann",
        role="admin",
        organisation="council",
        password=GOOD,
        actor="test",
    )
    assert user.email == "ann@council.example"
    assert user.password_hash.startswith("$argon2id$") and GOOD not in user.password_hash
    assert verify_password(user.password_hash, GOOD)
    assert not verify_password(user.password_hash, GOOD + "!")
    actions = db.scalars(select(AuditEvent.action)).all()
    assert actions == ["organisation.create", "user.create"]


def test_duplicate_emails_unknown_roles_and_organisations_are_refused(db):
    factories.organisation(db, slug="council", kind="council")
    service.create_user(
        db,
        email="a@c.example",
        full_name="A",
        role="analyst",
        organisation="council",
        password=GOOD,
        actor="test",
    )
    with pytest.raises(Conflict, match="already exists"):
        service.create_user(
            db,
            email="A@c.example",
            full_name="A",
            role="analyst",
            organisation="council",
            password=GOOD,
            actor="test",
        )
    with pytest.raises(InvalidInput, match="Role 'boss'"):
        service.create_user(
            db,
            email="b@c.example",
            full_name="B",
            role="boss",
            organisation="council",
            password=GOOD,
            actor="test",
        )
    with pytest.raises(
        NotFound, match="No organisation called 'nope'. Known organisations: council"
    ):
        service.get_organisation(db, "nope")


def test_the_first_admin_is_created_from_the_cli_with_a_one_time_password(db):
    result = runner.invoke(
        app,
        [
            "org",
            "create",
            "--name",
            "Testshire Council",
            "--kind",
            "council",
            "--area",
            "Testshire",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "admin@t.example",
            "--name",
            "Admin",
            "--org",
            "testshire-council",
            "--role",
            "admin",
            "--generate-password",
        ],
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("not stored): ")[1].split()[0]
    user = db.scalars(select(User)).one()
    assert verify_password(user.password_hash, password)


def test_a_password_can_come_from_standard_input_and_weak_ones_fail_cleanly(db):
    factories.organisation(db, slug="council", kind="council")
    args = [
        "user",
        "create",
        "--email",
        "x@t.example",
        "--name",
        "X",
        "--org",
        "council",
        "--role",
        "caseworker",
        "--password-stdin",
    ]
    weak = runner.invoke(app, args, input="letmein\n")
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output
    ok = runner.invoke(app, args, input=GOOD + "\n")
    assert ok.exit_code == 0, ok.output


def test_a_second_council_area_must_be_named(db):
    factories.organisation(db, slug="a", area="Area A")
    factories.organisation(db, slug="b", area="Area B")
    with pytest.raises(InvalidInput, match="Name the council area"):
        service.create_organisation(db, name="C", kind="charity", tenant=None, actor="test")


def test_agreement_terms_are_checked_together(db):
    factories.organisation(db)
    terms = service.AgreementTerms(
        reference="X",
        title="T",
        purpose="",
        lawful_basis="because",
        suppliers=["north"],
        recipients=[],
        fields_allowed=["dob", "shoe_size"],
        retention_days=0,
        start_date=date(2026, 5, 1),
        end_date=date(2026, 4, 1),
        special_category=True,
    )
    with pytest.raises(InvalidInput) as error:
        service.create_agreement(db, terms, actor="test")
    message = str(error.value)
    for phrase in (
        "lawful basis must be one of",
        "needs an Article 9 condition",
        "unknown field(s) shoe_size",
        "retention must be at least one day",
        "end date is before the start date",
        "state the purpose",
    ):
        assert phrase in message


def test_parties_must_share_a_council_area(db):
    factories.organisation(db, slug="a", area="Area A")
    factories.organisation(db, slug="b", area="Area B")
    terms = service.AgreementTerms(
        reference="X",
        title="T",
        purpose="P",
        lawful_basis="public_task",
        suppliers=["a"],
        recipients=["b"],
        fields_allowed=["row_id"],
        retention_days=30,
        start_date=date(2026, 1, 1),
    )
    with pytest.raises(InvalidInput, match="same council area"):
        service.create_agreement(db, terms, actor="test")


def test_an_agreement_covers_imports_only_while_in_force(db):
    org = factories.organisation(db)
    factories.agreement(db, start=date(2026, 1, 1), end=date(2026, 6, 30))
    fields = ["row_id", "forename", "surname"]
    assert service.covering_agreement(db, org, fields, on=date(2026, 3, 1)).reference == "DSA-TEST"
    for day in (date(2025, 12, 31), date(2026, 7, 1)):
        with pytest.raises(InvalidInput, match="none in force today"):
            service.covering_agreement(db, org, fields, on=day)


def test_agreements_are_listed_and_ended_from_the_cli(db):
    factories.organisation(db, slug="council", kind="council", name="Council")
    factories.organisation(db)
    result = runner.invoke(
        app,
        [
            "agreement",
            "create",
            "--reference",
            "DSA-9",
            "--title",
            "Visits",
            "--purpose",
            "Find people missing support",
            "--supplier",
            "north",
            "--recipient",
            "council",
            "--fields",
            "row_id,full_name,dob",
            "--fields",
            "postcode",
            "--see-back",
            "own_records",
            "--retention-days",
            "365",
            "--start",
            "2026-01-01",
        ],
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(app, ["agreement", "list"])
    assert "DSA-9" in listing.output and "in force" in listing.output
    agreement = service.get_agreement(db, "DSA-9")
    assert agreement.fields_allowed == ["dob", "full_name", "postcode", "row_id"]
    ended = runner.invoke(app, ["agreement", "end", "DSA-9", "--reason", "project closed"])
    assert ended.exit_code == 0
    again = runner.invoke(app, ["agreement", "end", "DSA-9", "--reason", "x"])
    assert again.exit_code == 2 and "already ended" in flat(again.output)
    bad_date = runner.invoke(
        app,
        [
            "agreement",
            "create",
            "--reference",
            "D2",
            "--title",
            "T",
            "--purpose",
            "P",
            "--supplier",
            "north",
            "--fields",
            "row_id",
            "--retention-days",
            "1",
            "--start",
            "1/1/2026",
        ],
    )
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in flat(bad_date.output)

"""The front desk's service: finding one's own clients, recording events as standardised
records under the agreement, referral outcomes, and the weekly report."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from safetynet.audit import AuditEvent
from safetynet.errors import InvalidInput, NotFound, PermissionDenied
from safetynet.frontdesk import reports, service
from safetynet.frontdesk.models import FrontDeskEvent
from safetynet.sources import typed
from safetynet.sources.models import Record, Source, SourceImport
from tests import factories


def test_a_partner_finds_its_own_clients_by_name_postcode_and_date_of_birth(db, desk):
    partner = desk.people["partner"]
    found = service.find_clients(db, partner, "smi")
    assert [(c.forename, c.surname, c.dob) for c in found] == [("John", "Smith", date(1980, 2, 1))]
    assert [c.name for c in service.find_clients(db, partner, "jo db4")] == ["John Smith"]
    assert [c.name for c in service.find_clients(db, partner, "15/06/1975")] == ["Mary Jones"]
    assert service.find_clients(db, partner, "jo DB1 2AB")[0].name == "Mary Jones"
    assert service.find_clients(db, partner, "nobody") == []


def test_another_partner_and_another_council_find_nothing_of_north(db, desk):
    assert service.find_clients(db, desk.people["south"], "smith") == []
    assert service.find_clients(db, desk.people["other"], "smith") == []
    # the council's own staff see their whole area
    assert [c.name for c in service.find_clients(db, desk.people["caseworker"], "smith")] == [
        "John Smith"
    ]


def test_a_search_is_audited_with_the_records_listed_and_never_the_words(db, desk):
    found = service.find_clients(db, desk.people["partner"], "smith")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "front_desk.search"))
    assert event.detail == {"found": 1, "record_ids": [found[0].record_id]}
    assert "smith" not in str(event.detail).lower()


def test_a_search_needs_two_letters_and_a_real_date(db, desk):
    with pytest.raises(InvalidInput, match="at least 2 letters"):
        service.find_clients(db, desk.people["partner"], " s ")
    with pytest.raises(InvalidInput, match="not a real date"):
        service.find_clients(db, desk.people["partner"], "31/02/1980")


def test_an_analyst_at_a_partner_may_read_the_report_but_not_use_the_desk(db, desk):
    with pytest.raises(PermissionDenied):
        service.find_clients(db, desk.people["nanalyst"], "smith")
    assert reports.report(db, desk.people["nanalyst"]).weeks


def test_a_visit_for_a_client_becomes_a_standardised_record_of_the_desk_source(db, desk):
    partner = desk.people["partner"]
    john = service.find_clients(db, partner, "smith")[0]
    event = service.record_event(db, partner, kind="food_parcel", record_id=john.record_id)
    record = db.get(Record, event.record_id)
    source = db.get(Source, record.source_id)
    assert (source.name, source.kind, source.mode) == ("Front desk", "front_desk", "append")
    assert (record.forename, record.surname, record.dob) == ("John", "Smith", date(1980, 2, 1))
    visit = (record.postcode, record.phone, record.visit_date)
    assert visit == ("DB4 7QT", "+447700900123", date.today())
    assert record.person_ref == event.person_ref and event.person_ref.startswith("FD-")
    assert record.household_id is None  # no address: no household, as in an import
    day = db.get(SourceImport, record.import_id)
    assert (day.file_format, day.rows_read, day.rows_loaded, day.status) == (
        "typed",
        1,
        1,
        "active",
    )
    # next time, the desk's own record is the one found, and the reference is kept
    again = service.find_clients(db, partner, "smith")
    assert again[0].at_desk and again[0].record_id == record.id
    second = service.record_event(db, partner, kind="visit", record_id=john.record_id)
    assert second.person_ref == event.person_ref
    assert db.get(SourceImport, record.import_id).rows_read == 2
    assert [e.kind for e in service.person(db, partner, record.id).events] == [
        "visit",
        "food_parcel",
    ]


def test_a_new_person_is_standardised_and_a_bad_value_refused_by_field(db, desk):
    partner = desk.people["partner"]
    person = service.NewPerson("  ada ", "LOVELACE", date(1990, 12, 10), "db47qt", "1 High St")
    event = service.record_event(db, partner, kind="visit", new_person=person)
    record = db.get(Record, event.record_id)
    assert (record.forename, record.surname, record.postcode) == ("Ada", "Lovelace", "DB4 7QT")
    assert record.address == "1 HIGH ST" and record.household_id is not None
    bad = service.NewPerson("Bob", "Brown", None, "not a postcode", phone="12")
    with pytest.raises(typed.RecordRefused) as refused:
        service.record_event(db, partner, kind="visit", new_person=bad)
    assert {p.field for p in refused.value.problems} == {"postcode", "phone"}
    assert "Postcode 'not a postcode' is not a valid UK postcode." in refused.value.message
    assert db.scalar(select(Record).where(Record.surname == "Brown")) is None
    nameless = service.NewPerson("", "Brown")
    with pytest.raises(typed.RecordRefused, match="No forename"):
        service.record_event(db, partner, kind="visit", new_person=nameless)


def test_fields_outside_the_agreement_are_refused_and_never_copied(db, desk):
    factories.organisation(db, slug="east", name="East Org", kind="charity", area="Testshire")
    factories.agreement(
        db, supplier="east", reference="DSA-EAST",
        fields=["row_id", "person_ref", "forename", "surname", "dob", "visit_date"],
    )  # fmt: skip
    from tests.frontdesk.conftest import _user

    east = _user(db, "east", "east", "partner")
    person = service.NewPerson("Ada", "Lovelace", date(1990, 12, 10), postcode="DB4 7QT")
    with pytest.raises(InvalidInput, match="does not allow these fields: postcode"):
        service.record_event(db, east, kind="visit", new_person=person)
    assert service.allowed_fields(db, east) >= {"forename", "dob"}
    assert "postcode" not in service.allowed_fields(db, east)
    ok = service.record_event(db, east, kind="visit", new_person=service.NewPerson("Ada", "L"))
    again = service.record_event(db, east, kind="visit", record_id=ok.record_id)
    assert db.get(Record, again.record_id).postcode is None


def test_a_referral_needs_a_service_and_its_outcome_is_recorded_and_audited(db, desk):
    partner = desk.people["partner"]
    john = service.find_clients(db, partner, "smith")[0]
    with pytest.raises(typed.RecordRefused, match="refers the person to"):
        service.record_event(db, partner, kind="referral", record_id=john.record_id)
    event = service.record_event(
        db, partner, kind="referral", record_id=john.record_id, referred_to="  Debt   advice "
    )
    assert (event.referred_to, event.outcome) == ("Debt advice", "awaiting")
    service.set_outcome(db, partner, event.id, "took_up")
    assert db.get(FrontDeskEvent, event.id).outcome == "took_up"
    with pytest.raises(NotFound):
        service.set_outcome(db, desk.people["south"], event.id, "did_not_take_up")
    with pytest.raises(InvalidInput):
        service.set_outcome(db, partner, event.id, "maybe")
    actions = set(
        db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == event.record_id))
    )
    assert {"front_desk.record", "front_desk.outcome"} <= actions


def test_another_partners_client_cannot_be_recorded_or_viewed(db, desk):
    john = service.find_clients(db, desk.people["partner"], "smith")[0]
    with pytest.raises(NotFound):
        service.record_event(db, desk.people["south"], kind="visit", record_id=john.record_id)
    with pytest.raises(NotFound):
        service.person(db, desk.people["south"], john.record_id)
    with pytest.raises(NotFound):
        service.person(db, desk.people["other"], john.record_id)


def test_undoing_the_days_import_removes_its_events(db, desk):
    from safetynet.sources.service import undo_import

    john = service.find_clients(db, desk.people["partner"], "smith")[0]
    event = service.record_event(db, desk.people["partner"], kind="visit", record_id=john.record_id)
    import_id = db.get(Record, event.record_id).import_id
    event_id = event.id
    undo_import(db, import_id, reason="typed in error", actor="test")
    db.expire_all()
    assert db.get(FrontDeskEvent, event_id) is None


def test_the_report_counts_visits_new_people_and_referral_outcomes_by_week(db, desk):
    partner = desk.people["partner"]
    john = service.find_clients(db, partner, "smith")[0].record_id
    mary = service.find_clients(db, partner, "jones")[0].record_id
    today = date.today()  # read when the test runs (a module constant went stale past midnight)
    last_week = today - timedelta(days=7)
    service.record_event(db, partner, kind="visit", record_id=john, on=last_week)
    service.record_event(db, partner, kind="food_parcel", record_id=john, on=today)
    service.record_event(db, partner, kind="visit", record_id=mary, on=today)
    ref = service.record_event(db, partner, kind="referral", record_id=mary, referred_to="Advice")
    service.set_outcome(db, partner, ref.id, "took_up")
    found = reports.report(db, partner, weeks=2, today=today)
    this, previous = found.weeks
    assert (this.visits, this.food_parcels, this.referrals) == (1, 1, 1)
    assert (this.people, this.new_people) == (2, 1)  # John was first seen last week
    assert (previous.visits, previous.people, previous.new_people) == (1, 1, 1)
    assert found.outcomes == {"awaiting": 0, "took_up": 1, "did_not_take_up": 0}
    assert found.referred_to == [("Advice", 1, 1)]
    assert found.scope == "North Org"
    assert reports.report(db, desk.people["south"], weeks=2, today=today).weeks[0].people == 0
    council = reports.report(db, desk.people["caseworker"], weeks=2, organisation="north")
    assert council.weeks[0].people == 2
    with pytest.raises(NotFound):
        reports.report(db, desk.people["south"], organisation="north")
    with pytest.raises(InvalidInput):
        reports.report(db, partner, weeks=0)


def test_the_cli_prints_the_report_as_the_named_user_and_refuses_an_unknown_one(db, desk):
    import json

    from typer.testing import CliRunner

    from safetynet.cli import app

    partner = desk.people["partner"]
    john = service.find_clients(db, partner, "smith")[0].record_id
    service.record_event(db, partner, kind="referral", record_id=john, referred_to="Advice")
    runner = CliRunner()
    shown = runner.invoke(app, ["front-desk", "report", "--as", "partner@north.example"])
    assert shown.exit_code == 0, shown.output
    assert "Front desk: North Org" in shown.output and "Waiting to hear: 1" in shown.output
    as_json = runner.invoke(
        app, ["front-desk", "report", "--as", "south@south.example", "--json", "--weeks", "2"]
    )
    body = json.loads(as_json.output)
    assert body["scope"] == "South Org" and [w["referrals"] for w in body["weeks"]] == [0, 0]
    unknown = runner.invoke(app, ["front-desk", "report", "--as", "nobody@x.example"])
    assert unknown.exit_code == 2 and "no active user" in unknown.output


def test_subject_access_includes_the_persons_front_desk_events(db, desk):
    from safetynet.privacy import subject_access

    partner = desk.people["partner"]
    john = service.find_clients(db, partner, "smith")[0].record_id
    event = service.record_event(db, partner, kind="referral", record_id=john, referred_to="Advice")
    resident = factories.resident(db, [john, event.record_id])
    found = subject_access.collect(db, event.tenant_id, resident)
    rows = found.sections["front_desk_events"]
    assert [(r["kind"], r["referred_to"], r["record_id"]) for r in rows] == [
        ("referral", "Advice", event.record_id)
    ]
    assert "tenant_id" not in rows[0]
    assert {r["source"] for r in found.sections["records"]} == {"visits", "Front desk"}


def test_retention_deletes_front_desk_records_with_their_events(db, desk):
    from safetynet.accounts.models import Tenant
    from safetynet.privacy import retention

    partner = desk.people["partner"]
    john = service.find_clients(db, partner, "smith")[0].record_id
    event = service.record_event(db, partner, kind="visit", record_id=john)
    tenant = db.get(Tenant, event.tenant_id)
    later = date.today() + timedelta(days=400)  # the test agreement keeps records 365 days
    report = retention.run_retention(db, tenant, actor="test", as_of=later, dry_run=False)
    assert report.records >= 1
    db.expire_all()
    assert db.scalar(select(func.count(FrontDeskEvent.id))) == 0


def test_one_front_desk_source_per_organisation_and_none_imported_from_a_file(db, desk, tmp_path):
    from sqlalchemy.exc import IntegrityError

    from safetynet.sources.imports import ImportRequest, run_import

    john = service.find_clients(db, desk.people["partner"], "smith")[0].record_id
    event = service.record_event(db, desk.people["ncaseworker"], kind="visit", record_id=john)
    source = db.get(Source, db.get(Record, event.record_id).source_id)
    db.add(Source(tenant_id=source.tenant_id, organisation_id=source.organisation_id,
                  name="Second desk", kind="front_desk", mode="append"))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    path = factories.csv_file(tmp_path, factories.VISITS, name="desk.csv")
    for request in (
        ImportRequest(path=path, organisation="north", source="desk", kind="front_desk"),
        ImportRequest(path=path, organisation="north", source="Front desk"),
    ):
        with pytest.raises(InvalidInput, match="typed at the front desk"):
            run_import(db, request, actor="test")

"""Outreach lists: exported with contact details (audited, neutralised), do-not-contact always
respected, contact status kept with dates, take-up over time; and the CLI end to end."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import InvalidInput, NotFound
from safetynet.gaps import outreach, service, takeup
from safetynet.gaps.models import OutreachEntry, OutreachList, OutreachStatusChange
from safetynet.gaps.service import Reader
from safetynet.link.models import LinkRun, Resident, ResidentRecord
from tests.gaps import world

runner = CliRunner()


@pytest.fixture
def area(db, tmp_path):
    return world.build(db, tmp_path)


def reader(db):
    return Reader(service.places.council_area(db, None), "test")


def export(db, tmp_path, rule="foodbank-no-ctr", name="list.csv", **options):
    return outreach.export_outreach(
        db, reader(db), service.rulebook(), rule_id=rule, out=tmp_path / name,
        reason="Council tax campaign", as_of=world.AS_OF, **options,
    )  # fmt: skip


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_an_export_lists_each_resident_with_contacts_from_the_source_that_gave_them(
    db, area, tmp_path
):
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm")
    rows = read_csv(done.path)
    assert [int(r["resident_id"]) for r in rows] == [area.ids["I"], area.ids["J"]]
    first = rows[0]
    assert first["name"] == "Ian Ince" and first["address"] == "9 Park Road"
    assert first["postcode"] == "DB1 2BB" and first["ward"] == "Old Town"
    assert first["address_from"] == "Testshire Council (uc)" and first["phone"] == ""
    assert first["status"] == "to_contact" and first["list_id"] == str(done.outreach.id)
    assert "likely_unclaimed_gbp" not in first  # no screening yet: no made-up values


def test_an_export_is_neutralised_and_audited_with_its_reason(db, area, tmp_path):
    done = export(db, tmp_path)
    (row,) = read_csv(done.path)
    # The name the food bank typed starts with "=": a spreadsheet must not run it.
    assert row["name"] == "'=Ann Able"
    assert row["phone"] == "07700 900001"  # as UK callers dial it
    assert row["email"] == "ann@example.org"
    assert row["phone_from"] == "North Food Bank (visits)"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.outreach_list")).one()
    assert event.reason == "Council tax campaign" and event.entity_id == done.outreach.id
    assert event.detail["rows"] == 1 and "Ann" not in str(event.detail)


def test_an_xlsx_export_holds_the_same_rows_as_text(db, area, tmp_path):
    done = export(db, tmp_path, name="list.xlsx")
    sheet = load_workbook(done.path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("list_id", "resident_id", "ward", "name")
    assert values[1][3] == "'=Ann Able" and len(values) == 2


def test_a_ward_narrows_the_list_and_an_unknown_ward_is_named(db, area, tmp_path):
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm", ward="northgate")
    assert done.rows == 0
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm", ward="E05000002")
    assert done.rows == 2 and done.outreach.ward_code == "E05000002"
    done = export(db, tmp_path, rule="pension-age-hb-no-pc", ward="unknown")
    assert done.rows == 1
    with pytest.raises(
        InvalidInput, match="There is no ward 'Nowhere'. Wards: Northgate, Old Town"
    ):
        export(db, tmp_path, rule="children-uc-hb-no-fsm", ward="Nowhere")


def test_an_export_needs_a_reason_and_a_known_rule(db, area, tmp_path):
    with pytest.raises(InvalidInput, match="reason"):
        outreach.export_outreach(
            db, reader(db), service.rulebook(), rule_id="foodbank-no-ctr",
            out=tmp_path / "x.csv", reason=" ",
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="no gap rule 'nope'"):
        export(db, tmp_path, rule="nope")


def test_do_not_contact_is_respected_and_counted(db, area, tmp_path):
    assert outreach.add_do_not_contact(db, reader(db), area.ids["I"], "Asked not to be called")
    assert not outreach.add_do_not_contact(db, reader(db), area.ids["I"], "again")
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm")
    assert [int(r["resident_id"]) for r in read_csv(done.path)] == [area.ids["J"]]
    assert done.excluded_do_not_contact == 1
    assert done.outreach.counts == {"residents": 1, "excluded_do_not_contact": 1}


def test_do_not_contact_follows_the_person_when_a_later_run_merges_them(db, area, tmp_path):
    outreach.add_do_not_contact(db, reader(db), area.ids["A"], "Asked not to be contacted")
    # A later link run gives A's records a new resident id and ends the old one.
    run = LinkRun(tenant_id=area.tenant_id, status="finished", started_by="test")
    db.add(run)
    db.flush()
    merged = Resident(tenant_id=area.tenant_id, created_by_run_id=run.id)
    db.add(merged)
    db.flush()
    for link in db.scalars(
        select(ResidentRecord).where(ResidentRecord.resident_id == area.ids["A"])
    ):
        link.resident_id = merged.id
    db.get(Resident, area.ids["A"]).ended_by_run_id = run.id
    db.commit()
    done = export(db, tmp_path)
    assert done.rows == 0 and done.excluded_do_not_contact == 1


def test_status_changes_are_kept_with_dates_and_checked(db, area, tmp_path):
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm")
    who = reader(db)
    entry = outreach.set_status(
        db, who, list_id=done.outreach.id, resident_id=area.ids["I"], status="contacted",
        note="left a message",
    )  # fmt: skip
    assert entry.status == "contacted" and entry.first_contacted_at is not None
    outreach.set_status(
        db, who, list_id=done.outreach.id, resident_id=area.ids["I"], status="claimed"
    )
    history = db.scalars(select(OutreachStatusChange).order_by(OutreachStatusChange.id)).all()
    assert [(h.status, h.note) for h in history] == [
        ("contacted", "left a message"),
        ("claimed", None),
    ]
    with pytest.raises(InvalidInput, match="not one of: to_contact, contacted, claimed"):
        outreach.set_status(
            db, who, list_id=done.outreach.id, resident_id=area.ids["J"], status="phoned"
        )
    with pytest.raises(NotFound, match="is not on outreach list"):
        outreach.set_status(
            db, who, list_id=done.outreach.id, resident_id=area.ids["A"], status="contacted"
        )
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "outreach.status")).all()


def test_another_areas_lists_and_residents_are_not_found(db, area, tmp_path):
    done = export(db, tmp_path)
    from safetynet.accounts.service import ensure_tenant

    elsewhere = Reader(ensure_tenant(db, "Elsewhere"), "test")
    db.commit()
    with pytest.raises(NotFound):
        outreach.set_status(
            db, elsewhere, list_id=done.outreach.id, resident_id=area.ids["A"], status="claimed"
        )
    with pytest.raises(NotFound):
        outreach.add_do_not_contact(db, elsewhere, area.ids["A"], "reason")


def test_take_up_compares_contacted_with_not_yet_contacted(db, area, tmp_path):
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm")
    who = reader(db)
    for status in ("contacted", "claimed"):
        outreach.set_status(
            db, who, list_id=done.outreach.id, resident_id=area.ids["I"], status=status
        )
    table = takeup.takeup_report(db, who, service.rulebook(), period="week")
    last = table.row(-1, named=True)
    assert (last["contacted"], last["contacted_taken_up"]) == (1, 1)
    assert (last["not_contacted"], last["not_contacted_taken_up"]) == (1, 0)


def test_take_up_counts_people_who_appear_on_the_programme_after_the_list(db, area, tmp_path):
    done = export(db, tmp_path, rule="children-uc-hb-no-fsm")
    # J turns up on the FSM list later without being contacted: taken up, not contacted.
    fsm = db.scalars(select(ResidentRecord).where(ResidentRecord.resident_id == area.ids["K"]))
    k_fsm = [r for r in fsm if db.get(service.residents.Record, r.record_id).row_id == "K-2"][0]
    k_fsm.resident_id = area.ids["J"]
    db.commit()
    table = takeup.takeup_report(db, reader(db), service.rulebook(), list_id=done.outreach.id)
    last = table.row(-1, named=True)
    assert (last["not_contacted"], last["not_contacted_taken_up"]) == (2, 1)


@pytest.mark.nostore
def test_take_up_over_time_is_cumulative_per_period():
    import polars as pl

    entries = pl.DataFrame(
        {
            "created": [date(2026, 9, 10)] * 3,
            "reached_on": [date(2026, 9, 20), date(2026, 10, 5), None],
            "taken_on": [date(2026, 10, 2), None, date(2026, 11, 3)],
        }
    )
    table = takeup.takeup_table(entries, date(2026, 11, 15), "month")
    assert table.rows() == [
        ("2026-09", date(2026, 9, 30), 1, 0, 2, 0),
        ("2026-10", date(2026, 10, 31), 2, 1, 1, 0),
        ("2026-11", date(2026, 11, 15), 2, 1, 1, 1),
    ]
    weeks = takeup.period_ends(date(2026, 11, 4), date(2026, 11, 15), "week")
    assert weeks == [("2026-W45", date(2026, 11, 8)), ("2026-W46", date(2026, 11, 15))]


def test_the_outreach_workflow_from_the_command_line(db, area, tmp_path):
    report = runner.invoke(app, ["gaps", "report", "--as-of", "2026-11-27"])
    assert report.exit_code == 0, report.output
    assert "Northgate" in report.output and "Unknown ward" in report.output
    out = tmp_path / "fsm.csv"
    made = runner.invoke(
        app,
        ["gaps", "export", "children-uc-hb-no-fsm", "--out", str(out), "--reason", "FSM drive",
         "--as-of", "2026-11-27"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    list_id = db.scalars(select(OutreachList.id)).one()
    assert f"Outreach list {list_id}: 2 residents" in made.output
    ian = str(area.ids["I"])
    status = runner.invoke(app, ["gaps", "status", str(list_id), ian, "contacted", "--note", "ok"])
    assert status.exit_code == 0 and "contacted" in status.output
    dnc = runner.invoke(app, ["gaps", "do-not-contact", "add", ian, "--reason", "Asked"])
    assert dnc.exit_code == 0 and "added to the do-not-contact list" in dnc.output
    assert ian in runner.invoke(app, ["gaps", "do-not-contact", "list"]).output
    again = runner.invoke(
        app,
        ["gaps", "export", "children-uc-hb-no-fsm", "--out", str(out), "--reason", "FSM drive",
         "--as-of", "2026-11-27"],
    )  # fmt: skip
    assert "1 residents" in again.output and "1 left out as do-not-contact" in again.output
    lists = runner.invoke(app, ["gaps", "lists"])
    assert "contacted 1" in lists.output and "to_contact 1" in lists.output
    up = runner.invoke(app, ["gaps", "takeup", "--by", "week"])
    assert up.exit_code == 0 and "Contacted" in up.output
    rules = runner.invoke(app, ["gaps", "rules"])
    assert "foodbank-no-ctr" in rules.output
    bad = runner.invoke(app, ["gaps", "status", str(list_id), ian, "phoned"])
    assert bad.exit_code == 2 and "not one of" in bad.output
    assert db.scalars(select(OutreachEntry)).all()


def test_a_bad_rules_file_stops_the_command_with_the_file_rule_and_field(db, area, tmp_path):
    bad = tmp_path / "ours.yaml"
    bad.write_text("rules:\n  r:\n    title: t\n    programme: ctr\n    when: [{on: nope}]\n")
    result = runner.invoke(app, ["gaps", "report", "--rules", str(bad)])
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "ours.yaml, rule 'r', field 'when[0].on': unknown programme 'nope'" in out

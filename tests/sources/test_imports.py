"""Importing partners' files: what lands in the store, versions, undo, households, exports."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.sources import service
from safetynet.sources.models import Household, ImportIssue, Record, RejectedRow, SourceImport
from tests import factories

runner = CliRunner()


def load(db: Session, path: Path, **options: object) -> service.ImportOutcome:
    request = service.ImportRequest(
        path=path,
        organisation="north",
        source=str(options.pop("source", "visits")),
        kind=str(options.pop("kind", "foodbank_attendance")),
        **options,
    )  # type: ignore[arg-type]
    return service.run_import(db, request, actor="test")


@pytest.fixture
def north(db: Session) -> None:
    factories.supplier(db)


def records(db: Session) -> list[Record]:
    db.expire_all()
    return list(db.scalars(select(Record).order_by(Record.row_number)))


def test_a_clean_csv_is_standardised_and_raw_values_kept(db, north, tmp_path):
    outcome = load(db, factories.csv_file(tmp_path, factories.VISITS))
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 3, 0)
    first = records(db)[0]
    assert (first.row_id, first.person_ref, first.forename, first.surname) == (
        "V1",
        "C1",
        "John",
        "Smith",
    )
    assert first.dob == date(1980, 2, 1) and first.dob_raw == "01/02/1980"
    assert first.postcode == "DB4 7QT" and first.postcode_raw == "db47qt"
    assert first.phone == "+447700900123" and first.visit_date == date(2026, 11, 3)
    assert first.row_number == 2


def test_the_cli_shows_the_mapping_before_loading(db, north, tmp_path):
    path = factories.csv_file(tmp_path, factories.VISITS)
    result = runner.invoke(
        app,
        [
            "import",
            str(path),
            "--org",
            "north",
            "--source",
            "visits",
            "--kind",
            "foodbank_attendance",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Mapping for list.csv" in result.output and "Visit ID" in result.output
    assert "3 rows loaded, 0 rejected" in " ".join(result.output.split())


def test_windows_1252_and_semicolons_are_read(db, north, tmp_path):
    text = factories.VISITS.replace(",", ";").replace("Mary", "Zoë")
    load(db, factories.csv_file(tmp_path, text, encoding="cp1252"))
    assert [r.forename for r in records(db)] == ["John", "John", "Zoë"]


def test_utf8_with_bom_is_read(db, north, tmp_path):
    load(db, factories.csv_file(tmp_path, factories.VISITS, encoding="utf-8-sig"))
    assert records(db)[0].row_id == "V1"


def test_an_excel_sheet_is_chosen_by_name(db, north, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Read me first"])
    sheet = workbook.create_sheet("Visits")
    sheet.append(["Ref", "Client ID", "Name", "Date of birth", "Post code"])
    sheet.append(["R1", "C9", "SMITH, Jane", date(1970, 5, 17), "DB4 7QT"])
    path = tmp_path / "visits.xlsx"
    workbook.save(path)
    with pytest.raises(service.InvalidInput if hasattr(service, "InvalidInput") else Exception):
        load(db, path, sheet="Visitz")
    load(db, path, sheet="Visits")
    record = records(db)[0]
    assert (record.forename, record.surname, record.dob) == ("Jane", "Smith", date(1970, 5, 17))


def test_parquet_is_read_with_its_types(db, north, tmp_path):
    path = tmp_path / "awards.parquet"
    pl.DataFrame(
        {
            "award_id": [1, 2],
            "forename": ["Ann", "Bo"],
            "surname": ["Lee", "Ng"],
            "date_of_birth": [date(1990, 1, 2), None],
            "postcode": ["DB1 1AA", None],
            "amount": [50.0, 75.5],
        }
    ).write_parquet(path)
    load(db, path, source="hsf", kind="household_support_fund")
    got = [(r.row_id, r.dob, r.amount_pence) for r in records(db)]
    assert got == [("1", date(1990, 1, 2), 5000), ("2", None, 7550)]


def test_skip_invalid_rows_keeps_rejected_rows_with_reasons(db, north, tmp_path):
    text = factories.VISITS + "V4,C3,Bad,Date,31/02/1990,DB4 7QT,,10/11/2026\n"
    outcome = load(db, factories.csv_file(tmp_path, text), skip_invalid_rows=True)
    assert (outcome.rows_loaded, outcome.rows_rejected) == (3, 1)
    rejected = db.scalars(select(RejectedRow)).one()
    assert rejected.row_number == 5 and "not a real date" in rejected.reasons
    assert rejected.raw["DOB"] == "31/02/1990"


def test_invalid_optional_values_are_kept_raw_with_a_warning(db, north, tmp_path):
    text = factories.VISITS + "V4,C3,Ann,Lee,01/01/1990,NOT A CODE,n/a,10/11/2026\n"
    outcome = load(db, factories.csv_file(tmp_path, text))
    assert outcome.rows_loaded == 4 and outcome.warnings == 2
    last = records(db)[-1]
    assert (last.postcode, last.postcode_raw, last.phone, last.phone_raw) == (
        None,
        "NOT A CODE",
        None,
        "n/a",
    )
    codes = sorted(db.scalars(select(ImportIssue.code)))
    assert codes == ["bad_phone", "bad_postcode"]


def test_a_dry_run_checks_and_writes_nothing(db, north, tmp_path):
    outcome = load(db, factories.csv_file(tmp_path, factories.VISITS), dry_run=True)
    assert outcome.rows_loaded == 3 and outcome.import_id is None
    assert db.scalar(select(func.count()).select_from(SourceImport)) == 0


def test_a_snapshot_replaces_the_last_and_undo_brings_it_back(db, north, tmp_path):
    first = load(
        db,
        factories.csv_file(tmp_path, factories.VISITS, name="a.csv"),
        source="clients",
        kind="advice_clients",
    )
    second = load(
        db,
        factories.csv_file(tmp_path, factories.VISITS.replace("Mary", "May"), name="b.csv"),
        source="clients",
        kind="advice_clients",
    )
    statuses = dict(db.execute(select(SourceImport.id, SourceImport.status)).all())
    assert statuses == {first.import_id: "superseded", second.import_id: "active"}
    service.undo_import(db, second.import_id, reason="wrong file", actor="test")
    db.expire_all()
    statuses = dict(db.execute(select(SourceImport.id, SourceImport.status)).all())
    assert statuses == {first.import_id: "active", second.import_id: "withdrawn"}
    assert db.scalar(select(func.count()).where(Record.import_id == second.import_id)) == 0
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.undo")).one()
    assert event.reason == "wrong file" and event.entity_id == second.import_id


def test_an_append_source_keeps_every_import(db, north, tmp_path):
    load(db, factories.csv_file(tmp_path, factories.VISITS, name="a.csv"))
    load(db, factories.csv_file(tmp_path, factories.VISITS.replace("\nV", "\nW"), name="b.csv"))
    assert service.current_records_count(db, 1) == 6
    versions = db.scalars(select(SourceImport.version).order_by(SourceImport.id)).all()
    assert versions == [1, 2]


def test_households_group_by_uprn_then_address_then_reference(db, north, tmp_path):
    text = (
        "ID,Forename,Surname,UPRN,Address,Postcode,Household ID\n"
        "1,Ann,Lee,100050000001,1 Mill Lane,DB1 1AA,H1\n"
        "2,Bo,Lee,100050000001,Flat 9 elsewhere,DB1 1AA,H2\n"
        "3,Cy,Ng,,2 Mill Lane,db1 1aa,H3\n"
        '4,Di,Ng,,"2, Mill Lane",DB1 1AA,H4\n'
        "5,Ed,Ok,,,,H5\n"
        "6,Flo,Ok,,,,H5\n"
        "7,Gus,Po,,,,\n"
    )
    load(db, factories.csv_file(tmp_path, text), source="ctr", kind="council_tax_reduction")
    households = [r.household_id for r in records(db)]
    assert households[0] == households[1]
    assert households[2] == households[3] != households[0]
    assert households[4] == households[5] is not None
    assert households[6] is None
    assert db.scalar(select(func.count()).select_from(Household)) == 3


def test_a_mapping_file_names_columns_and_date_format(db, north, tmp_path):
    text = "App No,Given,Family,Born\nA1,Ann,Lee,19900102\nA2,Bo,Ng,20010304\n"
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "row_id: App No\nforename: Given\nsurname: Family\ndob: Born\n"
        "options:\n  dob_format: YYYYMMDD\n"
    )
    load(
        db,
        factories.csv_file(tmp_path, text),
        mapping_file=mapping,
        source="fsm",
        kind="free_school_meals",
    )
    assert [r.dob for r in records(db)] == [date(1990, 1, 2), date(2001, 3, 4)]


def test_formula_like_cells_are_stored_as_text_and_neutralised_on_export(db, north, tmp_path):
    text = (
        "Visit ID,Client No,Name,DOB,Phone,Notes\n"
        'V1,C1,John Smith,01/02/1980,+44 7700 900123,=HYPERLINK("x")\n'
        "V2,C2,Bad Date,31/02/1980,,@SUM(A1)\n"
    )
    outcome = load(db, factories.csv_file(tmp_path, text), skip_invalid_rows=True)
    kept = records(db)[0]
    assert kept.phone == "+447700900123" and kept.extras == {"Notes": '=HYPERLINK("x")'}
    out = tmp_path / "rejected.csv"
    result = runner.invoke(
        app,
        [
            "import",
            "rejected",
            str(outcome.import_id),
            "--out",
            str(out),
            "--reason",
            "send back to the food bank",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1][0] == "3" and "'@SUM(A1)" in rows[1]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.rejected_rows")).one()
    assert event.reason == "send back to the food bank"


def test_a_source_without_date_of_birth_postcode_or_address_is_warned_about(db, north, tmp_path):
    outcome = load(db, factories.csv_file(tmp_path, "ID,Name\n1,John Smith\n"))
    assert outcome.notices and "hard to link" in outcome.notices[0]


def test_import_list_and_undo_through_the_cli(db, north, tmp_path):
    load(db, factories.csv_file(tmp_path, factories.VISITS))
    listing = runner.invoke(app, ["import", "list"])
    assert listing.exit_code == 0 and "list.csv" in listing.output
    undone = runner.invoke(app, ["import", "undo", "1", "--reason", "test"])
    assert undone.exit_code == 0 and "Withdrew import 1" in undone.output
    again = runner.invoke(app, ["import", "undo", "1"])
    assert again.exit_code == 2 and "already withdrawn" in again.output

"""Every kind of bad partner file gets a clear message, exit code 2, and nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.sources.models import ImportIssue, Record, RejectedRow, Source, SourceImport
from tests import factories

runner = CliRunner()
HEADER = "Visit ID,Client No,First name,Surname,DOB,Postcode,Phone,Visit date\n"


def run_import(path: Path, *extra: str) -> object:
    args = [
        "import",
        str(path),
        "--org",
        "north",
        "--source",
        "visits",
        "--kind",
        "foodbank_attendance",
        *extra,
    ]
    return runner.invoke(app, args)


def assert_nothing_written(db: Session) -> None:
    db.expire_all()
    for model in (Source, SourceImport, Record, ImportIssue, RejectedRow):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model.__name__
    actions = set(db.scalars(select(AuditEvent.action)))
    assert "import.create" not in actions


@pytest.fixture
def north(db: Session) -> None:
    factories.supplier(db)


def refused(result: object, *phrases: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    for phrase in phrases:
        assert phrase in " ".join(result.output.split()), result.output  # type: ignore


def test_a_file_missing_the_name_columns_is_refused(db, north, tmp_path):
    path = factories.csv_file(tmp_path, "Visit ID,DOB\nV1,01/02/1980\n")
    refused(run_import(path), "list.csv", "missing required column", "Forename")
    assert_nothing_written(db)


def test_an_empty_file_is_refused(db, north, tmp_path):
    path = factories.csv_file(tmp_path, "")
    refused(run_import(path), "list.csv is empty")
    assert_nothing_written(db)


def test_a_file_with_only_a_header_is_refused(db, north, tmp_path):
    path = factories.csv_file(tmp_path, HEADER)
    refused(run_import(path), "list.csv has a header row but no data rows")
    assert_nothing_written(db)


def test_bytes_that_are_no_known_encoding_are_refused_with_the_line(db, north, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(HEADER.encode() + b"V1,C1,J\x81n,Smith,01/02/1980,DB4 7QT,,03/11/2026\n")
    refused(run_import(path), "list.csv line 2", "neither UTF-8 nor Windows-1252")
    assert_nothing_written(db)


def test_a_csv_that_is_really_an_excel_workbook_is_read_as_excel(db, north, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in factories.VISITS.splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "visits.csv"
    path.write_bytes(buffer.getvalue())
    result = run_import(path)
    assert result.exit_code == 0, result.output
    assert "visits.csv (xlsx" in result.output
    assert db.scalar(select(func.count()).select_from(Record)) == 3


def test_an_old_xls_workbook_is_refused_with_what_to_do(db, north, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    refused(run_import(path), "old Excel 97-2003 (.xls)", "save it as .xlsx or CSV")
    assert_nothing_written(db)


def test_ragged_rows_are_refused_naming_the_row(db, north, tmp_path):
    path = factories.csv_file(
        tmp_path,
        HEADER + "V1,C1,John,Smith,01/02/1980,DB4 7QT,,03/11/2026\nV2,C2,Mary,Jones,01/02/1981\n",
    )
    refused(run_import(path), "has 5 values but the header has 8 columns", "nothing was imported")
    assert_nothing_written(db)


def test_duplicate_row_ids_are_refused_naming_both_rows(db, north, tmp_path):
    path = factories.csv_file(
        tmp_path,
        HEADER + "V1,C1,John,Smith,01/02/1980,DB4 7QT,,03/11/2026\n"
        "V1,C2,Mary,Jones,01/02/1981,DB4 7QT,,03/11/2026\n",
    )
    refused(run_import(path), "row id 'V1' is already used by row 2", "Visit ID")
    assert_nothing_written(db)


@pytest.mark.parametrize(
    ("dob", "phrase"),
    [
        ("31/02/1990", "'31/02/1990' is not a real date"),
        ("01/01/1800", "1800-01-01 is too long ago"),
        ("01/01/2099", "2099-01-01 is in the future"),
    ],
)
def test_impossible_dates_of_birth_are_refused(db, north, tmp_path, dob, phrase):
    path = factories.csv_file(
        tmp_path,
        HEADER + f"V1,C1,John,Smith,{dob},DB4 7QT,,03/11/2026\n"
        "V2,C2,Mary,Jones,01/02/1981,DB4 7QT,,03/11/2026\n",
    )
    refused(run_import(path), phrase, "DOB", "1 of 2 rows have errors")
    assert_nothing_written(db)


def test_a_supplier_without_an_agreement_is_refused(db, tmp_path):
    factories.organisation(db)
    path = factories.csv_file(tmp_path, factories.VISITS)
    refused(run_import(path), "No active data-sharing agreement covers North Food Bank")
    assert_nothing_written(db)


def test_an_ended_agreement_does_not_cover_imports(db, tmp_path):
    factories.organisation(db)
    factories.agreement(db)
    from safetynet.accounts import service

    service.end_agreement(db, "DSA-TEST", reason="partnership over", actor="test")
    refused(
        run_import(factories.csv_file(tmp_path, factories.VISITS)),
        "No active data-sharing agreement",
    )
    assert_nothing_written(db)


def test_fields_outside_the_agreement_are_refused(db, tmp_path):
    factories.organisation(db)
    factories.agreement(
        db, fields=["row_id", "person_ref", "forename", "surname", "dob", "postcode", "visit_date"]
    )
    refused(
        run_import(factories.csv_file(tmp_path, factories.VISITS)),
        "DSA-TEST",
        "does not allow these fields: phone",
    )
    assert_nothing_written(db)


def test_a_mapping_naming_a_missing_column_is_refused(db, north, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("row_id: Visit ID\ndob: Date Of Brith\n")
    path = factories.csv_file(tmp_path, factories.VISITS)
    refused(
        run_import(path, "--mapping", str(mapping)),
        "dob is mapped to column 'Date Of Brith', which is not in list.csv",
    )
    assert_nothing_written(db)


def test_the_same_file_twice_is_refused_unless_replaced(db, north, tmp_path):
    path = factories.csv_file(tmp_path, factories.VISITS)
    assert run_import(path).exit_code == 0
    refused(run_import(path), "identical to import 1", "--replace")
    assert db.scalar(select(func.count()).select_from(SourceImport)) == 1
    result = run_import(path, "--replace")
    assert result.exit_code == 0, result.output
    statuses = db.scalars(select(SourceImport.status).order_by(SourceImport.id)).all()
    assert statuses == ["superseded", "active"]

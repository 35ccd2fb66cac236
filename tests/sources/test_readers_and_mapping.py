"""Reading files whatever their format and encoding, and choosing the column mapping."""

from __future__ import annotations

import pytest

from safetynet.errors import InvalidInput
from safetynet.sources.mapping import automatic_columns, build_mapping
from safetynet.sources.readers import FileProblem, open_table, sniff_delimiter
from tests import factories

pytestmark = pytest.mark.nostore


def read_all(path, **options):
    opened = open_table(path, sheet=None, batch_rows=2, **options)
    rows = [row for batch in opened.batches for row in batch.rows]
    return opened, rows


def test_batches_stream_with_row_numbers_as_a_spreadsheet_shows_them(tmp_path):
    path = factories.csv_file(tmp_path, "\n" + factories.VISITS + "\n\n")
    opened = open_table(path, sheet=None, batch_rows=2)
    batches = list(opened.batches)
    assert [b.row_numbers for b in batches] == [[3, 4], [5]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(delimiter):
    sample = factories.VISITS.replace(",", delimiter)
    assert sniff_delimiter(sample) == delimiter


def test_blank_header_cells_get_names_and_duplicates_are_refused(tmp_path):
    opened, _ = read_all(factories.csv_file(tmp_path, "ID,,Name\n1,x,Ann Lee\n"))
    assert opened.header == ["ID", "Column 2", "Name"]
    with pytest.raises(FileProblem, match="the column 'name' appears twice"):
        read_all(factories.csv_file(tmp_path, "ID,Name,name\n1,a,b\n"))


def test_trailing_empty_cells_are_not_ragged(tmp_path):
    opened = open_table(
        factories.csv_file(tmp_path, "ID,Name\n1,Ann Lee,,\n"), sheet=None, batch_rows=10
    )
    batch = next(opened.batches)
    assert batch.problems == [] and batch.rows == [["1", "Ann Lee"]]


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "list.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileProblem, match="zip archive, not a spreadsheet"):
        open_table(path, sheet=None, batch_rows=10)


def test_common_uk_headers_map_automatically():
    header = [
        "Claim Ref",
        "Forename",
        "Surname",
        "Date of Birth",
        "Address Line 1",
        "Address Line 2",
        "Post Code",
        "UPRN",
        "Tel",
        "E-mail",
        "Tenure",
        "Notes",
    ]
    columns = automatic_columns(header)
    assert columns["row_id"] == ["Claim Ref"] and columns["dob"] == ["Date of Birth"]
    assert columns["address"] == ["Address Line 1", "Address Line 2"]
    assert columns["postcode"] == ["Post Code"] and columns["email"] == ["E-mail"]
    mapping = build_mapping(header, None, file_name="x.csv")
    assert mapping.extras == ["Notes"]
    assert "extras" in mapping.fields() and "tenure" in mapping.fields()


def test_a_mapping_overrides_and_ignores_columns():
    header = ["Ref", "Who", "Born", "Notes", "Worker"]
    mapping = build_mapping(
        header,
        {
            "row_id": "Ref",
            "full_name": "Who",
            "dob": "Born",
            "ignore": ["Worker"],
            "options": {"dob_format": "DD/MM/YY"},
        },
        file_name="x.csv",
    )
    assert mapping.columns == {"row_id": ["Ref"], "full_name": ["Who"], "dob": ["Born"]}
    assert mapping.extras == ["Notes"] and mapping.ignored == ["Worker"]
    assert mapping.date_format("dob") == "%d/%m/%y"


def test_mapping_mistakes_are_named():
    with pytest.raises(InvalidInput, match="unknown field.*'surnmae' \\(did you mean 'surname'"):
        build_mapping(["A"], {"surnmae": "A"}, file_name="x.csv")
    with pytest.raises(InvalidInput, match="unknown option"):
        build_mapping(["ID", "Name"], {"options": {"colour": "red"}}, file_name="x.csv")

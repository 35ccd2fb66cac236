"""Hostile .xlsx workbooks (zip bombs, XML bombs, XXE, huge cells) are refused before they are
read, with a message naming the limit, from the CLI, the web page and the API alike.

The workbooks are built here, small, from a real one openpyxl writes: parts are replaced or
added in its zip.
"""

from __future__ import annotations

import io
import re
import resource
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.config import get_settings
from safetynet.sources.models import Record
from safetynet.sources.workbooks import WorkbookLimits, WorkbookRefused, inspect_workbook
from tests import factories

runner = CliRunner()
SST = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def real_workbook() -> bytes:
    """The three visits as a genuine workbook, with shared strings."""
    workbook = openpyxl.Workbook()
    for line in factories.VISITS.splitlines():
        workbook.active.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def strings_part(*strings: str, prolog: str = "") -> bytes:
    """A shared strings part holding `strings` (with an optional DTD before the root)."""
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()


def sheet_with(first_cell: str) -> bytes:
    """A sheet whose A1 is shared string 0 (the heading) and B1 shared string 1."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{first_cell}'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c>'
        '<c r="B2" t="s"><v>0</v></c></row></sheetData></worksheet>'
    ).encode()


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def declaring_shared_strings(part: str, body: bytes) -> bytes:
    """openpyxl writes inline strings: declare a shared strings part so Excel readers load it."""
    if part == "[Content_Types].xml":
        override = f'<Override PartName="/{SST}" ContentType="{SST_TYPE}"/></Types>'
        return body.replace(b"</Types>", override.encode())
    if part == "xl/_rels/workbook.xml.rels":
        rel = f'<Relationship Id="rIdSST" Type="{SST_REL}" Target="sharedStrings.xml"/>'
        return body.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
    return body


def copy_parts(source: zipfile.ZipFile, out: zipfile.ZipFile, replace: dict) -> None:
    """Every part of `source` into `out` (replaced ones left out), declaring shared strings
    when they are among the replacements."""
    for info in source.infolist():
        if info.filename not in replace:
            body = source.read(info.filename)
            if SST in replace:
                body = declaring_shared_strings(info.filename, body)
            out.writestr(info.filename, body)


def tampered(
    folder: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    name: str = "visits.xlsx",
) -> Path:
    """The real workbook with some parts replaced or added."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(real_workbook()))
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        copy_parts(source, out, replace | (add or {}))
        for part, body in (replace | (add or {})).items():
            out.writestr(part, body)
    return path


def import_cli(path: Path):
    args = ["import", str(path), "--org", "north", "--source", "visits"]
    return runner.invoke(app, [*args, "--kind", "foodbank_attendance"])


def refused(result, *phrases: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    said = " ".join(result.output.split())
    for phrase in phrases:
        assert phrase in said, said


@pytest.fixture
def north(db):
    factories.supplier(db)


def no_records(db) -> bool:
    return db.scalar(select(func.count()).select_from(Record)) == 0


def test_a_genuine_workbook_passes_the_inspection_and_imports(db, north, tmp_path):
    path = tampered(tmp_path)
    inspect_workbook(path)
    result = import_cli(path)
    assert result.exit_code == 0, result.output
    assert db.scalar(select(func.count()).select_from(Record)) == 3


def test_a_zip_bomb_shared_string_is_refused_before_it_is_unpacked(db, north, tmp_path):
    # 210 MB of one shared string packs to about 200 KB: over the default 200 MB limit.
    bomb = tmp_path / "bomb.xlsx"
    source = zipfile.ZipFile(io.BytesIO(real_workbook()))
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        copy_parts(source, out, {SHEET: None, SST: None})
        out.writestr(SHEET, sheet_with(""))
        with out.open(SST, "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}"><si><t>Visit ID</t></si><si><t>'.encode())
            for _ in range(210):
                part.write(b"A" * 1_000_000)
            part.write(b"</t></si></sst>")
    assert bomb.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(import_cli(bomb), "shared strings unpack to", "SAFETYNET_XLSX_MAX_SHARED_STRINGS_BYTES")
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000, f"memory grew {grown_kb} KB reading a refused workbook"
    assert no_records(db)


def test_the_total_unpacked_size_is_capped_by_its_setting(db, north, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFETYNET_XLSX_MAX_UNPACKED_BYTES", "50000")
    get_settings.cache_clear()
    path = tampered(tmp_path, add={"xl/media/padding.xml": b"<a>" + b"<b/>" * 20_000 + b"</a>"})
    refused(import_cli(path), "unpacks to", "more than the 50,000 allowed",
            "SAFETYNET_XLSX_MAX_UNPACKED_BYTES")  # fmt: skip
    assert no_records(db)


def test_a_workbook_of_too_many_parts_is_refused(db, north, tmp_path):
    parts = {f"xl/media/p{i}.bin": b"x" for i in range(1_001)}
    refused(import_cli(tampered(tmp_path, add=parts)), "parts, more than the 1,000",
            "SAFETYNET_XLSX_MAX_MEMBERS")  # fmt: skip
    assert no_records(db)


def test_a_billion_laughs_workbook_is_refused_naming_the_declaration(db, north, tmp_path):
    laughs = (
        '<!DOCTYPE sst [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    )
    part = strings_part("Visit ID", "&d;", prolog=laughs)
    path = tampered(tmp_path, replace={SST: part, SHEET: sheet_with("")})
    refused(import_cli(path), "xl/sharedStrings.xml declares a document type or entities")
    assert no_records(db)


def test_an_external_entity_workbook_is_refused(db, north, tmp_path):
    xxe = '<!DOCTYPE worksheet [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
    path = tampered(tmp_path, replace={SHEET: sheet_with(xxe)})
    refused(import_cli(path), "xl/worksheets/sheet1.xml declares a document type")
    assert no_records(db)


def test_entities_hidden_in_utf16_still_get_a_message_not_a_crash(db, north, tmp_path):
    # The byte scan cannot see a UTF-16 declaration; defusedxml refuses it while parsing.
    xml = strings_part("Visit ID", "&x;", prolog='<!DOCTYPE sst [<!ENTITY x "boo">]>').decode()
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tampered(tmp_path, replace={SST: xml.encode("utf-16"), SHEET: sheet_with("")})
    refused(import_cli(path), "uses entities or a document type", "EntitiesForbidden")
    assert no_records(db)


def test_a_cell_longer_than_the_limit_is_refused_naming_row_and_column(db, north, tmp_path):
    # openpyxl cuts what it writes at Excel's limit, so the cell is written into the XML.
    sheet = zipfile.ZipFile(io.BytesIO(real_workbook())).read(SHEET).decode()
    long_cell = re.sub(r'(<c r="D3"[^>]*><is><t>)Smith', r"\g<1>" + "x" * 40_000, sheet)
    assert long_cell != sheet
    path = tampered(tmp_path, replace={SHEET: long_cell.encode()})
    refused(import_cli(path), "row 3, column 'Surname'", "40,000 characters",
            "SAFETYNET_XLSX_MAX_CELL_CHARS")  # fmt: skip
    assert no_records(db)


def test_a_huge_cell_is_refused_by_the_scan_before_parsing(tmp_path):
    limits = WorkbookLimits(10**9, 1_000, 10**9, max_cell_chars=1_000)
    path = tampered(tmp_path, replace={SST: strings_part("Visit ID", "y" * 9_000),
                                       SHEET: sheet_with("")})  # fmt: skip
    with pytest.raises(WorkbookRefused, match="longer than 1,000 characters"):
        inspect_workbook(path, limits)
    inspect_workbook(path, WorkbookLimits(10**9, 1_000, 10**9, max_cell_chars=5_000))

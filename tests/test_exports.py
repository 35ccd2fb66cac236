"""Exports never hand a spreadsheet a formula to run."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from safetynet.exports import neutralise, write_table

pytestmark = pytest.mark.nostore
DANGEROUS = ["=1+1", "+44 7700 900123", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_cells_that_look_like_formulas_are_prefixed():
    assert [neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert [neutralise(v) for v in ("Smith", 42, None, "a=b")] == ["Smith", 42, None, "a=b"]


def test_csv_and_xlsx_exports_hold_text_not_formulas(tmp_path):
    rows = [[value, "ok"] for value in DANGEROUS]
    assert write_table(tmp_path / "out.csv", ["value", "other"], rows) == len(DANGEROUS)
    written = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8-sig", newline="")))
    assert [r[0] for r in written[1:]] == ["'" + v for v in DANGEROUS]
    assert write_table(tmp_path / "out.xlsx", ["value", "other"], rows) == len(DANGEROUS)
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    cells = [sheet.cell(row=i, column=1) for i in range(2, len(DANGEROUS) + 2)]
    assert all(c.data_type == "s" for c in cells)
    assert all(str(c.value).startswith("'") for c in cells)
    assert [c.value for c in cells[:5]] == ["'" + v for v in DANGEROUS[:5]]

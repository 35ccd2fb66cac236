"""Writing tables of personal data to CSV or XLSX safely.

Every cell that a spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage
return) is prefixed with an apostrophe, so opening an export never runs anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that cannot be taken for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, excel: bool = True
) -> int:
    """Write rows to `path` as CSV or XLSX (by its suffix); returns how many rows were written.

    A CSV for Excel starts with a byte-order mark and ends lines with CRLF, so Excel reads it
    as UTF-8; with `excel=False` it is plain UTF-8 with `\\n`, for tools and scripts.
    """
    if path.suffix.lower() == ".xlsx":
        return _write_xlsx(path, header, rows)
    count = 0
    encoding, ending = ("utf-8-sig", "\r\n") if excel else ("utf-8", "\n")
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=ending)
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            count += 1
    return count


def _write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet("Export")
    sheet.write_row(0, 0, [neutralise(h) for h in header])
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, [neutralise(v) for v in row])
    workbook.close()
    return count

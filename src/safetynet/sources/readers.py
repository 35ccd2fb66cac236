"""Reading partners' files (CSV, XLSX, Parquet) as batches of text cells, streaming.

The format is sniffed from the content, not the file name. Every cell comes out as text (or
None when empty), so the same mapping and standardisation serve every format. Row numbers are
what the partner sees: in CSV and Excel the header is row 1 and the first record row 2; in
Parquet the first record is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from safetynet.errors import InvalidInput
from safetynet.sources.workbooks import (
    WorkbookLimits,
    check_cell_length,
    inspect_workbook,
    parse_refusal,
    unreadable,
)

CSV_SNIFF_BYTES = 64 * 1024
DECODE_CHUNK = 16 * 1024 * 1024


@dataclass
class RawBatch:
    """A slice of rows: each row's number in the file and its cells (None or "" for empty)."""

    row_numbers: list[int]
    rows: list[list[str | None]]
    problems: list[tuple[int, str]]  # (row number, what is wrong with the row's shape)


@dataclass
class OpenedFile:
    """A partner file ready to read: its format, header and a generator of batches."""

    path: Path
    format: str
    header: list[str]
    batches: Iterator[RawBatch]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


class FileProblem(InvalidInput):
    """The file as a whole cannot be read (empty, wrong type, undecodable…)."""


def sniff_format(path: Path) -> str:
    """What the file really is, from its first bytes: csv, xlsx or parquet."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            f"{path.name} is an old Excel 97-2003 (.xls) workbook, which cannot be read safely. "
            "Open it in Excel and save it as .xlsx or CSV, then import that."
        )
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise FileProblem(f"{path.name} looks like a zip archive but is damaged: {exc}") from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        raise FileProblem(
            f"{path.name} is an OpenDocument spreadsheet (.ods). Save it as .xlsx or CSV."
        )
    raise FileProblem(f"{path.name} is a zip archive, not a spreadsheet. Unzip it first.")


def open_table(path: Path, *, sheet: str | None, batch_rows: int, **csv_options: Any) -> OpenedFile:
    """Open `path` whatever its format and read its header; batches stream on demand."""
    if not path.is_file():
        raise FileProblem(f"{path} does not exist or is not a file.")
    if path.stat().st_size == 0:
        raise FileProblem(f"{path.name} is empty (0 bytes): there is nothing to import.")
    kind = sniff_format(path)
    if kind == "parquet":
        return _open_parquet(path, batch_rows)
    if kind == "xlsx":
        return _open_xlsx(path, sheet, batch_rows)
    return _open_csv(path, batch_rows, **csv_options)


# --- CSV ---------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or cp1252 (Windows-1252), checked over the whole file."""
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        if _first_undecodable(path, encoding) is None:
            return encoding
    offset = _first_undecodable(path, "cp1252") or 0
    line = _line_of_offset(path, offset)
    raise FileProblem(
        f"{path.name} line {line}: bytes that are neither UTF-8 nor Windows-1252 text. "
        "Save the file again as 'CSV UTF-8', or name its encoding in the mapping file "
        "(options: encoding: ...)."
    )


def _first_undecodable(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(DECODE_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _line_of_offset(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: comma, semicolon, tab or pipe (comma when unsure)."""
    lines = [line for line in sample.splitlines() if line.strip()][:50]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _open_csv(
    path: Path, batch_rows: int, encoding: str | None = None, delimiter: str | None = None
) -> OpenedFile:
    encoding = encoding or detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="")
    try:
        delimiter = delimiter or sniff_delimiter(handle.read(CSV_SNIFF_BYTES))
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        header, header_row = _first_nonblank_row(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise FileProblem(f"{path.name}: cannot read it as CSV ({exc}).") from exc
    if header is None:
        handle.close()
        raise FileProblem(f"{path.name} has no header row: every line is blank.")
    header = clean_header(header, path.name)
    batches = _csv_batches(handle, reader, len(header), header_row, batch_rows, path.name)
    return OpenedFile(path, "csv", header, batches, encoding=encoding, delimiter=delimiter)


def _first_nonblank_row(reader: Any) -> tuple[list[str] | None, int]:
    for number, row in enumerate(reader, start=1):
        if any(cell.strip() for cell in row):
            return row, number
    return None, 0


def _csv_batches(
    handle: io.TextIOBase, reader: Any, width: int, header_row: int, batch_rows: int, name: str
) -> Iterator[RawBatch]:
    number = header_row
    batch = RawBatch([], [], [])
    try:
        for row in reader:
            number += 1
            if not row or (not row[0] and not any(row)):  # blank line
                continue
            if len(row) != width:  # empty cells stay "" here; to_frame makes them null
                row = _fit_width(row, width, number, batch)
            batch.row_numbers.append(number)
            batch.rows.append(row)
            if len(batch.rows) >= batch_rows:
                yield batch
                batch = RawBatch([], [], [])
    except csv.Error as exc:
        raise FileProblem(f"{name} row {number + 1}: cannot be read as CSV ({exc}).") from exc
    finally:
        handle.close()
    if batch.rows:
        yield batch


def _fit_width(cells: list[str | None], width: int, number: int, batch: RawBatch) -> list:
    """Trailing empty cells beyond the header are harmless; anything else is a ragged row."""
    if len(cells) > width and not any(cells[width:]):
        return cells[:width]
    batch.problems.append((number, f"has {len(cells)} values but the header has {width} columns"))
    return (cells + [None] * width)[:width]


def clean_header(header: list[Any], name: str) -> list[str]:
    """Header cells as names: trimmed, blanks named 'Column N', duplicates refused."""
    names = [
        str(cell).strip() if cell is not None and str(cell).strip() else f"Column {i}"
        for i, cell in enumerate(header, start=1)
    ]
    names = [n.lstrip("\ufeff") for n in names]
    seen: dict[str, int] = {}
    for index, column in enumerate(names, start=1):
        key = column.casefold()
        if key in seen:
            raise FileProblem(
                f"{name}: the column '{column}' appears twice (columns {seen[key]} and {index}). "
                "Rename one of them so each column has its own name."
            )
        seen[key] = index
    return names


# --- Excel -------------------------------------------------------------------------------


def _open_xlsx(path: Path, sheet: str | None, batch_rows: int) -> OpenedFile:
    import openpyxl  # defusedxml is installed, so openpyxl parses without external entities

    limits = WorkbookLimits.from_settings()
    inspect_workbook(path, limits)
    # A handle, not the path: openpyxl judges by the file name, and we sniffed the content.
    handle = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:
        handle.close()
        raise unreadable(path.name, exc) from exc
    workbook.close = _closing_both(workbook, handle)
    if sheet is not None and sheet not in workbook.sheetnames:
        sheets = ", ".join(f"'{n}'" for n in workbook.sheetnames)
        workbook.close()
        raise FileProblem(f"{path.name} has no sheet called '{sheet}'. Its sheets are: {sheets}.")
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = _refusing_parse_errors(
        path.name, enumerate(worksheet.iter_rows(values_only=True), start=1)
    )
    header: list[Any] | None = None
    try:
        for _number, values in rows:
            if any(_cell_text(v) for v in values):
                header = list(values)
                break
    except InvalidInput:
        workbook.close()
        raise
    if header is None:
        workbook.close()
        raise FileProblem(f"{path.name} sheet '{worksheet.title}' is empty: no header row.")
    while header and _cell_text(header[-1]) is None:
        header.pop()
    names = clean_header(header, path.name)
    for index, name in enumerate(names, start=1):
        check_cell_length(path.name, 1, f"Column {index}", name, limits.max_cell_chars)
    shape = _SheetShape(path.name, names, limits.max_cell_chars)
    batches = _xlsx_batches(workbook, rows, shape, batch_rows)
    return OpenedFile(path, "xlsx", names, batches, sheet=worksheet.title)


def _closing_both(workbook: Any, handle: Any) -> Any:
    close_workbook = workbook.close

    def close() -> None:
        close_workbook()
        handle.close()

    return close


def _refusing_parse_errors(name: str, rows: Iterator[Any]) -> Iterator[Any]:
    """The sheet's rows, with the XML parser's refusals turned into a message."""
    try:
        yield from rows
    except Exception as exc:
        raise parse_refusal(name, exc) or exc from exc


@dataclass
class _SheetShape:
    """What each row of a sheet is checked against: its file, headings and cell limit."""

    file_name: str
    names: list[str]
    max_cell_chars: int

    def check(self, number: int, cells: list[str | None]) -> None:
        """Refuse the first cell of row `number` longer than the limit."""
        for index, text in enumerate(cells):
            if text is not None and len(text) > self.max_cell_chars:
                column = self.names[index] if index < len(self.names) else f"Column {index + 1}"
                check_cell_length(self.file_name, number, column, text, self.max_cell_chars)


def _xlsx_batches(
    workbook: Any, rows: Any, shape: _SheetShape, batch_rows: int
) -> Iterator[RawBatch]:
    width = len(shape.names)
    batch = RawBatch([], [], [])
    try:
        for number, values in rows:
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            shape.check(number, cells)
            if len(cells) > width and any(cells[width:]):
                batch.problems.append((number, "has values to the right of the last heading"))
            batch.row_numbers.append(number)
            batch.rows.append((cells + [None] * width)[:width])
            if len(batch.rows) >= batch_rows:
                yield batch
                batch = RawBatch([], [], [])
    finally:
        workbook.close()
    if batch.rows:
        yield batch


def _cell_text(value: Any) -> str | None:
    """A cell as text: dates as ISO, whole numbers without '.0', blanks as None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


# --- Parquet -----------------------------------------------------------------------------


def _open_parquet(path: Path, batch_rows: int) -> OpenedFile:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise FileProblem(f"{path.name} is not a readable Parquet file ({exc}).") from exc
    header = clean_header(list(parquet.schema_arrow.names), path.name)
    return OpenedFile(path, "parquet", header, _parquet_batches(parquet, batch_rows))


def _parquet_batches(parquet: Any, batch_rows: int) -> Iterator[RawBatch]:
    import polars as pl

    first = 1
    for record_batch in parquet.iter_batches(batch_size=batch_rows):
        frame = pl.from_arrow(record_batch)
        assert isinstance(frame, pl.DataFrame)
        columns = [_as_text(frame.get_column(name)).to_list() for name in frame.columns]
        rows = [list(cells) for cells in zip(*columns, strict=True)]
        numbers = list(range(first, first + len(rows)))
        first += len(rows)
        yield RawBatch(numbers, rows, [])


def _as_text(series: Any) -> Any:
    import polars as pl

    if series.dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00$", "")
    if series.dtype.is_float():
        return pl.Series(series.name, [_cell_text(v) for v in series.to_list()], pl.String)
    text = series.cast(pl.String)
    return text.replace("", None)

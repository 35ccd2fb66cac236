"""Inspecting an .xlsx workbook's zip before openpyxl reads it, so a hostile file is refused.

An .xlsx is a zip of XML parts. A few hundred kilobytes can unpack to gigabytes (a zip bomb),
a shared string or inline cell can be hundreds of megabytes, and an XML part can declare
entities (billion laughs) or fetch external ones (XXE). openpyxl holds every shared string in
memory, so the limits are checked here first, streaming, from the zip's own listing and bytes:

- members in the zip, and their unpacked bytes in total (`SAFETYNET_XLSX_MAX_MEMBERS`,
  `SAFETYNET_XLSX_MAX_UNPACKED_BYTES`); zipfile refuses to unpack more than a member declares;
- the shared strings part (`SAFETYNET_XLSX_MAX_SHARED_STRINGS_BYTES`);
- the longest text run in any XML part, which bounds a cell's length before it is parsed
  (`SAFETYNET_XLSX_MAX_CELL_CHARS`, Excel's own limit by default); the exact length of each
  cell is checked again as rows are read;
- no document type declarations (`<!DOCTYPE`, `<!ENTITY`) in any XML part. defusedxml, which
  openpyxl uses when it is installed, would refuse them too; `parse_refusal` turns its
  exceptions into a message.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from safetynet.config import get_settings
from safetynet.errors import InvalidInput

SHARED_STRINGS = "xl/sharedStrings.xml"
READ_CHUNK = 4 * 1024 * 1024
# Markers of a document type declaration, with the longest one's length for chunk overlap.
DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
OVERLAP = max(len(marker) for marker in DECLARATIONS)
UTF8_MAX_BYTES_PER_CHAR = 4


class WorkbookRefused(InvalidInput):
    """The workbook breaks a safety limit; the message names the limit and its setting."""


@dataclass(frozen=True)
class WorkbookLimits:
    """The caps an .xlsx must stay within before it is read."""

    max_unpacked_bytes: int
    max_members: int
    max_shared_strings_bytes: int
    max_cell_chars: int

    @classmethod
    def from_settings(cls) -> WorkbookLimits:
        """The limits this deployment is configured with."""
        settings = get_settings()
        return cls(
            max_unpacked_bytes=settings.xlsx_max_unpacked_bytes,
            max_members=settings.xlsx_max_members,
            max_shared_strings_bytes=settings.xlsx_max_shared_strings_bytes,
            max_cell_chars=settings.xlsx_max_cell_chars,
        )

    @property
    def text_run_bytes(self) -> int:
        """Bytes of XML text without a tag that surely hold more characters than a cell may."""
        return self.max_cell_chars * UTF8_MAX_BYTES_PER_CHAR + 1


def inspect_workbook(path: Path, limits: WorkbookLimits | None = None) -> None:
    """Refuse `path` unless its zip and XML parts are within `limits` (default: settings)."""
    limits = limits or WorkbookLimits.from_settings()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_listing(path.name, members, limits)
            for member in members:
                if _is_xml(member.filename):
                    with archive.open(member) as stream:
                        _scan_xml_part(path.name, member.filename, stream, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise WorkbookRefused(f"{path.name} is a damaged workbook (zip: {exc}).") from exc


def _check_listing(name: str, members: list[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    if len(members) > limits.max_members:
        raise WorkbookRefused(
            f"{name} holds {len(members):,} parts, more than the {limits.max_members:,} a "
            "workbook may have (SAFETYNET_XLSX_MAX_MEMBERS). It was not read."
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise WorkbookRefused(
            f"{name} unpacks to {unpacked:,} bytes, more than the {limits.max_unpacked_bytes:,} "
            "allowed (SAFETYNET_XLSX_MAX_UNPACKED_BYTES). It was not read: save the list as "
            "CSV, or split it."
        )
    for member in members:
        if member.filename == SHARED_STRINGS and member.file_size > limits.max_shared_strings_bytes:
            raise WorkbookRefused(
                f"{name}: its shared strings unpack to {member.file_size:,} bytes, more than "
                f"the {limits.max_shared_strings_bytes:,} allowed "
                "(SAFETYNET_XLSX_MAX_SHARED_STRINGS_BYTES). It was not read: save the list "
                "as CSV instead."
            )


def _is_xml(filename: str) -> bool:
    return filename.endswith((".xml", ".rels", ".vml"))


def _scan_xml_part(name: str, part: str, stream: IO[bytes], limits: WorkbookLimits) -> None:
    """Stream one XML part: no declarations, and no text run longer than a cell may be.

    Reading in whole blocks of `text_run_bytes`, a block with no '<' in it is text (or a
    tag) that long, so too long; any longer run covers a whole block, so is caught.
    """
    block = limits.text_run_bytes
    chunk_size = max(1, READ_CHUNK // block) * block
    tail = b""
    while chunk := stream.read(chunk_size):
        window = tail + chunk
        if any(marker in window for marker in DECLARATIONS):
            raise WorkbookRefused(
                f"{name}: its part {part} declares a document type or entities (as XML "
                "bombs and external-entity attacks do). Excel never writes these, so the "
                "workbook was not read. Open it in Excel and save it again."
            )
        tail = chunk[-OVERLAP:]
        for start in range(0, len(chunk) - block + 1, block):
            if b"<" not in chunk[start : start + block]:
                raise WorkbookRefused(
                    f"{name}: its part {part} holds a value longer than "
                    f"{limits.max_cell_chars:,} characters (SAFETYNET_XLSX_MAX_CELL_CHARS). "
                    "It was not read."
                )


def check_cell_length(name: str, row: int, column: str, text: str, limit: int) -> None:
    """Refuse a cell longer than `limit` characters, naming its row and column."""
    if len(text) > limit:
        raise WorkbookRefused(
            f"{name} row {row}, column '{column}': the value is {len(text):,} characters, more "
            f"than the {limit:,} allowed (SAFETYNET_XLSX_MAX_CELL_CHARS)."
        )


def parse_refusal(name: str, exc: BaseException) -> WorkbookRefused | None:
    """A message for an XML parser's refusal (defusedxml, expat) or a missing part, found
    anywhere in the exception's chain (openpyxl wraps them); None for other errors."""
    seen: BaseException | None = exc
    while seen is not None:
        refusal = _refusal(name, seen)
        if refusal is not None:
            return refusal
        seen = seen.__cause__ or seen.__context__
    return None


def unreadable(name: str, exc: BaseException) -> WorkbookRefused:
    """What to say when openpyxl cannot read a workbook that passed the inspection."""
    return parse_refusal(name, exc) or WorkbookRefused(
        f"{name} cannot be read as an Excel workbook ({type(exc).__name__}). Open it in Excel "
        "and save it again, or save the list as CSV."
    )


def _refusal(name: str, exc: BaseException) -> WorkbookRefused | None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException  # a dependency: openpyxl parses through it

    if isinstance(exc, DefusedXmlException):
        return WorkbookRefused(
            f"{name}: an XML part of the workbook uses entities or a document type "
            f"({type(exc).__name__}), which are refused. Open it in Excel and save it again."
        )
    if isinstance(exc, ParseError):
        return WorkbookRefused(f"{name}: an XML part of the workbook is damaged ({exc}).")
    if isinstance(exc, KeyError | zipfile.BadZipFile):
        return WorkbookRefused(
            f"{name} is a damaged workbook: a part it names is missing or unreadable ({exc}). "
            "Open it in Excel and save it again."
        )
    return None

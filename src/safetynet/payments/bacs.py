"""Bacs Standard 18: the fixed-width file a council's finance system (or bureau) submits.

Labels are 80 characters, data records 106 (100 plus a processing date): VOL1, HDR1, HDR2,
UHL1, one credit record (transaction code 99) per payment, one contra record (17) drawing
their total from the council's account, then EOF1, EOF2 and UTL1 with the value and item
totals. Written from the round's attempts in reference order with the round's own date, so
the same round always gives the same bytes. Validate the first file with your bank's test
facility: banks differ in what they expect in the optional fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CREDIT, CONTRA = "99", "17"
FIELD = re.compile(r"[^A-Z0-9 .&/\-]")


@dataclass(frozen=True)
class Originator:
    """The council's side: the account paid from, its name and Bacs service user number."""

    sort_code: str
    account: str
    name: str
    sun: str

    @classmethod
    def parse(cls, text: str) -> Originator:
        """From `sort code,account,name,service user number`."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4 or not (parts[0].isdigit() and parts[1].isdigit()):
            raise ValueError("SAFETYNET_PAYMENTS_BACS_ORIGINATOR: sort code,account,name,SUN")
        return cls(parts[0].zfill(6), parts[1].zfill(8), parts[2], parts[3].zfill(6))


@dataclass(frozen=True)
class Credit:
    """One payment to a payee's account."""

    sort_code: str
    account: str
    name: str
    reference: str
    pence: int


def text(value: str, width: int) -> str:
    """Upper case, Bacs characters only, cut or padded to `width`."""
    return FIELD.sub(" ", value.upper())[:width].ljust(width)


def julian(day: date) -> str:
    """' YYDDD': the processing date as Bacs writes it."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def record(
    sort_code: str, account: str, code: str, origin: Originator, pence: int, ref: str, name: str,
    day: date,
) -> str:  # fmt: skip
    """One 106-character data record."""
    line = (
        f"{sort_code}{account}0{code}{origin.sort_code}{origin.account}    {pence:011d}"
        f"{text(origin.name, 18)}{text(ref, 18)}{text(name, 18)}{julian(day)}"
    )
    assert len(line) == 106, line
    return line


def labels(origin: Originator, day: date, serial: str) -> list[str]:
    """VOL1, HDR1, HDR2 and UHL1."""
    return [
        f"VOL1{serial}{'':<31}{origin.sun:<6}{'':<8}".ljust(79) + "1",
        f"HDR1A{origin.sun}S  1{origin.sun}{serial}00010001       {julian(day)}{julian(day)} "
        f"000000".ljust(80),
        "HDR2F0200000100".ljust(80),
        f"UHL1{julian(day)}999999    000000001 DAILY  001".ljust(80),
    ]


def trailer(origin: Originator, day: date, serial: str, credits: list[Credit]) -> list[str]:
    """EOF1, EOF2 and UTL1 with the debit (contra) and credit totals and counts."""
    total = sum(c.pence for c in credits)
    return [
        f"EOF1A{origin.sun}S  1{origin.sun}{serial}00010001       {julian(day)}{julian(day)} "
        f"000000".ljust(80),
        "EOF2F0200000100".ljust(80),
        f"UTL1{total:013d}{total:013d}{1:07d}{len(credits):07d}".ljust(80),
    ]


def standard18(origin: Originator, day: date, serial: str, credits: list[Credit]) -> bytes:
    """The whole file: labels, a credit per payment, the contra, the trailer (CRLF lines)."""
    serial = serial[-6:].rjust(6, "0")
    ordered = sorted(credits, key=lambda c: c.reference)
    lines = labels(origin, day, serial)
    lines += [
        record(c.sort_code, c.account, CREDIT, origin, c.pence, c.reference, c.name, day)
        for c in ordered
    ]
    total = sum(c.pence for c in ordered)
    lines.append(
        record(origin.sort_code, origin.account, CONTRA, origin, total, "CONTRA", origin.name, day)
    )
    lines += trailer(origin, day, serial, ordered)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


@dataclass(frozen=True)
class Totals:
    """What a Standard 18 file says it holds, and what its records add up to."""

    credits: int
    credit_pence: int
    contra_pence: int
    trailer_credit_pence: int
    trailer_debit_pence: int
    trailer_credits: int


def read_totals(data: bytes) -> Totals:
    """Read a Standard 18 file back: sums of its records and its trailer's totals."""
    lines = data.decode("ascii").split("\r\n")
    records = [line for line in lines if len(line) == 106]
    credits = [int(line[35:46]) for line in records if line[15:17] == CREDIT]
    contra = sum(int(line[35:46]) for line in records if line[15:17] == CONTRA)
    utl = next(line for line in lines if line.startswith("UTL1"))
    return Totals(
        credits=len(credits),
        credit_pence=sum(credits),
        contra_pence=contra,
        trailer_debit_pence=int(utl[4:17]),
        trailer_credit_pence=int(utl[17:30]),
        trailer_credits=int(utl[37:44]),
    )

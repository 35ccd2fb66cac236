"""The eight partner lists, each written the way that partner's system exports it.

Each writer takes the people the list is about, adds the errors that partner's records
carry, writes the file and returns the ground truth for every row. Council extracts are
clean but for a typo, an old surname or a missing UPRN; charity lists, typed in by
volunteers, have nicknames, old addresses, missing and invalid dates of birth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter
import yaml

from safetynet.demo.geography import at_old_address, messy_postcode
from safetynet.demo.names import dob_text, invalidate, mess_names, phone_as_typed, to_cp1252

Rng = np.random.Generator
UNIT_HEAD = pl.col("role").is_in(["head", "extra"])
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Extract:
    """Where lists are written, the date they are extracted, and every home in the borough
    (so a list can show someone at the address they left)."""

    out_dir: Path
    as_of: date
    homes: pl.DataFrame


@dataclass(frozen=True)
class Written:
    """A partner list on disk and the true person behind each of its rows."""

    path: Path
    truth: pl.DataFrame  # row_id, person_id
    mapping: Path | None = None
    sheet: str | None = None


def unique_ids(rng: np.random.Generator, count: int, low: int, high: int) -> np.ndarray:
    """`count` distinct integers in [low, high), sorted, so ids read like issue order."""
    return np.sort(rng.choice(high - low, size=count, replace=False) + low)


def shuffled(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Rows in random order, so a file's order never gives away the population's."""
    return frame[rng.permutation(frame.height)]


def write_csv(
    frame: pl.DataFrame,
    path: Path,
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    separator: str = ",",
    line_terminator: str = "\n",
) -> Path:
    """Write a CSV in the encoding a partner's system uses; blank cells are left empty."""
    blanks = frame.with_columns(pl.col(pl.String).replace("", None))
    text = blanks.write_csv(separator=separator, line_terminator=line_terminator)
    data = text.encode(encoding)
    path.write_bytes((BOM if bom else b"") + data)
    return path


def truth(ids: Iterable[object], people: pl.DataFrame) -> pl.DataFrame:
    """Ground truth rows: each row id with the person it is about."""
    return pl.DataFrame({"row_id": [str(i) for i in ids], "person_id": people["person_id"]})


def address_lines() -> tuple[pl.Expr, pl.Expr]:
    """Line 1 and line 2 as councils split them: "Flat 3" / "22 Station Road"."""
    flat = pl.col("flat") != ""
    line1 = pl.when(flat).then("flat").otherwise("street_address")
    line2 = pl.when(flat).then("street_address").otherwise(pl.lit(""))
    return line1, line2


def council_tax_reduction(people: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """council_tax_reduction.csv: the CTR caseload, one row per liable claimant."""
    rows = shuffled(people.filter(pl.col("on_ctr") & (pl.col("role") == "head")), rng)
    rows = mess_names(rows, rng, typos=0.01, maiden=0.03)
    ids = [f"CTR{i:07d}" for i in unique_ids(rng, rows.height, 100_000, 9_999_999)]
    longest = np.clip((rows["age"].to_numpy() - 18) * 365, 15, 6 * 365).astype(int)
    started = np.datetime64(extract.as_of, "D") - rng.integers(14, longest, rows.height)
    tenure = {"owner_outright": "Owner occupier", "owner_mortgage": "Owner occupier"}
    tenure |= {"private_rent": "Private tenant", "social_rent": "Council tenant"}
    line1, line2 = address_lines()
    out = rows.select(
        pl.Series("Claim Ref", ids),
        pl.col("forename").alias("Forename"),
        pl.col("surname").alias("Surname"),
        pl.col("dob").dt.strftime("%d/%m/%Y").alias("Date of Birth"),
        line1.alias("Address Line 1"),
        line2.alias("Address Line 2"),
        pl.col("postcode").alias("Postcode"),
        _sometimes_blank(pl.col("uprn").cast(pl.String), 0.03, rows.height, rng).alias("UPRN"),
        pl.col("tenure").replace_strict(tenure).alias("Tenure"),
        pl.Series(started).cast(pl.Date).dt.strftime("%d/%m/%Y").alias("Award Start"),
        pl.Series("Weekly Award", money(rows["ctr_weekly"])),
    )
    path = write_csv(out.sort("Claim Ref"), extract.out_dir / "council_tax_reduction.csv")
    return Written(path, truth(ids, rows))


def money(amounts: pl.Series) -> list[str]:
    """Pounds with two decimal places, as finance systems export them ("12.50")."""
    return [f"{v:.2f}" for v in amounts]


def _sometimes_blank(expr: pl.Expr, rate: float, n: int, rng: Rng) -> pl.Expr:
    """The expression, blank on a share `rate` of rows."""
    return pl.when(pl.Series(rng.random(n) < rate)).then(pl.lit("")).otherwise(expr)


def housing_benefit(people: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """housing_benefit.xlsx: the HB caseload on sheet "HB caseload", after a "Notes" sheet."""
    rows = shuffled(people.filter(pl.col("on_hb") & UNIT_HEAD), rng)
    rows = at_old_address(mess_names(rows, rng, typos=0.01, maiden=0.03), extract.homes, 0.1, rng)
    ids = unique_ids(rng, rows.height, 4_000_000, 4_999_999)
    period = np.where(
        rows["tenure"].to_numpy() == "social_rent",
        np.where(rng.random(rows.height) < 0.8, "Weekly", "Four weekly"),
        np.where(rng.random(rows.height) < 0.85, "Monthly", "Weekly"),
    )
    monthly = rows["rent_monthly_pence"].to_numpy() / 100
    rent = np.round(
        monthly * np.select([period == "Weekly", period == "Four weekly"], [12 / 52, 12 / 13], 1), 2
    )
    social = rows["tenure"].to_numpy() == "social_rent"
    landlord = np.where(rng.random(rows.height) < 0.6, "Council", "Housing Association")
    unknown = rng.random(rows.height) < 0.02
    uprns = [None if gone else u for u, gone in zip(rows["uprn"], unknown, strict=True)]
    sheet = pl.DataFrame(
        {
            "HB Claim No": ids,
            "Claimant Name": [
                f"{s.upper()}, {f}" for f, s in zip(rows["forename"], rows["surname"], strict=True)
            ],
            "DOB": rows["dob"],
            "Address": rows["address"],
            "Post Code": rows["postcode"],
            "UPRN": pl.Series(uprns, dtype=pl.Int64),
            "Tenure": np.where(social, landlord, "Private"),
            "Rent": rent,
            "Rent Frequency": period,
            "Children": rows["unit_children"],
            "Pension Credit": np.where(rows["on_pc"].to_numpy(), "Y", "N"),
        }
    ).sort("HB Claim No")
    path = extract.out_dir / "housing_benefit.xlsx"
    notes = pl.DataFrame(
        {"Housing Benefit caseload extract": [f"Extract date: {extract.as_of:%d/%m/%Y}",
         "Personal data: handle under the data sharing agreement."]}
    )  # fmt: skip
    sheets = {"Notes": notes, "HB caseload": sheet}
    write_workbook(path, sheets, "Demo Borough Council", extract.as_of)
    return Written(path, truth(ids, rows), sheet="HB caseload")


def write_workbook(path: Path, sheets: dict[str, pl.DataFrame], author: str, as_of: date) -> None:
    """An .xlsx with one sheet per frame: dates as Excel dates, numbers as numbers, text as
    text (never formulas), blank cells left empty, and a fixed creation time."""
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False})
    book.set_properties({"created": _midnight(as_of), "author": author})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    pounds = book.add_format({"num_format": "0.00"})
    for name, frame in sheets.items():
        sheet = book.add_worksheet(name)
        for c, header in enumerate(frame.columns):
            sheet.write_string(0, c, header)
        for r, row in enumerate(frame.iter_rows(), start=1):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, _midnight(value), dates)
                elif isinstance(value, float):
                    sheet.write_number(r, c, value, pounds)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value)
                elif value:
                    sheet.write_string(r, c, str(value))
    book.close()


def _midnight(day: date) -> datetime:
    """A datetime at the start of `day`, as xlsxwriter wants for dates."""
    return datetime(day.year, day.month, day.day)


def universal_credit(people: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """universal_credit.csv (UTF-8 with BOM): both adults of a joint claim, one row each.

    "Person ID" is DWP's reference for the person, which an importer reads as a person
    reference; "Record No" (the extract's line number) is the row id.
    """
    rows = people.filter(pl.col("on_uc") & (pl.col("role") != "child"))
    units = rows["benefit_unit_id"].unique(maintain_order=True)
    unit_ids = unique_ids(rng, units.len(), 30_000_000, 39_999_999)[rng.permutation(units.len())]
    rows = shuffled(rows, rng).with_columns(
        household_ref=pl.col("benefit_unit_id").replace_strict(units, [f"UC{i}" for i in unit_ids])
    )
    rows = mess_names(rows, rng, typos=0.01, maiden=0.03)
    ids = np.arange(1, rows.height + 1) + 500_000
    people_ids = unique_ids(rng, rows.height, 70_000_000, 79_999_999)[rng.permutation(rows.height)]
    out = rows.select(
        pl.Series("Record No", ids),
        pl.Series("Person ID", people_ids),
        pl.col("forename").alias("First Name"),
        pl.col("surname").alias("Last Name"),
        pl.col("dob").dt.strftime("%Y-%m-%d").alias("DOB"),
        pl.col("address").alias("Address"),
        pl.col("postcode").alias("Postcode"),
        pl.col("household_ref").alias("Household ID"),
        pl.col("unit_children").alias("Children"),
        pl.Series("Housing Element", money(rows["housing_element"])),
    )
    path = write_csv(out, extract.out_dir / "universal_credit.csv", bom=True)
    return Written(path, truth(ids, rows))


FSM_MAPPING = {
    "row_id": "Application No",
    "forename": "Parent/Carer Given Names",
    "surname": "Parent/Carer Family Name",
    "dob": "Parent DOB",
    "postcode": "Home Postcode",
    "children_count": "Pupils eligible",
    "options": {"dob_format": "YYYYMMDD"},
}


def free_school_meals(people: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """free_school_meals.csv, whose headers need the YAML mapping written beside it."""
    rows = shuffled(people.filter(pl.col("on_fsm") & UNIT_HEAD), rng)
    rows = mess_names(rows, rng, typos=0.015, maiden=0.05)
    ids = [f"FSM{i:06d}" for i in unique_ids(rng, rows.height, 1, 999_999)]
    out = rows.select(
        pl.Series("Application No", ids),
        pl.col("forename").alias("Parent/Carer Given Names"),
        pl.col("surname").alias("Parent/Carer Family Name"),
        pl.col("dob").dt.strftime("%Y%m%d").alias("Parent DOB"),
        pl.col("postcode").alias("Home Postcode"),
        pl.col("unit_school_children").alias("Pupils eligible"),
    )
    path = write_csv(out.sort("Application No"), extract.out_dir / "free_school_meals.csv")
    mapping = extract.out_dir / "free_school_meals.mapping.yaml"
    mapping.write_text(yaml.safe_dump(FSM_MAPPING, sort_keys=False, allow_unicode=True))
    return Written(path, truth(ids, rows), mapping=mapping)


def household_support_fund(awards: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """household_support_fund.parquet: the log of awards, one row per payment."""
    rows = mess_names(awards.sort("award_date", "person_id"), rng, typos=0.01, maiden=0.03)
    ids = [f"HSF{i:06d}" for i in range(1, rows.height + 1)]
    dob_known = pl.Series(rng.random(rows.height) >= 0.02)
    out = rows.select(
        pl.Series("award_id", ids),
        "forename",
        "surname",
        pl.when(dob_known).then("dob").alias("date_of_birth"),
        "postcode",
        "award_date",
        pl.col("amount").cast(pl.Float64),
    )
    path = extract.out_dir / "household_support_fund.parquet"
    out.write_parquet(path)
    return Written(path, truth(ids, rows))


def charity_clients(
    clients: pl.DataFrame, homes: pl.DataFrame, rng: Rng, *, dob_format: str, missing_dob: float
) -> pl.DataFrame:
    """Client records as a charity holds them: nicknames, typos, old homes, gaps.

    One record per client, so a client's many visits repeat the same details.
    """
    clients = mess_names(clients, rng, typos=0.05, nicknames=0.2, maiden=0.1)
    clients = at_old_address(clients, homes, 0.6, rng)
    n = clients.height
    draws = rng.random((3, n))
    postcodes = [
        messy_postcode(pc, rng) if d < 0.35 else pc
        for pc, d in zip(clients["postcode"], draws[0], strict=True)
    ]
    phones = [
        phone_as_typed(p, rng) if d >= 0.12 else ""
        for p, d in zip(clients["phone"], draws[1], strict=True)
    ]
    dobs = dob_text(clients["dob"], dob_format, rng, missing=missing_dob, swap=0.02)
    return clients.with_columns(
        pl.Series("postcode", postcodes, dtype=pl.String),
        pl.Series("phone", phones, dtype=pl.String),
        pl.Series("dob_text", dobs, dtype=pl.String),
        email=pl.when(pl.Series(draws[2] < 0.45)).then("email").otherwise(pl.lit("")),
    )


def north_food_bank(visits: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """north_foodbank_visits.csv: Windows-1252, one row per visit, full name in one column."""
    clients = _numbered_clients(visits, rng, 1001)
    records = charity_clients(clients, extract.homes, rng, dob_format="%d/%m/%Y", missing_dob=0.3)
    rows = visits.select("person_id", "visit_date", "adults", "children", "referred_by")
    rows = rows.join(records, on="person_id").sort("visit_date", "client_no")
    ids = np.arange(1, rows.height + 1) + 20_000
    names = [to_cp1252(f"{f} {s}") for f, s in zip(rows["forename"], rows["surname"], strict=True)]
    out = rows.select(
        pl.Series("Visit ID", ids),
        pl.col("client_no").alias("Client No"),
        pl.Series("Name", names, dtype=pl.String),
        pl.col("dob_text").alias("DOB"),
        pl.col("postcode").alias("Postcode"),
        pl.col("phone").alias("Phone"),
        pl.col("visit_date").dt.strftime("%d/%m/%Y").alias("Visit date"),
        pl.col("adults").alias("Adults"),
        pl.col("children").alias("Children"),
        pl.col("referred_by").alias("Referred by"),
    )
    out = invalidate(out, rng, "%d/%m/%Y", extract.as_of, "DOB", ["Name"])
    path = extract.out_dir / "north_foodbank_visits.csv"
    write_csv(out, path, encoding="cp1252", line_terminator="\r\n")
    return Written(path, truth(ids, rows))


def _numbered_clients(visits: pl.DataFrame, rng: Rng, first: int) -> pl.DataFrame:
    """One row per visiting person with a client number, numbered in random order."""
    clients = visits.unique("person_id", keep="first", maintain_order=True)
    clients = shuffled(clients, rng)
    return clients.with_columns(client_no=pl.int_range(first, first + clients.height))


def riverside_pantry(visits: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """riverside_pantry_visits.csv: UTF-8 with BOM, semicolons, dates as DD.MM.YYYY."""
    clients = _numbered_clients(visits, rng, 1)
    records = charity_clients(clients, extract.homes, rng, dob_format="%d.%m.%Y", missing_dob=0.2)
    rows = visits.select("person_id", "visit_date").join(records, on="person_id")
    rows = rows.sort("visit_date", "client_no")
    ids = [f"RP-{i:05d}" for i in range(1, rows.height + 1)]
    out = rows.select(
        pl.Series("Ref", ids),
        pl.format("C{}", pl.col("client_no").cast(pl.String).str.zfill(4)).alias("Client ID"),
        pl.col("forename").alias("First name"),
        pl.col("surname").alias("Surname"),
        pl.col("dob_text").alias("Date of birth"),
        pl.col("postcode").alias("Post code"),
        pl.col("email").alias("Email"),
        pl.col("visit_date").dt.strftime("%d.%m.%Y").alias("Date of visit"),
    )
    out = invalidate(
        out, rng, "%d.%m.%Y", extract.as_of, "Date of birth", ["First name", "Surname"]
    )
    path = write_csv(out, extract.out_dir / "riverside_pantry_visits.csv", bom=True, separator=";")
    return Written(path, truth(ids, rows))


ENQUIRIES = ("Benefits", "Debt", "Housing", "Employment", "Energy", "Immigration", "Consumer")
_ENQUIRY_WEIGHTS = np.array([0.34, 0.24, 0.16, 0.08, 0.1, 0.04, 0.04])
_ADVICE_TENURE = {
    "owner_outright": "Owns home",
    "owner_mortgage": "Owns home (mortgage)",
    "private_rent": "Renting privately",
    "social_rent": "Social housing (council/HA)",
}


def advice_centre(clients: pl.DataFrame, extract: Extract, rng: Rng) -> Written:
    """advice_centre_clients.xlsx: one row per client, every cell text as typed."""
    records = charity_clients(
        shuffled(clients, rng), extract.homes, rng, dob_format="%d/%m/%Y", missing_dob=0.1
    )
    ids = [f"BAC-{i:05d}" for i in unique_ids(rng, records.height, 1, 99_999)]
    tenure = (
        pl.when(pl.col("role") == "extra")
        .then(pl.lit("Living with family"))
        .otherwise(pl.col("tenure").replace_strict(_ADVICE_TENURE))
    )
    enquiry = rng.choice(len(ENQUIRIES), size=records.height, p=_ENQUIRY_WEIGHTS)
    line1, line2 = address_lines()
    out = records.select(
        pl.Series("Case number", ids),
        pl.col("forename").alias("Client forename"),
        pl.col("surname").alias("Client surname"),
        pl.col("dob_text").alias("Date of birth"),
        line1.alias("Address line 1"),
        line2.alias("Address line 2"),
        pl.col("postcode").alias("Postcode"),
        pl.col("phone").alias("Telephone"),
        pl.col("email").alias("Email"),
        pl.Series("Enquiry type", np.array(ENQUIRIES)[enquiry]),
        _sometimes_blank(tenure, 0.1, records.height, rng).alias("Tenure"),
    )
    out = invalidate(
        out, rng, "%d/%m/%Y", extract.as_of, "Date of birth", ["Client forename", "Client surname"]
    )
    path = extract.out_dir / "advice_centre_clients.xlsx"
    sheets = {"Clients": out.sort("Case number")}
    write_workbook(path, sheets, "Borough Advice Centre", extract.as_of)
    return Written(path, truth(ids, records))

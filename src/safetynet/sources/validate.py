"""Turning one batch of raw rows into standardised records, issues and rejected rows.

Per-column decisions (date formats) are taken once, from the first batch, so every row of a
file is read the same way. Errors reject a row; warnings keep the row and blank the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from safetynet.sources import standardise as st
from safetynet.sources.mapping import DATE_FIELDS, Mapping
from safetynet.sources.readers import RawBatch

ISSUE_SCHEMA = {
    "row_number": pl.Int64,
    "column": pl.String,
    "field": pl.String,
    "severity": pl.String,
    "code": pl.String,
    "message": pl.String,
}
FIELD_LABELS = {
    "dob": "date of birth",
    "visit_date": "visit date",
    "award_start": "award start",
    "award_end": "award end",
    "postcode": "postcode",
    "uprn": "UPRN",
    "phone": "phone number",
    "email": "email address",
    "tenure": "tenure",
    "rent_amount": "rent",
    "rent_period": "rent period",
    "children_count": "number of children",
    "amount": "amount",
}
WARNING_FIELDS = ("postcode", "uprn", "phone", "email")
HINTS = {
    "postcode": "is not a valid UK postcode",
    "uprn": "is not a UPRN (1 to 12 digits)",
    "phone": "is not a valid UK phone number",
    "email": "is not an email address",
    "tenure": "is not a tenure the importer knows (council, housing association, private "
    "rented, owned, mortgage, other)",
    "rent_amount": "is not an amount of money",
    "amount": "is not an amount of money",
    "rent_period": "is not a rent period (weekly, fortnightly, four-weekly, monthly, yearly)",
    "children_count": "is not a whole number from 0 to 30",
}

REASON_LABELS = {
    "blank_row_id": "blank row id",
    "duplicate_row_id": "duplicate row id",
    "no_forename": "no forename",
    "no_surname": "no surname",
    "dob_too_old": "born before 1900",
    "dob_future": "born in the future",
    "ragged_row": "wrong number of cells",
}


def reason_label(field_name: str, code: str) -> str:
    """A short description of a kind of problem, for summaries: 'invalid postcode'."""
    if code == "bad_date":
        return f"{FIELD_LABELS.get(field_name, field_name)} not a real date"
    if code.startswith("bad_"):
        return f"invalid {FIELD_LABELS.get(field_name, field_name)}"
    return REASON_LABELS.get(code, code.replace("_", " "))


@dataclass
class BatchResult:
    """Standardised records ready to store, rows refused, and every issue found."""

    records: pl.DataFrame
    rejected: pl.DataFrame
    issues: pl.DataFrame


@dataclass
class Validator:
    """Validates and standardises batches of one file, remembering row ids across batches."""

    mapping: Mapping
    header: list[str]
    today: date = field(default_factory=date.today)
    # Importing refuses a row with a bad date of birth or no name; linking two files for a
    # quick look (`lenient`) only blanks the value and warns: the row can still link.
    lenient: bool = False

    @property
    def dob_severity(self) -> str:
        """How a bad date of birth or a missing name counts: an error when importing."""
        return "warning" if self.lenient else "error"

    formats: dict[str, str | None] = field(default_factory=dict)
    seen_ids: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"row_id": pl.String, "first_row": pl.Int64})
    )

    def decide_formats(self, frame: pl.DataFrame) -> None:
        """Choose each date column's format once: the mapping's, or the best fit to the data."""
        for name in DATE_FIELDS:
            if name in self.mapping.columns and name not in self.formats:
                column = self.mapping.columns[name][0]
                chosen = self.mapping.date_format(name)
                self.formats[name] = chosen or st.detect_date_format(frame.get_column(column))

    def run(self, batch: RawBatch) -> BatchResult:
        """Standardise and validate one batch."""
        frame = to_frame(batch, self.header)
        self.decide_formats(frame)
        issues: list[pl.DataFrame] = [_shape_issues(batch)]
        out = frame.select(pl.col("__row").alias("row_number"))
        out, found = self._keys(frame, out)
        issues += found
        for step in (self._names, self._dates, self._contact, self._attributes):
            out, found = step(frame, out)
            issues += found
        out = out.with_columns(_extras(frame, self.mapping.extras))
        all_issues = (
            pl.concat([i for i in issues if i.height], how="vertical")
            if any(i.height for i in issues)
            else pl.DataFrame(schema=ISSUE_SCHEMA)
        )
        return _split(frame, out, all_issues, self.header)

    def _keys(self, frame: pl.DataFrame, out: pl.DataFrame) -> tuple[pl.DataFrame, list]:
        column = self.mapping.columns["row_id"][0]
        row_id = st.text(frame.get_column(column)).alias("row_id")
        out = out.with_columns(row_id)
        issues = [
            _issues(
                frame,
                row_id.is_null(),
                column,
                "row_id",
                "error",
                "blank_row_id",
                pl.lit("the row id is blank; every row needs its own reference"),
            )
        ]
        issues.append(self._duplicate_ids(out, column))
        if "person_ref" in self.mapping.columns:
            ref = self.mapping.columns["person_ref"][0]
            out = out.with_columns(st.text(frame.get_column(ref)).alias("person_ref"))
        return out, issues

    def _duplicate_ids(self, out: pl.DataFrame, column: str) -> pl.DataFrame:
        ids = out.select("row_number", "row_id").filter(pl.col("row_id").is_not_null())
        firsts = ids.group_by("row_id").agg(pl.col("row_number").min().alias("first_row"))
        earlier = (
            pl.concat([self.seen_ids, firsts]).group_by("row_id").agg(pl.col("first_row").min())
        )
        dupes = ids.join(earlier, on="row_id").filter(pl.col("row_number") != pl.col("first_row"))
        self.seen_ids = earlier
        return dupes.select(
            pl.col("row_number"),
            pl.lit(column).alias("column"),
            pl.lit("row_id").alias("field"),
            pl.lit("error").alias("severity"),
            pl.lit("duplicate_row_id").alias("code"),
            pl.format(
                "row id '{}' is already used by row {}; row ids must be unique in a file",
                "row_id",
                "first_row",
            ).alias("message"),
        )

    def _names(self, frame: pl.DataFrame, out: pl.DataFrame) -> tuple[pl.DataFrame, list]:
        cols = self.mapping.columns
        if "forename" in cols and "surname" in cols:
            fore_col, sur_col = cols["forename"][0], cols["surname"][0]
            forename = st.names(frame.get_column(fore_col))
            surname = st.names(frame.get_column(sur_col))
            raw = _joined([frame.get_column(fore_col), frame.get_column(sur_col)], " ")
        else:
            fore_col = sur_col = cols["full_name"][0]
            raw = frame.get_column(fore_col)
            forename, surname = st.split_full_names(raw)
        out = out.with_columns(
            forename.alias("forename"), surname.alias("surname"), raw.alias("name_raw")
        )
        issues = [
            _issues(
                frame,
                forename.is_null(),
                fore_col,
                "forename",
                self.dob_severity,
                "no_forename",
                pl.lit("no forename: a forename and a surname are needed"),
            ),
            _issues(
                frame,
                surname.is_null() & forename.is_not_null(),
                sur_col,
                "surname",
                self.dob_severity,
                "no_surname",
                pl.lit("no surname: a forename and a surname are needed"),
            ),
        ]
        return out, issues

    def _dates(self, frame: pl.DataFrame, out: pl.DataFrame) -> tuple[pl.DataFrame, list]:
        issues = []
        for name in DATE_FIELDS:
            if name not in self.mapping.columns:
                continue
            column = self.mapping.columns[name][0]
            raw = frame.get_column(column)
            fmt = self.formats.get(name)
            cleaned = st.dates(raw, fmt)
            severity = self.dob_severity if name == "dob" else "warning"
            label = st.FORMAT_LABELS.get(fmt or "", fmt or "no known format")
            issues.append(
                _issues(
                    frame,
                    cleaned.bad,
                    column,
                    name,
                    severity,
                    "bad_date",
                    pl.format(
                        f"{FIELD_LABELS[name]} '{{}}' is not a real date in this column's "
                        f"format ({label})",
                        raw,
                    ),
                )
            )
            values = cleaned.values
            if name == "dob":
                values, found = self._dob_range(frame, values, column)
                issues += found
            out = out.with_columns(values.alias(name))
            if name == "dob":
                out = out.with_columns(raw.alias("dob_raw"))
        return out, issues

    def _dob_range(self, frame: pl.DataFrame, dob: pl.Series, column: str):
        too_old = dob.dt.year() < 1900
        future = dob > self.today
        issues = [
            _issues(
                frame,
                too_old,
                column,
                "dob",
                self.dob_severity,
                "dob_too_old",
                pl.format("date of birth {} is too long ago (before 1900)", dob),
            ),
            _issues(
                frame,
                future,
                column,
                "dob",
                self.dob_severity,
                "dob_future",
                pl.format("date of birth {} is in the future", dob),
            ),
        ]
        keep = dob.set(too_old.fill_null(False) | future.fill_null(False), None)
        return keep, issues

    def _contact(self, frame: pl.DataFrame, out: pl.DataFrame) -> tuple[pl.DataFrame, list]:
        issues = []
        cleaners = {
            "postcode": st.postcodes,
            "uprn": st.uprns,
            "phone": st.phones,
            "email": st.emails,
        }
        for name in WARNING_FIELDS:
            if name not in self.mapping.columns:
                continue
            column = self.mapping.columns[name][0]
            raw = frame.get_column(column)
            cleaned = cleaners[name](raw)
            out = out.with_columns(cleaned.values.alias(name), raw.alias(f"{name}_raw"))
            issues.append(_warning(frame, cleaned.bad, column, name, raw))
        if "address" in self.mapping.columns:
            parts = [frame.get_column(c) for c in self.mapping.columns["address"]]
            raw = _joined(parts, ", ")
            out = out.with_columns(st.addresses(raw).alias("address"), raw.alias("address_raw"))
        return out, issues

    def _attributes(self, frame: pl.DataFrame, out: pl.DataFrame) -> tuple[pl.DataFrame, list]:
        issues = []
        cleaners = {
            "tenure": ("tenure", st.tenures),
            "rent_amount": ("rent_pence", st.money_pence),
            "rent_period": ("rent_period", st.rent_periods),
            "children_count": ("children_count", st.counts),
            "amount": ("amount_pence", st.money_pence),
        }
        for name, (target, cleaner) in cleaners.items():
            if name not in self.mapping.columns:
                continue
            column = self.mapping.columns[name][0]
            raw = frame.get_column(column)
            cleaned = cleaner(raw)
            out = out.with_columns(cleaned.values.alias(target))
            issues.append(_warning(frame, cleaned.bad, column, name, raw))
        if "household_ref" in self.mapping.columns:
            column = self.mapping.columns["household_ref"][0]
            out = out.with_columns(st.text(frame.get_column(column)).alias("household_ref"))
        return out, issues


def _joined(parts: list[pl.Series], separator: str) -> pl.Series:
    """Cells of several columns joined with `separator`, skipping blanks (all blank: null)."""
    joined = pl.select(pl.concat_str(parts, separator=separator, ignore_nulls=True))
    return joined.to_series().replace("", None)


def to_frame(batch: RawBatch, header: list[str]) -> pl.DataFrame:
    """A batch as a frame of text columns named by the header, plus its row numbers."""
    columns = list(zip(*batch.rows, strict=True)) if batch.rows else [()] * len(header)
    data = {
        name: pl.Series(name, values, pl.String)
        for name, values in zip(header, columns, strict=True)
    }
    blanks_to_null = [pl.when(pl.col(n) != "").then(pl.col(n)) for n in header]
    return pl.DataFrame(data).with_columns(
        *blanks_to_null, pl.Series("__row", batch.row_numbers, pl.Int64)
    )


def _issues(
    frame: pl.DataFrame,
    mask: pl.Series,
    column: str,
    field_name: str,
    severity: str,
    code: str,
    message: pl.Expr,
) -> pl.DataFrame:
    """Issue rows for the cells where `mask` is true."""
    if not mask.fill_null(False).any():
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    masked = frame.with_columns(message.alias("__msg"), mask.fill_null(False).alias("__hit"))
    return masked.filter("__hit").select(
        pl.col("__row").alias("row_number"),
        pl.lit(column).alias("column"),
        pl.lit(field_name).alias("field"),
        pl.lit(severity).alias("severity"),
        pl.lit(code).alias("code"),
        pl.col("__msg").alias("message"),
    )


def _warning(
    frame: pl.DataFrame, bad: pl.Series, column: str, name: str, raw: pl.Series
) -> pl.DataFrame:
    message = pl.format(
        f"{FIELD_LABELS[name]} '{{}}' {HINTS[name]}; kept as given, left blank "
        "in the standardised record",
        raw,
    )
    return _issues(frame, bad, column, name, "warning", f"bad_{name}", message)


def _shape_issues(batch: RawBatch) -> pl.DataFrame:
    if not batch.problems:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    numbers, messages = zip(*batch.problems, strict=True)
    return pl.DataFrame(
        {
            "row_number": list(numbers),
            "column": [None] * len(numbers),
            "field": [None] * len(numbers),
            "severity": ["error"] * len(numbers),
            "code": ["ragged_row"] * len(numbers),
            "message": list(messages),
        },
        schema=ISSUE_SCHEMA,
    )


def _extras(frame: pl.DataFrame, extras: list[str]) -> pl.Expr:
    """Unmapped columns kept as a JSON object per row (null when the row has none)."""
    if not extras:
        return pl.lit(None, dtype=pl.String).alias("extras")
    encoded = frame.select(pl.struct([pl.col(c) for c in extras]).struct.json_encode())
    return pl.lit(encoded.to_series()).alias("extras")


def _split(
    frame: pl.DataFrame, out: pl.DataFrame, issues: pl.DataFrame, header: list[str]
) -> BatchResult:
    """Rows with any error are rejected (with their raw cells); the rest become records."""
    errors = issues.filter(pl.col("severity") == "error")
    bad_rows = errors.group_by("row_number").agg(pl.col("message").str.join("; ").alias("reasons"))
    records = out.join(bad_rows.select("row_number"), on="row_number", how="anti")
    raw = frame.select(
        pl.col("__row").alias("row_number"),
        pl.struct([pl.col(c) for c in header]).struct.json_encode().alias("raw"),
    )
    rejected = bad_rows.join(raw, on="row_number").sort("row_number")
    return BatchResult(records, rejected, issues)

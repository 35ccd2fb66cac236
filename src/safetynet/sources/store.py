"""Bulk writes for imports: records, issues, rejected rows and households.

Writes go through the session's own connection, so they commit or roll back with the import.
SQLite takes `executemany`; PostgreSQL takes COPY from CSV, which is several times faster.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from safetynet.db import utcnow
from safetynet.sources import standardise as st

RECORD_COLUMNS = (
    "tenant_id",
    "source_id",
    "import_id",
    "household_id",
    "row_number",
    "row_id",
    "person_ref",
    "forename",
    "surname",
    "dob",
    "postcode",
    "address",
    "uprn",
    "phone",
    "email",
    "name_raw",
    "dob_raw",
    "postcode_raw",
    "address_raw",
    "uprn_raw",
    "phone_raw",
    "email_raw",
    "visit_date",
    "household_ref",
    "tenure",
    "rent_pence",
    "rent_period",
    "children_count",
    "award_start",
    "award_end",
    "amount_pence",
    "extras",
)
ISSUE_COLUMNS = ("import_id", "row_number", "column", "field", "severity", "code", "message")
REJECTED_COLUMNS = ("import_id", "row_number", "reasons", "raw")
KEY_CHUNK = 500


def _dbapi(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def write_rows(session: Session, table: str, columns: tuple[str, ...], frame: pl.DataFrame) -> None:
    """Append `frame`'s `columns` to `table` in bulk (columns it lacks are left null)."""
    if frame.is_empty():
        return
    columns = tuple(c for c in columns if c in frame.columns)  # absent ones stay null
    frame = frame.select(columns)
    if _dialect(session) == "postgresql":
        _copy_csv(session, table, columns, frame)
    else:
        _executemany(session, table, columns, frame)


def _executemany(
    session: Session, table: str, columns: tuple[str, ...], frame: pl.DataFrame
) -> None:
    dates = [c for c, t in frame.schema.items() if t == pl.Date]
    frame = frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d"))
    quoted = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    cursor = _dbapi(session).cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", frame.iter_rows())
    finally:
        cursor.close()


def _copy_csv(session: Session, table: str, columns: tuple[str, ...], frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = _dbapi(session).cursor()
    try:
        sql = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())
    finally:
        cursor.close()


def household_keys(records: pl.DataFrame, source_id: int) -> pl.Series:
    """Each record's household key: UPRN, else address + postcode, else the source's reference."""

    def has(name: str) -> pl.Expr:
        return pl.col(name) if name in records.columns else pl.lit(None, dtype=pl.String)

    address = pl.Series([None] * records.height, dtype=pl.String)
    if "address" in records.columns:
        address = st.address_key(records.get_column("address"))
    return (
        records.with_columns(address.alias("__addr"))
        .select(
            pl.when(has("uprn").is_not_null())
            .then(pl.concat_str(pl.lit("uprn:"), has("uprn")))
            .when(pl.col("__addr").is_not_null() & has("postcode").is_not_null())
            .then(pl.concat_str(pl.lit("addr:"), pl.col("__addr"), pl.lit("|"), has("postcode")))
            .when(has("household_ref").is_not_null())
            .then(pl.concat_str(pl.lit(f"ref:{source_id}:"), has("household_ref")))
            .alias("key")
        )
        .to_series()
    )


def assign_households(session: Session, tenant_id: int, keys: pl.Series) -> pl.Series:
    """Household ids for `keys` (null stays null), creating the households not yet known."""
    distinct = keys.drop_nulls().unique().sort()
    if distinct.is_empty():
        return pl.Series("household_id", [None] * len(keys), pl.Int64)
    kinds = distinct.str.extract(r"^(\w+):", 1)
    new = pl.DataFrame(
        {
            "tenant_id": tenant_id,
            "key": distinct,
            "key_kind": kinds,
            "created_at": _now_text(session),
        }
    )
    _insert_missing_households(session, new)
    ids = _household_ids(session, tenant_id, distinct.to_list())
    lookup = pl.DataFrame(
        {"key": list(ids), "household_id": list(ids.values())},
        schema={"key": pl.String, "household_id": pl.Int64},
    )
    return (
        pl.DataFrame({"key": keys})
        .join(lookup, on="key", how="left", maintain_order="left")
        .get_column("household_id")
    )


def _now_text(session: Session) -> Any:
    now: datetime = utcnow()
    return (
        now.isoformat()
        if _dialect(session) == "postgresql"
        else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    )


def _insert_missing_households(session: Session, new: pl.DataFrame) -> None:
    marks = "%s" if _dialect(session) == "postgresql" else "?"
    sql = (
        "INSERT INTO households (tenant_id, key, key_kind, created_at) "
        f"VALUES ({marks}, {marks}, {marks}, {marks}) ON CONFLICT (tenant_id, key) DO NOTHING"
    )
    cursor = _dbapi(session).cursor()
    try:
        cursor.executemany(sql, new.iter_rows())
    finally:
        cursor.close()


def _household_ids(session: Session, tenant_id: int, keys: list[str]) -> dict[str, int]:
    marks = "%s" if _dialect(session) == "postgresql" else "?"
    found: dict[str, int] = {}
    cursor = _dbapi(session).cursor()
    try:
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start : start + KEY_CHUNK]
            placeholders = ", ".join(marks for _ in chunk)
            cursor.execute(
                f"SELECT key, id FROM households WHERE tenant_id = {marks} AND key IN "
                f"({placeholders})",
                [tenant_id, *chunk],
            )
            found.update(dict(cursor.fetchall()))
    finally:
        cursor.close()
    return found

"""Bulk writes for imports: records, issues, rejected rows and households.

Writes go through the session's own connection, so they commit or roll back with the import.
SQLite takes `executemany`; PostgreSQL takes COPY from CSV, which is several times faster.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
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
    "forename_key",
    "surname_key",
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


@dataclass
class Bulk:
    """The raw connection under an import's transaction, and the fast way to write to it.

    Taken once from the session in the importing thread, so a worker thread can write a batch
    while the next one is validated (the session itself never crosses threads).
    """

    dbapi: Any
    postgres: bool

    @classmethod
    def of(cls, session: Session) -> Bulk:
        """The bulk writer for this session's connection (and so its transaction)."""
        dbapi = session.connection().connection.dbapi_connection
        return cls(dbapi, session.get_bind().dialect.name == "postgresql")

    @property
    def mark(self) -> str:
        """The DB-API parameter placeholder of this driver."""
        return "%s" if self.postgres else "?"

    def write_rows(self, table: str, columns: tuple[str, ...], frame: pl.DataFrame) -> None:
        """Append `frame`'s `columns` to `table` (columns it lacks are left null)."""
        if frame.is_empty():
            return
        columns = tuple(c for c in columns if c in frame.columns)
        frame = frame.select(columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            self._copy_csv(
                f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", frame
            )
        else:
            dates = [c for c, t in frame.schema.items() if t == pl.Date]
            frame = frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d"))
            marks = ", ".join("?" for _ in columns)
            self.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", frame.iter_rows())

    def executemany(self, sql: str, rows: Any) -> None:
        """Run `sql` once per row of parameters."""
        cursor = self.dbapi.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()

    def _copy_csv(self, sql: str, frame: pl.DataFrame) -> None:
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
        cursor = self.dbapi.cursor()
        try:
            with cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
        finally:
            cursor.close()


def search_key_columns(records: pl.DataFrame) -> list[pl.Series]:
    """The forename and surname search keys of a batch of standardised records."""
    keys = []
    for name in ("forename", "surname"):
        values = records.get_column(name) if name in records.columns else None
        if values is None:
            values = pl.Series(name, [None] * records.height, dtype=pl.String)
        keys.append(st.search_keys(values.cast(pl.String)).alias(f"{name}_key"))
    return keys


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


def assign_households(bulk: Bulk, tenant_id: int, keys: pl.Series) -> pl.Series:
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
            "created_at": _now_text(bulk),
        }
    )
    _insert_missing_households(bulk, new)
    ids = _household_ids(bulk, tenant_id, distinct.to_list())
    lookup = pl.DataFrame(
        {"key": list(ids), "household_id": list(ids.values())},
        schema={"key": pl.String, "household_id": pl.Int64},
    )
    return (
        pl.DataFrame({"key": keys})
        .join(lookup, on="key", how="left", maintain_order="left")
        .get_column("household_id")
    )


def _now_text(bulk: Bulk) -> str:
    now: datetime = utcnow()
    return now.isoformat() if bulk.postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert_missing_households(bulk: Bulk, new: pl.DataFrame) -> None:
    marks = ", ".join(bulk.mark for _ in range(4))
    bulk.executemany(
        "INSERT INTO households (tenant_id, key, key_kind, created_at) "
        f"VALUES ({marks}) ON CONFLICT (tenant_id, key) DO NOTHING",
        new.iter_rows(),
    )


def _household_ids(bulk: Bulk, tenant_id: int, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    cursor = bulk.dbapi.cursor()
    try:
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start : start + KEY_CHUNK]
            placeholders = ", ".join(bulk.mark for _ in chunk)
            cursor.execute(
                f"SELECT key, id FROM households WHERE tenant_id = {bulk.mark} AND key IN "
                f"({placeholders})",
                [tenant_id, *chunk],
            )
            found.update(dict(cursor.fetchall()))
    finally:
        cursor.close()
    return found

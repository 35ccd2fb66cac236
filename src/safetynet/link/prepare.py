"""Shaping standardised records into the columns the linkage model compares.

Pure polars: names lower-cased with their nickname families, dates of birth as dates and text,
postcodes split into district and sector, an address's numbers (flat, house) apart from its
words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import polars as pl

LINK_COLUMNS = (
    "unique_id",
    "source_dataset",
    "forename",
    "forename_first",
    "forename_family",
    "surname",
    "surname_parts",
    "dob",
    "dob_text",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "address_numbers",
    "address_rest",
    "uprn",
    "phone",
    "email",
)


@lru_cache
def _nick_namer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


def name_families(forenames: pl.Series) -> pl.Series:
    """Each first name with its formal forms and diminutives (Bill -> bill, william, will...).

    Names can belong to several families (a nickname may shorten two names), so this is a
    list per name, compared by intersection — never a single 'canonical' pick.
    """
    namer = _nick_namer()
    distinct = forenames.drop_nulls().unique().to_list()
    families = {
        name: sorted({name} | namer.canonicals_of(name) | namer.nicknames_of(name))
        for name in distinct
    }
    return forenames.replace_strict(families, default=None, return_dtype=pl.List(pl.String))


COMPARE_PREFIX = "cmp_"


def compare_column(heading: str) -> str:
    """The linkage column for an extra identifier a user asked to compare (`--compare`)."""
    return COMPARE_PREFIX + re.sub(r"[^a-z0-9]+", "_", heading.lower()).strip("_")


def for_linkage(records: pl.DataFrame, dataset: str, compare: tuple[str, ...] = ()) -> pl.DataFrame:
    """Records (with `record_id` and standardised fields) as Splink input for one dataset.

    `compare` names unmapped columns (kept in `extras`) to compare exactly as identifiers,
    e.g. a national insurance or client number both lists carry.
    """

    def col(name: str, dtype: Any = pl.String) -> pl.Expr:
        if name in records.columns:
            return pl.col(name).cast(dtype)
        return pl.lit(None, dtype=dtype)

    forename = col("forename").str.to_lowercase().str.replace_all(r"[^a-z' \-]", "")
    surname = col("surname").str.to_lowercase().str.replace_all(r"[^a-z' \-]", "")
    address = col("address").str.to_lowercase()
    frame = records.select(
        pl.col("record_id").cast(pl.String).alias("unique_id"),
        pl.lit(dataset).alias("source_dataset"),
        forename.str.strip_chars().alias("forename"),
        forename.str.extract(r"^([^ \-]+)", 1).alias("forename_first"),
        surname.str.strip_chars().alias("surname"),
        surname.str.split(by="-").list.eval(pl.element().str.strip_chars()).alias("surname_parts"),
        col("dob", pl.Date).alias("dob"),
        col("dob", pl.Date).dt.strftime("%Y%m%d").alias("dob_text"),
        col("postcode").alias("postcode"),
        col("postcode").str.extract(r"^(\S+ \d)[A-Z]{2}$", 1).alias("postcode_sector"),
        col("postcode").str.extract(r"^(\S+) \d[A-Z]{2}$", 1).alias("postcode_district"),
        address.str.extract_all(r"\d+[a-z]?").list.sort().alias("address_numbers"),
        address.str.replace_all(r"\d+[a-z]?", " ")
        .str.replace_all(r"[^a-z ]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .alias("address_rest"),
        col("uprn").alias("uprn"),
        col("phone").alias("phone"),
        col("email").alias("email"),
    )
    frame = frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("forename", "forename_first", "surname", "address_rest")
    )
    extra = records.select(
        [_identifier(records, heading).alias(compare_column(heading)) for heading in compare]
    )
    return frame.with_columns(
        name_families(frame.get_column("forename_first")).alias("forename_family"),
        *extra.get_columns(),
    ).select(*LINK_COLUMNS, *(compare_column(h) for h in compare))


def _identifier(records: pl.DataFrame, heading: str) -> pl.Expr:
    """An extra column's values from the records' `extras`, squashed for exact comparison."""
    value = extra_value(records, heading)
    squashed = value.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    return pl.when(squashed == "").then(None).otherwise(squashed)


def extra_value(records: pl.DataFrame, heading: str) -> pl.Expr:
    """An unmapped column's values, read from the records' `extras` (null where absent)."""
    if "extras" not in records.columns:
        return pl.lit(None, dtype=pl.String)
    key = heading.replace("\\", "\\\\").replace("'", "\\'")
    return pl.col("extras").str.json_path_match(f"$['{key}']")

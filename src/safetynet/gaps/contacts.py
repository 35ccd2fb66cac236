"""Choosing the contact details for an outreach list: pure polars, no store.

Name, address and postcode come together from one record: a caseload snapshot before an
attendance log (charity logs often keep an old address), then the latest. Phone and email
each come from the latest record that has one. Each field says which list it came from.
"""

from __future__ import annotations

import polars as pl

FIELDS = (
    "name",
    "address",
    "postcode",
    "phone",
    "email",
    "address_from",
    "phone_from",
    "email_from",
)


def _latest(frame: pl.DataFrame, *, snapshots_first: bool) -> pl.DataFrame:
    """One row per resident: the most trustworthy record of those given."""
    keys = [pl.col("mode") == "snapshot"] if snapshots_first else []
    ordered = frame.sort(
        [*keys, "event_date", "record_id"], descending=[True] * (len(keys) + 2), nulls_last=True
    )
    return ordered.unique("resident_id", keep="first", maintain_order=True)


def national_phone(e164: str) -> str:
    """A stored E.164 number written the way UK callers dial it ('+447700900123' ->
    '07700 900123'); it also cannot be read as a formula."""
    import phonenumbers

    number = phonenumbers.parse(e164, "GB")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def best_contacts(contacts: pl.DataFrame) -> pl.DataFrame:
    """resident_id and the FIELDS, from `link.residents.resident_contacts` rows."""
    labelled = contacts.with_columns(
        pl.col("phone").map_elements(national_phone, return_dtype=pl.String),
        source=pl.format("{} ({})", "organisation", "source_name"),
        name=pl.concat_str(["forename", "surname"], separator=" ", ignore_nulls=True),
    )
    placed = labelled.filter(pl.col("address").is_not_null() | pl.col("postcode").is_not_null())
    home = _latest(placed, snapshots_first=True).select(
        "resident_id", "name", "address", "postcode", pl.col("source").alias("address_from")
    )
    named = _latest(labelled, snapshots_first=True).select("resident_id", "name")
    phone = _latest(labelled.drop_nulls("phone"), snapshots_first=False).select(
        "resident_id", "phone", pl.col("source").alias("phone_from")
    )
    email = _latest(labelled.drop_nulls("email"), snapshots_first=False).select(
        "resident_id", "email", pl.col("source").alias("email_from")
    )
    people = contacts.select("resident_id").unique()
    out = people.join(named, on="resident_id", how="left").join(
        home, on="resident_id", how="left", suffix="_home"
    )
    out = out.with_columns(name=pl.coalesce("name_home", "name")).drop("name_home")
    out = out.join(phone, on="resident_id", how="left").join(email, on="resident_id", how="left")
    return out.select("resident_id", *FIELDS)

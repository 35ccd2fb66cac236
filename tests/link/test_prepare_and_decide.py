"""Shaping records for linkage, and the one-to-one decision rule."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from safetynet.link import model, prepare

pytestmark = pytest.mark.nostore


def test_records_are_shaped_for_the_comparisons():
    records = pl.DataFrame(
        {
            "record_id": [7, 8],
            "forename": ["Bill", "Mary Jane"],
            "surname": ["Smith-Jones", None],
            "dob": [date(1980, 1, 2), None],
            "postcode": ["DB4 7QT", None],
            "address": ["FLAT 3, 22 STATION ROAD", None],
        }
    )
    bill, mary = prepare.for_linkage(records, "a").to_dicts()
    assert (bill["unique_id"], bill["source_dataset"], bill["forename_first"]) == ("7", "a", "bill")
    assert {"bill", "william", "will"} <= set(bill["forename_family"])
    assert bill["surname_parts"] == ["smith", "jones"]
    assert (bill["dob_text"], bill["postcode_sector"], bill["postcode_district"]) == (
        "19800102",
        "DB4 7",
        "DB4",
    )
    assert bill["address_numbers"] == ["22", "3"] and bill["address_rest"] == "flat station road"
    assert (mary["forename"], mary["forename_first"], mary["surname"]) == (
        "mary jane",
        "mary",
        None,
    )
    assert "polly" in mary["forename_family"] and mary["postcode_sector"] is None


def test_a_foreign_postcode_has_no_sector_or_district():
    records = pl.DataFrame(
        {"record_id": [1], "forename": ["A"], "surname": ["B"], "postcode": ["4223"]}
    )
    row = prepare.for_linkage(records, "a").row(0, named=True)
    assert (row["postcode"], row["postcode_sector"], row["postcode_district"]) == (
        "4223",
        None,
        None,
    )


def test_one_to_one_keeps_each_records_strongest_pair():
    pairs = pl.DataFrame(
        {
            "id_a": ["a1", "a1", "a2", "a3"],
            "id_b": ["b1", "b2", "b1", "b3"],
            "match_weight": [9.0, 4.0, 7.0, 1.0],
        }
    )
    kept = model.one_to_one(pairs, left="id_a", right="id_b").sort("id_a")
    assert kept.select("id_a", "id_b").rows() == [("a1", "b1"), ("a3", "b3")]

"""The comparison levels on hand-made pairs: nicknames, swapped names, dates of birth with the
day and month swapped, a digit wrong or a year off, and double-barrelled surnames — each lands in
the level made for it (the SQL Splink runs, evaluated in DuckDB)."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from safetynet.link import comparisons, prepare

pytestmark = pytest.mark.nostore


def level(comparison: str, left: dict, right: dict) -> str:
    """The label of the level a pair of records falls in."""
    spec = next(
        c.get_comparison("duckdb").as_dict()
        for c in comparisons.comparisons()
        if c.get_comparison("duckdb").as_dict()["output_column_name"] == comparison
    )
    cases = []
    for lv in spec["comparison_levels"]:
        label = lv.get("label_for_charts") or lv["sql_condition"]
        condition = lv["sql_condition"]
        text = label.replace("'", "''")
        cases.append(f"ELSE '{text}'" if condition.strip().upper() == "ELSE" else
                     f"WHEN {condition} THEN '{text}'")  # fmt: skip
    sides = [
        prepare.for_linkage(pl.DataFrame([{"record_id": i, **r}]), "x").rename(
            lambda c, s=suffix: f"{c}{s}"
        )
        for i, (r, suffix) in enumerate(((left, "_l"), (right, "_r")))
    ]
    pair = pl.concat(sides, how="horizontal")  # noqa: F841 (read by DuckDB below)
    return duckdb.sql(f"SELECT CASE {' '.join(cases)} END FROM pair").fetchall()[0][0]


BASE = {"forename": "William", "surname": "Smith", "dob": date(1980, 3, 7), "postcode": "DB1 1AA"}


def test_a_nickname_meets_its_formal_name():
    assert level("forename", BASE, BASE | {"forename": "Bill"}) == (
        "nickname or formal form (Bill / William)"
    )
    assert level("forename", BASE, BASE | {"forename": "Wiliam"}).startswith("Jaro-Winkler")
    assert level("forename", BASE, BASE | {"forename": "Ahmed"}) == "All other comparisons"


def test_names_written_the_wrong_way_round_are_recognised():
    swapped = BASE | {"forename": "Smith", "surname": "William"}
    assert level("forename", BASE, swapped) == "forename and surname swapped"


def test_dates_of_birth_with_day_and_month_swapped_a_digit_wrong_or_a_year_off():
    assert level("dob", BASE, BASE | {"dob": date(1980, 7, 3)}) == "day and month swapped"
    assert level("dob", BASE, BASE | {"dob": date(1980, 3, 8)}) == (
        "one digit wrong or two transposed"
    )
    assert level("dob", BASE, BASE | {"dob": date(1979, 3, 7)}) == "one year off"
    assert level("dob", BASE, BASE | {"dob": date(1955, 11, 20)}) == "All other comparisons"


def test_a_double_barrelled_surname_meets_one_of_its_parts():
    married = BASE | {"surname": "Weston-Smith"}
    assert level("surname", BASE, married) == "shares part of a double-barrelled surname"


def test_postcodes_compare_by_unit_sector_and_district():
    assert level("postcode", BASE, BASE | {"postcode": "DB1 1AB"}) == "same sector"
    assert level("postcode", BASE, BASE | {"postcode": "DB1 9ZZ"}) == "same district"


@pytest.mark.parametrize("edits", [1, 2])
def test_the_fast_edit_distance_level_holds_the_same_pairs_as_damerau_levenshtein(edits):
    """`edits_within` skips the slow function where it cannot decide; it must keep exactly the
    pairs `damerau_levenshtein(l, r) <= edits` keeps: transpositions, insertions, deletions,
    accented letters, empty strings and different lengths included."""
    words = [
        "MARY",
        "MRAY",
        "MAYR",
        "AMRY",
        "MARIE",
        "MARRY",
        "MARY ANN",
        "MRY",
        "M",
        "",
        "SMITH",
        "SMYTH",
        "SMIHT",
        "SIMTH",
        "SMITHE",
        "SCHMIDT",
        "JOSÉ",
        "JOSE",
        "JSOÉ",
        "ZOË",
        "ZOE",
        "OZË",
        "1980-03-12",
        "1980-12-03",
        "1980-03-21",
        "1908-03-12",
        "1980-30-12",
        "1981-03-12",
        "1980-03-1",
        "ABCDEF",
        "BADCFE",
        "ACBDFE",
        "FEDCBA",
    ]
    level = comparisons.edits_within("name", edits).get_comparison_level("duckdb")
    fast = level.as_dict()["sql_condition"]
    frame = pl.DataFrame({"name_l": words}).join(pl.DataFrame({"name_r": words}), how="cross")
    with duckdb.connect() as con:
        con.register("pairs", frame.to_arrow())
        differ = con.sql(
            f"SELECT name_l, name_r FROM pairs WHERE ({fast}) IS DISTINCT FROM "
            f"(damerau_levenshtein(name_l, name_r) <= {edits})"
        ).fetchall()
        kept = con.sql(f"SELECT count(*) FROM pairs WHERE {fast}").fetchall()[0][0]
    assert differ == []
    assert len(words) < kept < len(words) ** 2  # some near pairs kept, far pairs not


def test_sharing_any_value_holds_the_same_pairs_as_splinks_array_intersection():
    """`shares_any` (list_has_any) in place of `ArrayIntersectLevel(column, 1)`: the same
    pairs on missing, empty, repeated and null-holding lists."""
    import splink.comparison_level_library as cll

    lists = [None, [], ["a"], ["a", "a"], ["b", "a"], ["b"], ["a", None], [None], [""]]
    frame = pl.DataFrame({"v_l": lists}, schema={"v_l": pl.List(pl.String)}).join(
        pl.DataFrame({"v_r": lists}, schema={"v_r": pl.List(pl.String)}), how="cross"
    )
    fast = comparisons.shares_any("v", "x").get_comparison_level("duckdb")
    splink = cll.ArrayIntersectLevel("v", 1).get_comparison_level("duckdb")
    fast_sql, splink_sql = (lv.as_dict()["sql_condition"] for lv in (fast, splink))
    assert "list_has_any" in fast_sql and "list_intersect" in splink_sql
    with duckdb.connect() as con:
        con.register("pairs", frame.to_arrow())
        differ = con.sql(
            f"SELECT v_l, v_r FROM pairs WHERE coalesce({fast_sql}, false) "
            f"IS DISTINCT FROM coalesce({splink_sql}, false)"
        ).fetchall()
        kept = con.sql(f"SELECT count(*) FROM pairs WHERE {fast_sql}").fetchall()[0][0]
    assert differ == []
    assert 0 < kept < len(lists) ** 2

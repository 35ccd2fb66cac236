"""Rule evaluation and contact choice as pure functions over hand-made record frames."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from safetynet.gaps import contacts, evaluate
from safetynet.gaps.rules import load_rulebook
from safetynet.link.residents import CONTACT_SCHEMA, FACT_SCHEMA

pytestmark = pytest.mark.nostore
AS_OF = date(2026, 11, 27)
BOOK = load_rulebook()


def facts(*rows: dict) -> pl.DataFrame:
    """Record facts; unspecified fields blank, imported on 1 November."""
    base = dict.fromkeys(FACT_SCHEMA) | {"mode": "snapshot", "imported_on": date(2026, 11, 1)}
    full = [base | {"record_id": i, "source_name": r.get("kind")} | r for i, r in enumerate(rows)]
    schema = FACT_SCHEMA | {"extra:Pension Credit": pl.String}
    return pl.DataFrame([[row.get(c) for c in schema] for row in full], schema=schema, orient="row")


def run(rule: str, frame: pl.DataFrame, as_of: date = AS_OF) -> list[int]:
    residents = evaluate.resident_frame(frame, BOOK, as_of)
    return evaluate.matching(residents, BOOK.rules[rule].when, as_of)


def test_a_child_in_the_household_counts_even_when_no_list_gives_a_count():
    frame = facts(
        {"resident_id": 1, "kind": "universal_credit", "household_id": 7, "dob": date(1990, 1, 1)},
        {"resident_id": 2, "kind": "advice_clients", "household_id": 7, "dob": date(2015, 1, 1),
         "mode": "snapshot"},
        {"resident_id": 3, "kind": "universal_credit", "household_id": 8, "dob": date(1991, 1, 1)},
    )  # fmt: skip
    assert run("children-uc-hb-no-fsm", frame) == [1, 2]


def test_household_programmes_follow_the_most_trustworthy_address():
    # Resident 1's food bank record has an old address (household 5, where 2 gets CTR) but the
    # council's UC snapshot puts them in household 9: their household is not on CTR.
    frame = facts(
        {"resident_id": 1, "kind": "foodbank_attendance", "mode": "append", "household_id": 5,
         "event_date": date(2026, 11, 1)},
        {"resident_id": 1, "kind": "universal_credit", "household_id": 9, "postcode": "DB1 1AA"},
        {"resident_id": 2, "kind": "council_tax_reduction", "household_id": 5},
    )  # fmt: skip
    assert run("foodbank-no-ctr", frame) == [1]
    people = evaluate.resident_frame(frame, BOOK, AS_OF)
    assert people.filter(pl.col("resident_id") == 1).get_column("postcode").item() == "DB1 1AA"


def test_attendance_counts_only_within_the_window_and_not_after_the_as_of_date():
    frame = facts(
        {"resident_id": 1, "kind": "foodbank_attendance", "event_date": date(2026, 5, 28)},
        {"resident_id": 2, "kind": "foodbank_attendance", "event_date": date(2026, 5, 27)},
        {"resident_id": 3, "kind": "foodbank_attendance", "event_date": date(2026, 11, 28)},
    )
    assert run("foodbank-no-ctr", frame) == [1]


def test_a_flag_column_on_another_list_puts_someone_on_a_programme():
    frame = facts(
        {"resident_id": 1, "kind": "housing_benefit", "dob": date(1950, 11, 27),
         "extra:Pension Credit": "y "},
        {"resident_id": 2, "kind": "housing_benefit", "dob": date(1960, 11, 27),
         "extra:Pension Credit": "N"},
        {"resident_id": 3, "kind": "housing_benefit", "dob": date(1960, 11, 28),
         "extra:Pension Credit": "N"},
    )  # fmt: skip
    # Resident 2 turns 66 on the as-of date; resident 3 the day after.
    assert run("pension-age-hb-no-pc", frame) == [2]
    assert evaluate.known_programmes(frame, BOOK.programmes) >= {"hb", "pension_credit"}


def test_ended_awards_do_not_count():
    frame = facts(
        {"resident_id": 1, "kind": "foodbank_attendance", "event_date": date(2026, 11, 1)},
        {"resident_id": 1, "kind": "council_tax_reduction", "award_end": date(2026, 10, 1)},
    )
    assert run("foodbank-no-ctr", frame) == [1]


def test_the_most_common_date_of_birth_wins():
    frame = facts(
        {"resident_id": 1, "kind": "housing_benefit", "dob": date(1950, 1, 1)},
        {"resident_id": 1, "kind": "advice_clients", "dob": date(1950, 1, 1)},
        {"resident_id": 1, "kind": "foodbank_attendance", "dob": date(1980, 1, 1)},
    )
    people = evaluate.profiles(evaluate.current_facts(frame, AS_OF), AS_OF)
    assert people.get_column("age").to_list() == [76]


def test_contacts_take_the_address_from_a_caseload_and_phone_and_email_from_the_latest():
    base = dict.fromkeys(CONTACT_SCHEMA) | {"resident_id": 1, "forename": "Ann", "surname": "Able"}
    rows = [
        base | {"record_id": 1, "organisation": "Council", "source_name": "ctr",
                "mode": "snapshot", "address": "1 High St", "postcode": "DB1 1AA",
                "event_date": date(2026, 1, 1)},
        base | {"record_id": 2, "organisation": "Food Bank", "source_name": "visits",
                "mode": "append", "address": "9 Old Rd", "postcode": "DB9 9ZZ",
                "phone": "+447700900001", "event_date": date(2026, 11, 1)},
        base | {"record_id": 3, "organisation": "Advice", "source_name": "clients",
                "mode": "snapshot", "email": "ann@example.org", "phone": "+447700900002",
                "event_date": date(2026, 6, 1)},
    ]  # fmt: skip
    frame = pl.DataFrame(
        [[r[c] for c in CONTACT_SCHEMA] for r in rows], schema=CONTACT_SCHEMA, orient="row"
    )
    best = contacts.best_contacts(frame).row(0, named=True)
    assert best == {
        "resident_id": 1,
        "name": "Ann Able",
        "address": "1 High St",
        "postcode": "DB1 1AA",
        "phone": "07700 900001",
        "email": "ann@example.org",
        "address_from": "Council (ctr)",
        "phone_from": "Food Bank (visits)",
        "email_from": "Advice (clients)",
    }

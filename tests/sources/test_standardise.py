"""Standardising names, dates of birth, postcodes, UPRNs, phones, emails and attributes."""

from __future__ import annotations

from datetime import date

import phonenumbers
import polars as pl
import pytest

from safetynet.sources import standardise as st

pytestmark = pytest.mark.nostore


def s(*values):
    return pl.Series("x", list(values), pl.String)


def test_names_are_trimmed_normalised_and_title_cased():
    assert st.names(s("  o'BRIEN ", "mary-jane  SMITH", "ＪＯＨＮ", "", None)).to_list() == [
        "O'Brien",
        "Mary-Jane Smith",
        "John",
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("full", "forename", "surname"),
    [
        ("SMITH, John", "John", "Smith"),
        ("John Smith", "John", "Smith"),
        ("Mary Jane Watson", "Mary Jane", "Watson"),
        ("Dr Ludwig van Beethoven", "Ludwig", "Van Beethoven"),
        ("Mr Ahmed Khan Jr", "Ahmed", "Khan"),
        ("maria de la cruz", "Maria", "De La Cruz"),
        ("Siân O'Brien-Jones", "Siân", "O'Brien-Jones"),
        ("Madonna", None, None),
    ],
)
def test_full_names_are_split_into_forename_and_surname(full, forename, surname):
    fore, sur = st.split_full_names(s(full))
    assert (fore[0], sur[0]) == (forename, surname)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["01/02/1990", "31/12/1985"], "%d/%m/%Y"),
        (["1990-02-01", "1985-12-31"], "%Y-%m-%d"),
        (["19900201", "19851231"], "%Y%m%d"),
        (["32874", "40000"], "excel"),
        (["01.02.90", "31.12.85"], "%d.%m.%y"),
        (["12/25/1990", "11/30/1985"], "%m/%d/%Y"),
        (["03/04/1990", "12/25/1990", "13/01/1991"], "%d/%m/%Y"),  # day-first wins a tie
    ],
)
def test_the_date_format_is_decided_per_column(values, expected):
    assert st.detect_date_format(s(*values)) == expected


def test_dates_that_do_not_exist_are_bad_and_blanks_are_not():
    cleaned = st.dates(s("31/02/1990", "01/02/1990", "", None), "%d/%m/%Y")
    assert cleaned.values.to_list() == [None, date(1990, 2, 1), None, None]
    assert cleaned.bad.to_list() == [True, False, False, False]


def test_two_digit_years_never_land_in_the_future():
    values = st.dates(s("01.02.30", "01.02.99", "01.02.05"), "%d.%m.%y").values.to_list()
    assert values == [date(1930, 2, 1), date(1999, 2, 1), date(2005, 2, 1)]


def test_excel_day_numbers_become_dates():
    assert st.dates(s("32874", "45000.0"), "excel").values.to_list() == [
        date(1990, 1, 1),
        date(2023, 3, 15),
    ]


def test_postcodes_are_validated_and_formatted():
    cleaned = st.postcodes(s("db47qt", " DB4  7QT", "sw1a1aa", "EC1A 1BB", "XX", "", None))
    assert cleaned.values.to_list() == [
        "DB4 7QT",
        "DB4 7QT",
        "SW1A 1AA",
        "EC1A 1BB",
        None,
        None,
        None,
    ]
    assert cleaned.bad.to_list() == [False, False, False, False, True, False, False]


def test_uprns_are_digits_without_leading_zeros():
    cleaned = st.uprns(s("100050000001", "000123", "100050000001.0", "12A", "0"))
    assert cleaned.values.to_list() == ["100050000001", "123", "100050000001", None, None]
    assert cleaned.bad.to_list() == [False, False, False, True, True]


def test_phones_become_e164_and_bad_ones_are_flagged():
    cleaned = st.phones(
        s("07700 900123", "+44 (0)7700 900123", "0114 496 0000", "n/a", "12345", None)
    )
    assert cleaned.values.to_list() == ["+447700900123", None, "+441144960000", None, None, None]
    assert cleaned.bad.to_list() == [False, True, False, True, True, False]


def test_the_mobile_fast_path_agrees_with_phonenumbers():
    samples = [f"07{a}{b:08d}" for a in "12345789" for b in (0, 12345678, 99999999)]
    fast = st.phones(s(*samples)).values.to_list()
    slow = [
        phonenumbers.format_number(phonenumbers.parse(v, "GB"), phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(phonenumbers.parse(v, "GB"))
        else None
        for v in samples
    ]
    assert fast == slow


def test_emails_are_lower_cased_and_checked():
    cleaned = st.emails(s(" Ann@Example.ORG ", "not-an-email", None))
    assert cleaned.values.to_list() == ["ann@example.org", None, None]
    assert cleaned.bad.to_list() == [False, True, False]


def test_tenures_rent_periods_money_and_counts():
    assert st.tenures(
        s(
            "Council tenant",
            "Housing Association",
            "Private rented",
            "Owner occupier",
            "Mortgage",
            "Living with family",
            "??",
        )
    ).values.to_list() == [
        "social_rent",
        "social_rent",
        "private_rent",
        "owner_outright",
        "owner_mortgage",
        "other",
        None,
    ]
    assert st.rent_periods(
        s("Weekly", "Four weekly", "fortnightly", "pcm", "x")
    ).values.to_list() == ["week", "four_weeks", "fortnight", "month", None]
    assert st.money_pence(s("£1,234.50", "95.5", "abc")).values.to_list() == [123450, 9550, None]
    assert st.counts(s("3", "3.0", "-1", "many")).values.to_list() == [3, 3, None, None]


def test_addresses_become_one_upper_case_line():
    assert st.addresses(s("  14 Mill lane ,, Sheffield ", None)).to_list() == [
        "14 MILL LANE, SHEFFIELD",
        None,
    ]

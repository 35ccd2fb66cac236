"""The household file: pounds in, pence held, and clear errors naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safetynet.entitlements.schemas import load_household, parse_household, pence
from safetynet.errors import InvalidInput

pytestmark = pytest.mark.nostore

GOOD = {
    "year": 2025,
    "local_authority": "Sheffield",
    "tenure": "social_rent",
    "rent_monthly": 450.5,
    "council_tax_annual": 1500,
    "people": [{"age": 34, "employment_income": 12000}, {"age": 17, "in_education": True}],
}


def problems(data: dict) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse_household(data)
    return caught.value.details


def test_a_good_household_is_read_with_money_in_pence_and_engine_names() -> None:
    household = parse_household(GOOD)
    assert household.local_authority == "SHEFFIELD"
    assert household.pence() == {
        "rent_monthly": 45050,
        "council_tax_annual": 150000,
        "savings": 0,
    }
    assert [p.is_child for p in household.people] == [False, True]


def test_pence_rounds_half_a_penny_up() -> None:
    assert pence(0.125) == 13
    assert pence(1354.6) == 135460


def test_negative_income_and_absurd_age_name_the_person_and_field() -> None:
    bad = GOOD | {"people": [{"age": 34, "employment_income": -5}, {"age": 250}]}
    found = problems(bad)
    assert any(m.startswith("people[1].employment_income:") for m in found)
    assert any(m.startswith("people[2].age:") for m in found)


def test_absurd_income_is_refused() -> None:
    found = problems(GOOD | {"people": [{"age": 40, "employment_income": 90_000_000}]})
    assert found[0].startswith("people[1].employment_income: Input should be less than")


def test_a_household_of_children_only_is_refused() -> None:
    found = problems(GOOD | {"people": [{"age": 12}, {"age": 18, "in_education": True}]})
    assert found == ["people: the household needs at least one adult (16 or over)"]


def test_an_unknown_council_suggests_close_names() -> None:
    found = problems(GOOD | {"local_authority": "Shefield"})
    assert found[0].startswith("local_authority: 'Shefield' is not a local authority")
    assert "'Sheffield'" in found[0]


def test_rent_for_an_owner_occupier_is_refused() -> None:
    found = problems(GOOD | {"tenure": "owner_outright"})
    assert found[0].startswith("rent_monthly: an owner-occupier (owner_outright) pays no rent")


def test_a_year_the_engine_does_not_cover_is_refused() -> None:
    found = problems(GOOD | {"year": 2040})
    assert found[0].startswith("year: the engine covers financial years 2023 to 2029")


def test_private_renters_get_their_council_s_rental_area_or_must_give_one() -> None:
    sheffield = parse_household(GOOD | {"tenure": "private_rent"})
    assert sheffield.brma == "SHEFFIELD"
    found = problems(GOOD | {"tenure": "private_rent", "local_authority": "Newham"})
    assert found[0].startswith("brma: private renters in Newham need a brma")
    newham = parse_household(
        GOOD | {"tenure": "private_rent", "local_authority": "Newham", "brma": "Outer East London"}
    )
    assert newham.brma == "OUTER_EAST_LONDON"


def test_unknown_keys_are_refused_by_name() -> None:
    found = problems(GOOD | {"rent_weekly": 100})
    assert found[0].startswith("rent_weekly: Extra inputs are not permitted")


def test_yaml_and_json_files_read_the_same(tmp_path: Path) -> None:
    import yaml

    (tmp_path / "h.json").write_text(json.dumps(GOOD))
    (tmp_path / "h.yaml").write_text(yaml.safe_dump(GOOD))
    assert load_household(tmp_path / "h.json") == load_household(tmp_path / "h.yaml")


def test_a_broken_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "h.json").write_text("{not json")
    with pytest.raises(InvalidInput, match="is not valid JSON or YAML"):
        load_household(tmp_path / "h.json")


def test_shipped_engine_names_match_the_engine() -> None:
    from policyengine_uk.variables.household.demographic.locations import (
        BRMAName,
        LocalAuthority,
    )

    from safetynet.entitlements.schemas import engine_places

    places = engine_places()
    assert places["local_authorities"] == {m.name: m.value for m in LocalAuthority}
    assert places["brmas"] == {m.name: m.value for m in BRMAName}

"""Councils' own Council Tax Reduction schemes in YAML: validated, and priced by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from safetynet.entitlements import service
from safetynet.entitlements.ctr import example_schemes, load_scheme, load_schemes
from safetynet.entitlements.schemas import parse_household
from safetynet.errors import InvalidInput

pytestmark = pytest.mark.nostore


@pytest.fixture(scope="module")
def schemes() -> list:
    return [load_scheme(path) for path in example_schemes()]


def household(council: str, **fields: object):
    base: dict[str, object] = {
        "year": 2025,
        "local_authority": council,
        "tenure": "owner_outright",
        "council_tax_annual": 1200,
    }
    return parse_household(base | fields)


def ctr(check: service.Check) -> int:
    return next((e.annual_pence for e in check.benefits if e.benefit == "council_tax_reduction"), 0)


def test_two_examples_ship_one_banded_one_percentage(schemes: list) -> None:
    assert sorted(s.kind for s in schemes) == ["banded", "percentage"]
    assert all("Checked 20" in s.source for s in schemes)


def test_banded_and_percentage_schemes_price_households_as_worked_by_hand(schemes: list) -> None:
    households = [
        # Banded (Sheffield example). Single 30, no income: UC 400.14 × 12 = 4,801.68 a year,
        # 92.34 a week, within band 1 for a single person (≤ £100): 80% of £1,200 = £960.00.
        household("Sheffield", people=[{"age": 30}]),
        # Lone parent, child 5: UC (400.14 + 292.81) × 12 = 8,315.40, 159.91 a week, band 1
        # for one child (≤ £200): 80% of £1,500 = £1,200.00.
        household("Sheffield", council_tax_annual=1500, people=[{"age": 30}, {"age": 5}]),
        # Same single person with £7,000 savings: over the £6,000 capital limit, nothing.
        household("Sheffield", savings=7000, people=[{"age": 30}]),
        # Percentage (Leeds example). Single 30, no income: income 4,801.68 / 52 = 92.34 a
        # week, 0.29 above the £92.05 applicable amount. 75% of £1,200 = 900.00, less
        # 20% × 0.29 × 52 = 3.02: £896.98.
        household("Leeds", people=[{"age": 30}]),
        # Pensioner in Sheffield: the engine's national pension-age scheme applies, not the
        # council's: full reduction of the £1,200 bill on a low pension.
        household("Sheffield", people=[{"age": 75, "state_pension": 6000}]),
    ]
    checks = service.check_households(households, schemes=schemes)
    assert [ctr(c) for c in checks] == [96_000, 120_000, 0, 89_698, 120_000]
    assert "Example banded scheme" in checks[0].benefits[-1].why or any(
        "Example banded scheme" in e.why for e in checks[0].benefits
    )


def test_without_a_scheme_working_age_ctr_is_left_out_with_a_note() -> None:
    (check,) = service.check_households([household("Sheffield", people=[{"age": 30}])], schemes=[])
    assert ctr(check) == 0
    assert any("Council Tax Reduction for working-age" in n for n in check.notes)


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "scheme.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def base_scheme() -> dict:
    return yaml.safe_load(example_schemes()[0].read_text())


def test_a_band_missing_a_household_type_is_named(tmp_path: Path) -> None:
    data = base_scheme()
    del data["bands"][1]["max_weekly_income"]["couple"]
    with pytest.raises(InvalidInput) as caught:
        load_scheme(write(tmp_path, data))
    assert caught.value.details == ["bands[2]: max_weekly_income needs a limit for couple"]


def test_limits_that_fall_band_by_band_are_refused(tmp_path: Path) -> None:
    data = base_scheme()
    data["bands"][1]["max_weekly_income"]["single"] = 50
    with pytest.raises(InvalidInput) as caught:
        load_scheme(write(tmp_path, data))
    assert "bands: single limits must rise band by band" in caught.value.details[0]


def test_an_unknown_council_and_a_missing_taper_are_named(tmp_path: Path) -> None:
    data = base_scheme() | {"local_authority": "Sheffeld"}
    with pytest.raises(InvalidInput) as caught:
        load_scheme(write(tmp_path, data))
    assert caught.value.details[0].startswith("local_authority: 'Sheffeld' is not a local")
    data = base_scheme() | {"kind": "percentage"}
    with pytest.raises(InvalidInput) as caught:
        load_scheme(write(tmp_path, data))
    assert "percentage: a percentage scheme needs" in caught.value.details[0]


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_schemes(tmp_path / "nowhere")
    assert load_schemes(None) == []

"""Social tariffs: who qualifies, what they save, and a checked data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from safetynet.entitlements import tariffs
from safetynet.entitlements.schemas import DATA_DIR, parse_household
from safetynet.errors import InvalidInput

pytestmark = pytest.mark.nostore


def household(council: str = "Sheffield", **fields: object):
    base: dict[str, object] = {
        "year": 2025,
        "local_authority": council,
        "tenure": "owner_outright",
        "people": [{"age": 40}],
    }
    return parse_household(base | fields)


def named(offers: list[tariffs.Offer]) -> dict[str, int]:
    return {f"{o.tariff.provider} {o.tariff.name}": o.annual_saving_pence for o in offers}


def test_every_shipped_entry_has_a_source_and_a_check_date() -> None:
    data = tariffs.shipped_tariffs()
    assert {t.kind for t in data.tariffs} == {"broadband", "mobile", "water"}
    assert all(t.source.scheme == "https" and t.checked.year >= 2025 for t in data.tariffs)


def test_a_universal_credit_household_gets_broadband_mobile_and_its_water_company() -> None:
    found = named(tariffs.offers(household(), {"universal_credit"}))
    # BT Home Essentials £15 against a typical £30 a month: (30 − 15) × 12 = £180.
    assert found["BT Home Essentials"] == 18_000
    # VOXI For Now £10 against a typical £15: 5 × 12 = £60.
    assert found["VOXI For Now"] == 6_000
    # Yorkshire Water WaterSupport: 50% of the typical £603 bill = £301.50.
    assert found["Yorkshire Water WaterSupport"] == 30_150
    assert "Thames Water WaterHelp" not in found


def test_water_tariffs_follow_the_council_area() -> None:
    found = named(tariffs.offers(household("Camden"), {"pension_credit"}))
    assert "Thames Water WaterHelp" in found and "Yorkshire Water WaterSupport" not in found


def test_no_qualifying_benefit_means_no_tariffs_but_a_legacy_benefit_received_counts() -> None:
    assert tariffs.offers(household(), {"child_benefit"}) == []
    on_esa = household(receives=["esa"])
    assert "BT Home Essentials" in named(tariffs.offers(on_esa, set(on_esa.receives)))


def test_an_entry_with_both_price_and_discount_or_an_unknown_benefit_is_refused(
    tmp_path: Path,
) -> None:
    data = yaml.safe_load((DATA_DIR / "social_tariffs.yaml").read_text())
    data["tariffs"][0]["discount_percent"] = 10
    data["tariffs"][1]["qualifying_benefits"] = ["tax_credits"]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidInput) as caught:
        tariffs.load_tariffs(path)
    details = " ".join(caught.value.details)
    assert "BT Home Essentials: give monthly_price or discount_percent" in details
    assert "unknown benefits ['tax_credits']" in details


def test_an_unknown_benefit_received_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as caught:
        household(receives=["tax_credits"])
    assert caught.value.details[0].startswith("receives: ['tax_credits'] not among")

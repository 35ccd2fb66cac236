"""Batch screening over linked residents: households from the sources, stored with provenance,
totals by ward, and £ unclaimed per resident for the gaps and outreach lists."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.entitlements import screening
from safetynet.entitlements.models import ScreeningResult
from tests.entitlements.linked_area import build_area


@pytest.fixture
def area(db: Any) -> dict[str, int]:
    return build_area(db)


def run(db: Any) -> Any:
    setup = screening.assumptions(
        year=2025, local_authority="Sheffield", brma=None, council_tax=1_800
    )
    return screening.screen(db, area=None, actor="test", setup=setup)


def results(db: Any, screening_id: int) -> dict[int, ScreeningResult]:
    rows = db.scalars(select(ScreeningResult).where(ScreeningResult.screening_id == screening_id))
    return {r.resident_id: r for r in rows}


def test_screening_stores_each_resident_with_inputs_provenance_and_unclaimed(db, area) -> None:
    done = run(db)
    found = results(db, done.id)
    on_uc = found[area["on_uc"]]
    assert on_uc.inputs["tenure"] == "social_rent" and on_uc.inputs["rent_monthly"] == 500
    # (400.14 standard allowance + 500 housing element) × 12 = £10,801.68, already received.
    assert on_uc.benefits["universal_credit"] == 1_080_168
    assert on_uc.receives == ["universal_credit"] and on_uc.unclaimed_pence == 0
    assert on_uc.provenance["tenure"]["kind"] == "universal_credit"

    parent, partner = found[area["parent"]], found[area["partner"]]
    # Couple standard allowance 628.10 + child element (child assumed 8, born after April
    # 2017: 292.81) = 920.91 × 12 = £11,050.92; Child Benefit 26.05 × 52 = £1,354.60.
    assert parent.unclaimed == {"universal_credit": 1_105_092, "child_benefit": 135_460}
    assert parent.unclaimed_pence == partner.unclaimed_pence == 1_240_552
    assert parent.household_key == partner.household_key
    assert parent.provenance["children"]["kind"] == "free_school_meals"
    assert parent.inputs["couple"] is True and len(parent.inputs["people"]) == 3

    unknown = found[area["unknown"]]
    assert unknown.error == "no source gives a date of birth for anyone in the household"
    assert unknown.unclaimed_pence == 0
    assert done.counts == {
        "residents": 4,
        "households": 3,
        "households_not_screened": 1,
        "households_with_unclaimed": 1,
        "unclaimed_pence": 1_240_552,
    }


def test_ward_totals_count_each_household_once(db, area) -> None:
    done = run(db)
    wards = {w.ward: w for w in screening.ward_totals(db, done.id)}
    assert wards["DB2"].residents == 2 and wards["DB2"].households == 1
    assert wards["DB2"].unclaimed_pence == 1_240_552
    assert wards["DB1"].households == 2 and wards["DB1"].unclaimed_pence == 0


def test_unclaimed_by_resident_reads_the_latest_screening(db, area) -> None:
    assert screening.unclaimed_by_resident(db, 1) == {}
    run(db)
    assert screening.unclaimed_by_resident(db, 1) == {
        area["parent"]: 1_240_552,
        area["partner"]: 1_240_552,
    }


def test_ward_is_the_postcode_district_until_the_ward_lookup_lands() -> None:
    assert screening.ward_of("DB1 2AB") == "DB1"
    assert screening.ward_of("sw1a1aa") == "SW1A"
    assert screening.ward_of(None) is None


def test_the_screen_command_reports_wards_and_residents(db, area) -> None:
    result = CliRunner().invoke(
        app, ["entitlements", "screen", "--local-authority", "Sheffield", "--ward", "DB2"]
    )
    assert result.exit_code == 0, result.output
    assert "£12,405.52" in result.output
    assert "universal credit, child benefit" in result.output


def test_screening_without_a_local_authority_says_what_to_give(db) -> None:
    result = CliRunner().invoke(app, ["entitlements", "screen"])
    assert result.exit_code == 2
    assert "Name the local authority" in result.output
    result = CliRunner().invoke(app, ["entitlements", "screen", "--local-authority", "Newham"])
    assert result.exit_code == 2
    assert "give --brma" in result.output

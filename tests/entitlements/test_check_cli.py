"""`safetynet entitlements check`: the table, the JSON shape, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetynet.cli import app

pytestmark = pytest.mark.nostore
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "household.json"


def test_json_gives_annual_pounds_per_benefit_and_the_total() -> None:
    result = CliRunner().invoke(app, ["entitlements", "check", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["year"] == 2025
    # Lone parent 34 earning £12,000, children 6 and 3, council rent £450 a month:
    # (400.14 + 2 × 292.81 + 450) × 12 = 17,228.72 less 0.55 × (12,000 − 411 × 12) = 3,887.40.
    assert data["benefits"]["universal_credit"] == 13341.72
    assert data["benefits"]["child_benefit"] == 2251.60
    assert data["benefits"]["pension_credit"] == 0
    assert data["total_annual"] == 15593.32
    assert "state_pension" not in data["benefits"]


def test_the_table_shows_month_year_and_why() -> None:
    result = CliRunner().invoke(app, ["entitlements", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Universal Credit" in result.output
    assert "£1,111.81" in result.output and "£13,341.72" in result.output
    assert "standard allowance £400.14 a month" in result.output


def test_a_bad_household_is_a_red_message_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "year": 2025,
                "local_authority": "Manchestr",
                "tenure": "owner_outright",
                "people": [{"age": 30}],
            }
        )
    )
    result = CliRunner().invoke(app, ["entitlements", "check", str(path)])
    assert result.exit_code == 2
    assert "local_authority: 'Manchestr' is not a local authority" in result.output
    assert "'Manchester'" in result.output

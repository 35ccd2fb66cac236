"""Two council areas' configuration folders, and a pack made by the first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from safetynet.config import get_settings
from safetynet.entitlements.ctr import HERE as CTR_EXAMPLES
from tests import factories

COUNCIL_RULES = """
programmes:
  warm_home:
    name: Warm Home Discount
    short: WHD
    kinds: [other]
    sources: [energy]
rules:
  whd-pension-credit:
    title: On Pension Credit but not the Warm Home Discount
    programme: warm_home
    when:
      - on: pension_credit
      - not_on: warm_home
"""


def point_at(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """Point the three configuration folders at `root` (one council's files)."""
    for name in ("gap-rules", "ctr", "plan-risks"):
        (root / name).mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("SAFETYNET_GAP_RULES_DIR", str(root / "gap-rules"))
    monkeypatch.setenv("SAFETYNET_CTR_SCHEMES_DIR", str(root / "ctr"))
    monkeypatch.setenv("SAFETYNET_PLAN_RISKS_DIR", str(root / "plan-risks"))
    get_settings.cache_clear()
    return root


@pytest.fixture
def source_council(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Testshire's own configuration: a programme and a rule, a banded CTR scheme, a risk."""
    root = point_at(monkeypatch, tmp_path / "testshire")
    (root / "gap-rules" / "local.yaml").write_text(COUNCIL_RULES, encoding="utf-8")
    shutil.copy(CTR_EXAMPLES / "example-banded.yaml", root / "ctr" / "banded.yaml")
    risk = [{"key": "winter-surge", "risk": "Cold snap brings more calls than staff can answer.",
             "likelihood": 3, "impact": 3, "mitigation": "Standby rota from November.",
             "owner": "Service manager", "when": "always"}]  # fmt: skip
    (root / "plan-risks" / "local.yaml").write_text(json.dumps(risk), encoding="utf-8")
    return root


@pytest.fixture
def areas(db):
    """Two council areas: Testshire (which makes the pack) and Otherton (which takes it)."""
    factories.organisation(db, slug="tc", name="Testshire Council", kind="council")
    factories.organisation(db, slug="oc", name="Otherton Council", kind="council", area="Otherton")
    from safetynet.places import service as places

    return places.council_area(db, "Testshire"), places.council_area(db, "Otherton")

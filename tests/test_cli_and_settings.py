"""The command line starts fast and light; settings are documented and safe."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from safetynet.config import Settings

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("splink", "duckdb", "pyspark", "policyengine_uk", "policyengine_core")


@pytest.mark.nostore
def test_help_imports_none_of_the_heavy_libraries():
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom safetynet.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\nassert result.exit_code == 0\n"
        "assert 'import' in result.output\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.nostore
def test_every_setting_is_documented():
    text = (ROOT / "docs" / "settings.md").read_text()
    documented = set(re.findall(r"`SAFETYNET_([A-Z_]+)`", text))
    expected = {name.upper() for name in Settings.model_fields}
    assert expected - documented == set(), "add these to docs/settings.md"
    assert documented - expected == set(), "docs/settings.md names settings that do not exist"


@pytest.mark.nostore
def test_every_setting_has_a_description():
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


@pytest.mark.nostore
def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.setenv("SAFETYNET_ENVIRONMENT", "production")
    monkeypatch.delenv("SAFETYNET_SECRET_KEY", raising=False)
    with pytest.raises(ValueError, match="SAFETYNET_SECRET_KEY must be set"):
        Settings(_env_file=None)
    monkeypatch.setenv("SAFETYNET_SECRET_KEY", "x" * 40)
    assert Settings(_env_file=None).environment == "production"


@pytest.mark.nostore
def test_the_default_store_is_a_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SAFETYNET_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(tmp_path))
    url = Settings(_env_file=None).resolved_database_url
    assert url == f"sqlite:///{tmp_path.resolve()}/safetynet.db"


def test_production_asks_for_the_provider_secret_only_with_a_provider(monkeypatch):
    monkeypatch.setenv("SAFETYNET_ENVIRONMENT", "production")
    monkeypatch.setenv("SAFETYNET_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SAFETYNET_PAYMENTS_PROVIDER_SECRET", raising=False)
    monkeypatch.setenv("SAFETYNET_PAYMENTS_PROVIDER_URL", "https://provider.example")
    with pytest.raises(ValueError, match="SAFETYNET_PAYMENTS_PROVIDER_SECRET must be set"):
        Settings(_env_file=None)
    monkeypatch.setenv("SAFETYNET_PAYMENTS_PROVIDER_SECRET", "y" * 40)
    assert Settings(_env_file=None).payments_provider_url == "https://provider.example"

"""A small demo borough, imported into the test's store, for link tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from safetynet.cli import app


@pytest.fixture
def demo(db, tmp_path):
    result = CliRunner().invoke(
        app, ["demo", "run", "--people", "2000", "--seed", "5", "--no-link"]
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "data" / "demo"

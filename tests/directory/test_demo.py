"""The demo builds the borough's service directory, which the ORUK API then serves."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.accounts.models import Tenant
from safetynet.cli import app
from safetynet.directory import service

runner = CliRunner()


def test_the_demo_lists_services_counsellors_and_vacancies(db):
    result = runner.invoke(
        app,
        ["demo", "run", "--people", "1500", "--seed", "3", "--no-link", "--no-payments",
         "--counsellors", "400"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Service directory: 900 services, counsellors and vacancies" in result.output
    demo = db.scalar(select(Tenant).where(Tenant.slug == "demo-borough"))
    assert service.counts(db, demo.id) == {"service": 300, "counsellor": 400, "vacancy": 200}
    found = service.providers(db, demo.id, "vacancy")
    assert len(found) == 200 and all(p.pay_pence_per_hour >= 1221 for p in found)

"""`safetynet directory import|export|list` as a named user."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.directory import service, synthetic
from tests.directory.conftest import SMALL

runner = CliRunner()


def test_import_export_and_list_from_the_command_line(db, areas, tmp_path):
    made = synthetic.directory(seed=9, area="Testshire", size=SMALL)
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"services": made.services, "taxonomies": made.taxonomies,
                                "taxonomy_terms": made.terms}))  # fmt: skip
    done = runner.invoke(app, ["directory", "import", "--as", "analyst@tc.example", str(feed)])
    assert done.exit_code == 0, done.output
    assert "Imported 36 services" in done.output
    out = tmp_path / "out.json"
    exported = runner.invoke(
        app, ["directory", "export", "--as", "partner@north.example", "-o", str(out), "--check"]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text()) == service.export(db, areas.testshire)
    listed = runner.invoke(
        app, ["directory", "list", "--as", "caseworker@tc.example", "--kind", "vacancy"]
    )
    assert listed.exit_code == 0 and "Showing 1 to 5 of 5 services" in listed.output


def test_a_refused_import_is_a_clear_message_and_exit_code_2(db, areas, tmp_path):
    made = synthetic.directory(seed=9, area="Testshire", size=SMALL)
    bad = dict(made.services[0], url=None)
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([bad]))
    refused = runner.invoke(app, ["directory", "import", "--as", "analyst@tc.example", str(feed)])
    assert refused.exit_code == 2
    assert f"service {bad['id']}: field 'url': None is not of type 'string'" in refused.output
    partner = runner.invoke(app, ["directory", "import", "--as", "partner@north.example",
                                  str(feed)])  # fmt: skip
    assert partner.exit_code == 2
    both = runner.invoke(app, ["directory", "import", "--as", "analyst@tc.example", str(feed),
                               "--csv", str(tmp_path)])  # fmt: skip
    assert both.exit_code == 2 and "Give one of" in both.output


def test_the_import_says_how_many_contact_names_it_left_out(db, areas, tmp_path):
    made = synthetic.directory(seed=9, area="Testshire", size=SMALL)
    named = [s for s in made.services if s.get("contacts")][:2]
    for record in named:
        record["contacts"][0]["name"] = "Ann Persona"
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps(named))
    done = runner.invoke(app, ["directory", "import", "--as", "analyst@tc.example", str(feed)])
    assert done.exit_code == 0, done.output
    assert "2 contact name(s) left out" in done.output
    assert "Ann Persona" not in json.dumps(service.export(db, areas.testshire))

"""The CLI acts as a named user: referrals listed, one moved on, the ranker trained (or not)."""

from __future__ import annotations

import re

from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.match import referrals
from safetynet.match.engine import rank
from safetynet.match.model import Seeker

SEEKER = Seeker(needs=frozenset({"housing"}), lat=53.38, lon=-1.47, max_cost_pence=None)


def test_the_cli_lists_moves_on_and_trains_as_the_named_user(db, area) -> None:
    pick = rank(area.cols, SEEKER, limit=1).matches[0]
    (made,) = referrals.refer(db, area.people["partner"], resident_id=area.resident_id,
                              seeker=SEEKER, service_ids=[pick.provider.id], cols=area.cols)
    runner = CliRunner()
    listed = runner.invoke(app, ["match", "referrals", "--resident", str(area.resident_id),
                                 "--as", "partner@north.example"])
    assert listed.exit_code == 0, listed.output
    assert pick.provider.name in listed.output and "Referred" in listed.output
    moved = runner.invoke(app, ["match", "status", str(made.id), "declined",
                                "--as", "partner@north.example"])
    assert moved.exit_code == 0 and f"Referral {made.id} is now declined." in moved.output
    again = runner.invoke(app, ["match", "status", str(made.id), "accepted",
                                "--as", "partner@north.example"])
    assert again.exit_code == 2 and "closed" in again.output
    outsider = runner.invoke(app, ["match", "referrals", "--resident", str(area.resident_id),
                                   "--as", "south@south.example"])
    assert outsider.exit_code == 2
    trained = runner.invoke(app, ["match", "train", "--as", "analyst@tc.example"])
    assert trained.exit_code == 0 and "Not enough outcomes yet (1 outcomes" in trained.output
    refused = runner.invoke(app, ["match", "train", "--as", "partner@north.example"])
    assert refused.exit_code == 2


def test_the_cli_queries_and_refers_from_the_directory(db, area) -> None:
    from safetynet.directory import service as directory
    from safetynet.directory import synthetic
    from safetynet.match.models import Referral

    feed = synthetic.directory(seed=3, area="Testshire",
                               size=synthetic.Size(services=30, counsellors=30, vacancies=5))
    directory.import_feed(db, area.people["analyst"], feed, origin="test")
    runner = CliRunner()
    common = ["--resident", str(area.resident_id), "--kind", "counsellor", "--max-cost", "20",
              "--low-income", "--age", "40", "--lat", "53.38", "--lon", "-1.47",
              "--as", "caseworker@tc.example"]
    shown = runner.invoke(app, ["match", "query", *common, "--limit", "3"])
    assert shown.exit_code == 0, shown.output
    assert "3 best of" in shown.output and "ranked by score" in shown.output
    ids = re.findall(r"│ 1\s+│ (\d+)", shown.output)
    assert ids, shown.output
    made = runner.invoke(app, ["match", "refer", *common, "--service", ids[0]])
    assert made.exit_code == 0, made.output
    assert "(position 1)" in made.output
    assert db.scalar(select(Referral.service_id)) == int(ids[0])
    bad = runner.invoke(app, ["match", "query", *common, "--format", "fax"])
    assert bad.exit_code == 2 and "unknown format 'fax'" in bad.output


def test_the_cli_takes_where_they_travel_from_as_a_postcode(db, area, tmp_path) -> None:
    from safetynet.directory import service as directory
    from safetynet.directory import synthetic
    from tests.match.test_journey import _postcode_directory

    _postcode_directory(db, tmp_path)
    feed = synthetic.directory(seed=3, area="Testshire",
                               size=synthetic.Size(services=30, counsellors=30, vacancies=5))
    directory.import_feed(db, area.people["analyst"], feed, origin="test")
    runner = CliRunner()
    common = ["match", "query", "--resident", str(area.resident_id), "--kind", "service",
              "--format", "in_person", "--max-distance", "3", "--as", "caseworker@tc.example"]
    by_postcode = runner.invoke(app, [*common, "--postcode", "db1 1aa"])
    by_place = runner.invoke(app, [*common, "--lat", "53.381234", "--lon", "-1.470001"])
    assert by_postcode.exit_code == by_place.exit_code == 0, by_postcode.output
    ids = re.findall(r"│ \d+\s+│ (\d+)", by_postcode.output)
    assert ids and ids == re.findall(r"│ \d+\s+│ (\d+)", by_place.output)
    unknown = runner.invoke(app, [*common, "--postcode", "DZ1 1AB"])
    assert unknown.exit_code == 2 and "DZ1 1AB is not a live postcode" in unknown.output
    both = runner.invoke(app, [*common, "--postcode", "DB1 1AA", "--lat", "53.4", "--lon", "-1.4"])
    assert both.exit_code == 2 and "not both" in both.output
    referred = runner.invoke(app, ["match", "refer", *common[2:], "--postcode", "DB1 1AA",
                                   "--service", ids[0]])
    assert referred.exit_code == 0 and "Referral " in referred.output, referred.output

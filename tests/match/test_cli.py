"""The CLI acts as a named user: referrals listed, one moved on, the ranker trained (or not)."""

from __future__ import annotations

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

"""Allocating a waiting list: seekers from a CSV (refused by row and column) or a triage list,
proposals within free places and with fair exposure (nothing referred), confirmed all or
none; the area's exposure Gini; the CLI and the API."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import InvalidInput
from safetynet.match import batch, referrals
from safetynet.match.area import area_loader
from safetynet.match.columns import ProviderColumns
from safetynet.match.model import Provider, Seeker
from safetynet.match.models import Referral
from safetynet.match.schemas import SeekerIn


def _three(capacity: int = 1) -> ProviderColumns:
    """Three debt services at one place; 1 has the shortest wait, so the score prefers it."""
    return ProviderColumns.build([
        Provider(id=i, name=f"Debt help {i}", categories=frozenset({"debt"}), capacity=capacity,
                 wait_days=wait, lat=53.38, lon=-1.47, formats=frozenset({"in_person"}))
        for i, wait in ((1, 0), (2, 7), (3, 14))])


def _asked(area, n: int = 2) -> list[batch.Asked]:
    need = SeekerIn(needs=["debt"], lat=53.38, lon=-1.47)
    return [batch.Asked(area.resident_id, need, f"row {i}") for i in range(n)]


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(Referral))


def test_proposals_keep_to_free_places_and_refer_nothing(db, area) -> None:
    cols = _three(capacity=1)
    found = batch.propose(db, area.people["caseworker"], _asked(area), cols, strength=0.0)
    assert sorted(p.service_id for p in found) == [1, 2]  # one place each: the two best
    assert all(p.reasons and "helps with 1 of 1 needs" in p.reasons for p in found)
    assert _count(db) == 0
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "match.allocate"))
    assert event.detail == {"seekers": 2, "strength": 0.0, "proposed": 2}


def test_exposure_moves_proposals_away_from_the_most_referred(db, area) -> None:
    cols = _three(capacity=5)
    seeker = Seeker(needs=frozenset({"debt"}), lat=53.38, lon=-1.47)
    for _ in range(6):  # provider 1 has had all the attention so far
        referrals.refer(db, area.people["caseworker"], resident_id=area.resident_id,
                        seeker=seeker, service_ids=[1], cols=cols)
    plain = batch.propose(db, area.people["caseworker"], _asked(area, 1), cols, strength=0.0)
    fair = batch.propose(db, area.people["caseworker"], _asked(area, 1), cols, strength=1.0)
    assert plain[0].service_id == 1 and fair[0].service_id != 1
    report = batch.exposure_report(db, area.people["analyst"], cols)
    assert (report.providers, report.referred_to, report.referrals) == (3, 1, 6)
    assert report.gini == pytest.approx(2 / 3) and report.top_tenth_share == 1.0


def test_confirming_refers_all_or_none(db, area) -> None:
    cols = _three(capacity=1)
    need = SeekerIn(needs=["debt"], lat=53.38, lon=-1.47)
    made = batch.confirm(db, area.people["caseworker"], [(area.resident_id, 1, need)], cols)
    assert made == 1 and _count(db) == 1
    housing = SeekerIn(needs=["housing"], lat=53.38, lon=-1.47)
    with pytest.raises(InvalidInput) as refused:
        batch.confirm(db, area.people["caseworker"],
                      [(area.resident_id, 2, need), (area.resident_id, 3, housing)], cols)
    assert "no longer hold" in refused.value.message
    assert "service 3" in refused.value.details[0] and "need" in refused.value.details[0]
    assert _count(db) == 1  # the good one was not referred either


def test_a_bad_seekers_file_is_refused_by_row_and_column(tmp_path) -> None:
    path = tmp_path / "seekers.csv"
    path.write_text("resident_id,needs,age,formats,max_cost\n1,debt;housing,40,in_person,5\n"
                    "x,debt,,,\n2,debt,200,fax,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        batch.seekers_from_csv(path)
    details = refused.value.details
    assert details[0] == "seekers.csv row 3, column resident_id: 'x' is not a resident's id."
    assert any(d.startswith("seekers.csv row 4, column age:") for d in details)
    assert any(d.startswith("seekers.csv row 4, column formats:") for d in details)
    path.write_text("resident_id,needs,max_cost,low_income,postcode\n7,debt;housing,5,yes,"
                    "DB1 1AA\n", encoding="utf-8")
    (one,) = batch.seekers_from_csv(path)
    assert one.resident_id == 7 and one.need.needs == ["debt", "housing"]
    assert (one.need.max_cost_pence, one.need.low_income, one.need.postcode) == (
        500, True, "DB1 1AA")


def test_the_cli_allocates_confirms_and_reports_exposure(db, area, tmp_path) -> None:
    from safetynet.directory import service as directory
    from safetynet.directory import synthetic

    feed = synthetic.directory(seed=3, area="Testshire",
                               size=synthetic.Size(services=60, counsellors=10, vacancies=2))
    directory.import_feed(db, area.people["analyst"], feed, origin="test")
    seekers = tmp_path / "seekers.csv"
    seekers.write_text(f"resident_id,needs,lat,lon\n{area.resident_id},debt advice,53.38,-1.47\n",
                       encoding="utf-8")
    out = tmp_path / "proposals.csv"
    runner = CliRunner()
    done = runner.invoke(app, ["match", "allocate", "--seekers", str(seekers), "--out", str(out),
                               "--exposure", "0.3", "--as", "caseworker@tc.example"])
    assert done.exit_code == 0, done.output
    assert "1 of 1 residents given a provider" in done.output and _count(db) == 0
    with out.open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["resident_id"] == str(area.resident_id) and "helps with" in row["reasons"]
    confirmed = runner.invoke(app, ["match", "confirm", str(out), "--as", "caseworker@tc.example"])
    assert confirmed.exit_code == 0 and "1 referral(s) made." in confirmed.output
    assert db.scalar(select(Referral.service_id)) == int(row["service_id"])
    shown = runner.invoke(app, ["match", "exposure", "--as", "analyst@tc.example"])
    assert shown.exit_code == 0 and "1 referrals reached 1 of" in shown.output
    assert "Exposure Gini" in shown.output
    neither = runner.invoke(app, ["match", "allocate", "--out", str(out),
                                  "--as", "caseworker@tc.example"])
    assert neither.exit_code == 2 and "either --seekers" in neither.output


def test_the_api_proposes_confirms_and_reports(db, area, client) -> None:
    from tests.match.conftest import token_for

    cols = _three(capacity=1)
    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: cols)
    headers = token_for(db, area.people["caseworker"])
    need = {"needs": ["debt"], "lat": 53.38, "lon": -1.47}
    seekers = [{"resident_id": area.resident_id, "need": need}] * 2
    shown = client.post("/api/v1/match/allocate", json={"seekers": seekers, "strength": 0},
                        headers=headers)
    assert shown.status_code == 200, shown.text
    proposals = shown.json()["proposals"]
    assert sorted(p["service_id"] for p in proposals) == [1, 2] and _count(db) == 0
    body = {"proposals": [{"resident_id": p["resident_id"], "service_id": p["service_id"],
                           "need": p["need"]} for p in proposals]}
    confirmed = client.post("/api/v1/match/allocate/confirm", json=body, headers=headers)
    assert confirmed.status_code == 200 and confirmed.json() == {"referred": 2}
    report = client.get("/api/v1/match/exposure", headers=token_for(db, area.people["analyst"]))
    assert report.status_code == 200 and report.json()["referrals"] == 2
    assert client.get("/api/v1/match/exposure", headers=headers).status_code == 403

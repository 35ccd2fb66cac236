"""The API twins: a resident's referrals, moving one on, and the area's ranker."""

from __future__ import annotations

from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.match import referrals
from safetynet.match.engine import rank
from safetynet.match.model import Seeker
from tests.match.conftest import token_for

SEEKER = Seeker(needs=frozenset({"debt"}), lat=53.38, lon=-1.47, max_cost_pence=None)


def _made(db, area, n=2):
    picks = [m.provider.id for m in rank(area.cols, SEEKER, limit=n).matches]
    return referrals.refer(db, area.people["partner"], resident_id=area.resident_id,
                           seeker=SEEKER, service_ids=picks, cols=area.cols)


def test_a_partner_lists_and_moves_on_its_referrals(db, area, client) -> None:
    made = _made(db, area)
    headers = token_for(db, area.people["partner"])
    listed = client.get(f"/api/v1/match/residents/{area.resident_id}/referrals", headers=headers)
    assert listed.status_code == 200
    assert sorted(r["id"] for r in listed.json()) == sorted(r.id for r in made)
    assert all(r["status"] == "made" and r["reasons"] for r in listed.json())
    moved = client.post(f"/api/v1/match/referrals/{made[0].id}/status", headers=headers,
                        json={"status": "accepted"})
    assert moved.status_code == 200 and moved.json()["status"] == "accepted"
    wrong = client.post(f"/api/v1/match/referrals/{made[0].id}/status", headers=headers,
                        json={"status": "made"})
    assert wrong.status_code == 409
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert "can become attended, declined, no_show" in wrong.json()["detail"]
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"match.refer", "match.referrals_viewed", "match.referral_status"} <= actions


def test_another_partner_finds_neither_the_resident_nor_the_referral(db, area, client) -> None:
    made = _made(db, area, n=1)
    headers = token_for(db, area.people["south"])
    assert client.get(f"/api/v1/match/residents/{area.resident_id}/referrals",
                      headers=headers).status_code == 404
    assert client.post(f"/api/v1/match/referrals/{made[0].id}/status", headers=headers,
                       json={"status": "accepted"}).status_code == 404


def test_the_council_trains_its_ranker_only_with_enough_outcomes(db, area, client) -> None:
    headers = token_for(db, area.people["analyst"])
    state = client.get("/api/v1/match/ranker", headers=headers).json()
    assert state == {"outcomes": 0, "informative_sittings": 0, "enough": False, "ranker": None}
    trained = client.post("/api/v1/match/ranker", headers=headers).json()
    assert trained == {"trained": False, "ranker_id": None, "outcomes": 0}
    partner = token_for(db, area.people["partner"])
    assert client.post("/api/v1/match/ranker", headers=partner).status_code == 403

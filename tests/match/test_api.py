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
    assert trained == {"trained": False, "ranker_id": None, "in_use": False, "outcomes": 0}
    partner = token_for(db, area.people["partner"])
    assert client.post("/api/v1/match/ranker", headers=partner).status_code == 403


def _with_world(client, area) -> None:
    from safetynet.match.area import area_loader

    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: area.cols)


NEED = {"needs": ["debt"], "lat": 53.38, "lon": -1.47, "max_cost_pence": None,
        "formats": ["in-person", "phone"]}


def test_a_caseworker_gets_ranked_matches_with_reasons_and_refers(db, area, client) -> None:
    _with_world(client, area)
    headers = token_for(db, area.people["caseworker"])
    url = f"/api/v1/match/residents/{area.resident_id}"
    shown = client.post(f"{url}/matches?limit=5", headers=headers, json=NEED)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["method"] == "score" and len(body["matches"]) == 5 and body["candidates"] >= 5
    for m in body["matches"]:
        assert abs(sum(c["points"] for c in m["contributions"]) - m["score"]) < 1e-9
        assert m["reasons"][0]
    picks = [m["service_id"] for m in body["matches"][:2]]
    made = client.post(f"{url}/referrals", headers=headers,
                       json={"need": NEED, "service_ids": picks})
    assert made.status_code == 201, made.text
    assert [r["service_id"] for r in made.json()] == picks
    assert [r["position"] for r in made.json()] == [1, 2]
    viewed = db.scalar(select(AuditEvent).where(AuditEvent.action == "match.viewed"))
    assert viewed.entity_id == area.resident_id and viewed.detail["shown"][:2] == picks


def test_a_bad_need_is_refused_by_field(db, area, client) -> None:
    _with_world(client, area)
    headers = token_for(db, area.people["caseworker"])
    refused = client.post(f"/api/v1/match/residents/{area.resident_id}/matches",
                          headers=headers, json={"formats": ["fax"], "age": 200})
    assert refused.status_code == 422
    text = refused.text
    assert "unknown format 'fax'" in text and "age" in text

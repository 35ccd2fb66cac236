"""The API for the review queue, residents, gaps and outreach lists: real values, the same
permissions and scope as the pages, audit, and problem+json errors."""

from __future__ import annotations

from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.gaps.models import OutreachEntry
from safetynet.link.models import ReviewPair
from tests.web.linkage_world import AS_OF, act_as, bearer


def actions(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_review_queue_pair_and_a_decision(lw, client, db):
    headers = bearer(db, lw.users["analyst"])
    queue = client.get("/api/v1/review", headers=headers).json()
    assert queue["counts"] == {"pending": 2, "skipped": 0, "decided": 0}
    assert [p["id"] for p in queue["pairs"]] == [lw.pairs["D~E"], lw.pairs["A~B"]]
    pair = client.get(f"/api/v1/review/{lw.pairs['D~E']}", headers=headers).json()
    assert [r["forename"] for r in pair["records"]] == ["Eve", "Dan"]
    assert pair["differs"] == ["dob", "forename", "phone"]
    assert pair["explanation"][1] == {
        "comparison": "surname", "level": "Exact match", "weight": 8.25,
    }  # fmt: skip
    assert [e.entity_id for e in actions(db, "link.review.view")] == [lw.pairs["D~E"]]
    refused = client.post(
        f"/api/v1/review/{lw.pairs['D~E']}", headers=headers, json={"verdict": "accept"}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "reason" in refused.json()["detail"]
    bad = client.post(f"/api/v1/review/{lw.pairs['D~E']}", headers=headers, json={"verdict": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "verdict"
    done = client.post(
        f"/api/v1/review/{lw.pairs['D~E']}",
        headers=headers,
        json={"verdict": "reject", "reason": "different people"},
    )
    assert done.status_code == 200
    assert done.json()["pair"]["status"] == "decided"
    assert done.json()["next_pair_id"] == lw.pairs["A~B"]
    again = client.post(
        f"/api/v1/review/{lw.pairs['D~E']}", headers=headers, json={"verdict": "skip"}
    )
    assert again.status_code == 409
    db.expire_all()
    assert db.get(ReviewPair, lw.pairs["D~E"]).status == "decided"


def test_another_areas_pair_and_resident_are_not_found_and_caseworkers_cannot_review(
    lw, client, db
):
    headers = bearer(db, lw.users["analyst"])
    assert client.get(f"/api/v1/review/{lw.other['pair']}", headers=headers).status_code == 404
    reply = client.get(f"/api/v1/residents/{lw.other['resident']}", headers=headers)
    assert reply.status_code == 404 and reply.json()["status"] == 404
    worker = bearer(db, lw.users["caseworker"])
    assert client.get("/api/v1/review", headers=worker).status_code == 403


def test_a_resident_as_staff_and_as_a_partner(lw, client, db):
    c = lw.residents["C"]
    staff = client.get(f"/api/v1/residents/{c}", headers=bearer(db, lw.users["admin"])).json()
    assert staff["id"] == c and sorted(r["source"] for r in staff["records"]) == ["ctr", "visits"]
    assert staff["outreach"] == [] and staff["do_not_contact"] is False
    partner = client.get(f"/api/v1/residents/{c}", headers=bearer(db, lw.users["partner"])).json()
    assert [r["organisation"] for r in partner["records"]] == ["North Food Bank"]
    assert partner["outreach"] is None  # their agreement does not let them see statuses back
    assert len(actions(db, "resident.view")) == 2


def test_a_merged_resident_redirects_to_the_one_it_became(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    d, e = sorted((lw.residents["D"], lw.residents["E"]))
    client.post(f"/residents/{d}/merge", data={"csrf_token": token, "other": str(e), "reason": "x"})
    reply = client.get(f"/api/v1/residents/{e}", headers=bearer(db, lw.users["analyst"]))
    assert reply.status_code == 308 and reply.headers["location"] == f"/api/v1/residents/{d}"


def test_the_gap_report(lw, client, db):
    headers = bearer(db, lw.users["caseworker"])
    report = client.get(f"/api/v1/gaps?as_of={AS_OF}", headers=headers).json()
    assert list(report["programmes"]) == ["ctr", "uc", "fsm", "pension_credit"]
    assert [(w["ward_name"], w["ward_code"], w["any"]) for w in report["wards"]] == [
        ("Northgate", "E05000001", 1),
        ("Old Town", "E05000002", 2),
        ("Unknown ward", None, 1),
    ]
    assert report["totals"]["any"] == 4
    assert {r["id"]: r["residents"] for r in report["rules"]}["children-uc-hb-no-fsm"] == 2
    partner = client.get("/api/v1/gaps", headers=bearer(db, lw.users["partner"]))
    assert partner.status_code == 403


def test_outreach_lists_entries_and_a_status_change(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    client.post(
        "/gaps/children-uc-hb-no-fsm/export",
        data={"csrf_token": token, "as_of": str(AS_OF), "format": "csv", "reason": "FSM"},
    )
    headers = bearer(db, lw.users["caseworker"])
    lists = client.get("/api/v1/outreach", headers=headers).json()
    mine = lists[0]
    assert mine["outreach_list"]["rule_id"] == "children-uc-hb-no-fsm"
    assert mine["statuses"] == {"to_contact": 2}
    assert [x["outreach_list"]["id"] for x in lists] == [
        mine["outreach_list"]["id"]
    ]  # not Otherton's
    list_id = mine["outreach_list"]["id"]
    detail = client.get(f"/api/v1/outreach/{list_id}", headers=headers).json()
    assert [(e["resident_id"], e["name"]) for e in detail["entries"]] == [
        (lw.residents["I"], "Ian Ince"),
        (lw.residents["J"], "Jo Ince"),
    ]
    assert actions(db, "outreach.view_list")[0].entity_id == list_id
    ian = lw.residents["I"]
    done = client.post(
        f"/api/v1/outreach/{list_id}/status",
        headers=headers,
        json={"resident_id": ian, "status": "unreachable", "note": "no answer"},
    )
    assert done.status_code == 200 and done.json()["status"] == "unreachable"
    assert db.scalar(select(OutreachEntry.status).where(OutreachEntry.resident_id == ian)) == (
        "unreachable"
    )
    bad = client.post(
        f"/api/v1/outreach/{list_id}/status", headers=headers, json={"resident_id": ian}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    missing = client.post(
        f"/api/v1/outreach/{list_id}/status",
        headers=headers,
        json={"resident_id": lw.residents["A"], "status": "claimed"},
    )
    assert missing.status_code == 404
    other = client.get(f"/api/v1/outreach/{lw.other['list']}", headers=headers)
    assert other.status_code == 404

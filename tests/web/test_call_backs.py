"""The call-back pages and API: a resident shares their self-check through the real pages, a
council caseworker sees it in the queue, reads the answers, results and contact details
(audited), and records outcomes (a form sent twice recorded once); another council's staff get
404, partners' staff 403."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.audit import AuditEvent
from safetynet.config import get_settings
from safetynet.entitlements import checks, service
from safetynet.entitlements.models import CallBackOutcome, EntitlementCheck
from safetynet.entitlements.schemas import parse_household
from tests.web.conftest import World
from tests.web.linkage_world import act_as, bearer
from tests.web.test_gaps_pages import cells
from tests.web.test_self_check import walk

PROBLEM = "application/problem+json"


@pytest.fixture
def shared(world: World, client: TestClient, db: Session, monkeypatch) -> int:
    """A lone parent's self-check, walked and shared through the public pages to Testshire
    (which serves Sheffield), at 2025 to 2026 rates."""
    monkeypatch.setenv("SAFETYNET_SELF_CHECK_AREA", "testshire")
    monkeypatch.setenv("SAFETYNET_SELF_CHECK_COUNCILS", '["Sheffield"]')
    monkeypatch.setenv("SAFETYNET_SELF_CHECK_YEAR", "2025")
    get_settings.cache_clear()
    token = walk(client)
    client.post("/check/answers", data={"csrf_token": token})
    sent = client.post(
        "/check/share",
        data={
            "csrf_token": token,
            "consent": "yes",
            "name": "Sam",
            "phone": "0114 496 0000",
            "email": "sam@example.org",
        },
    )
    assert sent.status_code == 200 and "Your answers have been sent" in sent.text
    client.cookies.clear()
    return int(db.scalars(select(EntitlementCheck.id)).one())


def quick_share(db: Session, world: World, area: str = "Testshire") -> int:
    """A shared self-check through the real function, the engine's result given."""
    estimate = service.Estimate("child_benefit", "Child Benefit", 135_460, "why")
    household = parse_household(
        {"year": 2025, "local_authority": "Sheffield", "tenure": "other", "people": [{"age": 30}]}
    )
    saved = checks.share_self_check(
        db,
        world.ids[f"tenant:{area}"],
        household,
        service.Check(year=2025, benefits=[estimate]),
        contact={"phone": "", "email": "pat@example.org"},
        consent_text="I agree",
    )
    return saved.id


def audited(db: Session, action: str) -> list[tuple[int | None, int | None, dict]]:
    db.expire_all()
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action == action))
    return [(e.entity_id, e.user_id, e.detail) for e in rows]


def test_a_shared_self_check_waits_in_the_queue_and_its_outcomes_are_recorded(
    world, client, db, shared
):
    caseworker = world.users["caseworker"]
    token = act_as(client, db, caseworker)
    home = client.get("/")
    assert 'href="/call-backs"' in home.text
    queue = client.get("/call-backs")
    assert queue.status_code == 200
    (row,) = cells(queue.text, "call-backs")[1:]
    assert row[1:3] == ["£15,670.00", "New"] and row[3].startswith(f"Call-back {shared}")
    assert "New (1)" in queue.text and "Closed (0)" in queue.text
    page = client.get(f"/call-backs/{shared}")
    assert page.status_code == 200
    assert "0114 496 0000" in page.text and "sam@example.org" in page.text
    assert dict(row[:2] for row in _summary(page.text, "contact"))["Ask for"] == "Sam"
    assert "I agree that the council may keep my answers" in page.text
    answers = dict(row[:2] for row in _summary(page.text, "answers"))
    assert answers["Council"] == "Sheffield"
    assert answers["Rent a month"] == "£500" and answers["Council tax a year"] == "£1,500"
    assert answers["Person 2"] == "aged 5, in school or college"
    assert cells(page.text, "benefits")[1:] == [
        ["Universal Credit", "£1,192.95", "£14,315.40"],
        ["Child Benefit", "£112.88", "£1,354.60"],
    ]
    assert audited(db, "callbacks.view") == [(shared, caseworker.id, {})]

    form = {"csrf_token": token, "status": "no_answer", "note": "Left a voicemail", "seen": "0"}
    done = client.post(f"/call-backs/{shared}", data=form)
    assert (
        done.status_code == 303 and done.headers["location"] == f"/call-backs/{shared}?recorded=1"
    )
    twice = client.post(f"/call-backs/{shared}", data=form)  # a double click: one outcome
    assert twice.status_code == 303
    after = client.get(done.headers["location"])
    assert "Outcome recorded." in after.text
    assert [row[1:] for row in cells(after.text, "history")[1:]] == [
        ["No answer", "caseworker@tc.example", "Left a voicemail"]
    ]
    assert 'name="seen" value="1"' in after.text
    client.post(f"/call-backs/{shared}", data=form | {"status": "called_back", "seen": "1"})
    assert [o.status for o in db.scalars(select(CallBackOutcome))] == ["no_answer", "called_back"]
    assert [e[2] for e in audited(db, "callbacks.status")] == [
        {"from": "new", "to": "no_answer", "note": True},
        {"from": "no_answer", "to": "called_back", "note": True},
    ]
    assert "No call-backs with this status." in client.get("/call-backs?status=new").text
    called = client.get("/call-backs?status=called_back")
    assert [row[2] for row in cells(called.text, "call-backs")[1:]] == ["Called back"]


def _summary(html: str, list_id: str) -> list[list[str]]:
    import re

    body = html.split(f'id="{list_id}"')[1].split("</dl>")[0]
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", body, re.S)
    return [[re.sub(r"<[^>]+>", "", p).strip() for p in pair] for pair in pairs]


def test_the_outcome_form_names_each_problem_and_keeps_the_note(world, client, db):
    check_id = quick_share(db, world)
    token = act_as(client, db, world.users["admin"])
    missing = client.post(
        f"/call-backs/{check_id}", data={"csrf_token": token, "note": "Rang twice"}
    )
    assert missing.status_code == 400 and "There is a problem" in missing.text
    assert 'href="#status"' in missing.text and "Select what happened" in missing.text
    assert ">Rang twice</textarea>" in missing.text
    long = client.post(
        f"/call-backs/{check_id}",
        data={"csrf_token": token, "status": "closed", "note": "x" * 2001},
    )
    assert long.status_code == 400 and 'href="#note"' in long.text
    assert db.scalars(select(CallBackOutcome)).all() == []
    refused = client.post(f"/call-backs/{check_id}", data={"status": "closed"})
    assert refused.status_code == 403  # no form token
    assert client.get("/call-backs?status=lost").status_code == 422


def test_another_councils_staff_find_nothing_and_partners_are_refused(world, client, db):
    check_id = quick_share(db, world)
    token = act_as(client, db, world.users["otheradmin"])
    assert client.get(f"/call-backs/{check_id}").status_code == 404
    posted = client.post(f"/call-backs/{check_id}", data={"csrf_token": token, "status": "closed"})
    assert posted.status_code == 404
    assert "No resident has asked for a call back yet." in client.get("/call-backs").text
    headers = bearer(db, world.users["otheradmin"])
    assert client.get(f"/api/v1/call-backs/{check_id}", headers=headers).status_code == 404
    for name in ("partner", "target", "analyst"):  # target: a caseworker at a partner charity
        act_as(client, db, world.users[name])
        assert client.get("/call-backs").status_code == 403, name
        assert client.get(f"/call-backs/{check_id}").status_code == 403, name
        assert 'href="/call-backs"' not in client.get("/").text, name
        headers = bearer(db, world.users[name])
        assert client.get("/api/v1/call-backs", headers=headers).status_code == 403, name
    assert audited(db, "callbacks.view") == []
    db.expire_all()
    assert db.get(EntitlementCheck, check_id).callback_status == "new"  # type: ignore[union-attr]


def test_the_api_lists_reads_and_records_call_backs(world, client, db):
    check_id = quick_share(db, world)
    quick_share(db, world, "Otherton")
    headers = bearer(db, world.users["caseworker"])
    listed = client.get("/api/v1/call-backs", headers=headers).json()
    assert listed["counts"] == {"new": 1, "no_answer": 0, "called_back": 0, "closed": 0}
    (item,) = listed["call_backs"]
    assert item["id"] == check_id and item["total_pence"] == 135_460 and "contact" not in item
    one: dict[str, Any] = client.get(f"/api/v1/call-backs/{check_id}", headers=headers).json()
    assert one["contact"] == {"phone": "", "email": "pat@example.org"}
    assert one["consent"]["text"] == "I agree" and one["history"] == []
    assert one["benefits"] == [
        {"benefit": "child_benefit", "label": "Child Benefit", "annual_pence": 135_460,
         "monthly_pence": 11_288},
    ]  # fmt: skip
    body = {"status": "closed", "note": "Claiming now", "seen": 0}
    path = f"/api/v1/call-backs/{check_id}/status"
    done = client.post(path, headers=headers, json=body).json()
    assert done["recorded"] is True and done["status"] == "closed"
    assert [(h["status"], h["note"]) for h in done["history"]] == [("closed", "Claiming now")]
    assert client.post(path, headers=headers, json=body).json()["recorded"] is False
    bad = client.post(path, headers=headers, json={"status": "new"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    missing = client.post("/api/v1/call-backs/999999/status", headers=headers, json=body)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
    closed = client.get("/api/v1/call-backs?status=closed", headers=headers).json()
    assert [c["id"] for c in closed["call_backs"]] == [check_id]
    assert client.get("/api/v1/call-backs?status=lost", headers=headers).status_code == 422
    actions = [e.action for e in db.scalars(select(AuditEvent)) if e.action.startswith("callb")]
    assert actions == ["callbacks.list", "callbacks.view", "callbacks.status", "callbacks.list"]

"""The API's privacy operations, outreach-list export and a resident's entitlement checks:
allowed roles work, other roles and areas are refused, each action is audited, bad input
answers problem+json naming the fields."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from safetynet.accounts import service as accounts
from safetynet.audit import AuditEvent
from safetynet.config import get_settings
from safetynet.entitlements.models import EntitlementCheck
from safetynet.gaps.models import OutreachList
from safetynet.privacy import access
from safetynet.sources.models import Record
from tests import factories
from tests.entitlements.linked_area import build_area
from tests.web.linkage_world import AS_OF, PASSWORD, bearer

TODAY = date(2027, 4, 1)  # Bob's visit (March 2026) is past North's 365 days; nothing else is
PROBLEM = "application/problem+json"


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(access, "today", lambda: TODAY)


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def fields(response) -> set[str]:
    assert response.headers["content-type"] == PROBLEM
    return {e["field"] for e in response.json()["errors"]}


def test_retention_reports_then_runs_once_through_the_api(lw, client, db, fixed_today):
    admin = bearer(db, lw.users["admin"])
    due = client.get("/api/v1/privacy/retention", headers=admin)
    assert due.status_code == 200
    body = due.json()
    assert body["dry_run"] is True and body["as_of"] == "2027-04-01"
    assert body["tables"] == {
        "records": 1, "resident_records": 1, "review_pairs": 1, "rejected_rows": 0
    }  # fmt: skip
    (source,) = body["sources"]
    assert (source["source"], source["agreement"], source["retention_days"]) == (
        "visits", "DSA-NORTH", 365,
    )  # fmt: skip
    assert source["reason"] == "visits"
    assert {p["reference"]: p["retention_days"] for p in body["periods"]} == {
        "DSA-COUNCIL": 365, "DSA-NORTH": 365,
    }  # fmt: skip
    assert db.scalar(select(Record.id).where(Record.row_id == "B-1")) is not None
    planned = client.get("/api/v1/privacy/retention?as_of=2027-10-15", headers=admin).json()
    assert planned["tables"]["records"] == 4

    done = client.post("/api/v1/privacy/retention", headers=admin)
    assert done.status_code == 200
    assert done.json()["dry_run"] is False and done.json()["tables"]["records"] == 1
    again = client.post("/api/v1/privacy/retention", headers=admin, json={})
    assert again.json()["tables"]["records"] == 0 and again.json()["sources"] == []
    db.expire_all()
    assert db.scalar(select(Record.id).where(Record.row_id == "B-1")) is None
    runs = events(db, "privacy.retention")
    assert [(e.user_id, e.detail["records_deleted"]) for e in runs] == [
        (lw.users["admin"].id, 1), (lw.users["admin"].id, 0),
    ]  # fmt: skip


def test_retention_refuses_a_later_day_bad_input_and_other_roles(lw, client, db, fixed_today):
    admin = bearer(db, lw.users["admin"])
    later = client.post("/api/v1/privacy/retention", headers=admin, json={"as_of": "2027-10-15"})
    assert later.status_code == 422 and later.headers["content-type"] == PROBLEM
    assert "today or earlier" in later.json()["detail"]
    bad = client.post("/api/v1/privacy/retention", headers=admin, json={"as_of": "soon"})
    assert bad.status_code == 422 and fields(bad) == {"as_of"}
    extra = client.post("/api/v1/privacy/retention", headers=admin, json={"dry": True})
    assert extra.status_code == 422 and fields(extra) == {"dry"}
    for name in ("analyst", "caseworker", "partner"):
        headers = bearer(db, lw.users[name])
        for response in (
            client.get("/api/v1/privacy/retention", headers=headers),
            client.post("/api/v1/privacy/retention", headers=headers),
        ):
            assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert events(db, "privacy.retention") == []
    db.expire_all()
    assert db.scalar(select(Record.id).where(Record.row_id == "B-1")) is not None


def test_subject_access_answers_the_file_and_audits_the_reason(lw, client, db):
    admin = bearer(db, lw.users["admin"])
    ann = lw.residents["A"]
    done = client.post(
        "/api/v1/privacy/subject-access",
        headers=admin,
        json={"resident_id": ann, "reason": "  SAR-2026-017 "},
    )
    assert done.status_code == 200 and done.headers["content-type"] == "application/json"
    body = done.json()
    assert body["resident_id"] == ann
    assert sorted(r["row_id"] for r in body["records"]) == ["A-1", "A-2"]
    book = client.post(
        "/api/v1/privacy/subject-access",
        headers=admin,
        json={"resident_id": ann, "reason": "SAR-2026-017", "format": "xlsx"},
    )
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert load_workbook(io.BytesIO(book.content), read_only=True).sheetnames[0] == "Summary"
    made = events(db, "privacy.subject_access")
    assert [(e.entity_id, e.reason, e.user_id) for e in made] == [
        (ann, "SAR-2026-017", lw.users["admin"].id), (ann, "SAR-2026-017", lw.users["admin"].id),
    ]  # fmt: skip


def test_subject_access_refuses_bad_input_other_areas_and_other_roles(lw, client, db):
    admin = bearer(db, lw.users["admin"])
    path = "/api/v1/privacy/subject-access"
    blank = client.post(path, headers=admin, json={"resident_id": 0, "reason": " ", "format": "x"})
    assert blank.status_code == 422 and fields(blank) == {"resident_id", "reason", "format"}
    missing = client.post(path, headers=admin, json={"resident_id": 999_999, "reason": "SAR"})
    elsewhere = client.post(
        path, headers=admin, json={"resident_id": lw.other["resident"], "reason": "SAR"}
    )
    assert missing.status_code == elsewhere.status_code == 404
    assert missing.json() == elsewhere.json()  # another area's resident is as unknown as no one
    analyst = client.post(
        path, headers=bearer(db, lw.users["analyst"]), json={"resident_id": 1, "reason": "SAR"}
    )
    assert analyst.status_code == 403
    assert events(db, "privacy.subject_access") == []


def test_an_outreach_list_is_exported_through_the_api(lw, client, db):
    analyst = bearer(db, lw.users["analyst"])
    path = "/api/v1/gaps/children-uc-hb-no-fsm/export"
    done = client.post(
        path, headers=analyst, json={"reason": "FSM drive", "as_of": AS_OF.isoformat()}
    )
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
    list_id = int(done.headers["outreach-list-id"])
    assert f"outreach-list-{list_id}.csv" in done.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(done.content.decode("utf-8-sig"))))
    assert [int(r["resident_id"]) for r in rows] == [lw.residents["I"], lw.residents["J"]]
    made = db.get(OutreachList, list_id)
    assert (
        made is not None
        and made.reason == "FSM drive"
        and made.created_by.endswith("analyst@council.example")
    )
    (event,) = events(db, "export.outreach_list")
    assert (event.entity_id, event.reason, event.detail["rows"]) == (list_id, "FSM drive", 2)
    one_ward = client.post(
        path,
        headers=analyst,
        json={"reason": "ward", "ward": "Northgate", "format": "xlsx", "as_of": "2026-11-27"},
    )
    assert one_ward.status_code == 200
    assert load_workbook(io.BytesIO(one_ward.content)).active.max_row == 1  # header only


def test_outreach_export_refuses_bad_input_unknown_rules_and_caseworkers(lw, client, db):
    analyst = bearer(db, lw.users["analyst"])
    path = "/api/v1/gaps/children-uc-hb-no-fsm/export"
    bad = client.post(path, headers=analyst, json={"reason": "", "format": "pdf"})
    assert bad.status_code == 422 and fields(bad) == {"reason", "format"}
    atlantis = client.post(path, headers=analyst, json={"reason": "x", "ward": "Atlantis"})
    assert atlantis.status_code == 422 and atlantis.headers["content-type"] == PROBLEM
    unknown = client.post("/api/v1/gaps/no-such-rule/export", headers=analyst, json={"reason": "x"})
    assert unknown.status_code == 404
    caseworker = bearer(db, lw.users["caseworker"])
    assert client.post(path, headers=caseworker, json={"reason": "x"}).status_code == 403
    assert events(db, "export.outreach_list") == []
    assert db.scalar(select(OutreachList).where(OutreachList.reason == "x")) is None


@pytest.fixture
def area(db, monkeypatch) -> dict[str, int]:
    monkeypatch.setenv("SAFETYNET_SCREENING_LOCAL_AUTHORITY", "Sheffield")
    get_settings.cache_clear()
    found = build_area(db)
    factories.organisation(db, slug="far", name="Far Council", kind="council", area="Farshire")
    for email, org, role in (
        ("caseworker@north.example", "north", "caseworker"),
        ("analyst@north.example", "north", "analyst"),
        ("caseworker@far.example", "far", "caseworker"),
    ):
        accounts.create_user(
            db, email=email, full_name="Someone", organisation=org, role=role,
            password=PASSWORD, actor="test",
        )  # fmt: skip
    return found


def _user(db, email):
    return db.scalar(select(accounts.User).where(accounts.User.email == email))


HOUSEHOLD = {
    "year": 2025,
    "local_authority": "Sheffield",
    "tenure": "other",
    "couple": True,
    "people": [{"age": 35}, {"age": 33}, {"age": 8}],
}


def test_a_caseworker_checks_and_saves_a_residents_entitlements_through_the_api(client, db, area):
    headers = bearer(db, _user(db, "caseworker@north.example"))
    path = f"/api/v1/residents/{area['partner']}/entitlements"
    assert client.get(path, headers=headers).json() == []
    checked = client.post(path, headers=headers, json={"household": HOUSEHOLD})
    assert checked.status_code == 200, checked.text
    body = checked.json()
    # The same household as the page's test: UC £11,050.92 and Child Benefit £1,354.60 a year.
    assert body["result"]["total_annual_pence"] == 1_240_552 and body["saved"] is None
    assert db.scalars(select(EntitlementCheck)).first() is None
    saved = client.post(path, headers=headers, json={"household": HOUSEHOLD, "save": True})
    assert saved.status_code == 200
    row = saved.json()["saved"]
    assert row["kind"] == "caseworker" and row["created_by"] == "caseworker@north.example"
    assert row["benefits"] == {"universal_credit": 1_105_092, "child_benefit": 135_460}
    assert row["provenance"]["children"]["kind"] == "free_school_meals"
    listed = client.get(path, headers=headers).json()
    assert [c["id"] for c in listed] == [row["id"]]
    actions = {e.action for e in db.scalars(select(AuditEvent))}
    assert {"entitlements.check.save", "entitlements.check.view"} <= actions


def test_the_entitlements_api_refuses_bad_households_other_areas_and_other_roles(client, db, area):
    headers = bearer(db, _user(db, "caseworker@north.example"))
    path = f"/api/v1/residents/{area['partner']}/entitlements"
    bad = client.post(
        path,
        headers=headers,
        json={"household": HOUSEHOLD | {"people": [{"age": 200}], "tenure": "castle"}},
    )
    assert bad.status_code == 422
    assert fields(bad) == {"household.tenure", "household.people.0.age"}
    not_json = client.post(
        path, headers=headers | {"content-type": "application/json"}, content=b"{"
    )
    assert not_json.status_code == 422 and not_json.headers["content-type"] == PROBLEM
    far = bearer(db, _user(db, "caseworker@far.example"))
    for response in (
        client.get(path, headers=far),
        client.post(path, headers=far, json={"household": HOUSEHOLD}),
        client.post(path, headers=far, json={}),  # 404 before the body is looked at
    ):
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    analyst = bearer(db, _user(db, "analyst@north.example"))
    assert client.get(path, headers=analyst).status_code == 403
    assert client.post(path, headers=analyst, json={"household": HOUSEHOLD}).status_code == 403
    assert db.scalars(select(EntitlementCheck)).first() is None

"""The privacy pages: retention (what would go, then run it once; a second run deletes nothing
further) and subject access (a resident's file, reason required, another area's resident as
unknown as a missing one). Council admins only."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from safetynet.accounts import service as accounts
from safetynet.audit import AuditEvent
from safetynet.link.models import ResidentRecord, ReviewPair
from safetynet.privacy import access
from safetynet.sources.models import Record
from tests.web.linkage_world import PASSWORD, act_as

# North's agreement keeps records 365 days. On this day Bob's visit (1 March 2026) is past it;
# the October visits and the council's snapshots (imported today) are not.
TODAY = date(2027, 4, 1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(access, "today", lambda: TODAY)


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def records(db, *where) -> int:
    return db.scalar(select(func.count()).select_from(Record).where(*where)) or 0


def cells(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    clean = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in clean]


def test_the_landing_page_links_both_operations_from_the_admin_navigation(lw, client, db):
    act_as(client, db, lw.users["admin"])
    home = client.get("/")
    assert 'href="/privacy"' in home.text
    page = client.get("/privacy")
    assert page.status_code == 200
    assert 'href="/privacy/retention"' in page.text
    assert 'href="/privacy/subject-access"' in page.text
    act_as(client, db, lw.users["analyst"])
    assert 'href="/privacy"' not in client.get("/").text
    assert client.get("/privacy").status_code == 403


def test_retention_shows_what_would_go_then_deletes_it_once(lw, client, db):
    token = act_as(client, db, lw.users["admin"])
    page = client.get("/privacy/retention")
    assert page.status_code == 200
    assert "What would be deleted as of 1 April 2027" in page.text
    by_table = {row[0]: row[1] for row in cells(page.text, "by-table")[1:]}
    # Bob's record, link, pair A~B; no rejected rows, no closed call-backs
    assert list(by_table.values()) == ["1", "1", "1", "0", "0"]
    assert cells(page.text, "by-source")[1:] == [
        ["visits", "DSA-NORTH", "365 days", "visits older than the period", "1", "0"]
    ]
    assert ["DSA-NORTH", "North to council", "365 days"] in cells(page.text, "periods")
    assert 'id="delete"' in page.text
    before = records(db)
    assert records(db, Record.row_id == "B-1") == 1  # the preview deleted nothing

    done = client.post("/privacy/retention", data={"csrf_token": token, "as_of": "2027-04-01"})
    assert done.status_code == 200
    assert "Retention run complete" in done.text and 'id="deleted">1<' in done.text
    db.expire_all()
    assert records(db, Record.row_id == "B-1") == 0 and records(db) == before - 1
    bob = lw.residents["B"]
    assert db.scalar(select(func.count()).where(ResidentRecord.resident_id == bob)) == 0
    assert db.get(ReviewPair, lw.pairs["A~B"]) is None
    assert db.get(ReviewPair, lw.pairs["D~E"]) is not None
    (run,) = events(db, "privacy.retention")
    assert run.user_id == lw.users["admin"].id and run.actor == "user:admin@council.example"
    assert run.detail["records_deleted"] == 1 and run.detail["review_pairs_deleted"] == 1

    again = client.post("/privacy/retention", data={"csrf_token": token, "as_of": "2027-04-01"})
    assert again.status_code == 200
    assert 'id="nothing-deleted"' in again.text and "Retention run complete" not in again.text
    db.expire_all()
    assert records(db) == before - 1
    assert [e.detail["records_deleted"] for e in events(db, "privacy.retention")] == [1, 0]
    # The other council area's records are untouched.
    assert records(db, Record.tenant_id != run.tenant_id) == 3


def test_retention_can_be_planned_for_a_later_day_but_not_run_for_one(lw, client, db):
    token = act_as(client, db, lw.users["admin"])
    later = client.get("/privacy/retention?as_of=2027-10-15")
    assert "What would be deleted as of 15 October 2027" in later.text
    assert cells(later.text, "by-table")[1][1] == "4"  # the October visits have gone past too
    assert 'id="delete"' not in later.text and "This is a plan" in later.text
    bad = client.get("/privacy/retention?as_of=soon")
    assert bad.status_code == 400 and "There is a problem" in bad.text
    assert 'href="#as_of"' in bad.text
    refused = client.post("/privacy/retention", data={"csrf_token": token, "as_of": "2027-10-15"})
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert "only be run as of today or earlier" in refused.text
    assert client.post("/privacy/retention", data={"as_of": "2027-04-01"}).status_code == 403
    db.expire_all()
    assert records(db, Record.row_id == "B-1") == 1
    assert events(db, "privacy.retention") == []


def test_only_council_admins_run_privacy_operations(lw, client, db):
    accounts.create_user(
        db, email="boss@north.example", full_name="Partner Admin", organisation="north",
        role="admin", password=PASSWORD, actor="test",
    )  # fmt: skip
    partner_admin = db.scalar(
        select(accounts.User).where(accounts.User.email == "boss@north.example")
    )
    token = act_as(client, db, partner_admin)
    assert client.get("/privacy/retention").status_code == 403
    data = {"csrf_token": token, "resident": str(lw.residents["A"]), "reason": "SAR-1"}
    assert client.post("/privacy/subject-access", data=data).status_code == 403
    for name in ("analyst", "caseworker", "partner"):
        token = act_as(client, db, lw.users[name])
        assert client.get("/privacy/subject-access").status_code == 403
        assert client.post("/privacy/retention", data={"csrf_token": token}).status_code == 403
    assert events(db, "privacy.subject_access") == [] and events(db, "privacy.retention") == []


def test_subject_access_downloads_the_residents_file_with_the_reason_audited(lw, client, db):
    token = act_as(client, db, lw.users["admin"])
    form = client.get("/privacy/subject-access")
    assert form.status_code == 200 and 'name="reason"' in form.text
    ann = lw.residents["A"]
    done = client.post(
        "/privacy/subject-access",
        data={
            "csrf_token": token,
            "resident": str(ann),
            "reason": "SAR-2026-017",
            "format": "json",
        },
    )
    assert done.status_code == 200 and done.headers["content-type"] == "application/json"
    assert f'filename="subject-access-{ann}.json"' in done.headers["content-disposition"]
    body = json.loads(done.content)
    assert body["resident_id"] == ann
    assert sorted(r["row_id"] for r in body["records"]) == ["A-1", "A-2"]
    (event,) = events(db, "privacy.subject_access")
    assert event.reason == "SAR-2026-017" and event.entity_id == ann
    assert event.user_id == lw.users["admin"].id and event.detail["records"] == 2

    # By a partner's reference from one of the records, as a workbook.
    book = client.post(
        "/privacy/subject-access",
        data={"csrf_token": token, "resident": "B-1", "reason": "SAR-2026-018", "format": "xlsx"},
    )
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content), read_only=True)
    assert sheets.sheetnames[:2] == ["Summary", "records"]
    rows = list(sheets["records"].iter_rows(values_only=True))
    assert [r[rows[0].index("row_id")] for r in rows[1:]] == ["B-1"]


def test_subject_access_errors_are_shown_and_another_area_looks_like_no_one(lw, client, db):
    token = act_as(client, db, lw.users["admin"])
    blank = client.post("/privacy/subject-access", data={"csrf_token": token, "resident": "5"})
    assert blank.status_code == 400 and "There is a problem" in blank.text
    assert 'href="#reason"' in blank.text and "Enter why you are exporting this data" in blank.text
    assert 'value="5"' in blank.text  # what was typed is kept

    def ask(resident: str) -> str:
        page = client.post(
            "/privacy/subject-access",
            data={"csrf_token": token, "resident": resident, "reason": "SAR-9", "format": "json"},
        )
        assert page.status_code == 400 and "There is a problem" in page.text
        assert 'href="#resident"' in page.text
        return page.text.replace(f'value="{resident}"', 'value="ID"')

    missing, elsewhere = ask("999999"), ask(str(lw.other["resident"]))
    assert "There is no resident with that id or reference in your council area" in missing
    assert missing == elsewhere  # nothing tells another area's resident from no one
    assert "There is no resident with that id" in ask("no-such-ref")
    assert events(db, "privacy.subject_access") == []
    assert client.post("/privacy/subject-access", data={"resident": "5"}).status_code == 403

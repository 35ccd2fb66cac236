"""Who is missing: the programme x ward table, bar chart and ward map; the residents a rule
finds with contacts (audited); exporting an outreach list (reason required, audited); the
lists, status changes by form, and take-up."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.gaps import charts
from safetynet.gaps.models import OutreachEntry, OutreachList, OutreachStatusChange
from tests.web.linkage_world import AS_OF, act_as

DAY = AS_OF.isoformat()


def actions(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each row's cells (headers included) of one table."""
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    clean = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    hidden = r'<span class="govuk-visually-hidden">.*?</span>'  # what screen readers hear
    return [[re.sub(r"<[^>]+>", "", re.sub(hidden, "", c)).strip() for c in row] for row in clean]


def test_the_table_counts_residents_missing_each_programme_by_ward(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/gaps?as_of={DAY}")
    assert page.status_code == 200
    assert cells(page.text, "gap-table") == [
        ["Ward", "Council Tax Reduction", "Universal Credit", "Free School Meals",
         "Pension Credit", "Any"],
        ["Northgate", "1", "1", "0", "0", "1"],
        ["Old Town", "0", "0", "2", "0", "2"],
        ["Unknown ward", "0", "0", "0", "1", "1"],
        ["All wards", "1", "1", "2", "1", "4"],
    ]  # fmt: skip
    assert actions(db, "residents.read")[0].reason == "who is missing page"


def test_the_bar_chart_and_ward_map_are_drawn_on_the_server(lw, client, db):
    act_as(client, db, lw.users["analyst"])
    html = client.get(f"/gaps?as_of={DAY}").text
    chart = html.split('id="bar-chart"')[1].split("</svg>")[0]
    assert chart.count("<rect") == 4 and "Free School Meals: 2" in chart
    ward_map = html.split('id="ward-map"')[1].split("</svg>")[0]
    assert ward_map.count("<path") == 2
    assert "Northgate: 1" in ward_map and "Old Town: 2" in ward_map
    drawn = re.findall(r'd="M([\d.]+) [^"]*" fill="(#\w+)"[^>]*><title>([^:]+): (\d+)', ward_map)
    by_name = {name: (float(x), fill, int(n)) for x, fill, name, n in drawn}
    # Old Town has the most: the darkest shade; Northgate half as many, a middle one.
    assert by_name["Old Town"][1:] == (charts.SHADES[-1], 2)
    assert by_name["Northgate"][1:] == (charts.SHADES[2], 1)
    assert by_name["Northgate"][0] < by_name["Old Town"][0]  # the western square is on the left
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_a_rule_drills_down_to_its_residents_with_contacts_and_the_view_is_audited(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/gaps/children-uc-hb-no-fsm?as_of={DAY}")
    assert page.status_code == 200
    rows = cells(page.text, "people")[1:]
    assert [r[0] for r in rows] == [str(lw.residents["I"]), str(lw.residents["J"])]
    assert "Ian Ince" in rows[0][1] and "9 Park Road" in rows[0][1] and rows[0][3] == "Old Town"
    assert rows[0][4] == "Not listed"
    seen = actions(db, "gaps.view_residents")
    assert seen[0].detail == {
        "rule": "children-uc-hb-no-fsm",
        "ward": None,
        "page": 1,
        "residents_shown": 2,
    }
    one_ward = client.get(f"/gaps/foodbank-no-ctr?as_of={DAY}&ward=Old+Town")
    assert 'id="found-count">0<' in one_ward.text
    assert client.get(f"/gaps/no-such-rule?as_of={DAY}").status_code == 404
    assert client.get(f"/gaps/foodbank-no-ctr?as_of={DAY}&ward=Atlantis").status_code == 404


def test_export_needs_a_reason_then_downloads_the_list_and_audits_it(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    path = "/gaps/children-uc-hb-no-fsm/export"
    refused = client.post(path, data={"csrf_token": token, "as_of": DAY, "format": "csv"})
    assert refused.status_code == 400 and "Enter why you need this list" in refused.text
    assert db.scalar(select(OutreachList).where(OutreachList.rule_id != "foodbank-no-ctr")) is None
    done = client.post(
        path, data={"csrf_token": token, "as_of": DAY, "format": "csv", "reason": "FSM drive"}
    )
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(done.content.decode("utf-8-sig"))))
    assert [int(r["resident_id"]) for r in rows] == [lw.residents["I"], lw.residents["J"]]
    assert rows[0]["name"] == "Ian Ince" and rows[0]["status"] == "to_contact"
    made = actions(db, "export.outreach_list")
    assert [(e.reason, e.detail["rows"]) for e in made] == [("FSM drive", 2)]
    xlsx = client.post(
        path, data={"csrf_token": token, "as_of": DAY, "format": "xlsx", "reason": "again"}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3 and sheet["B2"].value in (lw.residents["I"], str(lw.residents["I"]))


def test_caseworkers_may_not_export_and_a_post_without_the_token_is_refused(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    data = {"csrf_token": token, "as_of": DAY, "reason": "x"}
    assert client.post("/gaps/foodbank-no-ctr/export", data=data).status_code == 403
    act_as(client, db, lw.users["analyst"])
    assert client.post("/gaps/foodbank-no-ctr/export", data=data).status_code == 403  # old token
    assert actions(db, "export.outreach_list") == []


def _make_list(client, token) -> int:
    client.post(
        "/gaps/children-uc-hb-no-fsm/export",
        data={"csrf_token": token, "as_of": DAY, "format": "csv", "reason": "FSM drive"},
    )
    return max(
        i for (i,) in client.app.state.engine.connect().execute(select(OutreachList.id)).all()
    )


def test_outreach_lists_show_statuses_and_a_form_changes_one(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    list_id = _make_list(client, token)
    token = act_as(client, db, lw.users["caseworker"])
    listed = client.get("/outreach")
    assert listed.status_code == 200 and f'href="/outreach/{list_id}"' in listed.text
    row = next(r for r in cells(listed.text, "lists") if r[0] == f"List {list_id}")
    assert row[4:] == ["2", "0", "0", "0", "0"]
    page = client.get(f"/outreach/{list_id}")
    assert "Ian Ince" in page.text and page.status_code == 200
    assert actions(db, "outreach.view_list")[0].entity_id == list_id
    ian = lw.residents["I"]
    done = client.post(
        f"/outreach/{list_id}/status",
        data={"csrf_token": token, "resident_id": str(ian), "status": "claimed"},
    )
    assert done.status_code == 303
    entry = db.scalar(select(OutreachEntry).where(OutreachEntry.resident_id == ian))
    db.refresh(entry)
    assert entry.status == "claimed"
    assert db.scalar(select(OutreachStatusChange.status)) == "claimed"
    bad = client.post(
        f"/outreach/{list_id}/status",
        data={"csrf_token": token, "resident_id": str(ian), "status": "married"},
    )
    assert bad.status_code == 400 and "There is a problem" in bad.text
    forged = client.post(
        f"/outreach/{list_id}/status", data={"resident_id": str(ian), "status": "declined"}
    )
    assert forged.status_code == 403
    db.refresh(entry)
    assert entry.status == "claimed"
    row = next(r for r in cells(client.get("/outreach").text, "lists") if r[0] == f"List {list_id}")
    assert row[4:] == ["1", "0", "1", "0", "0"]
    takeup = client.get(f"/takeup?list_id={list_id}")
    assert takeup.status_code == 200
    last = cells(takeup.text, "takeup")[-1]
    assert last[1:3] == ["1", "1"]  # contacted (claimed counts as reached), taken up


def test_another_areas_outreach_list_is_not_found(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    other = lw.other["list"]
    assert client.get(f"/outreach/{other}").status_code == 404
    reply = client.post(
        f"/outreach/{other}/status",
        data={"csrf_token": token, "resident_id": str(lw.other["resident"]), "status": "claimed"},
    )
    assert reply.status_code == 404
    assert client.get(f"/takeup?list_id={other}").status_code == 404


def test_partners_cannot_open_who_is_missing_or_outreach(lw, client, db):
    act_as(client, db, lw.users["partner"])
    for path in ("/gaps", "/outreach", "/takeup", "/gaps/foodbank-no-ctr"):
        assert client.get(path).status_code == 403, path

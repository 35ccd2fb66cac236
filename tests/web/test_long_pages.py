"""Long pages come a page at a time: the paging helper itself; a gap rule's residents (paged,
with a ward chooser, reached from the ward x programme table); outreach lists (paged,
filtered by status, searched, their status forms still working); the audit log (date and
actor filters, paged) and its API twin."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from safetynet.audit import AuditEvent
from safetynet.errors import InvalidInput
from safetynet.gaps.models import OutreachEntry
from safetynet.paging import Page, PageRequest, page_of_items
from tests.web.linkage_world import AS_OF, act_as, bearer
from tests.web.test_gaps_pages import _make_list, cells

DAY = AS_OF.isoformat()


@pytest.mark.nostore
def test_a_page_request_is_checked_once_and_pages_know_where_they_stand():
    assert PageRequest.parse(None, "") == PageRequest(1, 50)
    assert PageRequest.parse("3", "20").offset == 40
    for bad in ("0", "-1", "banana", "1e3", "1000001"):
        with pytest.raises(InvalidInput, match="Page must be a whole number from 1"):
            PageRequest.parse(bad)
    with pytest.raises(InvalidInput, match="Size must be a whole number from 1 to 500"):
        PageRequest.parse("1", "501")
    page = page_of_items(list(range(1, 131)), PageRequest(2, 50))
    assert (page.items[0], page.items[-1], page.total, page.pages) == (51, 100, 130, 3)
    assert page.caption("residents") == "Showing 51 to 100 of 130 residents"
    assert Page([], 1, 50, 0).caption() == "No results" and Page([], 1, 50, 0).pages == 1


@pytest.mark.nostore
def test_pagination_links_keep_the_filters_and_elide_far_pages():
    page = Page(list(range(10)), 5, 10, 200)
    links = page.links("/audit", {"actor": "ann@x.example", "action": "", "to": None})
    assert links["previous"] == {"href": "/audit?actor=ann%40x.example&size=10&page=4"}
    assert links["next"]["href"].endswith("page=6")
    shown = [i.get("number", "…") for i in links["items"]]
    assert shown == ["1", "…", "4", "5", "6", "…", "20"]
    assert [i["number"] for i in links["items"] if i.get("current")] == ["5"]
    assert Page([1], 1, 50, 1).links("/audit") is None  # one page: no pagination


def test_a_rules_residents_come_a_page_at_a_time_with_the_ward_kept(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    path = f"/gaps/children-uc-hb-no-fsm?as_of={DAY}&size=1"
    first = client.get(path)
    assert [r[0] for r in cells(first.text, "people")[1:]] == [str(lw.residents["I"])]
    assert 'id="found-count">2<' in first.text and "Showing 1 to 1 of 2 residents" in first.text
    assert 'class="govuk-pagination' in first.text
    assert "/gaps/children-uc-hb-no-fsm?as_of=" + DAY + "&amp;size=1&amp;page=2" in first.text
    second = client.get(path + "&page=2")
    assert [r[0] for r in cells(second.text, "people")[1:]] == [str(lw.residents["J"])]
    audited = db.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "gaps.view_residents")
    )
    assert [(d["page"], d["residents_shown"]) for d in audited] == [(1, 1), (2, 1)]
    bad = client.get(path + "&page=banana")
    assert bad.status_code == 422 and "Page must be a whole number from 1 to 1,000,000" in bad.text


def test_the_ward_chooser_narrows_a_rule_to_one_ward(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/gaps/children-uc-hb-no-fsm?as_of={DAY}")
    chooser = page.text.split('id="ward-chooser"')[1].split("</form>")[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', chooser)
    assert options == [
        ("", "All wards"),
        ("E05000001", "Northgate"),
        ("E05000002", "Old Town"),
        ("unknown", "Ward not known"),
    ]
    north = client.get(f"/gaps/children-uc-hb-no-fsm?as_of={DAY}&ward=E05000001")
    assert 'id="found-count">0<' in north.text
    assert '<option value="E05000001" selected>' in north.text
    old_town = client.get(f"/gaps/children-uc-hb-no-fsm?as_of={DAY}&ward=E05000002")
    assert 'id="found-count">2<' in old_town.text


def test_the_ward_by_programme_cells_link_to_that_wards_residents(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/gaps?as_of={DAY}")
    table = page.text.split('id="gap-table"')[1].split("</table>")[0]
    links = re.findall(
        r'<a class="govuk-link" href="([^"]+)"><span[^>]*>([^<]+)</span>(\d+)</a>', table
    )
    assert (
        f"/gaps/children-uc-hb-no-fsm?ward=E05000002&amp;as_of={DAY}",
        "Free School Meals, Old Town: ",
        "2",
    ) in links
    assert all(count != "0" for _, _, count in links)  # an empty cell has nothing to open
    unknown = [href for href, label, _ in links if "Unknown ward" in label]
    assert unknown and all("ward=unknown" in h for h in unknown)
    for href, _, count in links:
        opened = client.get(href.replace("&amp;", "&"))
        assert opened.status_code == 200
        assert f'id="found-count">{count}<' in opened.text, href


def test_an_outreach_list_is_paged_filtered_by_status_and_searched(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    list_id = _make_list(client, token)
    act_as(client, db, lw.users["caseworker"])
    ian, jo = lw.residents["I"], lw.residents["J"]
    db.execute(
        update(OutreachEntry).where(OutreachEntry.resident_id == jo).values(status="claimed")
    )
    db.commit()

    def shown(query: str) -> list[str]:
        page = client.get(f"/outreach/{list_id}{query}")
        assert page.status_code == 200, page.text
        return [r[0] for r in cells(page.text, "people")[1:]]

    assert shown("") == [str(ian), str(jo)]
    assert shown("?size=1") == [str(ian)] and shown("?size=1&page=2") == [str(jo)]
    assert shown("?status=claimed") == [str(jo)]
    assert shown("?status=to_contact") == [str(ian)]
    assert shown("?q=ian+INCE") == [str(ian)] and shown("?q=ince") == [str(ian), str(jo)]
    assert shown(f"?q={jo}") == [str(jo)]
    assert shown("?q=cook") == []
    bad = client.get(f"/outreach/{list_id}?status=married")
    assert bad.status_code == 400 and "There is no contact status" in bad.text
    assert len(cells(bad.text, "people")) == 3  # everyone, with the problem said


def test_a_status_form_on_a_filtered_page_saves_and_returns_to_the_same_view(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    list_id = _make_list(client, token)
    token = act_as(client, db, lw.users["caseworker"])
    jo = lw.residents["J"]
    page = client.get(f"/outreach/{list_id}?q=ince&size=1&page=2")
    assert 'name="shown_q" value="ince"' in page.text
    assert 'name="shown_page" value="2"' in page.text
    done = client.post(
        f"/outreach/{list_id}/status",
        data={
            "csrf_token": token,
            "resident_id": str(jo),
            "status": "contacted",
            "shown_q": "ince",
            "shown_page": "2",
            "shown_size": "1",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == (
        f"/outreach/{list_id}?q=ince&page=2&size=1&updated={jo}#person-{jo}"
    )
    entry = db.scalar(select(OutreachEntry).where(OutreachEntry.resident_id == jo))
    db.refresh(entry)
    assert entry.status == "contacted"
    forged = client.post(
        f"/outreach/{list_id}/status", data={"resident_id": str(jo), "status": "declined"}
    )
    assert forged.status_code == 403


def _events(db, tenant_id: int) -> None:
    """Fifty-five sign-ins by Ann over three London days, and one by Bob."""
    for n in range(55):
        day = (1, 2, 3)[n % 3]
        db.add(
            AuditEvent(
                tenant_id=tenant_id,
                actor="user:ann@council.example",
                action="user.sign_in",
                occurred_at=datetime(2026, 12, day, 12, n % 60, tzinfo=UTC),
            )
        )
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (summer time).
    db.add(
        AuditEvent(
            tenant_id=tenant_id,
            actor="user:bob@council.example",
            action="user.sign_in",
            occurred_at=datetime(2026, 6, 1, 23, 30, tzinfo=UTC),
        )
    )
    db.commit()


def test_the_audit_log_filters_by_day_and_actor_and_pages(lw, client, db):
    tenant_id = lw.users["admin"].organisation.tenant_id
    _events(db, tenant_id)
    act_as(client, db, lw.users["admin"])
    everything = client.get("/audit", params={"actor": "ann@"})
    assert "Showing 1 to 50 of 55 entries" in everything.text
    assert 'class="govuk-pagination' in everything.text
    rest = client.get("/audit", params={"actor": "ann@", "page": "2"})
    assert "Showing 51 to 55 of 55 entries" in rest.text
    one_day = client.get("/audit", params={"actor": "ann", "from": "2/12/2026", "to": "2026-12-02"})
    assert "Showing 1 to 18 of 18 entries" in one_day.text  # n = 1, 4, … 52
    assert "bob@" not in one_day.text
    london = client.get("/audit", params={"from": "2/6/2026", "to": "2/6/2026"})
    assert "Showing 1 to 1 of 1 entries" in london.text and "bob@council.example" in london.text
    assert "No entries" in client.get("/audit", params={"from": "1/6/2026", "to": "1/6/2026"}).text
    bad = client.get("/audit", params={"from": "31/2/2026"})
    assert bad.status_code == 400 and "From must be a real date, like 1/12/2026" in bad.text
    assert 'href="#from"' in bad.text


def test_the_audit_api_has_the_same_filters_and_pages(lw, client, db):
    _events(db, lw.users["admin"].organisation.tenant_id)
    headers = bearer(db, lw.users["admin"])
    params = {"actor": "ann@", "since": "2026-12-02", "until": "2026-12-03", "limit": 10}
    first = client.get("/api/v1/audit", headers=headers, params=params)
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "36"
    assert len(first.json()) == 10
    last = client.get("/api/v1/audit", headers=headers, params=params | {"page": 4})
    assert len(last.json()) == 6
    days = {date.fromisoformat(e["occurred_at"][:10]) for e in first.json() + last.json()}
    assert days <= {date(2026, 12, 2), date(2026, 12, 3)}
    bad = client.get("/api/v1/audit", headers=headers, params={"since": "banana"})
    assert bad.status_code == 422
    huge = client.get("/api/v1/audit", headers=headers, params={"page": 2**64})
    assert huge.status_code == 422

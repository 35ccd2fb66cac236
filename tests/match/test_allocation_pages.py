"""The allocation pages: a group proposed (who to whom with reasons, places used, the unplaced
and why), paged, confirmed once in one transaction (a resubmit refers nothing more), within
the caller's scope, and refused when there are no places."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from safetynet.audit import AuditEvent
from safetynet.match import allocations
from safetynet.match.area import area_loader
from safetynet.match.columns import ProviderColumns
from safetynet.match.model import Provider
from safetynet.match.models import Allocation, AllocationRow, Referral
from tests.web.conftest import csrf_of, sign_in


def _three(capacity: int = 1) -> ProviderColumns:
    """Three debt services at one place; 1 has the shortest wait, so the score prefers it."""
    return ProviderColumns.build(
        [
            Provider(
                id=i,
                name=f"Debt help {i}",
                categories=frozenset({"debt"}),
                capacity=capacity,
                wait_days=wait,
                lat=53.38,
                lon=-1.47,
                formats=frozenset({"in_person"}),
            )
            for i, wait in ((1, 0), (2, 7), (3, 14))
        ]
    )


def _use(client, cols: ProviderColumns) -> None:
    client.app.dependency_overrides[area_loader] = lambda: lambda tenant_id: cols


def _signed_in(client, who: str = "caseworker@tc.example") -> str:
    assert sign_in(client, who, "a long test passphrase").status_code == 303
    page = client.get("/match/allocations")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _seekers(resident_id: int, rows: int, needs: str = "debt") -> bytes:
    lines = ["resident_id,needs,lat,lon"] + [f"{resident_id},{needs},53.38,-1.47"] * rows
    return ("\n".join(lines) + "\n").encode()


def _propose(client, token: str, data: bytes, **form: str):
    return client.post(
        "/match/allocations",
        data={"group": "file", "kind": "", "strength": "0", "csrf_token": token} | form,
        files={"file": ("waiting.csv", data, "text/csv")},
    )


def _referrals(db) -> int:
    return db.scalar(select(func.count()).select_from(Referral))


def test_a_caseworker_proposes_a_group_and_sees_who_goes_where_and_why(db, area, client):
    _use(client, _three(capacity=1))
    token = _signed_in(client)
    made = _propose(client, token, _seekers(area.resident_id, 4))
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    allocation = db.scalar(select(Allocation))
    assert url == f"/match/allocations/{allocation.id}"
    assert (allocation.seekers, allocation.placed, allocation.status) == (4, 3, "proposed")
    assert _referrals(db) == 0  # nothing referred by proposing
    html = client.get(url).text
    assert "Proposed allocation" in html and "Residents in a file of seekers: waiting.csv" in html
    for i in (1, 2, 3):
        assert f"Debt help {i} ({i})" in html  # one place each: all three used
    assert "helps with 1 of 1 needs" in html
    assert html.count("Not placed") >= 1 and allocations.TAKEN in html
    used = re.search(r'<table class="govuk-table" id="used">(.*?)</table>', html, re.S).group(1)
    assert used.count('govuk-table__cell--numeric">1</td>') == 6  # proposed 1, places free 1
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"match.allocate", "match.allocation_viewed"} <= actions
    listed = client.get("/match/allocations").text
    assert f"Allocation {allocation.id}" in listed and "Proposed" in listed


def test_confirming_refers_everyone_placed_once_and_a_resubmit_refers_nothing(db, area, client):
    _use(client, _three(capacity=1))
    token = _signed_in(client)
    url = _propose(client, token, _seekers(area.resident_id, 2)).headers["location"]
    done = client.post(f"{url}/confirm", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=confirmed"
    assert sorted(db.scalars(select(Referral.service_id))) == [1, 2]
    again = client.post(f"{url}/confirm", data={"csrf_token": token})
    assert again.status_code == 303 and again.headers["location"] == f"{url}?done=already"
    assert _referrals(db) == 2
    db.expire_all()
    kept = db.scalar(select(Allocation))
    assert (kept.status, kept.referred) == ("confirmed", 2)
    assert kept.confirmed_by.endswith("caseworker@tc.example")
    page = client.get(f"{url}?done=already").text
    assert "already confirmed" in page and "Confirm and refer" not in page
    confirmed = list(
        db.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "match.allocation_confirmed")
        )
    )
    assert confirmed == [{"referred": 2}]
    assert (
        db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "match.refer")
        )
        == 2
    )


def test_no_places_free_leaves_everyone_unplaced_and_confirming_is_refused(db, area, client):
    _use(client, _three(capacity=0))
    token = _signed_in(client)
    url = _propose(client, token, _seekers(area.resident_id, 2)).headers["location"]
    html = client.get(url).text
    assert allocations.FULL in html and "nothing to confirm" in html
    refused = client.post(f"{url}/confirm", data={"csrf_token": token})
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert "nothing to refer" in refused.text and _referrals(db) == 0
    db.expire_all()
    assert db.scalar(select(Allocation.status)) == "proposed"
    housing = _propose(client, token, _seekers(area.resident_id, 1, needs="housing"))
    row = db.scalar(
        select(AllocationRow)
        .where(AllocationRow.need["needs"].isnot(None))
        .order_by(AllocationRow.id.desc())
    )
    assert housing.status_code == 303 and row.unplaced == allocations.NOTHING_FITS


def test_places_gone_since_the_proposal_refuse_the_whole_confirmation(db, area, client):
    _use(client, _three(capacity=1))
    token = _signed_in(client)
    url = _propose(client, token, _seekers(area.resident_id, 2)).headers["location"]
    _use(client, _three(capacity=0))  # the directory now says every place is taken
    refused = client.post(f"{url}/confirm", data={"csrf_token": token})
    assert refused.status_code == 400 and "no longer hold" in refused.text
    assert "places free" in refused.text or "capacity" in refused.text
    assert _referrals(db) == 0
    db.expire_all()
    assert db.scalar(select(Allocation.status)) == "proposed"


def test_a_large_group_is_shown_a_page_at_a_time(db, area, client):
    _use(client, _three(capacity=30))
    token = _signed_in(client)
    url = _propose(client, token, _seekers(area.resident_id, 60)).headers["location"]
    first = client.get(url).text
    assert "Showing 1 to 50 of 60 residents" in first and f'href="{url}?page=2"' in first
    assert len(re.findall(r'<a class="govuk-link" href="/residents/', first)) == 50
    second = client.get(f"{url}?page=2").text
    assert "Showing 51 to 60 of 60 residents" in second
    assert client.get(f"{url}?page=nope").status_code == 422


def test_partners_allocate_their_own_residents_and_see_only_their_own(db, area, client):
    _use(client, _three(capacity=2))
    token = _signed_in(client, "partner@north.example")
    start = client.get("/match/allocations").text
    assert 'value="needs"' not in start and 'value="file"' in start  # no triage lists
    url = _propose(client, token, _seekers(area.resident_id, 1)).headers["location"]
    client.cookies.clear()
    token = _signed_in(client, "south@south.example")
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/confirm", data={"csrf_token": token}).status_code == 404
    assert "No allocation proposed yet" in client.get("/match/allocations").text
    refused = _propose(client, token, _seekers(area.resident_id, 1))
    assert refused.status_code == 400 and "cannot be allocated" in refused.text
    assert (
        client.post("/match/allocations", data={"group": "needs", "csrf_token": token}).status_code
        == 403
    )
    client.cookies.clear()
    _signed_in(client)  # the council's caseworker sees the area's allocations
    assert client.get(url).status_code == 200
    assert db.scalar(select(func.count()).select_from(Allocation)) == 1


def test_bad_choices_are_refused_on_the_same_page(db, area, client):
    _use(client, _three())
    token = _signed_in(client)
    nothing = client.post("/match/allocations", data={"csrf_token": token})
    assert nothing.status_code == 400 and 'href="#group"' in nothing.text
    strong = _propose(client, token, _seekers(area.resident_id, 1), strength="lots")
    assert strong.status_code == 400 and 'href="#strength"' in strong.text
    assert 'value="lots"' in strong.text
    bad = b"resident_id,needs,age\nx,debt,\n1,debt,200\n"
    rows = _propose(client, token, bad)
    assert rows.status_code == 400
    assert "waiting.csv row 2, column resident_id" in rows.text
    assert "waiting.csv row 3, column age" in rows.text
    assert db.scalar(select(Allocation.id)) is None
    no_token = client.post(
        "/match/allocations",
        data={"group": "file"},
        files={"file": ("w.csv", _seekers(area.resident_id, 1), "text/csv")},
    )
    assert no_token.status_code == 403

"""The directory's pages for staff: search and browse the area's services, one in full."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet.accounts import sessions
from safetynet.accounts.models import User
from safetynet.directory import service, synthetic
from safetynet.directory.models import DirectoryService
from safetynet.web.deps import SESSION_COOKIE
from tests.directory.conftest import SMALL


def _browser(db, email: str) -> TestClient:
    from safetynet.web.app import create_app

    client = TestClient(create_app(), follow_redirects=False)
    user = db.scalar(select(User).where(User.email == email))
    client.cookies.set(SESSION_COOKIE, sessions.start_session(db, user).token)
    return client


def test_staff_and_partners_search_their_areas_directory(db, areas):
    made = synthetic.directory(seed=2, area="Testshire", size=SMALL)
    service.write_made_here(db, areas.testshire, made, actor="test")
    for email in ("caseworker@tc.example", "partner@north.example"):
        page = _browser(db, email).get("/directory", params={"kind": "vacancy"})
        assert page.status_code == 200
        assert "Showing 1 to 5 of 5 services" in page.text
        assert "Counsellors: 25" in page.text
    found = _browser(db, "partner@north.example").get("/directory", params={"text": "counselling"})
    assert "of 25 services" in found.text
    bad = _browser(db, "partner@north.example").get("/directory", params={"kind": "wizard"})
    assert bad.status_code == 400 and "Choose a kind from the list" in bad.text


def test_one_service_shows_its_profile_and_another_area_cannot_see_it(db, areas):
    made = synthetic.directory(seed=2, area="Testshire", size=SMALL)
    service.write_made_here(db, areas.testshire, made, actor="test")
    counsellor = db.scalar(select(DirectoryService).where(DirectoryService.kind == "counsellor"))
    page = _browser(db, "caseworker@tc.example").get(f"/directory/services/{counsellor.id}")
    assert page.status_code == 200
    assert counsellor.name in page.text and "safetynet:measure" in page.text
    assert "capacity: " in page.text
    other = _browser(db, "other@oc.example").get(f"/directory/services/{counsellor.id}")
    assert other.status_code == 404


def test_a_community_service_shows_its_contacts_area_access_and_funding(db, areas):
    made = synthetic.directory(seed=2, area="Testshire", size=SMALL)
    service.write_made_here(db, areas.testshire, made, actor="test")
    advice = db.scalar(select(DirectoryService).where(DirectoryService.kind == "service"))
    page = _browser(db, "partner@north.example").get(f"/directory/services/{advice.id}")
    assert page.status_code == 200
    assert 'id="contacts"' in page.text and "Duty adviser: 01632 960" in page.text
    assert "Helpline, weekdays 9am to 5pm" in page.text
    for shown in ("Serves", "Testshire", "Step-free entrance", "Testshire Council community grant"):
        assert shown in page.text
    counsellor = db.scalar(select(DirectoryService).where(DirectoryService.kind == "counsellor"))
    plain = _browser(db, "partner@north.example").get(f"/directory/services/{counsellor.id}")
    assert 'id="contacts"' not in plain.text and "Funded by" not in plain.text

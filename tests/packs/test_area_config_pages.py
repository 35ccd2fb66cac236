"""The area's own configuration page and its API: a council admin sees each item against the
deployment's default and reverts one or a whole pack (form token, audited); analysts and
partners' staff are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet.areaconfig.models import AreaConfig
from safetynet.audit import AuditEvent
from safetynet.gaps import service as gaps
from safetynet.packs import service
from safetynet.places import service as places
from tests.packs.conftest import point_at
from tests.packs.test_area_config import RULE, tuned_pack
from tests.web.conftest import build_world, cheap_password_hashing, form_token, sign_in

__all__ = ["cheap_password_hashing"]  # the fixture, for these tests too


@pytest.fixture
def world(db, tmp_path, source_council, monkeypatch):
    """The web world; Otherton applied Testshire's pack and a neighbour's tuned rule."""
    made = build_world(db, tmp_path)
    testshire, otherton = places.council_area(db, "Testshire"), places.council_area(db, "Otherton")
    first = service.export_pack(db, testshire.id, actor="test")
    point_at(monkeypatch, tmp_path / "otherton")
    service.apply_pack(db, otherton.id, first, actor="test")
    second = tuned_pack(db, otherton, 365)
    service.apply_pack(db, otherton.id, second, actor="test")
    return made


@pytest.fixture
def browser(store):
    from safetynet.web.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def _otherton_days(db) -> int | None:
    db.expire_all()
    tenant = places.council_area(db, "Otherton")
    return gaps.rulebook(session=db, tenant_id=tenant.id).rules[RULE].when[0].within_days


def test_a_council_admin_sees_each_item_against_the_default_and_reverts_one(db, world, browser):
    sign_in(browser, "otheradmin@oc.example")
    page = browser.get("/configuration")
    assert page.status_code == 200, page.text
    text = " ".join(page.text.split())
    assert "whd-pension-credit" in text and "Only here" in text
    assert "Differs from default" in text and "when[0].within_days" in text
    assert "Testshire" in text and "Nearby" in text and "Revert this pack" in text
    form = {"kind": "gap_rule", "key": RULE}
    refused = browser.post("/configuration/revert", data=form)  # no form token
    assert refused.status_code == 403 and _otherton_days(db) == 365
    token = form_token(browser, "/configuration")
    done = browser.post("/configuration/revert", data=form | {"csrf_token": token})
    assert (done.status_code, done.headers["location"]) == (303, "/configuration?reverted=1")
    assert _otherton_days(db) == 183
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "config.revert")).one()
    assert event.actor == "user:otheradmin@oc.example"
    shown = browser.get("/configuration?reverted=1")
    assert "Reverted 1 item(s)" in shown.text and "when[0].within_days" not in shown.text


def test_a_whole_pack_is_reverted_from_the_page_and_a_bad_revert_is_explained(db, world, browser):
    sign_in(browser, "otheradmin@oc.example")
    token = form_token(browser, "/configuration")
    bad = browser.post(
        "/configuration/revert",
        data={"csrf_token": token, "kind": "gap_programme", "key": "warm_home"},
    )
    assert bad.status_code == 400 and "nothing was reverted" in bad.text
    first = db.scalar(select(AreaConfig.pack_sha256).where(AreaConfig.key == "warm_home"))
    done = browser.post("/configuration/revert", data={"csrf_token": token, "pack": first})
    assert done.headers["location"] == "/configuration?reverted=4"
    db.expire_all()
    assert [r.key for r in db.scalars(select(AreaConfig))] == [RULE]


@pytest.mark.parametrize(
    "email", ["othertarget@oc.example", "analyst@tc.example", "partner@north.example"]
)
def test_analysts_and_partners_staff_are_refused(db, world, browser, email):
    sign_in(browser, email)
    assert browser.get("/configuration").status_code == 403
    assert "/configuration" not in browser.get("/packs").text  # no link where it is refused


def test_the_packs_page_links_to_it_for_a_council_admin(db, world, browser):
    sign_in(browser, "otheradmin@oc.example")
    assert 'href="/configuration"' in browser.get("/packs").text


def test_the_api_lists_and_reverts_for_a_council_admin_only(db, world, browser):
    admin = {"Authorization": f"Bearer {world.tokens['otheradmin']}"}
    listed = browser.get("/api/v1/configuration", headers=admin).json()["items"]
    tuned = next(i for i in listed if i["key"] == RULE)
    assert tuned["status"] == "changed" and tuned["source"] == "Nearby"
    assert tuned["changes"] == [{"field": "when[0].within_days", "default": 183, "here": 365}]
    done = browser.post(
        "/api/v1/configuration/revert", headers=admin, json={"kind": "gap_rule", "key": RULE}
    )
    assert done.status_code == 200 and done.json()["reverted"][0]["key"] == RULE
    assert _otherton_days(db) == 183
    analyst = {"Authorization": f"Bearer {world.tokens['othertarget']}"}
    assert browser.get("/api/v1/configuration", headers=analyst).status_code == 403
    testshire = {"Authorization": f"Bearer {world.tokens['admin']}"}
    assert browser.get("/api/v1/configuration", headers=testshire).json() == {"items": []}

"""The pack pages and API: export download, upload -> differences -> confirm (with its form
token), the same through the API, and nobody outside a council's admins and analysts."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.gaps import service as gaps
from tests.packs.conftest import point_at
from tests.web.conftest import build_world, cheap_password_hashing, form_token, sign_in

__all__ = ["cheap_password_hashing"]  # the fixture, for these tests too


@pytest.fixture
def world(db, tmp_path, source_council):
    return build_world(db, tmp_path)


@pytest.fixture
def browser(store):
    from safetynet.web.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def _otherton_rules(db):
    from safetynet.places import service as places

    db.expire_all()
    tenant = places.council_area(db, "Otherton")
    return gaps.rulebook(session=db, tenant_id=tenant.id).rules


def _exported(browser) -> bytes:
    sign_in(browser, "analyst@tc.example")
    response = browser.get("/packs/export")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="safetynet-pack'
    )
    return response.content


def test_a_council_analyst_uploads_a_pack_sees_the_differences_and_applies_it(
    db, world, browser, tmp_path, monkeypatch
):
    data = _exported(browser)
    assert json.loads(data)["manifest"]["source_council"] == "Testshire"
    point_at(monkeypatch, tmp_path / "otherton")
    browser.cookies.clear()
    sign_in(browser, "othertarget@oc.example")  # Otherton's analyst
    page = browser.get("/packs")
    assert page.status_code == 200 and "Import another council" in page.text
    token = form_token(browser, "/packs")
    shown = browser.post("/packs/diff", data={"csrf_token": token},
                         files={"pack": ("testshire.json", data, "application/json")})  # fmt: skip
    assert shown.status_code == 200, shown.text
    assert "whd-pension-credit" in shown.text and "Apply 4 change(s)" in shown.text
    assert "whd-pension-credit" not in _otherton_rules(db)  # nothing applied yet
    form = {
        name: value
        for name in ("token", "state", "name")
        for value in [shown.text.split(f'name="{name}" value="')[1].split('"')[0]]
    }
    refused = browser.post("/packs/apply", data=form)  # no form token
    assert refused.status_code == 403
    done = browser.post("/packs/apply", data=form | {"csrf_token": token})
    assert (done.status_code, done.headers["location"]) == (303, "/packs?applied=4")
    assert "whd-pension-credit" in _otherton_rules(db)
    again = browser.post("/packs/apply", data=form | {"csrf_token": token})
    assert again.status_code == 400 and "upload the pack again" in again.text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "pack.apply")).one()
    assert event.actor == "user:othertarget@oc.example"


def test_a_bad_upload_is_shown_on_the_same_page_with_every_problem(db, world, browser):
    sign_in(browser, "admin@tc.example")
    token = form_token(browser, "/packs")
    pack = json.loads(browser.get("/packs/export").content)
    pack["sections"]["residents"] = {"ann": {"name": "Ann Able"}}
    files = {"pack": ("p.json", json.dumps(pack), "application/json")}
    shown = browser.post("/packs/diff", data={"csrf_token": token}, files=files)
    assert shown.status_code == 400
    assert "There is a problem" in shown.text
    assert "section &#39;residents&#39;: not a section Safety Net knows" in shown.text
    empty = browser.post("/packs/diff", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose a pack file to upload" in empty.text


def _bearer(world, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def test_the_api_exports_diffs_and_applies_with_the_state_it_showed(
    db, world, browser, tmp_path, monkeypatch
):
    data = browser.get("/api/v1/packs/export", headers=_bearer(world, "admin")).content
    point_at(monkeypatch, tmp_path / "otherton")
    files = {"pack": ("p.json", data, "application/json")}
    headers = _bearer(world, "otheradmin")
    shown = browser.post("/api/v1/packs/diff", headers=headers, files=files).json()
    rules = next(s for s in shown["sections"] if s["name"] == "gap_rules")
    assert {"key": "whd-pension-credit", "status": "added", "changes": []} in rules["items"]
    stale = browser.post("/api/v1/packs/apply", headers=headers, files=files,
                         data={"state": "0" * 64})  # fmt: skip
    assert stale.status_code == 422
    assert stale.headers["content-type"].startswith("application/problem+json")
    done = browser.post("/api/v1/packs/apply", headers=headers, files=files,
                        data={"state": shown["state"]})  # fmt: skip
    assert done.status_code == 200 and done.json()["changes"] == 4
    assert "whd-pension-credit" in _otherton_rules(db)


@pytest.mark.parametrize("name", ["caseworker", "partner", "nadmin", "nanalyst"])
def test_only_a_councils_admins_and_analysts_reach_packs(db, world, browser, name):
    assert browser.get("/api/v1/packs/export", headers=_bearer(world, name)).status_code == 403


def test_a_changed_triage_form_is_shown_by_its_title_and_checksum_not_its_whole_file(
    db, world, browser, tmp_path, monkeypatch
):
    from safetynet.places import service as places
    from safetynet.triage.service import ensure_default_form, store_form
    from tests.packs.test_triage_forms import _own_form

    store_form(db, places.council_area(db, "Testshire").id, *_own_form(), "test")
    ensure_default_form(db, places.council_area(db, "Otherton").id, "test")
    data = _exported(browser)
    whole = json.loads(data)["sections"]["triage_forms"]["digital_inclusion"]["content_base64"]
    point_at(monkeypatch, tmp_path / "otherton")
    browser.cookies.clear()
    sign_in(browser, "othertarget@oc.example")
    token = form_token(browser, "/packs")
    shown = browser.post("/packs/diff", data={"csrf_token": token},
                         files={"pack": ("testshire.json", data, "application/json")})  # fmt: skip
    assert shown.status_code == 200, shown.text
    assert 'id="section-triage_forms"' in shown.text and "Testshire digital triage" in shown.text
    assert f"{whole[:40]}… ({len(whole):,} characters)" in shown.text
    assert whole not in shown.text

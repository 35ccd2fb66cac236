"""Every page, with the values it should show, its GOV.UK patterns and its bad-input paths."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet.accounts.models import User, WebSession
from safetynet.audit import AuditEvent
from safetynet.config import get_settings
from safetynet.sources.models import SourceImport
from tests import factories
from tests.web.conftest import PASSWORD, form_token, sign_in

BAD_VISITS = factories.VISITS + "V4,C3,Ann,Lee,31/02/1980,DB1 2AB,,10/11/2026\n"


def _figure(html: str, key: str) -> str:
    found = re.search(rf'id="figure-{key}">([^<]+)<', html)
    return found.group(1) if found else ""


def _events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_dashboard_shows_figures_for_the_callers_scope(world, client):
    sign_in(client, "analyst@tc.example")
    council = client.get("/").text
    assert _figure(council, "records") == "6"  # north's 3 + south's 3; Otherton's are not ours
    assert _figure(council, "sources") == "2"
    assert _figure(council, "imports") == "2"
    assert _figure(council, "residents") == "2"  # one per list; Otherton's is not ours
    client.cookies.clear()
    sign_in(client, "partner@north.example")
    partner = client.get("/").text
    assert (_figure(partner, "records"), _figure(partner, "sources")) == ("3", "1")
    assert _figure(partner, "residents") == ""  # partners do not see linkage
    assert "Link runs" not in partner and "Audit log" not in partner
    assert "govuk-service-navigation" in partner and "govuk-phase-banner" in partner


def test_the_dashboard_counts_are_reused_only_while_nothing_changes(world, client):
    sign_in(client, "partner@north.example")
    assert _figure(client.get("/").text, "records") == "3"
    assert _figure(client.get("/").text, "records") == "3"  # reused: the data has not changed
    text = factories.VISITS + "V9,C9,Zoe,Ray,05/05/1990,DB2 2AB,,11/11/2026\n"
    assert _upload(client, text, source="second-list", kind="advice_clients").status_code == 200
    after = client.get("/").text  # a new import is a new data version: counted again
    assert (_figure(after, "records"), _figure(after, "sources")) == ("7", "2")


def test_organisations_and_users_pages_keep_to_the_council_area(world, client):
    sign_in(client, "admin@tc.example")
    orgs = client.get("/organisations").text
    assert "North Org" in orgs and "South Org" in orgs and "Oc Org" not in orgs
    users = client.get("/users").text
    assert "partner@north.example" in users and "otheradmin@oc.example" not in users
    assert "govuk-tag--green" in users


def test_an_admin_adds_a_user_who_can_then_sign_in(world, client, db):
    sign_in(client, "admin@tc.example")
    token = form_token(client, "/users/new")
    response = client.post(
        "/users/new",
        data={
            "csrf_token": token,
            "email": "new.person@north.example",
            "full_name": "New Person",
            "organisation": "north",
            "role": "partner",
        },
    )
    assert response.status_code == 200
    password = re.search(r"id='new-password'>([^<]+)<", response.text).group(1)
    assert len(password) >= 12
    client.cookies.clear()
    assert sign_in(client, "new.person@north.example", password).status_code == 303
    assert [e.entity_id for e in _events(db, "user.create")][-1] == db.scalar(
        select(User.id).where(User.email == "new.person@north.example")
    )


def test_the_add_user_form_lists_every_problem_and_keeps_what_was_typed(world, client):
    sign_in(client, "admin@tc.example")
    response = client.post(
        "/users/new",
        data={"csrf_token": form_token(client, "/users/new"), "email": "kept@north.example"},
    )
    assert response.status_code == 400
    html = response.text
    assert "There is a problem" in html and "govuk-error-summary" in html
    for anchor in ("#full_name", "#organisation", "#role"):
        assert f'href="{anchor}"' in html
    assert 'value="kept@north.example"' in html
    assert html.count("govuk-error-message") == 3


def test_deactivating_a_user_signs_them_out_and_stops_sign_in(world, client, db):
    target = world.users["target"]
    other = TestClient(client.app, follow_redirects=False)
    sign_in(other, target.email)
    assert other.get("/").status_code == 200
    sign_in(client, "admin@tc.example")
    # The user page asks first: its button opens a page that says what will happen.
    assert f'href="/users/{target.id}/deactivate"' in client.get(f"/users/{target.id}").text
    asked = client.get(f"/users/{target.id}/deactivate")
    assert asked.status_code == 200
    assert f"Are you sure you want to deactivate {target.full_name}?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    unconfirmed = client.post(
        f"/users/{target.id}/deactivate", data={"csrf_token": form_token(client)}
    )
    assert unconfirmed.headers["location"] == f"/users/{target.id}/deactivate"
    assert other.get("/").status_code == 200  # not deactivated without the confirmation
    response = client.post(
        f"/users/{target.id}/deactivate",
        data={"csrf_token": form_token(client), "confirmed": "yes"},
    )
    assert response.headers["location"] == f"/users/{target.id}?notice=deactivated"
    assert "deactivated and signed out everywhere" in client.get(response.headers["location"]).text
    assert other.get("/").status_code == 303
    assert sign_in(other, target.email).status_code == 400
    client.post(f"/users/{target.id}/reactivate", data={"csrf_token": form_token(client)})
    assert sign_in(other, target.email).status_code == 303
    assert len(_events(db, "user.deactivate")) == 1 and len(_events(db, "user.reactivate")) == 1


def test_an_admin_cannot_deactivate_themselves(world, client):
    sign_in(client, "admin@tc.example")
    me = world.users["admin"].id
    response = client.post(
        f"/users/{me}/deactivate", data={"csrf_token": form_token(client), "confirmed": "yes"}
    )
    assert response.status_code == 409 and "your own account" in response.text


def test_a_password_reset_shows_a_new_password_once_and_ends_sessions(world, client, db):
    target = world.users["target"]
    sign_in(client, "admin@tc.example")
    response = client.post(
        f"/users/{target.id}/reset-password", data={"csrf_token": form_token(client)}
    )
    password = re.search(r"id='new-password'>([^<]+)<", response.text).group(1)
    other = TestClient(client.app, follow_redirects=False)
    assert sign_in(other, target.email, PASSWORD).status_code == 400
    assert sign_in(other, target.email, password).status_code == 303
    client.post(f"/users/{target.id}/revoke-sessions", data={"csrf_token": form_token(client)})
    db.expire_all()
    assert db.scalars(select(WebSession).where(WebSession.user_id == target.id)).all() == []
    assert other.get("/").status_code == 303


def test_agreements_list_and_detail(world, client):
    sign_in(client, "partner@north.example")
    listing = client.get("/agreements").text
    assert "DSA-NORTH" in listing and "DSA-SOUTH" not in listing and "In force" in listing
    detail = client.get(f"/agreements/{world.ids['agreement:north']}").text
    assert "Finding people missing support" in detail and "365 days" in detail
    assert "govuk-summary-list" in detail


def _upload(client, text: str, *, name: str = "visits.csv", skip: bool = False, **form):
    data = {"csrf_token": form_token(client, "/imports/new"), "organisation": "north"}
    data |= {"source": "visits"} | form
    if skip:
        data["skip_invalid_rows"] = "yes"
    body = text.encode() if isinstance(text, str) else text
    return client.post("/imports/new", data=data, files={"file": (name, body, "text/csv")})


def test_uploading_a_good_file_imports_it_and_shows_the_import(world, client, db):
    sign_in(client, "partner@north.example")
    text = factories.VISITS + "V9,C9,Zoe,Ray,05/05/1990,DB2 2AB,,11/11/2026\n"
    response = _upload(client, text, source="second-list", kind="advice_clients")
    assert response.status_code == 200, response.text
    assert "Imported 4 records." in response.text
    found = db.scalar(select(SourceImport).order_by(SourceImport.id.desc()))
    assert (found.rows_loaded, found.file_name, found.imported_by) == (
        4,
        "visits.csv",
        "user:partner@north.example",
    )
    assert list((get_settings().data_dir / "uploads").glob("*/*")) == []  # not kept


def test_a_file_with_row_errors_is_refused_with_its_problems_on_the_page(world, client, db):
    sign_in(client, "partner@north.example")
    before = db.scalar(select(SourceImport.id).order_by(SourceImport.id.desc()))
    response = _upload(client, BAD_VISITS, source="new-list", kind="advice_clients")
    assert response.status_code == 400
    html = response.text
    assert "There is a problem" in html and "nothing was imported" in html
    assert "Commonest problems" in html and "First rows with errors" in html
    assert "How columns were matched" in html
    assert 'value="new-list"' in html  # input kept
    assert db.scalar(select(SourceImport.id).order_by(SourceImport.id.desc())) == before


def test_skipping_invalid_rows_loads_the_rest(world, client, db):
    sign_in(client, "partner@north.example")
    response = _upload(client, BAD_VISITS, source="skip-list", kind="advice_clients", skip=True)
    assert response.status_code == 200 and "Imported 3 records." in response.text
    assert "Download the rejected rows" in response.text


def test_the_upload_form_names_each_missing_answer(world, client):
    sign_in(client, "analyst@tc.example")
    response = client.post("/imports/new", data={"csrf_token": form_token(client, "/imports/new")})
    assert response.status_code == 400
    for anchor in ("#organisation", "#source", "#file"):
        assert f'href="{anchor}"' in response.text


def test_a_wrong_type_of_file_is_refused(world, client):
    sign_in(client, "partner@north.example")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    disguised = _upload(client, png, name="visits.csv")
    assert disguised.status_code == 400 and "content is binary" in disguised.text
    pdf = _upload(client, "%PDF-1.4", name="visits.pdf")
    assert pdf.status_code == 400 and "is not a CSV, XLSX or Parquet file" in pdf.text
    zipped = _upload(client, b"PK\x03\x04junk", name="visits.xlsx")
    assert zipped.status_code == 400 and "damaged" in zipped.text


def test_an_oversized_upload_is_refused_with_the_limit(world, client, monkeypatch):
    from safetynet.config import get_settings

    sign_in(client, "partner@north.example")
    client.app.state.settings = get_settings().model_copy(update={"upload_max_bytes": 50})
    response = _upload(client, factories.VISITS)
    assert response.status_code == 400 and "more than 50 bytes" in response.text
    client.app.state.settings = get_settings().model_copy(update={"upload_max_bytes": 1})
    huge = client.post(
        "/imports/new",
        content=b"x" * 3_000_000,
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert huge.status_code == 413


def test_partners_cannot_upload_for_another_organisation(world, client, db):
    sign_in(client, "partner@north.example")
    response = _upload(client, factories.VISITS, organisation="south", source="sneaky")
    assert response.status_code == 404


def test_viewing_an_imports_problems_is_audited(world, client, db):
    sign_in(client, "analyst@tc.example")
    import_id = world.ids["import:north"]
    page = client.get(f"/imports/{import_id}")
    assert page.status_code == 200 and "visits" in page.text
    events = _events(db, "import.view_issues")
    assert [(e.entity_id, e.actor) for e in events] == [(import_id, "user:analyst@tc.example")]


def test_exporting_rejected_rows_needs_a_reason_and_is_audited(world, client, db):
    sign_in(client, "partner@north.example")
    _upload(client, BAD_VISITS, source="skip-list", kind="advice_clients", skip=True)
    import_id = db.scalar(select(SourceImport.id).order_by(SourceImport.id.desc()))
    token = form_token(client, f"/imports/{import_id}")
    refused = client.post(f"/imports/{import_id}/rejected", data={"csrf_token": token})
    assert refused.status_code == 400 and 'href="#reason"' in refused.text
    response = client.post(
        f"/imports/{import_id}/rejected",
        data={"csrf_token": token, "reason": "send back to the food bank to correct"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "31/02/1980" in response.text and "V4" in response.text
    [event] = _events(db, "export.rejected_rows")
    assert (event.entity_id, event.reason) == (import_id, "send back to the food bank to correct")


def test_sources_and_imports_pages(world, client):
    sign_in(client, "caseworker@tc.example")
    sources = client.get("/sources").text
    assert "North Org" in sources and "Oc Org" not in sources
    assert "Upload a file" not in sources  # caseworkers do not upload
    imports = client.get("/imports").text
    assert "north.csv" in imports and "oc.csv" not in imports
    source_id = re.search(r'href="/sources/(\d+)"', sources).group(1)
    assert "Import history" in client.get(f"/sources/{source_id}").text


def test_link_runs_page_shows_runs_and_the_start_button_only_to_those_who_may(world, client):
    sign_in(client, "caseworker@tc.example")
    page = client.get("/link-runs").text
    assert f'href="/link-runs/{world.ids["run:Testshire"]}"' in page
    assert f'href="/link-runs/{world.ids["run:Otherton"]}"' not in page
    assert "Start a link run" not in page


def test_the_audit_log_searches_by_action_and_actor(world, client):
    sign_in(client, "analyst@tc.example")
    client.cookies.clear()
    sign_in(client, "admin@tc.example")
    everything = client.get("/audit").text
    assert "user.sign_in" in everything and "organisation.create" in everything
    found = client.get("/audit", params={"action": "sign_in", "actor": "analyst"}).text
    rows = re.findall(r"<td class=\"govuk-table__cell\">(user:[^<]+)</td>", found)
    assert rows == ["user:analyst@tc.example"]


def test_unknown_pages_and_ids_get_a_404_page_not_a_traceback(world, client):
    sign_in(client, "admin@tc.example")
    for path in ("/no-such-page", "/imports/99999", "/users/99999", "/agreements/99999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text and "Traceback" not in response.text


def test_a_bug_shows_the_generic_500_page(world, store, monkeypatch):
    from fastapi.testclient import TestClient

    from safetynet.sources import access
    from safetynet.web.app import create_app

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(access, "sources", broken)
    client = TestClient(create_app(), follow_redirects=False, raise_server_exceptions=False)
    sign_in(client, "admin@tc.example")
    response = client.get("/sources")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "secret internals" not in response.text


def test_healthz_and_static_assets(world, client):
    assert client.get("/healthz").json() == {"status": "ok"}
    css = client.get("/static/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and "govuk-" in css.text and "/assets/" in css.text
    assert client.get("/assets/fonts/light-94a07e06a1-v2.woff2").status_code in (200, 404)
    assert client.get("/assets/images/favicon.svg").status_code == 200
    assert client.get("/static/govuk/govuk-frontend.min.js").status_code == 200


def test_api_tokens_are_shown_once_and_can_be_revoked(world, client, db):
    sign_in(client, "analyst@tc.example")
    response = client.post(
        "/account/tokens", data={"csrf_token": form_token(client), "name": "reporting script"}
    )
    token = re.search(r"id='new-token'>([^<]+)<", response.text).group(1)
    assert token.startswith("sn_") and len(token) > 40
    assert token not in client.get("/account").text  # never shown again
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=api).json()["email"] == "analyst@tc.example"
    token_id = re.search(r"/account/tokens/(\d+)/revoke", client.get("/account").text).group(1)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": form_token(client)})
    assert client.get("/api/v1/me", headers=api).status_code == 401


def fresh_client():
    """A browser on an app built after the settings changed."""
    from fastapi.testclient import TestClient

    from safetynet.web.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def test_a_big_upload_is_imported_in_the_background_and_the_page_follows_it(
    world, client, db, monkeypatch
):
    from safetynet import jobs

    monkeypatch.setenv("SAFETYNET_IMPORT_BACKGROUND_BYTES", "10")
    get_settings.cache_clear()
    client = fresh_client()
    sign_in(client, "partner@north.example")
    text = factories.VISITS + "V9,C9,Zoe,Ray,05/05/1990,DB2 2AB,,11/11/2026\n"
    response = _upload(client, text, source="big-list", kind="advice_clients")
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
    job = db.scalar(select(jobs.Job).order_by(jobs.Job.id.desc()))
    assert job.kind == "import" and set(job.params) == {
        "upload", "organisation", "source", "kind", "skip_invalid_rows"
    }  # fmt: skip
    assert "Zoe" not in str(job.params) and "visits.csv" not in str(job.params)
    assert len(list((get_settings().data_dir / "uploads").glob("*/*"))) == 1  # kept for it
    assert jobs.work() == 1
    page = client.get(response.headers["location"]).text
    found = db.scalar(select(SourceImport).order_by(SourceImport.id.desc()))
    assert found.rows_loaded == 4 and found.imported_by == "user:partner@north.example"
    assert f'href="/imports/{found.id}"' in page and "4 records loaded" in page
    assert list((get_settings().data_dir / "uploads").glob("*/*")) == []  # deleted after


def test_a_refused_background_import_says_why_on_the_job_page(world, client, db, monkeypatch):
    from safetynet import jobs

    monkeypatch.setenv("SAFETYNET_IMPORT_BACKGROUND_BYTES", "10")
    get_settings.cache_clear()
    client = fresh_client()
    sign_in(client, "partner@north.example")
    response = _upload(client, BAD_VISITS, source="bad-big-list", kind="advice_clients")
    assert jobs.work() == 1
    page = client.get(response.headers["location"]).text
    assert "Failed" in page and "nothing was imported" in page and "Commonest problems" in page
    assert list((get_settings().data_dir / "uploads").glob("*/*")) == []


def test_a_link_run_page_names_the_sources_left_out_for_holding_only_names(world, client, db):
    from safetynet.link.models import LinkRun

    run = db.get(LinkRun, world.ids["run:Testshire"])
    run.counts = {"records": 10, "sources_left_out": ["names only list"]}
    db.commit()
    sign_in(client, "caseworker@tc.example")
    page = client.get(f"/link-runs/{run.id}").text
    assert "Left out: source &#39;names only list&#39; holds only names" in page

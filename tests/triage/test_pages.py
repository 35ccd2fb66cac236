"""The triage pages: one question a page with back links, GOV.UK error summaries and
post/redirect/get; questions skipped by relevance; check your answers; the result; forms
uploaded and previewed; the isolation list and its audited export; the API twins."""

import base64
import re

from sqlalchemy import select
from tests.triage.conftest import sign_in_as
from tests.triage.test_service import ALL
from tests.web.linkage_world import bearer

from safetynet.audit import AuditEvent
from safetynet.triage.forms import default_form
from safetynet.triage.models import TriageOutcome


def post(client, path, token, **data):
    return client.post(path, data={"csrf_token": token, **data})


def test_a_caseworker_walks_the_triage_from_the_resident_page_to_the_needs(db, area, client):
    token = sign_in_as(client, db, area.people["caseworker"])
    rid = area.residents["A"]
    assert f'href="/residents/{rid}/triage"' in client.get(f"/residents/{rid}").text
    started = post(client, f"/residents/{rid}/triage", token)
    assert started.status_code == 303
    path = started.headers["location"]
    assert path.endswith("/questions/intro")
    answers = {**ALL, "devices": ["none"], "internet": "none", "last_online": None}
    while "/questions/" in path:
        name = path.rsplit("/", 1)[1]
        page = client.get(path)
        assert page.status_code == 200 and 'class="govuk-back-link"' in page.text
        value = answers.get(name)
        if name == "last_online":
            sent = post(client, path, token, **{"answer-day": "5", "answer-month": "3",
                                                "answer-year": "2024"})  # fmt: skip
        else:
            typed = value if isinstance(value, list) else ("" if value is None else str(value))
            sent = client.post(path, data={"csrf_token": token, "answer": typed})
        assert sent.status_code == 303, (name, sent.text[:500])
        path = sent.headers["location"]
    assert path.endswith("/check")
    check = client.get(path)
    assert "Check your answers" in check.text and "5 March 2024" in check.text
    assert "Does your device work" not in check.text  # skipped: no device
    saved = post(client, path, token)
    result = client.get(saved.headers["location"])
    assert result.status_code == 200
    assert re.search(r'id="needs">.*A working device.*Isolation', result.text, re.S)
    outcome = db.scalars(select(TriageOutcome)).one()
    assert outcome.answers["last_online"] == "2024-03-05" and "device_works" not in outcome.answers
    assert "triage.view" in db.scalars(select(AuditEvent.action)).all()
    listed = client.get(f"/residents/{rid}/triage")
    assert re.search(r"Saved</td>\s*<td[^>]*>A working device, Getting online", listed.text)
    behind = client.get("/triage/needs?ward=Northgate&need=isolation")
    assert behind.status_code == 200 and "Ada Older" in behind.text
    assert "Showing 1 to 1 of 1 residents" in behind.text


def test_a_refused_answer_shows_the_error_summary_and_keeps_what_was_typed(db, area, client):
    token = sign_in_as(client, db, area.people["caseworker"])
    started = post(client, f"/residents/{area.residents['A']}/triage", token)
    oid = started.headers["location"].split("/")[2]
    page = post(client, f"/triage/{oid}/questions/age", token, answer="200")
    assert page.status_code == 400
    assert "There is a problem" in page.text and 'href="#answer"' in page.text
    assert "Enter an age between 16 and 120" in page.text and 'value="200"' in page.text
    assert "<title>Error:" in page.text
    dated = post(client, f"/triage/{oid}/questions/last_online", token)
    assert dated.status_code == 409  # not asked: the resident has internet unanswered yet
    blank = post(client, f"/triage/{oid}/questions/devices", token)
    assert blank.status_code == 400 and "Answer this question to continue." in blank.text


def test_another_organisations_triage_is_not_found(db, area, client):
    from safetynet.triage import service

    done = service.take(db, area.people["caseworker"], area.residents["A"], ALL)
    sign_in_as(client, db, area.people["partner"])
    assert client.get(f"/triage/{done.id}").status_code == 404
    assert client.get(f"/residents/{area.residents['A']}/triage").status_code == 404


def test_forms_are_uploaded_refused_with_every_problem_and_previewed(db, area, client):
    token = sign_in_as(client, db, area.people["analyst"])
    bad = default_form()[0].replace(b". >= 16 and . <= 120", b"today() > .")
    refused = client.post("/triage/forms", data={"csrf_token": token},
                          files={"file": ("mine.md", bad, "text/markdown")})  # fmt: skip
    assert refused.status_code == 400
    assert "row 3, column constraint: in `today() &gt; .`" in refused.text
    good = {"file": ("mine.md", default_form()[0], "text/markdown")}
    uploaded = client.post("/triage/forms", data={"csrf_token": token}, files=good)
    assert uploaded.status_code == 303
    preview = client.get(uploaded.headers["location"])
    assert "Form uploaded." in preview.text and "Digital inclusion triage" in preview.text
    assert "selected(${devices}, &#39;none&#39;)" in preview.text
    assert "In use" in client.get("/triage/forms").text


def test_the_isolation_list_pages_and_its_export_needs_a_reason(db, area, client):
    token = sign_in_as(client, db, area.people["caseworker"])
    page = client.get("/triage/isolation")
    assert page.status_code == 200 and "Ada Older" in page.text and "Bert" not in page.text
    missing = post(client, "/triage/isolation/export", token, reason=" ")
    assert missing.status_code == 400 and "Enter why you need this list." in missing.text
    done = post(client, "/triage/isolation/export", token, reason="winter calls")
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
    assert "Ada Older" in done.text
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.reason) == ("triage.isolation_export", "winter calls")


def test_the_api_takes_a_triage_walks_one_and_refuses_bad_answers(db, area, client):
    from safetynet.accounts.models import User

    headers = bearer(db, db.get(User, area.people["caseworker"].user_id))
    rid = area.residents["A"]
    made = client.post(f"/api/v1/triage/residents/{rid}", headers=headers, json={"answers": ALL})
    assert made.status_code == 201 and "isolation" in made.json()["needs"]
    bad = client.post(f"/api/v1/triage/residents/{rid}", headers=headers,
                      json={"answers": {**ALL, "age": 3}})  # fmt: skip
    assert bad.status_code == 422
    assert "age (How old are you?): Enter an age between 16 and 120" in str(bad.json())
    started = client.post(f"/api/v1/triage/residents/{rid}/start", headers=headers).json()
    step = client.post(f"/api/v1/triage/outcomes/{started['id']}/answers/age", headers=headers,
                       json={"answer": 80})  # fmt: skip
    assert step.json() == {"next": "lives_alone"}
    listed = client.get(f"/api/v1/triage/residents/{rid}", headers=headers).json()
    assert [t["status"] for t in listed] == ["in_progress", "complete"]
    iso = client.get("/api/v1/triage/isolation", headers=headers).json()
    assert iso["total"] == 1 and iso["items"][0]["name"] == "Ada Older"
    analyst = bearer(db, db.get(User, area.people["analyst"].user_id))
    encoded = base64.b64encode(default_form()[0]).decode()
    up = client.post("/api/v1/triage/forms", headers=analyst,
                     json={"filename": "f.md", "content_base64": encoded})  # fmt: skip
    assert up.status_code == 201 and up.json()["version"] == 1

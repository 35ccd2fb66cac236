"""Delivery plan pages and API: draft from the form, the seven headings, measure, agree,
Word and PDF; the council's own staff only, their own area only."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of
from tests.web.linkage_world import act_as, bearer


def test_an_analyst_drafts_measures_agrees_and_downloads_a_plan(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    assert "No plan yet" in client.get("/plans").text
    refused = client.post("/plans", data={"csrf_token": token, "months": "99"})
    assert refused.status_code == 400 and "must be from 1 to 36" in refused.text
    made = client.post(
        "/plans", data={"csrf_token": token, "title": "Winter", "months": "6", "wards": "2"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    headings = re.findall(r'<h2 class="govuk-heading-m"[^>]*>([^<]+)</h2>', page.text)
    assert (
        headings[:2] == ["Summary", "1. What we will do"] and headings[-1] == "7. Have we done it"
    )
    path = made.headers["location"]
    token = csrf_of(page.text)
    measured = client.post(f"{path}/measure", data={"csrf_token": token}, follow_redirects=True)
    assert "Measured from the data on" in measured.text
    agreed = client.post(
        f"{path}/status", data={"csrf_token": token, "status": "agreed"}, follow_redirects=True
    )
    assert "Back to draft" in agreed.text
    word = client.get(f"{path}/export?format=docx")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    assert "wordprocessingml" in word.headers["content-type"]
    pdf = client.get(f"{path}/export?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"{path}/export?format=rtf").status_code == 422


def test_the_api_twin_and_the_walls(lw, client, db):
    headers = bearer(db, lw.users["admin"])
    made = client.post("/api/v1/plans", headers=headers, json={"title": "API plan", "wards": 1})
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["title"] == "API plan" and plan["actions"][0]["state"] == "on track"
    assert [p["id"] for p in client.get("/api/v1/plans", headers=headers).json()] == [plan["id"]]
    again = client.post(f"/api/v1/plans/{plan['id']}/measure", headers=headers)
    assert again.status_code == 200 and again.json()["measured_at"]
    other = bearer(db, lw.users["otheradmin"])
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=other).status_code == 404
    caseworker = bearer(db, lw.users["caseworker"])
    assert client.post("/api/v1/plans", headers=caseworker, json={}).status_code == 403
    client.cookies.clear()
    act_as(client, db, lw.users["partner"])
    assert client.get("/plans").status_code == 403

"""Issue 12 hardening through the web doors: hostile workbooks, request bodies, token lifetimes,
bounded ids, HTTPS headers and field errors."""

from __future__ import annotations

from tests.sources.test_workbooks import SHEET, sheet_with, tampered
from tests.web.conftest import form_token, sign_in

XXE = '<!DOCTYPE worksheet [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'


def _as(world, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def test_a_hostile_workbook_uploaded_to_the_page_is_refused_with_a_message(world, client, tmp_path):
    body = tampered(tmp_path, replace={SHEET: sheet_with(XXE)}).read_bytes()
    sign_in(client, "partner@north.example")
    data = {"csrf_token": form_token(client, "/imports/new"), "organisation": "north"}
    data |= {"source": "xxe", "kind": "advice_clients"}
    response = client.post("/imports/new", data=data, files={"file": ("visits.xlsx", body)})
    assert response.status_code == 400, response.status_code
    assert "declares a document type or entities" in response.text
    assert "root:" not in response.text


def test_a_hostile_workbook_sent_to_the_api_gets_a_problem_naming_the_refusal(
    world, client, tmp_path
):
    body = tampered(tmp_path, replace={SHEET: sheet_with(XXE)}).read_bytes()
    response = client.post(
        "/api/v1/imports",
        headers=_as(world, "partner"),
        data={"organisation": "north", "source": "xxe", "kind": "advice_clients"},
        files={"file": ("visits.xlsx", body)},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "declares a document type or entities" in response.json()["detail"]

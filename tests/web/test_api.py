"""The REST API: bearer tokens, scoped answers, problem+json errors, uploads and link runs."""

from __future__ import annotations

from sqlalchemy import select

from safetynet.accounts.models import ApiToken
from safetynet.accounts.sessions import digest
from safetynet.jobs import Job
from tests import factories


def _as(world, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def test_tokens_are_stored_hashed_and_their_use_is_recorded(world, client, db):
    raw = world.tokens["analyst"]
    stored = list(db.scalars(select(ApiToken.token_hash)))
    assert raw not in stored and digest(raw) in stored
    assert client.get("/api/v1/me", headers=_as(world, "analyst")).status_code == 200
    db.expire_all()
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
    assert row.last_used_at is not None


def test_me_names_the_tokens_user(world, client):
    body = client.get("/api/v1/me", headers=_as(world, "partner")).json()
    assert body["email"] == "partner@north.example" and body["role"] == "partner"


def test_a_bad_token_is_refused_with_problem_json(world, client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer sn_nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401 and "Bearer" in body["detail"]


def test_session_cookies_do_not_authenticate_the_api(world, client):
    from tests.web.conftest import sign_in

    sign_in(client, "admin@tc.example")
    assert client.get("/api/v1/me").status_code == 401


def test_lists_keep_to_the_callers_scope(world, client):
    imports = client.get("/api/v1/imports", headers=_as(world, "partner")).json()
    assert [i["id"] for i in imports] == [world.ids["import:north"]]
    council = client.get("/api/v1/imports", headers=_as(world, "analyst")).json()
    assert {i["id"] for i in council} == {world.ids["import:north"], world.ids["import:south"]}
    sources = client.get("/api/v1/sources", headers=_as(world, "analyst")).json()
    assert sorted((s["organisation"], s["current_records"]) for s in sources) == [
        ("North Org", 3),
        ("South Org", 3),
    ]
    orgs = client.get("/api/v1/organisations", headers=_as(world, "admin")).json()
    assert sorted(o["slug"] for o in orgs) == ["north", "south", "tc"]


def test_another_organisations_import_is_not_found(world, client):
    response = client.get(
        f"/api/v1/imports/{world.ids['import:south']}", headers=_as(world, "partner")
    )
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


def test_bad_json_gets_field_errors(world, client):
    response = client.post(
        "/api/v1/users",
        headers=_as(world, "admin"),
        json={"email": "not-an-email", "organisation": "north", "role": "boss"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"email", "full_name", "role"}
    broken = client.post(
        "/api/v1/users",
        headers=_as(world, "admin") | {"content-type": "application/json"},
        content=b"{not json",
    )
    assert broken.status_code == 422 and broken.json()["errors"]


def test_an_admin_creates_and_deactivates_a_user_through_the_api(world, client):
    created = client.post(
        "/api/v1/users",
        headers=_as(world, "admin"),
        json={
            "email": "api.made@north.example",
            "full_name": "Api Made",
            "organisation": "north",
            "role": "partner",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["user"]["email"] == "api.made@north.example" and len(body["password"]) >= 12
    user_id = body["user"]["id"]
    done = client.post(f"/api/v1/users/{user_id}/deactivate", headers=_as(world, "admin"))
    assert done.json()["is_active"] is False
    twice = client.post(
        "/api/v1/users",
        headers=_as(world, "admin"),
        json=body["user"] | {"organisation": "north"},
    )
    assert twice.status_code == 409 and "already exists" in twice.json()["detail"]


def test_uploading_through_the_api(world, client):
    text = factories.VISITS + "V9,C9,Zoe,Ray,05/05/1990,DB2 2AB,,11/11/2026\n"
    response = client.post(
        "/api/v1/imports",
        headers=_as(world, "partner"),
        data={"organisation": "north", "source": "api-list", "kind": "advice_clients"},
        files={"file": ("list.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["rows_loaded"], response.json()["file_name"]) == (4, "list.csv")
    refused = client.post(
        "/api/v1/imports",
        headers=_as(world, "partner"),
        data={"organisation": "north", "source": "api-bad", "kind": "advice_clients"},
        files={"file": ("bad.csv", (factories.VISITS + "V4,C3,A,B,31/02/1980,,,\n").encode())},
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert "nothing was imported" in problem["detail"]
    assert any(e["row_number"] == 5 for e in problem["errors"])


def test_starting_a_link_run_through_the_api_queues_a_job(world, client, db):
    response = client.post("/api/v1/link-runs", headers=_as(world, "analyst"))
    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["status"]) == ("link_run", "queued")
    stored = db.get(Job, job["id"])
    assert stored.params == {"tenant_id": stored.tenant_id}  # ids only, never personal data
    followed = client.get(f"/api/v1/jobs/{job['id']}", headers=_as(world, "analyst")).json()
    assert followed["status"] == "queued"
    busy = client.post("/api/v1/link-runs", headers=_as(world, "admin"))
    assert busy.status_code == 409


def test_the_audit_endpoint_for_admins(world, client):
    client.get(f"/api/v1/imports/{world.ids['import:north']}/issues", headers=_as(world, "admin"))
    events = client.get(
        "/api/v1/audit", params={"action": "import.view_issues"}, headers=_as(world, "admin")
    ).json()
    assert [(e["actor"], e["entity_id"]) for e in events] == [
        ("user:admin@tc.example", world.ids["import:north"])
    ]


def test_the_openapi_document_and_docs_page(world, client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/imports" in spec["paths"] and "/login" not in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/link-runs" in docs.text

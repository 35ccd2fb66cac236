"""Issue 12 hardening through the web doors: hostile workbooks, request bodies, token lifetimes,
bounded ids, HTTPS headers and field errors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import factories
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


# --- request bodies (point 3) --------------------------------------------------------------


class Endless:
    """An ASGI receive that sends 64 KB body chunks for ever, counting them."""

    def __init__(self, first: bytes = b"") -> None:
        self.calls, self.first = 0, first

    async def __call__(self) -> dict:
        self.calls += 1
        body = self.first if self.calls == 1 and self.first else b"x" * 65_536
        return {"type": "http.request", "body": body, "more_body": True}


FILE_PART = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\n"
)


@pytest.fixture
def spools(monkeypatch) -> list[int]:
    """Every temporary file the multipart parser rolls over to disk (its size when it did);
    files roll over from 1 KB here, so even a small part of a file read would show."""
    from tempfile import SpooledTemporaryFile

    rolled: list[int] = []

    class Watched(SpooledTemporaryFile):  # type: ignore[type-arg]
        def rollover(self) -> None:
            if not self._rolled:  # type: ignore[attr-defined]
                rolled.append(self.tell())
            super().rollover()

    import starlette.formparsers

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", Watched)
    monkeypatch.setattr(starlette.formparsers.MultiPartParser, "spool_max_size", 1024)
    return rolled


def asgi_post(app, path: str, headers: dict[str, str], receive) -> tuple[int, dict, bytes]:
    """POST straight to the ASGI app (no test client reading the body first)."""
    import anyio

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    answer: dict = {"body": b""}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            answer["body"] += message.get("body", b"")

    anyio.run(app, scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


def small_requests(client, **update) -> None:
    from safetynet.config import get_settings

    update = {"request_max_bytes": 100_000} | update
    client.app.state.settings = get_settings().model_copy(update=update)


MULTIPART = {"content-type": "multipart/form-data; boundary=xyz", "transfer-encoding": "chunked"}


def test_an_endless_chunked_body_is_cut_off_at_the_limit(world, client):
    small_requests(client)
    receive = Endless()
    headers = {"content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked"}
    status, _, body = asgi_post(client.app, "/login", headers, receive)
    assert status == 413 and b"the limit is 100,000 bytes" in body
    assert receive.calls <= 100_000 // 65_536 + 1


def test_a_file_sent_to_a_page_by_someone_signed_out_is_refused_before_it_is_read(
    world, client, spools
):
    small_requests(client)
    for path in ("/check/start", "/imports/new"):
        receive = Endless(FILE_PART)
        status, answer, _ = asgi_post(client.app, path, MULTIPART, receive)
        assert (status, answer["location"]) == (303, f"/login?next={path}")
        assert receive.calls == 0
    assert spools == []


def test_an_api_upload_without_a_valid_token_is_refused_before_its_body_is_read(world, client):
    receive = Endless()
    headers = MULTIPART | {"authorization": "Bearer sn_not-a-real-token"}
    status, answer, body = asgi_post(client.app, "/api/v1/imports", headers, receive)
    assert (status, answer["content-type"]) == (401, "application/problem+json")
    assert receive.calls == 0


def test_only_a_signed_in_user_may_send_an_upload_bigger_than_a_request(world, client, db, spools):
    from safetynet.sources.models import SourceImport

    small_requests(client)
    rows = "".join(f"W{i},C{i},Ann,Lee,01/02/1980,DB4 7QT,,03/11/2026\n" for i in range(4_000))
    text = factories.VISITS + rows
    assert len(text) > 200_000
    token = form_token(client, "/login")
    data = {"csrf_token": token, "organisation": "north", "source": "big", "kind": "advice_clients"}
    files = {"file": ("visits.csv", text.encode(), "text/csv")}
    signed_out = client.post("/imports/new", data=data, files=files)
    assert signed_out.status_code == 303  # sent to sign in, the file unread
    assert signed_out.headers["location"] == "/login?next=/imports/new"
    assert spools == []
    sign_in(client, "partner@north.example")
    data["csrf_token"] = form_token(client, "/imports/new")
    signed_in = client.post("/imports/new", data=data, files=files)
    assert signed_in.status_code == 200, signed_in.text[
        signed_in.text.find("There is a problem") :
    ][:1500]
    assert db.scalar(select(SourceImport.rows_loaded).where(SourceImport.file_name == "visits.csv"))
    assert spools  # the gate let the signed-in upload, its token first, through whole


def _session_headers(client) -> dict[str, str]:
    from safetynet.web.deps import SESSION_COOKIE

    return MULTIPART | {"cookie": f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"}


def _token_part(token: str, name: str = "csrf_token") -> bytes:
    return (f'--xyz\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{token}\r\n').encode()


def test_a_chunked_upload_over_the_upload_limit_gets_413_naming_it(world, client):
    small_requests(client, upload_max_bytes=10_000)
    sign_in(client, "partner@north.example")
    token = form_token(client, "/imports/new")
    receive = Endless(_token_part(token) + FILE_PART)
    status, _, body = asgi_post(client.app, "/imports/new", _session_headers(client), receive)
    assert status == 413 and b"The file is too big" in body and b"10,000 bytes" in body


@pytest.mark.parametrize(
    "start",
    [
        b"",  # the file first: no token before it
        _token_part("not-the-token"),
        _token_part("x", name="organisation") + FILE_PART + _token_part("late"),
    ],
    ids=["file-first", "wrong-token", "token-after-the-file"],
)
def test_a_signed_in_upload_without_its_form_token_first_is_refused_before_the_file(
    world, client, spools, start
):
    sign_in(client, "partner@north.example")
    form_token(client, "/imports/new")
    receive = Endless(start + FILE_PART)
    status, _, body = asgi_post(client.app, "/imports/new", _session_headers(client), receive)
    assert status == 403 and b"did not come from this service" in body
    assert receive.calls <= 2  # the start of the body only, never the file
    assert spools == []


def test_another_sessions_token_does_not_open_the_gate(world, client, spools):
    sign_in(client, "analyst@tc.example")
    other = form_token(client, "/imports/new")
    sign_in(client, "partner@north.example")
    receive = Endless(_token_part(other) + FILE_PART)
    status, _, _ = asgi_post(client.app, "/imports/new", _session_headers(client), receive)
    assert status == 403 and spools == []


def test_bodies_of_a_type_the_service_does_not_read_get_415(world, client):
    response = client.post(
        "/api/v1/users",
        headers=_as(world, "admin") | {"content-type": "text/xml"},
        content=b"<user/>",
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "text/xml" in response.json()["detail"]


# --- API token lifetimes (point 4) ---------------------------------------------------------


def _works(client, token: str) -> bool:
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def _admin_does(client, world, action: str, who: str = "target") -> None:
    user_id = world.users[who].id
    done = client.post(f"/api/v1/users/{user_id}/{action}", headers=_as(world, "admin"))
    assert done.status_code == 200, done.text


def test_signing_a_user_out_everywhere_revokes_their_api_tokens(world, client):
    assert _works(client, world.tokens["target"])
    _admin_does(client, world, "revoke-sessions")
    assert not _works(client, world.tokens["target"])
    assert _works(client, world.tokens["caseworker"])  # nobody else's


def test_a_password_reset_revokes_the_users_api_tokens(world, client):
    _admin_does(client, world, "reset-password")
    assert not _works(client, world.tokens["target"])


def test_tokens_do_not_come_back_to_life_when_a_user_is_reactivated(world, client):
    _admin_does(client, world, "deactivate")
    _admin_does(client, world, "reactivate")
    assert not _works(client, world.tokens["target"])


def test_tokens_expire_after_the_configured_days(world, client, db, monkeypatch):
    from datetime import timedelta

    from safetynet.accounts import sessions
    from safetynet.accounts.models import ApiToken
    from safetynet.config import get_settings
    from safetynet.db import utcnow

    monkeypatch.setenv("SAFETYNET_API_TOKEN_DAYS", "7")
    get_settings.cache_clear()
    value, row = sessions.create_api_token(db, world.users["target"], name="week")
    assert abs(row.expires_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    assert _works(client, value)
    db.get(ApiToken, row.id).expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert not _works(client, value)


def test_the_tokens_page_shows_expiry_last_use_and_status(world, client, db):
    from safetynet.accounts.models import ApiToken
    from safetynet.db import utcnow

    assert _works(client, world.tokens["target"])
    sign_in(client, "target@north.example")
    page = client.get("/account").text
    assert "Expires" in page and "Last used" in page and "90 days after it is made" in page
    db.expire_all()
    row = db.get(ApiToken, world.token_rows["target"].id)
    assert row.last_used_at is not None and row.expires_at > utcnow()
    row.expires_at = utcnow()
    db.commit()
    assert ">Expired<" in client.get("/account").text.replace("\n", "").replace("  ", "")


def test_a_token_name_longer_than_100_characters_is_refused_on_the_page(world, client, db):
    from safetynet.accounts.models import ApiToken

    sign_in(client, "target@north.example")
    before = db.scalar(select(func.count()).select_from(ApiToken))
    token = form_token(client, "/account")
    answer = client.post("/account/tokens", data={"csrf_token": token, "name": "n" * 101})
    assert answer.status_code == 400
    assert "Token name must be 100 characters or fewer" in answer.text
    assert db.scalar(select(func.count()).select_from(ApiToken)) == before


# --- bounded numbers, HTTPS, proxies, field errors (points 5 and 10) -------------------------

HUGE = str(2**64)


def test_ids_too_big_for_any_table_answer_404_on_pages_and_the_api(world, client):
    from safetynet.web.app import api_routes
    from safetynet.web.bounds import _int_params

    sign_in(client, "admin@tc.example")
    checked = 0
    for method, path, route in api_routes(client.app):
        if method != "GET" or "{" not in path:
            continue
        url = path
        for name in re.findall(r"\{(\w*id)\}", path):
            url = url.replace("{" + name + "}", HUGE)
        if "{" in url:
            continue  # a route keyed by something other than a number
        headers = _as(world, "admin") if url.startswith("/api/") else {}
        answer = client.get(url, headers=headers)
        assert answer.status_code < 500, (url, answer.status_code)
        if _int_params(route)[0]:
            assert answer.status_code == 404, (url, answer.status_code)
            checked += 1
    assert checked >= 10


def test_a_number_too_big_in_the_query_gets_a_field_error(world, client):
    answer = client.get(f"/api/v1/audit?limit={HUGE}", headers=_as(world, "admin"))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "limit"


def test_a_bad_date_in_the_query_names_the_field(world, client):
    answer = client.get("/api/v1/gaps?as_of=banana", headers=_as(world, "admin"))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["errors"][0]["field"] == "as_of"
    assert problem["detail"].startswith("The request is not valid: as_of: ")
    sign_in(client, "admin@tc.example")
    page = client.get("/gaps?as_of=banana")
    assert page.status_code in (400, 422) and "banana" in page.text


def test_hsts_is_sent_over_https_only_and_follows_its_setting(world, store):
    from fastapi.testclient import TestClient

    from safetynet.config import get_settings
    from safetynet.web.app import create_app

    secure = TestClient(create_app(), base_url="https://testserver")
    assert secure.get("/login").headers["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains"
    )
    plain = TestClient(create_app(), base_url="http://testserver")
    assert "strict-transport-security" not in plain.get("/login").headers
    off = TestClient(create_app(get_settings().model_copy(update={"hsts_seconds": 0})),
                     base_url="https://testserver")  # fmt: skip
    assert "strict-transport-security" not in off.get("/login").headers


def test_serve_believes_forwarded_headers_only_from_the_trusted_proxies(store, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from safetynet.cli import app
    from safetynet.config import get_settings

    seen: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(k))
    monkeypatch.setenv("SAFETYNET_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.5")
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["serve", "--no-worker"]).exit_code == 0
    assert seen[-1]["proxy_headers"] is True
    assert seen[-1]["forwarded_allow_ips"] == "10.0.0.0/8, 192.168.1.5"
    monkeypatch.setenv("SAFETYNET_TRUSTED_PROXIES", "")
    get_settings.cache_clear()
    CliRunner().invoke(app, ["serve", "--no-worker"])
    assert seen[-1]["proxy_headers"] is False


def test_the_openapi_document_lists_the_problems_each_operation_really_gives(world, client):
    spec = client.get("/api/openapi.json").json()
    assert spec["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status", "detail"
    ]  # fmt: skip
    resident = spec["paths"]["/api/v1/residents/{resident_id}"]["get"]["responses"]
    assert {"401", "403", "404", "422"} <= set(resident)
    upload = spec["paths"]["/api/v1/imports"]["post"]["responses"]
    assert {"401", "403", "413", "415", "422"} <= set(upload)
    for answers in (resident, upload):
        for status in ("401", "403", "422"):
            assert list(answers[status]["content"]) == ["application/problem+json"]
    callbacks = spec["paths"]["/api/v1/payments/provider-events"]["post"]["responses"]
    assert "401" not in callbacks  # public: signed by the provider, no token
    # ... and these are what the service really answers, as problem documents.
    rid = world.ids["resident:oc"]
    really = {
        "401": client.get(f"/api/v1/residents/{rid}", headers={"Authorization": "Bearer x"}),
        "403": client.post("/api/v1/imports", headers=_as(world, "caseworker"),
                           data={"organisation": "north"}, files={"file": ("a.csv", b"a")}),
        "404": client.get(f"/api/v1/residents/{rid}", headers=_as(world, "admin")),
        "422": client.get("/api/v1/residents/abc", headers=_as(world, "admin")),
        "415": client.post("/api/v1/imports", headers=_as(world, "partner") | {
            "content-type": "text/plain"}, content=b"x"),
    }  # fmt: skip
    for status, answer in really.items():
        assert str(answer.status_code) == status, (status, answer.text[:200])
        assert answer.headers["content-type"] == "application/problem+json"


def test_free_text_longer_than_its_limit_is_refused_with_a_message(world, client, db):
    from safetynet import audit
    from safetynet.accounts.models import User
    from safetynet.errors import InvalidInput

    sign_in(client, "admin@tc.example")
    form = {"csrf_token": form_token(client, "/users/new"), "email": "long@tc.example",
            "full_name": "N" * 201, "organisation": "tc", "role": "analyst"}  # fmt: skip
    answer = client.post("/users/new", data=form)
    assert answer.status_code == 400
    assert "A full name must be 200 characters or fewer (it is 201)" in answer.text
    assert db.scalar(select(User).where(User.email == "long@tc.example")) is None
    try:
        audit.record(db, actor="test", action="x", reason="r" * 2_001)
    except InvalidInput as refused:
        assert "The reason must be 2,000 characters or fewer" in refused.message
    else:
        raise AssertionError("a 2,001-character reason was accepted")


def test_a_source_name_longer_than_100_characters_is_refused_by_the_api(world, client):
    answer = client.post(
        "/api/v1/imports",
        headers=_as(world, "partner"),
        data={"organisation": "north", "source": "s" * 101, "kind": "advice_clients"},
        files={"file": ("list.csv", factories.VISITS.encode(), "text/csv")},
    )
    assert answer.status_code == 422
    assert "A source's name must be 100 characters or fewer" in answer.json()["detail"]

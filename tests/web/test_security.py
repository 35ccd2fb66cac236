"""Sign-in, sessions, CSRF, throttling and headers behave as SECURITY.md says."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from safetynet.accounts.models import LoginThrottle, WebSession
from safetynet.accounts.sessions import digest
from safetynet.audit import AuditEvent
from safetynet.db import utcnow
from safetynet.web.deps import PRE_SESSION_COOKIE, SESSION_COOKIE
from tests.web.conftest import csrf_of, form_token, sign_in


def _use(client, token: str) -> None:
    """Present this session cookie (as a browser, or an attacker holding a copy, would)."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")


def _session_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count(WebSession.id)))


def test_signing_in_sets_a_fresh_httponly_lax_session_cookie(world, client, db):
    response = sign_in(client, "admin@tc.example")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in tests; https adds it (next test)
    token = client.cookies[SESSION_COOKIE]
    stored = db.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    assert stored is not None and stored.user_id == world.users["admin"].id
    assert client.get("/").status_code == 200


def test_cookies_are_secure_over_https(world, store):
    from fastapi.testclient import TestClient

    from safetynet.web.app import create_app

    client = TestClient(create_app(), base_url="https://testserver", follow_redirects=False)
    response = sign_in(client, "admin@tc.example")
    cookies = response.headers.get_list("set-cookie")
    assert all("Secure" in c for c in cookies) and len(cookies) >= 1


def test_session_id_changes_at_sign_in_and_the_old_one_dies(world, client, db):
    sign_in(client, "analyst@tc.example")
    first = client.cookies[SESSION_COOKIE]
    sign_in(client, "admin@tc.example")  # signing in again, with the old cookie presented
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    db.expire_all()
    hashes = set(db.scalars(select(WebSession.token_hash)))
    assert digest(first) not in hashes and digest(second) in hashes
    _use(client, first)
    assert client.get("/").status_code == 303  # the old id is worthless


def test_a_session_id_planted_before_sign_in_is_not_adopted(world, client):
    _use(client, "attacker-chosen-value")
    sign_in(client, "admin@tc.example")
    assert client.cookies[SESSION_COOKIE] != "attacker-chosen-value"


def test_wrong_password_and_unknown_email_get_the_same_generic_message(world, client):
    wrong = sign_in(client, "admin@tc.example", "not the password at all")
    unknown = sign_in(client, "nobody@tc.example", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "There is a problem" in response.text
        assert "Enter a correct email address and password" in response.text
    assert SESSION_COOKIE not in client.cookies


def test_a_deactivated_user_cannot_sign_in(world, client, db):
    user = world.users["target"]
    user.is_active = False
    db.commit()
    assert sign_in(client, user.email).status_code == 400


def test_throttling_locks_an_account_after_repeated_failures_even_for_the_right_password(
    world, client, db
):
    for _ in range(5):
        assert sign_in(client, "analyst@tc.example", "wrong wrong wrong").status_code == 400
    throttle = db.scalar(
        select(LoginThrottle).where(LoginThrottle.key == "account:analyst@tc.example")
    )
    assert throttle.failures == 5 and throttle.locked_until is None
    sign_in(client, "analyst@tc.example", "wrong wrong wrong")
    db.expire_all()
    assert db.get(LoginThrottle, throttle.id).locked_until is not None
    blocked = sign_in(client, "analyst@tc.example")  # right password, but must wait
    assert blocked.status_code == 400 and "Too many attempts" in blocked.text
    # Once the wait is over the right password works, and the count starts again.
    row = db.get(LoginThrottle, throttle.id)
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    assert sign_in(client, "analyst@tc.example").status_code == 303
    db.expire_all()
    assert db.get(LoginThrottle, throttle.id).failures == 0


def test_throttling_waits_double_with_each_further_failure(world, client, db):
    for _ in range(5):
        sign_in(client, "caseworker@tc.example", "wrong wrong wrong")
    waits = []
    for _ in range(3):
        row = db.scalar(
            select(LoginThrottle).where(LoginThrottle.key == "account:caseworker@tc.example")
        )
        row.locked_until = None  # let the next try through, to see the wait it earns
        db.commit()
        before = utcnow()
        sign_in(client, "caseworker@tc.example", "wrong wrong wrong")
        db.expire_all()
        row = db.get(LoginThrottle, row.id)
        waits.append(round((row.locked_until - before).total_seconds()))
    assert waits == [1, 2, 4]


def test_the_idle_timeout_ends_a_session(world, client, db):
    sign_in(client, "admin@tc.example")
    row = db.scalar(select(WebSession))
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.commit()
    assert client.get("/").status_code == 303
    assert _session_count(db) == 0


def test_the_absolute_timeout_ends_a_busy_session(world, client, db):
    sign_in(client, "admin@tc.example")
    row = db.scalar(select(WebSession))
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.commit()
    assert client.get("/").status_code == 303


def test_timeouts_come_from_settings(world, client, db, monkeypatch):
    from safetynet.config import get_settings

    monkeypatch.setenv("SAFETYNET_SESSION_IDLE_MINUTES", "5")
    get_settings.cache_clear()
    sign_in(client, "admin@tc.example")
    row = db.scalar(select(WebSession))
    row.last_seen_at = utcnow() - timedelta(minutes=6)
    db.commit()
    assert client.get("/").status_code == 303


def test_sign_out_deletes_the_session_on_the_server(world, client, db):
    sign_in(client, "admin@tc.example")
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/logout", data={"csrf_token": form_token(client)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _session_count(db) == 0
    _use(client, token)  # a copy kept by an attacker is worthless
    assert client.get("/").status_code == 303


def test_state_changing_forms_without_the_token_are_refused(world, client, db):
    sign_in(client, "admin@tc.example")
    target = world.users["target"].id
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(f"/users/{target}/deactivate", data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    db.expire_all()
    assert db.get(type(world.users["target"]), target).is_active


def test_the_token_of_another_session_is_refused(world, client, store):
    from fastapi.testclient import TestClient

    from safetynet.web.app import create_app

    other = TestClient(create_app(), follow_redirects=False)
    sign_in(other, "analyst@tc.example")
    stolen = form_token(other)
    sign_in(client, "admin@tc.example")
    response = client.post(
        f"/users/{world.users['target'].id}/deactivate", data={"csrf_token": stolen}
    )
    assert response.status_code == 403


def test_the_sign_in_form_needs_its_token_too(world, client):
    client.get("/login")
    response = client.post(
        "/login", data={"email": "admin@tc.example", "password": "a long test passphrase"}
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies
    assert PRE_SESSION_COOKIE in client.cookies


def test_security_headers_are_on_pages_errors_and_assets(world, client):
    for path in ("/login", "/no-such-page", "/static/app/app.css", "/healthz"):
        headers = client.get(path).headers
        assert headers["content-security-policy"].startswith("default-src 'self'"), path
        assert "script-src 'self';" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_styles(world, client):
    sign_in(client, "admin@tc.example")
    for path in ("/", "/login", "/imports/new", "/users", "/link-runs"):
        html = client.get(path).text
        assert "<script>" not in html and "<script " not in html.replace(
            '<script type="module" src="/static/app/app.js"></script>', ""
        ), path
        assert " style=" not in html, path


def test_next_after_sign_in_never_leaves_the_site(world, client):
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "email": "admin@tc.example",
            "password": "a long test passphrase",
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def test_sign_in_and_failures_are_audited_without_passwords(world, client, db):
    sign_in(client, "admin@tc.example")
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "user.sign_in")))
    assert [e.user_id for e in events] == [world.users["admin"].id]
    assert "passphrase" not in str(events[0].detail)


def test_a_form_posted_after_the_session_ended_returns_to_its_page_after_sign_in(world, client, db):
    sign_in(client, "analyst@tc.example")
    token = form_token(client, "/imports/new")
    db.execute(WebSession.__table__.delete())
    db.commit()
    response = client.post(
        "/imports/new",
        data={"csrf_token": token},
        headers={"referer": "http://testserver/imports/new"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/imports/new"
    foreign = client.post(
        "/imports/new", data={"csrf_token": token}, headers={"referer": "http://evil.example/x"}
    )
    assert foreign.headers["location"] == "/login?next=/imports/new"  # the form's own page
    no_page = client.post(
        "/account/tokens/1/revoke",
        data={"csrf_token": token},
        headers={"referer": "http://evil.example/x"},
    )
    assert no_page.headers["location"] == "/login?next=/"  # no page there: home

"""A form sent after the session ended: what was typed is kept server-side for the same user,
filled in again once after they sign in (never sent for them), and never holds passwords, form
tokens or uploads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from safetynet.accounts import kept_forms, redis_sessions
from safetynet.accounts.models import KeptForm, User, WebSession
from safetynet.accounts.sessions import digest
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.web.deps import SESSION_COOKIE
from safetynet.web.kept_forms import KEPT_COOKIE
from tests.web.conftest import PASSWORD, form_token, sign_in
from tests.web.test_caseworker_check import area, form_of  # noqa: F401  (a fixture)
from tests.web.test_redis_sessions import redis  # noqa: F401  (the fixture)

NEW_USER = {
    "full_name": "Grace Hopper",
    "email": "grace@tc.example",
    "organisation": "tc",
    "role": "analyst",
}
BANNER = "We kept what you entered. Check it and submit again."


def idle(db, minutes: int = 31) -> None:
    """Every session in the store goes idle for `minutes`."""
    ago = utcnow() - timedelta(minutes=minutes)
    db.execute(WebSession.__table__.update().values(last_seen_at=ago))
    db.commit()


def post_after_expiry(
    client, db, path: str, data: dict, page: str | None = None, referrer: str | None = None
):
    """Read the form's token on `page`, let the session time out, then send the form."""
    token = form_token(client, page or path)
    idle(db)
    referrer = referrer or f"http://testserver{page or path}"
    return client.post(path, data=data | {"csrf_token": token}, headers={"referer": referrer})


def kept_rows(db) -> list[KeptForm]:
    db.expire_all()
    return list(db.scalars(select(KeptForm)))


def test_idle_expiry_mid_form_then_sign_in_returns_to_the_page_with_the_values(world, client, db):
    sign_in(client, "admin@tc.example")
    sent = post_after_expiry(client, db, "/users/new", NEW_USER)
    assert sent.status_code == 303 and sent.headers["location"] == "/login?next=/users/new"
    cookie = sent.headers["set-cookie"].lower()
    assert f"{KEPT_COOKIE}=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "max-age=1800" in cookie
    (row,) = kept_rows(db)
    assert row.user_id == world.users["admin"].id and row.return_path == "/users/new"
    assert row.fields == NEW_USER and row.key_hash == digest(client.cookies[KEPT_COOKIE])
    assert "Grace" not in sent.headers["location"]  # nothing typed goes in the URL

    login = client.get("/login?next=/users/new")
    assert 'id="form-kept"' in login.text and "What you entered has been kept" in login.text
    back = sign_in(client, "admin@tc.example")  # the helper's form says next=/
    assert back.headers["location"] == "/users/new"
    page = client.get("/users/new")
    assert page.status_code == 200 and BANNER in page.text
    assert 'value="Grace Hopper"' in page.text and 'value="grace@tc.example"' in page.text
    assert '<option value="analyst" selected>' in page.text
    assert db.scalar(select(func.count(User.id)).where(User.email == "grace@tc.example")) == 0
    assert kept_rows(db) == [] and KEPT_COOKIE not in client.cookies

    again = client.get("/users/new")  # used once
    assert BANNER not in again.text and "Grace Hopper" not in again.text


def test_the_absolute_timeout_keeps_the_form_too(world, client, db):
    sign_in(client, "admin@tc.example")
    token = form_token(client, "/users/new")
    db.execute(
        WebSession.__table__.update().values(created_at=utcnow() - timedelta(hours=12, minutes=1))
    )
    db.commit()
    sent = client.post("/users/new", data=NEW_USER | {"csrf_token": token})
    assert sent.headers["location"] == "/login?next=/users/new"  # no referrer: the form's page
    assert [r.fields["full_name"] for r in kept_rows(db)] == ["Grace Hopper"]


def test_a_different_user_signing_in_gets_nothing_and_the_kept_form_is_deleted(world, client, db):
    sign_in(client, "admin@tc.example")
    post_after_expiry(client, db, "/users/new", NEW_USER)
    assert len(kept_rows(db)) == 1
    other = sign_in(client, "analyst@tc.example")
    assert other.headers["location"] == "/"  # where their own form said, not the kept page
    assert kept_rows(db) == [] and KEPT_COOKIE not in client.cookies
    assert BANNER not in client.get("/").text


def test_a_kept_form_is_taken_only_by_its_own_page_and_only_once(world, client, db):
    sign_in(client, "admin@tc.example")
    post_after_expiry(client, db, "/users/new", NEW_USER)
    sign_in(client, "admin@tc.example")
    home = client.get("/")  # another page first: the kept form waits
    assert BANNER not in home.text and len(kept_rows(db)) == 1
    assert "Grace Hopper" in client.get("/users/new").text
    assert kept_rows(db) == []
    sign_in(client, "admin@tc.example")  # signing in again brings nothing back
    assert "Grace Hopper" not in client.get("/users/new").text


def test_passwords_form_tokens_and_denied_fields_are_never_stored(world, client, db):
    sign_in(client, "admin@tc.example")
    pair = world.ids["pair:Testshire"]
    sent = post_after_expiry(
        client,
        db,
        f"/review/{pair}",
        {
            "reason": "Same date of birth, surname changed on marriage",
            "verdict": "accept",
            "password": PASSWORD,
            "new_password": "another secret one",
            "api_token": "sn_abc",
            "pin": "1234",
        },
    )
    assert sent.headers["location"] == f"/login?next=/review/{pair}"
    (row,) = kept_rows(db)
    assert row.fields == {
        "reason": "Same date of birth, surname changed on marriage",
        "verdict": "accept",
    }
    stored = json.dumps(row.fields)
    assert "passphrase" not in stored and "csrf" not in stored and "1234" not in stored

    sign_in(client, "admin@tc.example")
    page = client.get(f"/review/{pair}")
    assert BANNER in page.text
    assert 'value="Same date of birth, surname changed on marriage"' in page.text
    assert page.text.count("passphrase") == 0
    db.expire_all()
    from safetynet.link.models import ReviewPair

    assert db.get(ReviewPair, pair).status != "decided"  # not sent again on their behalf


def test_uploads_and_forms_without_the_ended_sessions_token_are_not_kept(world, client, db):
    sign_in(client, "analyst@tc.example")
    token = form_token(client, "/imports/new")
    idle(db)
    upload = client.post(
        "/imports/new",
        data={"csrf_token": token, "source": "visits", "organisation": "north"},
        files={"file": ("visits.csv", b"name,dob\nA,2000-01-01\n", "text/csv")},
        headers={"referer": "http://testserver/imports/new"},
    )
    assert upload.status_code == 303 and upload.headers["location"] == "/login?next=/imports/new"
    assert kept_rows(db) == [] and KEPT_COOKIE not in client.cookies

    sign_in(client, "admin@tc.example")
    form_token(client, "/users/new")
    idle(db)
    forged = client.post("/users/new", data=NEW_USER | {"csrf_token": "not-the-token"})
    assert forged.headers["location"] == "/login?next=/users/new"
    assert kept_rows(db) == []  # not sent from this session's own page


def test_a_signed_out_session_keeps_nothing(world, client, db):
    sign_in(client, "admin@tc.example")
    token = form_token(client, "/users/new")
    db.execute(WebSession.__table__.delete())  # signed out: no one to keep it for
    db.commit()
    client.post("/users/new", data=NEW_USER | {"csrf_token": token})
    assert kept_rows(db) == []


def test_a_form_with_nothing_typed_or_too_big_is_not_kept(world, client, db, monkeypatch):
    sign_in(client, "admin@tc.example")
    post_after_expiry(client, db, "/users/new", dict.fromkeys(NEW_USER, ""))
    assert kept_rows(db) == []
    sign_in(client, "admin@tc.example")
    monkeypatch.setenv("SAFETYNET_FORM_KEEP_MAX_BYTES", "1000")
    get_settings.cache_clear()
    post_after_expiry(client, db, "/users/new", NEW_USER | {"full_name": "x" * 1000})
    assert kept_rows(db) == []
    get_settings.cache_clear()


def test_a_kept_form_expires(world, client, db):
    sign_in(client, "admin@tc.example")
    post_after_expiry(client, db, "/users/new", NEW_USER)
    (row,) = kept_rows(db)
    assert timedelta(minutes=29) < row.expires_at - utcnow() <= timedelta(minutes=30)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert "What you entered has been kept" not in client.get("/login").text
    back = sign_in(client, "admin@tc.example")
    assert back.headers["location"] == "/"
    assert "Grace Hopper" not in client.get("/users/new").text
    assert kept_rows(db) == []


def test_the_sweep_deletes_only_expired_kept_forms(world, db):
    admin = world.users["admin"].id
    for _ in range(2):
        kept_forms.keep(db, user_id=admin, return_path="/", action="/x", fields={"a": "b"})
    older, newer = kept_rows(db)
    older.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert kept_forms.sweep(db) == 1
    assert [r.id for r in kept_rows(db)] == [newer.id]
    kept_forms.keep(db, user_id=admin, return_path="/", action="/x", fields={"a": "b"})
    newer.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    kept_forms.keep(db, user_id=admin, return_path="/", action="/x", fields={"a": "b"})
    assert newer.id not in [r.id for r in kept_rows(db)]  # keeping sweeps too


def test_keeping_can_be_turned_off(world, client, db, monkeypatch):
    monkeypatch.setenv("SAFETYNET_FORM_KEEP_MINUTES", "0")
    get_settings.cache_clear()
    sign_in(client, "admin@tc.example")
    sent = post_after_expiry(client, db, "/users/new", NEW_USER)
    assert sent.headers["location"] == "/login?next=/users/new"
    assert kept_rows(db) == []
    get_settings.cache_clear()


def test_the_page_to_return_to_is_only_ever_a_path_on_this_site(world, client, db):
    for referrer in (
        "http://evil.example/users",
        "http://testserver//evil.example/x",
        "http://testserver/\\evil.example",
    ):
        sign_in(client, "admin@tc.example")
        sent = post_after_expiry(client, db, "/users/new", NEW_USER, referrer=referrer)
        assert sent.headers["location"] == "/login?next=/users/new", referrer
        assert [r.return_path for r in kept_rows(db)] == ["/users/new"]
    for target in ("//evil.example", "/\\evil.example", "https://evil.example", "/\r\nX: y"):
        answer = client.post(
            "/login",
            data={
                "email": "analyst@tc.example",
                "password": PASSWORD,
                "csrf_token": form_token(client, "/login"),
                "next": target,
            },
        )
        assert answer.headers["location"] == "/", target


def test_the_outreach_note_and_status_come_back_on_the_right_row(world, client, db):
    sign_in(client, "admin@tc.example")
    list_id, resident = world.ids["outreach:Testshire"], world.ids["resident:north"]
    post_after_expiry(
        client,
        db,
        f"/outreach/{list_id}/status",
        {"resident_id": str(resident), "status": "contacted", "note": "Left a voicemail"},
        page=f"/outreach/{list_id}",
    )
    sign_in(client, "admin@tc.example")
    page = client.get(f"/outreach/{list_id}").text
    assert BANNER in page and 'value="Left a voicemail"' in page
    row = page[page.index(f'id="person-{resident}"') :]
    assert '<option value="contacted" selected>' in row[: row.index("</form>")]


def test_the_resident_page_fills_in_only_the_form_that_was_sent(world, client, db):
    sign_in(client, "admin@tc.example")
    resident = world.ids["resident:north"]
    post_after_expiry(
        client,
        db,
        f"/residents/{resident}/do-not-contact",
        {"reason": "Asked not to be called"},
        page=f"/residents/{resident}",
    )
    sign_in(client, "admin@tc.example")
    page = client.get(f"/residents/{resident}").text
    assert BANNER in page and page.count('value="Asked not to be called"') == 1
    dnc = page[page.index('id="dnc_reason"') - 300 :]
    assert 'value="Asked not to be called"' in dnc[: dnc.index("</form>")]


def test_forms_are_kept_and_restored_with_sessions_in_redis(redis, world, client, db):  # noqa: F811
    sign_in(client, "admin@tc.example")
    session_key = redis_sessions.PREFIX + digest(client.cookies[SESSION_COOKIE])
    token = form_token(client, "/users/new")
    seen = (utcnow() - timedelta(minutes=31)).isoformat()
    redis.hset(session_key, "last_seen_at", seen)
    sent = client.post(
        "/users/new",
        data=NEW_USER | {"csrf_token": token, "password": "x"},
        headers={"referer": "http://testserver/users/new"},
    )
    assert sent.headers["location"] == "/login?next=/users/new"
    key = kept_forms.REDIS_PREFIX + digest(client.cookies[KEPT_COOKIE])
    assert json.loads(redis.get(key))["fields"] == NEW_USER
    assert 29 * 60 < redis.ttl(key) <= 30 * 60
    assert kept_rows(db) == []  # nothing in the store
    assert "What you entered has been kept" in client.get("/login").text

    assert sign_in(client, "admin@tc.example").headers["location"] == "/users/new"
    page = client.get("/users/new").text
    assert BANNER in page and 'value="Grace Hopper"' in page
    assert not redis.exists(key)

    # Another user signing in on the same browser: the kept form is deleted unseen.
    token = form_token(client, "/users/new")
    redis.hset(redis_sessions.PREFIX + digest(client.cookies[SESSION_COOKIE]), "last_seen_at", seen)
    client.post("/users/new", data=NEW_USER | {"csrf_token": token})
    key = kept_forms.REDIS_PREFIX + digest(client.cookies[KEPT_COOKIE])
    assert redis.exists(key)
    assert sign_in(client, "analyst@tc.example").headers["location"] == "/"
    assert not redis.exists(key)


@pytest.mark.nostore
def test_safe_fields_drop_secrets_and_refuse_files_and_big_forms():
    items = [
        ("csrf_token", "t"),
        ("Password", "p"),
        ("confirm_passphrase", "p"),
        ("reason", "why"),
        ("records", "1"),
        ("records", "2"),
    ]
    assert kept_forms.safe_fields(items, 1000) == {"reason": "why", "records": ["1", "2"]}
    assert kept_forms.safe_fields([("reason", "x" * 2000)], 1000) is None
    assert kept_forms.safe_fields([("reason", "why"), ("file", object())], 1000) is None
    assert kept_forms.safe_fields([("csrf_token", "t"), ("reason", " ")], 1000) is None


def test_the_caseworker_check_comes_back_as_typed_not_as_the_sources_say(client, db, area):  # noqa: F811
    from safetynet.entitlements.models import EntitlementCheck

    sign_in(client, "caseworker@north.example")
    path = f"/residents/{area['partner']}/entitlements"
    typed = form_of(client.get(path).text) | {"action": "save", "p1_employment_income": "15000"}
    typed.pop("couple", None)  # unticked: a browser sends nothing for it
    typed["receives"] = ["child_benefit"]
    idle(db)
    sent = client.post(path, data=typed, headers={"referer": f"http://testserver{path}"})
    assert sent.headers["location"] == f"/login?next={path}"
    sign_in(client, "caseworker@north.example")
    page = client.get(path).text
    assert BANNER in page
    shown = form_of(page)
    assert shown["p1_employment_income"] == "15000" and "couple" not in shown
    assert shown["receives"] == ["child_benefit"]
    assert {k: v for k, v in shown.items() if k != "csrf_token"} == {
        k: v for k, v in typed.items() if k not in ("csrf_token", "action")
    }
    assert db.scalars(select(EntitlementCheck)).first() is None  # not sent again for them


def test_the_retention_run_deletes_expired_kept_forms(world, db):
    from typer.testing import CliRunner

    from safetynet.cli import app

    admin = world.users["admin"].id
    kept_forms.keep(db, user_id=admin, return_path="/", action="/x", fields={"a": "b"})
    (row,) = kept_rows(db)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    result = CliRunner().invoke(app, ["privacy", "retention", "--area", "Testshire"])
    assert result.exit_code == 0, result.output
    assert "1 expired kept forms deleted." in result.output
    assert kept_rows(db) == []

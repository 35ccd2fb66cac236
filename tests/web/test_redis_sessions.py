"""Web sessions in Redis (SAFETYNET_REDIS_URL set), against the Redis this machine runs: the
same rules as sessions in the store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from safetynet.accounts import redis_sessions
from safetynet.accounts.models import WebSession
from safetynet.accounts.sessions import digest
from safetynet.db import utcnow
from safetynet.web.deps import SESSION_COOKIE
from tests.web.conftest import form_token, sign_in

URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis(monkeypatch):
    redis_lib = pytest.importorskip("redis")
    try:
        redis_lib.Redis.from_url(URL).ping()
    except redis_lib.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from safetynet.config import get_settings

    monkeypatch.setenv("SAFETYNET_REDIS_URL", URL)
    get_settings.cache_clear()
    r = redis_sessions.client(URL)
    r.flushdb()
    yield r
    r.flushdb()
    get_settings.cache_clear()


def use(client, token: str) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")


def test_sessions_live_in_redis_and_rotate_at_sign_in(redis, world, client, db):
    sign_in(client, "analyst@tc.example")
    first = client.cookies[SESSION_COOKIE]
    assert client.get("/").status_code == 200
    assert redis.exists(redis_sessions.PREFIX + digest(first))
    assert db.scalar(select(func.count(WebSession.id))) == 0  # nothing in the store
    sign_in(client, "admin@tc.example")
    second = client.cookies[SESSION_COOKIE]
    assert first != second and not redis.exists(redis_sessions.PREFIX + digest(first))
    use(client, first)
    assert client.get("/").status_code == 303


def test_redis_expires_idle_sessions_and_the_absolute_limit_holds(redis, world, client):
    sign_in(client, "admin@tc.example")
    key = redis_sessions.PREFIX + digest(client.cookies[SESSION_COOKIE])
    # the idle limit, then the kept-form window in which it only says whose it was
    assert 59 * 60 < redis.ttl(key) <= 60 * 60
    redis.hset(key, "created_at", (utcnow() - timedelta(hours=12, minutes=1)).isoformat())
    assert client.get("/").status_code == 303
    assert not redis.exists(key)


def test_sign_out_and_deactivation_end_redis_sessions(redis, world, client):
    sign_in(client, "admin@tc.example")
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/logout", data={"csrf_token": form_token(client)})
    assert response.status_code == 303
    use(client, token)
    assert client.get("/").status_code == 303
    sign_in(client, "analyst@tc.example")
    analyst = world.users["analyst"].id
    assert redis.scard(redis_sessions.USER_SET + str(analyst)) == 1
    with_admin = client.__class__(client.app, follow_redirects=False)
    sign_in(with_admin, "admin@tc.example")
    with_admin.post(
        f"/users/{analyst}/revoke-sessions", data={"csrf_token": form_token(with_admin)}
    )
    assert client.get("/").status_code == 303

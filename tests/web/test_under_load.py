"""Many signed-in requests at once do not stall the server: the sign-in check's store work runs
off the event loop, so waiting for a connection cannot block the requests that would free one."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import create_engine

from safetynet.accounts import sessions
from safetynet.db import get_engine
from safetynet.web.app import create_app


def test_sixty_concurrent_signed_in_requests_all_complete(db, world):
    user = next(iter(world.users.values()))
    token = sessions.start_session(db, user, replacing=None, ip="127.0.0.1").token
    db.commit()
    app = create_app()
    # Fewer connections than requests in flight: before the fix this stalled for good.
    app.state.engine = create_engine(get_engine().url, pool_size=2, max_overflow=0, pool_timeout=30)

    async def load() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://t")
        async with app.router.lifespan_context(app), client:
            client.cookies.set("sn_session", token)
            replies = await asyncio.wait_for(
                asyncio.gather(*(client.get("/") for _ in range(60))), timeout=90
            )
        return [r.status_code for r in replies]

    try:
        assert asyncio.run(load()) == [200] * 60
    finally:
        app.state.engine.dispose()

"""The app factory: middleware, error handlers, static files and one router per domain."""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from safetynet.config import Settings, get_settings
from safetynet.db import get_engine, make_engine
from safetynet.web import errors, openapi
from safetynet.web.bodies import BodyLimits
from safetynet.web.bounds import bounded_numbers
from safetynet.web.security import SecurityMiddleware

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
DEFAULT_SLOTS = 20
ROOT = HERE.parents[2]


def govuk_dist() -> Path:
    """The govuk-frontend package's dist folder (installed by `npm ci`, see package.json)."""
    return ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


# Each domain's router, in the order the app matches them (module, attribute); a new domain
# adds its `web.py` router here.
ROUTERS = (
    ("safetynet.web.pages", "router"),
    ("safetynet.accounts.web", "router"),
    ("safetynet.sources.web", "router"),
    ("safetynet.link.web", "router"),
    ("safetynet.link.review_web", "router"),
    ("safetynet.link.resident_web", "router"),
    ("safetynet.link.search_web", "router"),
    ("safetynet.gaps.web", "router"),
    ("safetynet.entitlements.web", "router"),
    ("safetynet.privacy.web", "router"),
    ("safetynet.payments.web", "router"),
    ("safetynet.places.web", "router"),
    ("safetynet.plans.web", "router"),
    ("safetynet.packs.web", "router"),
    ("safetynet.areaconfig.web", "router"),
    ("safetynet.dashboard.web", "router"),
    ("safetynet.frontdesk.web", "router"),
    ("safetynet.match.web", "router"),
    ("safetynet.match.allocation_web", "router"),
    ("safetynet.directory.web", "router"),
    ("safetynet.triage.web", "router"),
    ("safetynet.api.routes", "router"),
    ("safetynet.api.linkage", "router"),
    ("safetynet.api.privacy", "router"),
    ("safetynet.api.entitlements", "router"),
    ("safetynet.api.callbacks", "router"),
    ("safetynet.api.payments", "router"),
    ("safetynet.places.web", "api_router"),
    ("safetynet.plans.web", "api_router"),
    ("safetynet.packs.web", "api_router"),
    ("safetynet.areaconfig.web", "api_router"),
    ("safetynet.dashboard.web", "api_router"),
    ("safetynet.api.front_desk", "router"),
    ("safetynet.api.match", "router"),
    ("safetynet.api.oruk", "router"),
    ("safetynet.directory.web", "api_router"),
    ("safetynet.api.triage", "router"),
    ("safetynet.api.routes", "docs_router"),
)


def routers() -> list[APIRouter]:
    """Each domain's router (`ROUTERS`), imported when the app is built."""
    return [getattr(importlib.import_module(module), name) for module, name in ROUTERS]


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, full path, route) for every endpoint, through included routers."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                if isinstance(context.original_route, APIRoute):
                    for method in context.original_route.methods or ():
                        yield method, context.path, context.original_route
        elif isinstance(route, APIRoute):
            for method in route.methods or ():
                yield method, route.path, route


def store_capacity(engine: Any) -> int:
    """How many connections the store's pool can hand out at once."""
    pool = engine.pool
    if not hasattr(pool, "size"):
        return DEFAULT_SLOTS
    return max(1, pool.size() + max(getattr(pool, "_max_overflow", 0), 0))


class RequestSlots:
    """ASGI middleware: at most a few requests in progress at once, never more than the store
    has connections; the rest wait their turn (in order, costing no thread).

    Each request holds at most one connection, from its sign-in check until it has answered.
    Without a limit, requests waiting for a connection can occupy every worker thread, and the
    requests holding connections never get a thread to finish on: the server stalls until the
    pool gives up. And since Python runs one thread at a time, a few requests in progress
    finish sooner than many sharing it (`SAFETYNET_WEB_REQUESTS_IN_FLIGHT`).
    """

    def __init__(self, app: Any, state: Any) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        slots = getattr(self.state, "request_slots", None)
        if scope["type"] != "http" or slots is None:
            await self.app(scope, receive, send)
            return
        async with slots:
            await self.app(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up: the request slots (the setting, at most the store's connections), and the
    entitlement engine warmed in the background."""
    slots = min(app.state.settings.web_requests_in_flight, store_capacity(app.state.engine))
    app.state.request_slots = anyio.Semaphore(slots)
    if app.state.settings.environment != "test":
        # only in a serving process: not in every command that builds the app
        warm_up_entitlements()
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Safety Net web app and REST API, on the store the settings name."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Safety Net API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        dependencies=[Depends(bounded_numbers)],
    )
    app.state.settings = settings
    app.state.engine = (
        get_engine() if settings is get_settings() else make_engine(settings.resolved_database_url)
    )
    app.add_middleware(BodyLimits, state=app.state)  # inside the slots: it may ask the store
    app.add_middleware(RequestSlots, state=app.state)
    app.add_middleware(SecurityMiddleware)
    errors.install(app)
    dist = govuk_dist()
    if not dist.is_dir():
        log.warning("GOV.UK Frontend is missing from %s: run `make install` (npm ci)", dist)
    app.mount("/assets", StaticFiles(directory=dist / "assets", check_dir=False), name="assets")
    app.mount("/static/govuk", StaticFiles(directory=dist, check_dir=False), name="govuk")
    app.mount("/static/app", StaticFiles(directory=HERE / "static"), name="app-static")
    for router in routers():
        app.include_router(router)
    openapi.install(app)
    return app


def warm_up_entitlements() -> None:
    """Load the entitlement engine in the background, so the first self-check is fast."""
    import threading

    from safetynet.entitlements.service import warm_up

    def run() -> None:
        try:
            warm_up()
        except Exception:  # the first check will load it instead
            log.exception("warming up the entitlement engine failed")
        # The engine's several hundred MB of objects live as long as the process: move them
        # out of the cyclic collector's sight, or every full collection walks them all (a
        # pause of tens of milliseconds in whichever request triggers it).
        gc.collect()
        gc.freeze()

    threading.Thread(target=run, name="entitlements-warm-up", daemon=True).start()

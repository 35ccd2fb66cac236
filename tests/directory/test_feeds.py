"""Importing from another council's ORUK API: served here by a local HTTP server (never the
internet), read page by page at the pace the setting allows, all or nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from safetynet.directory import feeds, records, service, synthetic
from safetynet.directory.models import DirectoryService
from safetynet.errors import InvalidInput
from tests.directory.conftest import SMALL


class Feed:
    """What the local ORUK API serves, and the paths it was asked for."""

    def __init__(self, services: list[dict], terms: list[dict], broken: str = "") -> None:
        self.services = {s["id"]: s for s in services}
        self.terms = terms
        self.broken = broken
        self.asked: list[str] = []

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        self.asked.append(path)
        if path == self.broken:
            return 500, {"error": "down"}
        if path == "/oruk/services":
            return 200, self._page(list(self.services.values()), query, summary=True)
        if path.startswith("/oruk/services/"):
            found = self.services.get(path.rsplit("/", 1)[1])
            return (200, found) if found else (404, {})
        if path == "/oruk/taxonomy_terms":
            return 200, self._page(self.terms, query)
        return 404, {}

    def _page(self, items: list[dict], query: dict, summary: bool = False) -> dict:
        number, size = int(query["page"][0]), int(query["per_page"][0])
        window = items[(number - 1) * size : number * size]
        if summary:
            keep = ("id", "name", "url", "status")
            window = [{k: s[k] for k in keep} for s in window]
        pages = max(1, -(-len(items) // size))
        return {"total_items": len(items), "total_pages": pages, "page_number": number,
                "size": len(window), "first_page": number == 1, "last_page": number >= pages,
                "empty": not window, "contents": window}  # fmt: skip


@pytest.fixture
def served() -> Iterator[tuple[str, list[Feed]]]:
    holder: list[Feed] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            status, body = holder[0].answer(url.path, parse_qs(url.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/oruk", holder
    server.shutdown()
    server.server_close()


def test_a_feed_is_read_page_by_page_at_a_polite_pace_and_imported(db, areas, served):
    base, holder = served
    made = synthetic.directory(seed=5, area="Elsewhere", size=SMALL)
    holder.append(Feed(made.services, made.terms))
    waits: list[float] = []
    feed, requests = feeds.fetch(base, per_minute=120, sleep=waits.append)
    # 1 page of 36 services (100 a page), 36 services, 1 page of terms, 1 of taxonomies (404)
    assert requests == 39
    assert holder[0].asked[0] == "/oruk/services"
    assert len(waits) >= 30 and all(0 < w <= 0.5 for w in waits)  # 120 a minute: 0.5 s apart
    assert [s["id"] for s in feed.services] == [s["id"] for s in made.services]
    counts = service.import_feed(db, areas.people["analyst"], feed, origin=base)
    assert counts.services == 36
    assert service.counts(db, areas.testshire) == {"service": 6, "counsellor": 25, "vacancy": 5}


def test_small_pages_are_all_read(served):
    base, holder = served
    made = synthetic.directory(seed=5, area="Elsewhere", size=SMALL)
    holder.append(Feed(made.services, made.terms))
    original = feeds.PER_PAGE
    feeds.PER_PAGE = 10
    try:
        feed, _ = feeds.fetch(base, per_minute=6000, sleep=lambda s: None)
    finally:
        feeds.PER_PAGE = original
    assert len(feed.services) == 36
    assert holder[0].asked.count("/oruk/services") == 4


def test_a_failing_api_saves_nothing_and_names_the_address(db, areas, served):
    base, holder = served
    made = synthetic.directory(seed=5, area="Elsewhere", size=SMALL)
    broken = f"/oruk/services/{made.services[3]['id']}"
    holder.append(Feed(made.services, made.terms, broken=broken))
    with pytest.raises(InvalidInput, match=f"answered 500 for {base}/services/"):
        feeds.fetch(base, per_minute=6000, sleep=lambda s: None)
    assert db.scalar(select(func.count()).select_from(DirectoryService)) == 0


def test_an_address_that_is_not_http_is_refused():
    with pytest.raises(InvalidInput, match="must start with https://"):
        feeds.fetch("file:///etc/passwd", per_minute=60)


def test_the_pace_waits_between_requests_only_as_long_as_needed():
    waits: list[float] = []
    pace = feeds.Pace(60, sleep=waits.append)
    pace.wait()
    pace.wait()
    assert waits and 0.9 < waits[0] <= 1.0


def test_our_own_export_is_served_shape_compatible(db, areas):
    made = synthetic.directory(seed=5, area="Testshire", size=SMALL)
    service.write_made_here(db, areas.testshire, made, actor="test")
    one = db.scalar(select(DirectoryService).order_by(DirectoryService.id))
    assert records.service_summary(one)["id"] == made.services[0]["id"]

"""The whole journey in a real browser (Debian's Chromium via Playwright), against the real
server on a demo store: a caseworker walks the digital inclusion triage for a resident, the
result offers services for the needs found, the matches page opens with those needs ticked,
the resident's postcode places them, the matches come with their reasons, and a referral is
made; then the triage needs list is allocated on the allocation page and confirmed. axe-core
finds no serious or critical problem on any page; screenshots go to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from tests.triage.test_browser import _answer
from tests.web.test_browser import CHROMIUM, _check, _open, demo_output, serving
from tests.web.test_browser_search import _sign_in

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, int, str]]:
    """A linked demo store with a small directory, then `safetynet serve`: (url, email,
    password, a resident's id, a postcode of the borough)."""
    data = tmp_path_factory.mktemp("browser-journey")
    printed = demo_output(data, "--people", "300", "--seed", "6", "--no-payments", "--no-screen",
                          "--counsellors", "150")  # fmt: skip
    login = re.search(r"caseworker\s+council\s+(\S+@\S+)\s+password: (\S+)", printed)
    assert login, printed
    with sqlite3.connect(data / "safetynet.db") as db:
        (resident,) = db.execute("SELECT min(id) FROM residents WHERE merged_into_id IS NULL "
                                 "AND ended_by_run_id IS NULL").fetchone()
        (postcode,) = db.execute("SELECT min(postcode) FROM place_postcodes "
                                 "WHERE lat IS NOT NULL").fetchone()
    with serving(data, "--no-worker") as url:
        yield url, login.group(1), login.group(2), resident, postcode


def test_triage_to_matches_to_a_referral(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password, resident, postcode = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser, page = _open(p)
        _sign_in(page, url, email, password)
        page.goto(f"{url}/residents/{resident}/triage")
        page.click("#start-triage")
        page.wait_for_url(re.compile(r".*/questions/intro$"))
        page.click("#continue")
        while "/questions/" in page.url:
            _answer(page, page.url.rsplit("/", 1)[1])
            page.wait_for_load_state()
        _check(page, "journey-check-answers", problems)
        page.click("#save")
        page.wait_for_url(re.compile(r".*/triage/\d+$"))
        assert "A working device" in page.inner_text("#needs")
        _check(page, "journey-triage-result", problems)
        page.click("#find-for-needs")
        page.wait_for_url(re.compile(rf".*/residents/{resident}/matches\?triage=\d+$"))
        told = page.inner_text("#from-triage")
        assert "A working device" in told and "Ticked below: device lending" in told
        assert page.is_checked("input[name=needs][value='device lending']")
        assert page.is_checked("input[name=needs][value='digital skills']")
        assert not page.is_checked("input[name=needs][value='food bank']")
        _check(page, "journey-matches-prefilled", problems)
        page.fill("#postcode", postcode.lower())
        page.fill("#max_distance_km", "15")
        page.click("#find")
        page.wait_for_selector("#results")
        assert "that fit" in page.inner_text("#results")
        reasons = page.inner_text("#matches")
        assert "helps with" in reasons
        _check(page, "journey-matches", problems)
        chosen = page.locator("#matches label").first.inner_text().split(". ", 1)[1]
        page.locator("#matches input[name=service_id]").first.check()
        page.click("#refer")
        page.wait_for_url(re.compile(r".*done=referred"))
        assert "Referred" in page.inner_text("#referrals")
        assert chosen.rsplit(" (", 1)[0] in page.inner_text("#referrals")
        _check(page, "journey-referred", problems)
        _allocate_the_needs_list(page, url, problems)
        browser.close()
    assert problems == {}


def _allocate_the_needs_list(page, url: str, problems: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    """Allocate: the triage needs list (the resident just triaged is on it) proposed, looked
    at, confirmed."""
    page.goto(f"{url}/match/allocations")
    assert page.is_checked("input[name=group][value=needs]")
    _check(page, "journey-allocate", problems)
    page.click("#propose")
    page.wait_for_url(re.compile(r".*/match/allocations/\d+$"))
    assert "Proposed allocation" in page.inner_text("h1")
    assert "Resident " in page.inner_text("#rows")
    _check(page, "journey-allocation", problems)
    page.click("#confirm")
    page.wait_for_url(re.compile(r".*done=confirmed$"))
    assert "Allocation confirmed" in page.inner_text("main")

"""Matching in a real browser (Debian's Chromium via Playwright) against the real server on a
demo store with its directory: a council caseworker opens a resident, describes a need, sees
ranked matches with their reasons, refers to one and notes that it was accepted. axe-core finds
no serious or critical problem; screenshots go to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from tests.web.test_browser import CHROMIUM, _check, _open, demo_output, serving
from tests.web.test_browser_search import _sign_in

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, int]]:
    """A linked demo store with a small directory, then `safetynet serve`: (url, email,
    password, a resident's id)."""
    data = tmp_path_factory.mktemp("browser-match")
    printed = demo_output(data, "--people", "300", "--seed", "5", "--no-payments",
                          "--counsellors", "150")  # fmt: skip
    login = re.search(r"caseworker\s+council\s+(\S+@\S+)\s+password: (\S+)", printed)
    assert login, printed
    with sqlite3.connect(data / "safetynet.db") as db:
        (resident,) = db.execute("SELECT min(id) FROM residents WHERE merged_into_id IS NULL "
                                 "AND ended_by_run_id IS NULL").fetchone()
    with serving(data, "--no-worker") as url:
        yield url, login.group(1), login.group(2), resident


def test_a_caseworker_finds_matches_and_refers(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password, resident = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser, page = _open(p)
        _sign_in(page, url, email, password)
        page.goto(f"{url}/residents/{resident}")
        page.click("#find-services")
        page.wait_for_url(f"{url}/residents/{resident}/matches")
        _check(page, "match-need", problems)
        page.check("#kind-3")  # a counsellor
        page.fill("#max_cost", "20")
        page.check("#low_income")
        page.fill("#lat", "53.38")
        page.fill("#lon", "-1.47")
        page.click("#find")
        page.wait_for_selector("#results")
        assert page.url == f"{url}/residents/{resident}/matches"  # the need is not in the URL
        assert "that fit" in page.inner_text("#results")
        _check(page, "match-results", problems)
        first = page.locator("#matches li").first.inner_text()
        page.locator("#matches input[name=service_id]").first.check()
        page.click("#refer")
        page.wait_for_url(re.compile(r".*done=referred"))
        listed = page.inner_text("#referrals")
        assert "Referred" in listed and first.split("(")[0].split(". ", 1)[1].strip() in listed
        page.select_option("#referrals select", "accepted")
        page.click("#referrals button")
        page.wait_for_url(re.compile(r".*done=status"))
        assert "Accepted" in page.inner_text("#referrals")
        _check(page, "match-referrals", problems)
        browser.close()
    assert problems == {}

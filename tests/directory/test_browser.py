"""The directory in a real browser (Debian's Chromium via Playwright) against the real server
on a demo store: a council caseworker searches for counsellors, pages on, opens one, and the
public ORUK API answers for the same area. axe-core finds no serious or critical problem;
screenshots go to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest

from tests.web.test_browser import CHROMIUM, _check, _open, demo_output, serving

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A demo store with a small directory, then `safetynet serve`: (url, email, password)."""
    data = tmp_path_factory.mktemp("browser-directory")
    printed = demo_output(data, "--people", "300", "--seed", "4", "--no-link", "--no-payments",
                          "--counsellors", "120")  # fmt: skip
    login = re.search(r"caseworker\s+council\s+(\S+@\S+)\s+password: (\S+)", printed)
    assert login, printed
    with serving(data, "--no-worker") as url:
        yield url, login.group(1), login.group(2)


def test_a_caseworker_finds_a_counsellor_and_the_public_api_lists_them(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser, page = _open(p)
        page.goto(f"{url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{url}/")
        page.click("a:has-text('Directory')")
        page.wait_for_url(f"{url}/directory")
        assert "Counsellors: 120" in page.inner_text("main")
        page.select_option("#kind", "counsellor")
        page.click("#search")
        page.wait_for_selector("#results")
        assert "of 120 services" in page.inner_text("#results")
        _check(page, "directory-search", problems)
        page.click(".govuk-pagination__next a")
        assert "Showing 51 to 100 of 120 services" in page.inner_text("#results")
        page.click("table a >> nth=0")
        page.wait_for_selector("#profile")
        assert "safetynet:measure" in page.inner_text("#profile")
        _check(page, "directory-service", problems)
        browser.close()
    assert problems == {}
    with urllib.request.urlopen(f"{url}/api/oruk/demo-borough/services?per_page=5") as answer:
        listed = json.load(answer)
    assert listed["total_items"] == 620 and listed["size"] == 5

"""The decision dashboard in a real browser (Debian's Chromium via Playwright) against the
real server on a demo store: an analyst opens /decisions, follows the "missing out" figure to
the list behind it (the same total), opens the drafted plan from the dashboard and downloads
it as Word and PDF; then exports the council's configuration pack and uploads it to see the
differences page. axe-core checks each page for serious or critical problems.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import CHROMIUM, _check
from tests.web.test_browser_search import _sign_in, server

__all__ = ["server"]  # the demo store and server of the resident-search test, built anew here

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]


def _figure_to_list(page, url: str, problems) -> None:  # type: ignore[no-untyped-def]
    page.click("header >> text=Decisions")
    page.wait_for_url(f"{url}/decisions")
    assert page.inner_text("h1") == "Decision dashboard"
    _check(page, "decisions", problems)
    shown = page.inner_text("[data-figure='Residents probably missing out']")
    page.click("#figures a:has-text('Residents probably missing out')")
    page.wait_for_url(re.compile(r".*/gaps\?as_of=.*"))
    assert page.inner_text("#total-any") == shown
    _check(page, "decisions-figure-list", problems)


def _plan_downloads(page, url: str, problems) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/decisions")
    page.click("#plan-figure a")
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    _check(page, "decisions-plan", problems)
    for label, suffix, magic in (("Word", ".docx", b"PK"), ("PDF", ".pdf", b"%PDF")):
        with page.expect_download() as caught:
            page.click(f"a:has-text('Download as {label}')")
        download = caught.value
        assert download.suggested_filename.endswith(suffix)
        with open(download.path(), "rb") as opened:
            assert opened.read(4).startswith(magic)


def _pack_pages(page, url: str, problems, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/packs")
    _check(page, "packs", problems)
    with page.expect_download() as caught:
        page.click("a:has-text('Download the pack')")
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    page.set_input_files("#pack", str(saved))
    page.click("button:has-text('Show the differences')")
    page.wait_for_url(f"{url}/packs/diff")
    assert "Everything in this pack is already in force here" in page.inner_text("main")
    _check(page, "packs-diff", problems)


def test_an_admin_follows_the_dashboard_to_its_lists_and_exports_the_plan(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    url = str(server["url"])
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        # bypass_csp only so axe-core can be injected; the pages themselves need no exception.
        context = browser.new_context(
            bypass_csp=True, accept_downloads=True, viewport={"width": 1100, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(120_000)
        _sign_in(page, url, *server["logins"]["admin"])  # type: ignore[index]
        _figure_to_list(page, url, problems)
        _plan_downloads(page, url, problems)
        _pack_pages(page, url, problems, tmp_path)
        browser.close()
    assert problems == {}

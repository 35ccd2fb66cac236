"""A caseworker's check on a resident in a real browser (Debian's Chromium via Playwright)
against the real server on a demo store. axe-core checks the page for serious or critical
problems; screenshots go to docs/screenshots/. The resident's self-check has its own browser
test (test_browser_self_check.py), on a lighter store.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.web.test_browser import CHROMIUM, _check, _env, _free_port, _wait_until_up

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, int]]:
    """A demo store (linked and screened), then `safetynet serve`: (url, caseworker email,
    password, a resident the screening found something unclaimed for)."""
    data = tmp_path_factory.mktemp("browser-entitlements")
    demo = subprocess.run(
        [sys.executable, "-m", "safetynet", "demo", "run", "--people", "800", "--seed", "5"],
        env=_env(data) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    )
    login = re.search(r"caseworker\s+council\s+(\S+@\S+)\s+password: (\S+)", demo.stdout)
    assert login, demo.stdout
    with sqlite3.connect(data / "safetynet.db") as db:
        (resident,) = db.execute(
            "SELECT resident_id FROM screening_results WHERE unclaimed_pence > 0 "
            "ORDER BY unclaimed_pence DESC LIMIT 1"
        ).fetchone()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "safetynet", "serve", "--port", str(port), "--no-worker"],
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(url, process)
        yield url, login.group(1), login.group(2), int(resident)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_caseworker_checks_a_resident_in_a_real_browser(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password, resident = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        staff = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
        page = staff.new_page()
        page.goto(f"{url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/residents/{resident}/entitlements")
        assert page.input_value("#p1_age") != ""  # pre-filled from the linked sources
        page.click("#save")
        page.wait_for_selector("#result")
        assert "Check saved to the resident's record" in page.inner_text("main")
        assert "£" in page.inner_text("#past-checks")
        _check(page, "caseworker-check", problems)
        browser.close()
    assert problems == {}

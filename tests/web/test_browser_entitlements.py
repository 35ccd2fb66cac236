"""The entitlement pages in a real browser (Debian's Chromium via Playwright) against the real
server on a demo store: a resident's self-check on a phone-sized screen from start to result
(with JavaScript, then again without), and a caseworker's check on a resident. axe-core checks
each page for serious or critical problems; screenshots go to docs/screenshots/.

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
PHONE = {"width": 390, "height": 844}


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


# Lone parent 30 with a child of 5, council rent £500 a month, no earnings: £1,305.83 a month
# (Universal Credit £1,192.95 + Child Benefit £112.88; see test_self_check.py).
ANSWERS = [
    ("council", [("#local_authority", "Sheffield")]),
    ("age", [("#age", "30")]),
    ("partner", [("#partner-2", "check")]),
    ("children", [("#children", "1")]),
    ("children-ages", [("#child_age_1", "5")]),
    ("work", []),
    ("pensions", []),
    ("housing", [("#tenure", "check"), ("#rent", "500")]),
    ("council-tax", [("#council_tax", "1500")]),
    ("savings", [("#savings", "0")]),
    ("disability", []),
    ("benefits", []),
]


def _answer(page, url: str, name: str, steps: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    assert page.url == f"{url}/check/{name}", page.url
    for selector, value in steps:
        if value == "check":
            page.check(selector)
        else:
            page.fill(selector, value)
    page.click("button:has-text('Continue')")


def _self_check(page, url: str, problems: dict[str, list[str]] | None) -> None:  # type: ignore[no-untyped-def]
    """Walk the self-check from the start page to the result; axe and screenshots when given
    `problems` (JavaScript on)."""
    page.goto(f"{url}/check")
    if problems is not None:
        _check(page, "self-check-start", problems)
    page.click("text=Start now")
    for name, steps in ANSWERS:
        if problems is not None and name == "age":
            page.fill("#age", "130")  # absurd: refused against the field, answer kept
            page.click("button:has-text('Continue')")
            assert "Your age must be 120 or less" in page.inner_text(".govuk-error-summary")
            assert page.input_value("#age") == "130"
            _check(page, "self-check-error", problems)
        if problems is not None and name in ("council", "partner", "housing", "disability"):
            _check(page, f"self-check-{name}", problems)
        _answer(page, url, name, steps)
    assert page.url == f"{url}/check/answers"
    if problems is not None:
        _check(page, "self-check-answers", problems)
    page.click("button:has-text('See what you could get')")
    page.wait_for_url(f"{url}/check/result")
    assert "About £1,305.83 a month" in page.inner_text("#total")
    assert "£1,192.95" in page.inner_text("#benefit-universal_credit")
    assert "£112.88" in page.inner_text("#benefit-child_benefit")


def test_a_resident_self_check_on_a_phone_and_a_caseworker_check(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password, resident = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        # bypass_csp only so axe-core can be injected; the pages themselves need no exception.
        phone = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True)
        page = phone.new_page()
        _self_check(page, url, problems)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= PHONE["width"]  # nothing wider than the phone's screen
        _check(page, "self-check-result", problems)
        page.fill("#phone", "0114 496 0000")
        page.check("#consent")
        page.click("button:has-text('Send my answers')")
        assert "Your answers have been sent" in page.inner_text("main")
        _check(page, "self-check-shared", problems)

        # Again with JavaScript off: plain forms all the way, then finish and delete.
        no_js = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True)
        page = no_js.new_page()
        _self_check(page, url, None)
        page.click("button:has-text('Finish and delete my answers')")
        assert "Your answers have been deleted" in page.inner_text("main")

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

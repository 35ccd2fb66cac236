"""The partners' front desk in a real browser (Debian's Chromium via Playwright) on a
375-pixel-wide screen, against the real server on a demo store: a food bank's volunteer
signs in, finds a client and records a food parcel, adds a new person (a mistyped postcode
first), records a referral voucher and its outcome, and reads the desk's report. Nothing
is wider than the screen; axe-core finds no serious or critical problem on any page;
screenshots go to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from tests.web.test_browser import CHROMIUM, _check, demo_output, serving

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]
SMALL_PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, str]]:
    """A demo store (not linked), then `safetynet serve`: (url, the food bank's front-desk
    email, password, the surname of one of its imported clients)."""
    data = tmp_path_factory.mktemp("browser-front-desk")
    printed = demo_output(data, "--people", "400", "--seed", "6", "--no-link")
    login = re.search(r"partner\s+north-foodbank\s+(\S+@\S+)\s+password: (\S+)", printed)
    assert login, printed
    with sqlite3.connect(data / "safetynet.db") as db:
        (surname,) = db.execute(
            "SELECT r.surname FROM records r JOIN sources s ON s.id = r.source_id "
            "JOIN organisations o ON o.id = s.organisation_id "
            "WHERE o.slug = 'north-foodbank' AND s.kind <> 'front_desk' "
            "AND r.surname IS NOT NULL AND r.dob IS NOT NULL ORDER BY r.id LIMIT 1"
        ).fetchone()
    with serving(data, "--no-worker") as url:
        yield url, login.group(1), login.group(2), surname


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing on the page is wider than the phone's screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"{page.url} is {width}px wide"


def _look(page, name: str, problems: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    _fits(page)
    _check(page, name, problems)


def test_a_front_desk_visit_on_a_small_phone(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password, surname = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(bypass_csp=True, viewport=SMALL_PHONE, is_mobile=True)
        page = context.new_page()
        page.goto(f"{url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/front-desk")
        _look(page, "front-desk", problems)

        page.fill("#q", surname)
        page.click("#find")
        page.wait_for_selector("#found")
        assert "/front-desk" == page.url.removeprefix(url)  # the words never reach the URL
        _look(page, "front-desk-found", problems)
        page.click("#clients li:first-child a")
        page.wait_for_url(re.compile(r".*/front-desk/people/\d+$"))
        assert surname in page.inner_text("h1")
        _look(page, "front-desk-client", problems)
        page.check("#kind-2")  # a food parcel
        page.click("#record")
        page.wait_for_url(f"{url}/front-desk?done=food_parcel")
        assert "Food parcel recorded." in page.inner_text(".govuk-notification-banner")
        _look(page, "front-desk-recorded", problems)

        page.click("text=Add a new person")
        page.wait_for_url(f"{url}/front-desk/new")
        page.fill("#forename", "Ada")
        page.fill("#surname", "Lovelace")
        page.fill("#dob-day", "10")
        page.fill("#dob-month", "12")
        page.fill("#dob-year", "1990")
        page.fill("#postcode", "not a postcode")
        page.check("#kind-3")  # a referral voucher
        page.fill("#referred_to", "Borough Advice Centre")
        page.click("#add")
        assert "not a valid UK postcode" in page.inner_text(".govuk-error-summary")
        assert page.input_value("#surname") == "Lovelace"
        _look(page, "front-desk-new-refused", problems)
        page.fill("#postcode", "db1 1aa")
        page.click("#add")
        page.wait_for_url(f"{url}/front-desk?done=referral")

        page.fill("#q", "lovelace 10/12/1990")
        page.click("#find")
        page.click("#clients li:first-child a")
        assert "Waiting to hear" in page.inner_text("#events")
        page.locator("#events select").first.select_option("took_up")
        page.locator("#events button").first.click()
        page.wait_for_url(re.compile(r".*\?done=outcome$"))
        assert "Took it up" in page.inner_text("#events")
        _look(page, "front-desk-outcome", problems)

        page.goto(f"{url}/front-desk/report")
        assert "Borough Advice Centre" in page.inner_text("#referred-to")
        assert int(page.inner_text("#weeks tbody tr:first-child td:nth-child(6)")) >= 1
        _look(page, "front-desk-report", problems)
        browser.close()
    assert problems == {}

"""Finding a resident in a real browser (Debian's Chromium via Playwright) against the real
server on a demo store: a council caseworker searches by name typed carelessly and date of
birth, opens the resident (headed by their name), and runs the entitlement check from there;
then the long pages an admin pages through: a rule's residents by ward, an outreach list,
the audit log. axe-core checks each page for serious or critical problems; screenshots go
to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest

from tests.web.test_browser import CHROMIUM, _check, _env, _free_port, _wait_until_up

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]
# A person on the council's council-tax list, with a date of birth, and the only one of
# that name and date of birth in the area.
PERSON = """
SELECT r.forename, r.surname, r.dob, rr.resident_id
FROM records r JOIN resident_records rr ON rr.record_id = r.id
JOIN sources s ON s.id = r.source_id
WHERE s.kind = 'council_tax_reduction' AND r.dob IS NOT NULL AND r.forename IS NOT NULL
  AND r.surname NOT LIKE '% %'
  AND (SELECT count(DISTINCT rr2.resident_id) FROM records r2
       JOIN resident_records rr2 ON rr2.record_id = r2.id
       WHERE r2.surname_key = r.surname_key AND r2.dob = r.dob) = 1
ORDER BY r.id LIMIT 1
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A demo store, then `safetynet serve`: the url, logins and the person to look for."""
    data = tmp_path_factory.mktemp("browser-search")
    demo = subprocess.run(
        [sys.executable, "-m", "safetynet", "demo", "run", "--people", "800", "--seed", "6"],
        env=_env(data) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    )
    logins = {
        role: re.search(rf"{role}\s+council\s+(\S+@\S+)\s+password: (\S+)", demo.stdout)
        for role in ("caseworker", "admin")
    }
    assert all(logins.values()), demo.stdout
    with sqlite3.connect(data / "safetynet.db") as db:
        person = db.execute(PERSON).fetchone()
    assert person, "the demo has someone to look for"
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
        yield {
            "url": url,
            "logins": {r: (m.group(1), m.group(2)) for r, m in logins.items() if m},
            "person": person,
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def _sign_in(page, url: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{url}/")


def _find_and_check(page, url: str, person, problems) -> None:  # type: ignore[no-untyped-def]
    """Search -> resident -> entitlement check, as a caseworker."""
    forename, surname, dob, resident = person
    born = date.fromisoformat(dob)
    page.click("header >> text=Residents")
    page.wait_for_url(f"{url}/residents")
    _check(page, "resident-search", problems)
    page.click("#search-button")  # nothing typed: said against the name
    assert "Enter a name, date of birth, postcode or reference" in page.inner_text(
        ".govuk-error-summary"
    )
    _check(page, "resident-search-error", problems)
    page.fill("#name", f"  {surname.upper()}  {forename.lower()} ")
    page.fill("#dob-day", str(born.day))
    page.fill("#dob-month", str(born.month))
    page.fill("#dob-year", str(born.year))
    page.click("#search-button")
    assert "Showing 1 to 1 of 1 residents" in page.inner_text("#results-heading")
    _check(page, "resident-search-results", problems)
    page.click(f"#results a[href='/residents/{resident}']")
    page.wait_for_url(f"{url}/residents/{resident}")
    assert page.inner_text("h1") == f"{forename} {surname}"
    summary = page.inner_text("#summary")
    assert born.strftime("%-d %B %Y") in summary and str(resident) in summary
    _check(page, "resident-page", problems)
    page.click("#check-entitlements")
    page.wait_for_url(f"{url}/residents/{resident}/entitlements")
    page.click("#save")
    page.wait_for_selector("#result")
    assert "Check saved to the resident's record" in page.inner_text("main")
    _check(page, "resident-entitlement-check", problems)


def _long_pages(page, url: str, problems) -> None:  # type: ignore[no-untyped-def]
    """A rule's residents by ward and page, an outreach list, the audit log, as an admin."""
    page.goto(f"{url}/gaps")
    cell = page.locator("#gap-table td a").first
    cell.click()
    assert "ward=" in page.url
    count = int(page.inner_text("#found-count").replace(",", ""))
    assert count >= 1 and page.locator("#people tbody tr").count() == min(count, 50)
    _check(page, "gap-rule-ward", problems)
    page.select_option("#ward", "")
    page.click("#ward-chooser button")
    everyone = int(page.inner_text("#found-count").replace(",", ""))
    assert everyone >= count
    if everyone > 50:
        page.click(".govuk-pagination__next a")
        assert "page=2" in page.url
    page.fill("#reason", "Browser test")
    with page.expect_download():
        page.click("#download")
    page.goto(f"{url}/outreach")
    page.locator("#lists a").first.click()
    _check(page, "outreach-list-paged", problems)
    page.select_option("#filter-status", "to_contact")
    page.click("#list-filter button")
    assert "status=to_contact" in page.url
    page.goto(f"{url}/audit?action=resident.search")
    assert "resident.search" in page.inner_text("#events")
    _check(page, "audit-log", problems)
    page.click("#sign-out")
    page.wait_for_url(re.compile(r".*/login.*"))


def test_a_caseworker_finds_a_resident_and_checks_what_they_could_get(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, logins = server["url"], server["logins"]
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        # bypass_csp only so axe-core can be injected; the pages themselves need no exception.
        context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
        page = context.new_page()
        # The first check loads the entitlement engine (several seconds, more on a busy
        # machine): wait for pages longer than Playwright's default.
        page.set_default_timeout(180_000)
        _sign_in(page, url, *logins["caseworker"])
        _find_and_check(page, url, server["person"], problems)
        page.click("#sign-out")
        page.wait_for_url(re.compile(r".*/login.*"))
        _sign_in(page, url, *logins["admin"])
        _long_pages(page, url, problems)
        browser.close()
    assert problems == {}

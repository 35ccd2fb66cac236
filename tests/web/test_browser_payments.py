"""The payments journey in a real browser (Debian's Chromium via Playwright) against the real
server on a demo store: a food bank's caseworker enrols a person and asks for an award, the
food bank's second user approves it (four eyes), the council's administrator runs a Bacs round
and the council's analyst reconciles the bank's statement. axe-core checks each page for
serious or critical problems; screenshots go to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from tests.web.test_browser import CHROMIUM, _check, _env, _free_port, _wait_until_up

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]
ROLES = (("caseworker", "north-foodbank"), ("partner", "north-foodbank"), ("admin", "council"),
         ("analyst", "council"))  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, tuple]]]:
    """A demo store with its payments scheme (no screening), then `safetynet serve`: (url,
    logins by role)."""
    data = tmp_path_factory.mktemp("browser-payments")
    demo = subprocess.run(
        [sys.executable, "-m", "safetynet", "demo", "run", "--people", "400", "--seed", "6",
         "--no-screen"],
        env=_env(data) | {"COLUMNS": "200"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    logins = {}
    for role, org in ROLES:
        found = re.search(rf"{role}\s+{org}\s+(\S+@\S+)\s+password: (\S+)", demo.stdout)
        assert found, demo.stdout
        logins[role] = (found.group(1), found.group(2))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "safetynet", "serve", "--port", str(port), "--no-worker"],
        env=_env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_until_up(url, process)
        yield url, logins
    finally:
        process.terminate()
        process.wait(timeout=30)


def _signed_in(browser, url: str, login: tuple[str, str]):  # type: ignore[no-untyped-def]
    """A fresh browser context (its own cookies) signed in as `login`."""
    page = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900}).new_page()
    page.goto(f"{url}/login")
    page.fill("#email", login[0])
    page.fill("#password", login[1])
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{url}/")
    return page


def _enrol_and_ask(page, url: str, problems) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The caseworker enrols a person paid by bank transfer and asks for £75; the ids."""
    page.click("#spend-table a")  # the dashboard's panel links to the scheme
    _check(page, "payments-scheme-partner", problems)
    page.click("#enrol-link")
    page.click("#enrol")  # nothing filled in: each problem named against its field
    assert "There is a problem" in page.inner_text(".govuk-error-summary")
    _check(page, "payments-enrol-error", problems)
    page.fill("#name", "Jo Browser")
    page.check("input[name=method][value=bacs]")
    page.fill("#bank_name", "J BROWSER")
    page.fill("#bank_sort_code", "20-00-00")
    page.fill("#bank_account", "55779911")
    page.check("input[name=consent]")
    page.click("#enrol")
    page.wait_for_url(re.compile(r".*/payments/enrolments/\d+\?enrolled=1$"))
    enrolment = int(re.search(r"/enrolments/(\d+)", page.url).group(1))
    _check(page, "payments-payee-enrolled", problems)
    monday = date.today() - timedelta(days=date.today().weekday())
    page.fill("#amount", "75")
    page.fill("#first_due", monday.isoformat())
    page.fill("#note", "Boiler broke; no heating")
    page.click("#ask")
    assert "someone else must approve it" in page.inner_text("#notice")
    _check(page, "payments-award-requested", problems)
    award = int(
        page.get_attribute("#payments a[href^='/payments/awards/']", "href").rsplit("/")[-1]
    )
    page.goto(f"{url}/payments/awards/{award}")
    page.check("input[name=decision][value=approve]")
    page.click("#record-decision")  # four eyes: whoever asked cannot approve
    assert "someone else must approve it" in page.inner_text(".govuk-error-summary")
    _check(page, "payments-four-eyes", problems)
    return enrolment, award


def _approve(page, url: str, award: int, asker: str, problems) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/payments/awards/{award}")
    assert asker in page.inner_text("#award")
    assert page.inner_text("#award a") == "Jo Browser"  # the payee's name links to them
    _check(page, "payments-award", problems)
    page.check("input[name=decision][value=approve]")
    page.fill("#note", "Seen the engineer's quote")
    page.click("#record-decision")
    assert page.inner_text("#status") == "Approved"


def _run_round(page, url: str, scheme_href: str, problems) -> str:  # type: ignore[no-untyped-def]
    """The council runs a Bacs round of everything due today; the notice."""
    page.goto(f"{url}{scheme_href}")
    _check(page, "payments-scheme-council", problems)
    page.check("input[name=method][value=bacs]")
    page.click("#run-round")
    notice = page.inner_text("#notice")
    assert re.search(r"Round \d+: \d+ payment\(s\) sent", notice), notice
    _check(page, "payments-round", problems)
    return notice


def _reconcile(page, url: str, reference: str, tmp_path, problems) -> None:  # type: ignore[no-untyped-def]
    statement = tmp_path / "bank.csv"
    statement.write_text(f"reference,amount,status,value_date\n{reference},75.00,paid,"
                         f"{date.today().isoformat()}\n")  # fmt: skip
    page.goto(f"{url}/payments/statements")
    _check(page, "payments-statements", problems)
    page.set_input_files("#file", str(statement))
    page.click("button:has-text('Reconcile')")
    assert "Reconciled." in page.content()
    _check(page, "payments-reconciled", problems)
    page.set_input_files("#file", str(statement))
    page.click("button:has-text('Reconcile')")
    assert "imported before: nothing changed" in page.content()


def test_enrol_ask_approve_pay_and_reconcile_in_a_real_browser(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    url, logins = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        caseworker = _signed_in(browser, url, logins["caseworker"])
        _check(caseworker, "payments-dashboard-partner", problems)
        scheme_href = caseworker.get_attribute("#spend-table a", "href")
        enrolment, award = _enrol_and_ask(caseworker, url, problems)

        approver = _signed_in(browser, url, logins["partner"])
        _approve(approver, url, award, logins["caseworker"][0], problems)

        admin = _signed_in(browser, url, logins["admin"])
        assert "against budget" in admin.inner_text("#payments-spend")
        _check(admin, "payments-dashboard-council", problems)
        _run_round(admin, url, scheme_href, problems)
        admin.goto(f"{url}/payments/enrolments/{enrolment}")
        row = admin.inner_text("#payments tbody tr")
        assert "Sent" in row
        reference = re.search(r"SN\d{12}-01", row).group(0)

        analyst = _signed_in(browser, url, logins["analyst"])
        _reconcile(analyst, url, reference, tmp_path, problems)
        analyst.goto(f"{url}/payments/enrolments/{enrolment}")
        row = analyst.inner_text("#payments tbody tr")
        assert "Confirmed" in row and "reconciled" in row
        _check(analyst, "payments-payee-paid", problems)
        browser.close()
    assert problems == {}

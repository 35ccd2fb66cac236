"""A caseworker walks the digital inclusion triage for a resident in a real browser (Debian's
Chromium via Playwright), against the real server on a demo store: from the resident's page,
one question a page (a blank answer first, refused with the GOV.UK error summary), checking
the answers, to the result with the needs found. axe-core finds no serious or critical
problem on any page; screenshots go to docs/screenshots/.

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
# What the caseworker enters on each question page: a choice's value, or text typed.
ANSWERS = {
    "age": "82", "lives_alone": "yes", "contact_days": "1", "devices": ["smartphone"],
    "device_works": "no", "internet": "mobile_only", "internet_cost": "20", "cut_back": "yes",
    "foundation": "yes", "communicating": "with_help", "handling_information": "no",
    "transacting": "no", "being_safe": "with_help", "problem_solving": "no",
    "confidence": "not_at_all", "access": ["sight"], "anything_else": "",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, int]]:
    """A linked demo store, then `safetynet serve`: (url, caseworker email, password, a
    resident's id)."""
    data = tmp_path_factory.mktemp("browser-triage")
    printed = demo_output(data, "--people", "400", "--seed", "4", "--no-screen", "--no-payments")
    login = re.search(r"caseworker\s+council\s+(\S+@\S+)\s+password: (\S+)", printed)
    assert login, printed
    with sqlite3.connect(data / "safetynet.db") as db:
        (resident,) = db.execute(
            "SELECT id FROM residents WHERE ended_by_run_id IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    with serving(data, "--no-worker") as url:
        yield url, login.group(1), login.group(2), int(resident)


def _answer(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Enter the answer to the question on the page and continue."""
    value = ANSWERS.get(name, "")
    fields = page.locator("input[name=answer]")
    kind = fields.first.get_attribute("type") if fields.count() else "textarea"
    if kind in ("radio", "checkbox"):
        for v in value if isinstance(value, list) else [value]:
            page.check(f'input[name=answer][value="{v}"]')
    elif page.locator("#answer").count():
        page.fill("#answer", value)
    page.click("#continue")


def test_a_caseworker_walks_the_triage_to_the_needs(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password, resident = server
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_context(
            bypass_csp=True, viewport={"width": 1100, "height": 900}
        ).new_page()
        page.goto(f"{url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/residents/{resident}")
        page.click("#digital-triage")
        page.wait_for_url(f"{url}/residents/{resident}/triage")
        _check(page, "triage-start", problems)
        page.click("#start-triage")
        page.wait_for_url(re.compile(r".*/questions/intro$"))
        page.click("#continue")
        page.wait_for_url(re.compile(r".*/questions/age$"))
        page.click("#continue")  # nothing entered
        assert "Answer this question to continue." in page.inner_text(".govuk-error-summary")
        _check(page, "triage-question-refused", problems)
        while "/questions/" in page.url:
            name = page.url.rsplit("/", 1)[1]
            fields = page.locator("input[name=answer]")
            kind = (fields.first.get_attribute("type") if fields.count() else "textarea") or "text"
            if kind not in seen:  # one page of each kind of field through axe
                seen.add(kind)
                _check(page, f"triage-question-{kind}", problems)
            _answer(page, name)
            page.wait_for_load_state()
        assert page.url.endswith("/check")
        assert "Only mobile data" in page.inner_text("#answers")
        _check(page, "triage-check-answers", problems)
        page.click("#save")
        page.wait_for_url(re.compile(r".*/triage/\d+$"))
        needs = page.inner_text("#needs")
        for need in ("A working device", "Confidence", "Isolation", "Transacting"):
            assert need in needs
        _check(page, "triage-result", problems)

        page.goto(f"{url}/decisions")  # the dashboard's panel and the list behind it
        first = page.locator("#digital-needs a[data-ward]").first
        count = int(first.inner_text().replace(",", ""))
        first.click()
        page.wait_for_url(re.compile(r".*/triage/needs\?.*"))
        assert f"of {count:,} residents" in page.inner_text("#caption") or count <= 50
        _check(page, "triage-needs", problems)
        browser.close()
    assert seen >= {"text", "radio", "checkbox"}
    assert problems == {}

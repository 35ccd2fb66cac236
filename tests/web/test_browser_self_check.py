"""A resident's self-check in a real browser (Debian's Chromium via Playwright) against the real
server, on a phone-sized screen: a mistyped council and the suggestion, the partner's age and
the rent revealed only under the answer that needs them, the exclusive "None", an error page
the back button leaves without resending, the result in whole pounds with what is already
received apart, a call back to the council named, and the privacy notice, cookies page and
accessibility statement. Then again with JavaScript off. axe-core finds no violations of any
impact on any page; screenshots go to docs/screenshots/.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.web.test_browser import AXE, CHROMIUM, SHOTS, _env, _free_port, _wait_until_up

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]
PHONE = {"width": 390, "height": 844}
SETTINGS = {
    "SAFETYNET_SELF_CHECK_COUNCILS": '["Sheffield"]',
    "SAFETYNET_SELF_CHECK_COUNCIL_NAME": "Testshire City Council",
    "SAFETYNET_SELF_CHECK_CONTACT": "0114 496 0999",
    "SAFETYNET_SELF_CHECK_YEAR": "2026",  # the figures below are 2026 to 2027's
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store holding one council area, then `safetynet serve` for it: its URL."""
    data = tmp_path_factory.mktemp("browser-self-check")
    env = _env(data) | SETTINGS
    safetynet = [sys.executable, "-m", "safetynet"]
    subprocess.run([*safetynet, "db", "upgrade"], env=env, check=True, capture_output=True)
    council = ["--name", "Testshire City Council", "--kind", "council", "--area", "Testshire"]
    subprocess.run([*safetynet, "org", "create", *council], env=env, check=True)
    port = _free_port()
    process = subprocess.Popen(
        [*safetynet, "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


# GOV.UK Frontend marks a radio that reveals a follow-up question with aria-expanded, which
# ARIA 1.2 allows on checkboxes but not (yet) on radios, so axe reports it. The Design System
# keeps it on purpose after research with screen reader users (alphagov/govuk-frontend#979,
# w3c/aria#1404); the accessibility statement lists it. Only that exact finding is set aside.
AXE_RUN = """async () => {
  const r = await axe.run();
  const known = n => n.html.includes('govuk-radios__input') && n.html.includes('aria-expanded')
    && n.any.concat(n.all, n.none).every(c => c.message.includes('aria-expanded'));
  const bad = r.violations
    .map(v => ({...v,
      nodes: v.id === 'aria-allowed-attr' ? v.nodes.filter(n => !known(n)) : v.nodes}))
    .filter(v => v.nodes.length)
    .map(v => `${v.id} (${v.impact}): ${v.help} `
      + v.nodes.map(n => n.target.join(' ')).join(', '));
  return {passes: r.passes.length, bad};
}"""


def _axe(page, name: str, problems: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    """A screenshot, and every axe-core violation of any impact on the page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    assert result["passes"] > 10  # axe really ran its rules on this page
    if result["bad"]:
        problems[name] = result["bad"]


def _continue(page) -> None:  # type: ignore[no-untyped-def]
    """Continue, then wait for the next page's scripts: a click waits only for the navigation
    to commit, and on a busy machine GOV.UK Frontend may not yet have hidden a conditional."""
    page.click("button:has-text('Continue')")
    page.wait_for_load_state("load")


def _revealed(page, selector: str, js: bool) -> bool:  # type: ignore[no-untyped-def]
    """Whether a conditional question shows before its answer is chosen: hidden by the
    script with JavaScript on (waited for), shown plainly with it off."""
    if js:
        page.wait_for_selector(selector, state="hidden")
    return bool(page.is_visible(selector))


def _walk(page, url: str, problems: dict[str, list[str]] | None) -> None:  # type: ignore[no-untyped-def]
    """From the start page to the result: a lone parent of 30 with a child of 5, council rent
    £500 a month, who already gets Child Benefit. With `problems` (JavaScript on), the
    conditional questions, the exclusive "None", errors and axe on each kind of page."""
    js = problems is not None
    shot = (lambda name: _axe(page, name, problems)) if js else (lambda name: None)
    page.goto(f"{url}/check")
    assert "This service is run by Testshire City Council" in page.inner_text("main")
    shot("self-check-start")
    page.click("text=Start now")
    page.fill("#local_authority", "Shefield")
    _continue(page)
    summary = page.inner_text(".govuk-error-summary")
    assert "Check the name of your council – did you mean Sheffield?" in summary
    assert page.url == f"{url}/check/council" and page.input_value("#local_authority") == "Shefield"
    shot("self-check-council-error")
    page.click(".govuk-error-summary a")
    assert page.evaluate("document.activeElement.id") == "local_authority"
    page.fill("#local_authority", "Sheffield City Council")
    _continue(page)
    page.fill("#age", "thirty")
    _continue(page)
    assert "Your age must be a number, like 34" in page.inner_text(".govuk-error-summary")
    page.go_back()  # a plain page (the error page came by a redirect): nothing is resent
    assert page.url == f"{url}/check/age"
    page.go_back()
    assert page.url.split("#")[0] == f"{url}/check/council"
    page.goto(f"{url}/check/age")
    page.fill("#age", "30")
    _continue(page)
    assert _revealed(page, "#partner_age", js) is (not js)  # revealed only under "Yes"
    if js:
        page.check("#partner")
        assert page.is_visible("#partner_age")
        shot("self-check-partner")
    page.check("#partner-2")
    _continue(page)
    page.fill("#children", "1")
    _continue(page)
    page.fill("#child_age_1", "5")
    _continue(page)
    _continue(page)  # no earnings
    _continue(page)  # no pensions
    assert _revealed(page, "#rent_social_rent", js) is (not js)
    page.check("#tenure")
    page.fill("#rent_social_rent", "500")
    if js:
        shot("self-check-housing")
    _continue(page)
    page.fill("#council_tax", "1500")
    _continue(page)
    page.fill("#savings", "0")
    _continue(page)
    page.check("input[name=disabled][value=you]")
    page.check("input[name=disabled][value=none]")
    if js:  # the exclusive "No one" unticks the others
        assert not page.is_checked("input[name=disabled][value=you]")
        shot("self-check-disability")
        _continue(page)
    else:
        _continue(page)
        assert "not both" in page.inner_text(".govuk-error-summary")
        page.uncheck("input[name=disabled][value=you]")
        _continue(page)
    page.check("input[name=receives][value=child_benefit]")
    _continue(page)
    assert page.url == f"{url}/check/answers"
    shot("self-check-answers")
    # The first check of a year builds the engine's rules for it: slow on a busy machine.
    page.click("button:has-text('See what you could get')", timeout=180_000)
    page.wait_for_url(f"{url}/check/result", timeout=180_000)
    # UC (424.90 + 303.94 child + 500.00 housing) = £1,228.84 a month, £14,746.08 a year;
    # Child Benefit (already received) apart.
    assert "About £1,229 a month" in page.inner_text("#total")
    assert "£14,746 a year on top of what you already get" in page.inner_text("#total")
    assert "£1,228.84" in page.inner_text("#benefit-universal_credit")
    assert "Child Benefit" in page.inner_text("#already-received")
    assert "last checked on" in page.inner_text("#tariffs-checked")


def test_a_resident_self_check_in_a_phone_browser_with_and_without_javascript(server):
    playwright = pytest.importorskip("playwright.sync_api")
    url = server
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        # bypass_csp only so axe-core can be injected; the pages themselves need no exception.
        phone = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True)
        page = phone.new_page()
        _walk(page, url, problems)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _axe(page, "self-check-result", problems)
        page.fill("#phone", "0114 496 0000")
        page.check("#consent")
        page.click("button:has-text('Send my answers')")
        assert page.url == f"{url}/check/result#call-back"  # refused: no name to ask for
        assert "Enter a name for us to ask for" in page.inner_text(".govuk-error-summary")
        assert page.input_value("#phone") == "0114 496 0000"
        _axe(page, "self-check-share-error", problems)
        page.fill("#name", "Sam")
        page.check("#consent")
        page.click("button:has-text('Send my answers')")
        assert "Your answers have been sent" in page.inner_text("main")
        _axe(page, "self-check-shared", problems)
        for path, heading in (
            ("privacy", "Privacy notice"),
            ("cookies", "Cookies"),
            ("accessibility", "Accessibility statement"),
        ):
            page.click(f"#resident-links a[href='/check/{path}']")
            assert page.inner_text("h1") == heading
            assert "Testshire City Council" in page.inner_text("#run-by")
            _axe(page, f"self-check-{path}", problems)

        no_js = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True)
        page = no_js.new_page()
        _walk(page, url, None)
        page.click("button:has-text('Finish and delete my answers')")
        assert "Your answers have been deleted" in page.inner_text("main")
        browser.close()
    assert problems == {}

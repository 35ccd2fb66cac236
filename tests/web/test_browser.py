"""The main journey in a real browser (Debian's Chromium driven by Playwright) against the real
server (`safetynet serve`, with its worker) on a demo store: sign in with a login `demo run`
printed, upload a file, start a link run and watch it finish, review a pair, open who is
missing (table and ward map), drill into a rule, export its outreach list, record a contact
status and open a resident. Screenshots go to docs/screenshots/; axe-core checks each main page
for serious or critical problems.

Runs once, in the SQLite pass (it builds its own store). Skips only when Chromium is absent;
CI installs it (.ci/run).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.nostore,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYNET_")}
    return env | {"SAFETYNET_DATA_DIR": str(data), "SAFETYNET_ENVIRONMENT": "development"}


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError("the server did not start")


def demo_output(data: Path, *args: str) -> str:
    """Build a demo store in `data` (`safetynet demo run` with `args`); what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "safetynet", "demo", "run", *args],
        env=_env(data) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@contextmanager
def serving(data: Path, *args: str) -> Iterator[str]:
    """`safetynet serve` (with `args`, e.g. --no-worker) on a free port over the store in
    `data`, until the block ends; its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "safetynet", "serve", "--port", str(port), *args],
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


# Some people made hard to link (a different surname and no date of birth on one of their
# records, as tests/link/test_review.py `blur` does), so the journey's link run is unsure of
# a few pairs: the demo borough alone is too clean to fill the review queue.
BLUR = """
import sys
from sqlalchemy import func, select
from safetynet.db import open_session
from safetynet.link.models import ResidentRecord
from safetynet.sources.models import Record

with open_session() as db:
    shared = db.scalars(
        select(ResidentRecord.resident_id)
        .join(Record, Record.id == ResidentRecord.record_id)
        .group_by(ResidentRecord.resident_id)
        .having(func.count(func.distinct(Record.source_id)) >= 2)
        .order_by(ResidentRecord.resident_id)
        .limit(int(sys.argv[1]))
    ).all()
    for resident in shared:
        record = db.scalar(
            select(Record).join(ResidentRecord, ResidentRecord.record_id == Record.id)
            .where(ResidentRecord.resident_id == resident, Record.dob.is_not(None))
            .order_by(Record.id.desc()).limit(1)
        )
        record.surname, record.dob = "Featherstonehaugh", None
        record.phone = record.email = record.address = record.uprn = None
    db.commit()
"""


ADMIN: list[str] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A demo store, then `safetynet serve` on a free port: (url, email, password) of the
    council's analyst (the council's admin's login is in ADMIN)."""
    data = tmp_path_factory.mktemp("browser-data")
    demo = subprocess.run(
        [sys.executable, "-m", "safetynet", "demo", "run", "--people", "800", "--seed", "4"],
        env=_env(data) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    )
    login = re.search(r"analyst\s+council\s+(\S+@\S+)\s+password: (\S+)", demo.stdout)
    admin = re.search(r"admin\s+council\s+(\S+@\S+)\s+password: (\S+)", demo.stdout)
    assert login and admin, demo.stdout
    ADMIN[:] = [admin.group(1), admin.group(2)]
    subprocess.run([sys.executable, "-c", BLUR, "40"], env=_env(data), check=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "safetynet", "serve", "--port", str(port)],
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(url, process)
        yield url, login.group(1), login.group(2)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _axe_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => { const r = await axe.run(); return {passes: r.passes.length,
            bad: r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                 .map(v => `${v.id}: ${v.help} (${v.nodes.length})`)}; }"""
    )
    assert result["passes"] > 10  # axe really ran its rules on this page
    return result["bad"]


def _check(page, name: str, problems: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    found = _axe_problems(page)
    if found:
        problems[name] = found


def _open(p):  # type: ignore[no-untyped-def]
    """Debian's Chromium and a desktop-sized page. bypass_csp only so axe-core can be
    injected; the pages themselves need no exception."""
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    page = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900}).new_page()
    return browser, page


def test_sign_in_upload_and_link_in_a_real_browser(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    url, email, password = server
    partner_file = tmp_path / "advice-referrals.csv"
    partner_file.write_text(
        "Ref,First name,Surname,Date of birth,Postcode\n"
        "R1,Amira,Khan,03/04/1979,DB1 1AA\n"
        "R2,Tom,Okafor,21/12/1990,DB2 3CD\n"
        "R3,Lily,Evans,31/02/1985,DB3 4EF\n"
    )
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser, page = _open(p)
        page.goto(f"{url}/")
        assert page.url.startswith(f"{url}/login")
        _check(page, "sign-in", problems)
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{url}/")
        records = int(page.inner_text("#figure-records").replace(",", ""))
        assert records > 100
        _check(page, "dashboard", problems)

        page.goto(f"{url}/imports/new")
        page.select_option("#organisation", "advice-centre")
        page.fill("#source", "referrals")
        page.select_option("#kind", "advice_clients")
        page.set_input_files("#file", str(partner_file))
        page.click("button:has-text('Upload and import')")
        assert "There is a problem" in page.inner_text(".govuk-error-summary")
        assert "nothing was imported" in page.content()
        _check(page, "upload-refused", problems)
        page.check("#skip_invalid_rows")
        page.set_input_files("#file", str(partner_file))
        page.click("button:has-text('Upload and import')")
        page.wait_for_selector("text=Imported 2 records.")
        _check(page, "import", problems)

        for name, path in (("sources", "/sources"), ("imports", "/imports")):
            page.goto(f"{url}{path}")
            _check(page, name, problems)

        page.goto(f"{url}/link-runs")
        _check(page, "link-runs", problems)
        page.click("#start")
        page.wait_for_url(re.compile(r".*/jobs/\d+$"))
        page.wait_for_selector("#run-link", timeout=180_000)  # the worker process ran it
        assert "Finished" in page.inner_text("main .govuk-tag")
        _check(page, "link-run-finished", problems)
        page.click("#run-link")
        assert "Residents" in page.content()
        _check(page, "link-run", problems)

        page.goto(f"{url}/")
        assert int(page.inner_text("#figure-residents").replace(",", "")) > 50
        _check(page, "dashboard-after-linking", problems)
        _review_a_pair(page, url, problems)
        _who_is_missing_and_outreach(page, url, tmp_path, problems)
        browser.close()
    assert problems == {}


def _count(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.inner_text(selector).replace(",", ""))


def _review_a_pair(page, url: str, problems: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/review")
    waiting = _count(page, "#count-pending")
    assert waiting > 0, "the link run queued no pairs for review"
    _check(page, "review-queue", problems)
    page.click("#start-review")
    page.wait_for_url(re.compile(r".*/review/\d+$"))
    assert page.locator("#records tbody tr").count() == 8
    assert page.locator("svg.app-chart rect").count() >= 2  # the waterfall
    _check(page, "review-pair", problems)
    page.click("#accept")
    assert "Enter why you made this decision" in page.inner_text(".govuk-error-summary")
    _check(page, "review-reason-missing", problems)
    page.fill("#reason", "Same first name and postcode; surname changed on marriage")
    page.click("#accept")
    page.wait_for_url(re.compile(r".*/review(\?done=1|/\d+\?last=accept)$"))
    page.goto(f"{url}/review")
    assert _count(page, "#count-decided") == 1
    assert _count(page, "#count-pending") + _count(page, "#count-skipped") == waiting - 1


def _who_is_missing_and_outreach(page, url: str, tmp_path: Path, problems) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/gaps")
    assert page.locator("#gap-table").is_visible()
    assert _count(page, "#total-any") > 0
    # The demo screens entitlements: each ward shows the money its households likely miss.
    assert int(page.inner_text("#total-unclaimed").strip("£").replace(",", "")) > 0
    assert page.locator("#ward-map").is_visible()
    assert page.locator("#ward-map path").count() >= 5  # the demo borough's wards
    assert page.locator("#bar-chart rect").count() >= 1
    _check(page, "who-is-missing", problems)
    counts = [_count(page, f"#rules tbody tr:nth-child({i + 1}) td:nth-child(3)")
              for i in range(page.locator("#rules tbody tr").count())]  # fmt: skip
    busiest = counts.index(max(counts)) + 1
    page.click(f"#rules tbody tr:nth-child({busiest}) a")
    page.wait_for_selector("#people")
    assert _count(page, "#found-count") == max(counts)
    _check(page, "gap-residents", problems)
    page.fill("#reason", "Browser test: outreach campaign")
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "outreach.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("list_id,resident_id,ward,name") and len(lines) == max(counts) + 1

    page.goto(f"{url}/outreach")
    page.click("#lists tbody tr:first-child a")
    page.wait_for_selector("#people")
    first = page.locator("#people tbody tr").first
    resident = first.get_attribute("id").removeprefix("person-")
    first.locator("select").select_option("contacted")
    first.locator("button").click()
    page.wait_for_selector(f"#status-of-{resident}")
    assert page.inner_text(f"#status-of-{resident}") == "contacted"
    _check(page, "outreach-list", problems)
    page.goto(f"{url}/outreach")
    _check(page, "outreach-lists", problems)
    page.goto(f"{url}/takeup")
    _check(page, "takeup", problems)
    page.goto(f"{url}/residents/{resident}")
    assert page.locator("#records tbody tr").count() >= 1
    assert "contacted" in page.inner_text("#statuses")
    _check(page, "resident", problems)


def test_an_admin_previews_retention_and_exports_a_subject_access_file(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    url, _, _ = server
    email, password = ADMIN
    problems: dict[str, list[str]] = {}
    with playwright.sync_playwright() as p:
        browser, page = _open(p)
        page.goto(f"{url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{url}/")
        page.click("a:has-text('Privacy')")
        page.wait_for_url(f"{url}/privacy")
        _check(page, "privacy", problems)
        page.goto(f"{url}/privacy/retention")
        assert page.locator("#nothing-due").count() == 1  # the demo's lists are all current
        later = (date.today() + timedelta(days=3660)).isoformat()
        page.fill("#as_of", later)
        page.click("button:has-text('Show')")
        page.wait_for_url(f"{url}/privacy/retention?as_of={later}")
        assert page.locator("#nothing-due").count() == 0  # ten years on, the lists are due
        assert "retention can only be run as of today" in page.inner_text("main")
        _check(page, "privacy-retention", problems)

        page.goto(f"{url}/privacy/subject-access")
        page.click("#download")  # nothing filled in: the problems are listed
        page.wait_for_selector(".govuk-error-summary")
        assert "There is a problem" in page.inner_text(".govuk-error-summary")
        _check(page, "privacy-subject-access-problem", problems)
        page.fill("#resident", "1")
        page.fill("#reason", "Browser test: subject access request SAR-1")
        page.check("input[name=format][value=json]")
        with page.expect_download() as download:
            page.click("#download")
        saved = tmp_path / "subject-access.json"
        download.value.save_as(saved)
        assert saved.stat().st_size > 100 and saved.read_text(encoding="utf-8").startswith("{")
        browser.close()
    assert problems == {}

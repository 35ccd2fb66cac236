"""Delivery plans: drafted from who is missing and the where-to-act ranking under seven
headings, risks from the standard register, measured from the data, exported to Word and PDF,
with optional prose from an OpenAI-compatible endpoint that never sees a resident."""

from __future__ import annotations

import io
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.config import get_settings
from safetynet.errors import InvalidInput
from safetynet.gaps import service as gaps
from safetynet.gaps.service import Reader
from safetynet.places import reference
from safetynet.places import service as places
from safetynet.plans import export, service
from tests import factories
from tests.gaps import world
from tests.places.test_reference import IMD, NSPL, OFCOM

runner = CliRunner()
START = world.AS_OF
# Everything personal the world holds: none of it may reach a plan or a prompt.
PERSONAL = ("Ann", "Able", "Ince", "King", "Long", "Cook", "Dean", "Gray", "Hill", "Ford",
            "DB1 1AA", "DB1 2BB", "1985", "Park Road", "High Street", "07700")  # fmt: skip


@pytest.fixture
def area(db, tmp_path):
    built = world.build(db, tmp_path)
    tenant = places.council_area(db, None)
    for kind, text in (("postcodes", NSPL), ("deprivation", IMD), ("connectivity", OFCOM)):
        path = factories.csv_file(tmp_path, text, name=f"{kind}.csv")
        reference.import_file(db, tenant=tenant, kind=kind, path=path, actor="test")
    return built


def _draft(db, **options):
    reader = Reader(places.council_area(db, None), "test")
    drafting = service.Drafting(title="Winter plan", starts=START, **options)
    return service.draft(db, reader, gaps.rulebook(), drafting, actor="test")


def test_a_plan_acts_first_where_the_ranking_says_with_measured_actions(db, area):
    plan = _draft(db, wards=2, months=6)
    assert plan.ends == date(2027, 5, 27)
    outreach = [a for a in plan.actions if a.rule_id]
    assert [a.ward_name for a in outreach] == ["Old Town", "Northgate"]
    first = outreach[0]
    # Old Town's most-finding rule finds 2 residents there; the target is 40% fewer.
    assert (first.baseline, first.target, first.latest) == (2, 1, 2)
    assert first.by_when == date(2027, 2, 27)  # the first ward by half-way
    assert "2 residents in Old Town" in first.for_whom and "caseworker hours" in first.resources
    # Old Town's broadband is poor (25% gigabit): a digital-support action, measured by hand.
    digital = [a for a in plan.actions if a.rule_id is None]
    assert [a.ward_name for a in digital] == ["Old Town"] and "25%" in digital[0].for_whom
    keys = [r.key for r in plan.risks]
    assert "digital-exclusion" in keys and "contact-details" in keys and "data-protection" in keys
    assert plan.prose_by == "templates" and "Old Town and Northgate" in plan.summary
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "plans.draft"))
    assert event is not None and event.entity_id == plan.id


def test_a_plan_holds_counts_never_a_resident(db, area):
    plan = _draft(db, wards=2)
    text = " ".join(
        [plan.summary, json.dumps(plan.drafted_from)]
        + [f"{a.what} {a.for_whom} {a.resources} {a.measure}" for a in plan.actions]
    )
    assert not [p for p in PERSONAL if p in text]


def test_bad_drafting_choices_are_refused(db, area):
    with pytest.raises(InvalidInput, match="1 to 36 months"):
        _draft(db, months=40)
    with pytest.raises(InvalidInput, match="Act first in 1 to 12 wards"):
        _draft(db, wards=0)


def test_have_we_done_it_is_measured_from_the_data(db, area):
    plan = _draft(db, wards=1)
    action = plan.actions[0]
    reader = Reader(places.council_area(db, None), "test")
    found = service.measure(db, reader, gaps.rulebook(), plan, as_of=START, actor="test")
    assert found[0].action.latest == 2 and found[0].state == "on track"
    assert plan.measured_at is not None
    # Half-way to its date with no change: behind the straight line from 2 to 1.
    later = START + (action.by_when - START) * 3 // 4
    state = service.progress(plan, later)[0]
    assert (state.state, state.expected) == ("behind", 1)
    action.latest = 1
    assert service.progress(plan, later)[0].state == "done"
    assert service.progress(plan, later)[-1].state in ("not measured", "done")


def test_word_and_pdf_carry_the_seven_headings(db, area):
    from docx import Document

    plan = _draft(db, wards=2)
    document = Document(io.BytesIO(export.docx_bytes(plan, START + timedelta(days=1))))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Summary"] + [f"{i}. {h}" for i, h in enumerate(service.HEADINGS, 1)]
    assert len(document.tables) == 2  # risks; have we done it
    assert document.tables[1].rows[1].cells[2].text == "2"
    pdf = export.pdf_bytes(plan, START)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2_000


class FakeModel(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that records what it was sent."""

    seen: list[dict] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModel.seen.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if FakeModel.fail:
            self.send_response(500)
            self.end_headers()
            return
        answer = {
            "choices": [{"message": {"role": "assistant", "content": "Act in Old Town first."}}]
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def fake_model(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeModel.seen, FakeModel.fail = [], False
    monkeypatch.setenv("SAFETYNET_PLANS_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("SAFETYNET_PLANS_LLM_KEY", "sk-test")
    get_settings.cache_clear()
    yield FakeModel
    server.shutdown()
    get_settings.cache_clear()


def test_prose_comes_from_the_endpoint_which_never_sees_a_resident(db, area, fake_model):
    plan = _draft(db, wards=2)
    assert plan.summary == "Act in Old Town first."
    assert plan.prose_by.startswith("gpt-4o-mini at http://127.0.0.1:")
    (sent,) = fake_model.seen
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    prompt = json.dumps(sent["body"]["messages"])
    assert "Old Town" in prompt and "residents_missing_out" in prompt
    assert not [p for p in PERSONAL if p in prompt]


def test_a_failing_endpoint_falls_back_to_the_template(db, area, fake_model):
    fake_model.fail = True
    plan = _draft(db, wards=1)
    assert plan.prose_by == "templates (the prose endpoint failed: HTTPError)"
    assert plan.summary.startswith("From 27 November 2026")


def test_the_cli_drafts_measures_and_exports(db, area, tmp_path):
    drafted = runner.invoke(app, ["plans", "draft", "--title", "Spring", "--wards", "1"])
    assert drafted.exit_code == 0, drafted.output
    assert "Plan 1" in drafted.output and "Spring" in drafted.output
    assert "Spring" in runner.invoke(app, ["plans", "list"]).output
    measured = runner.invoke(app, ["plans", "measure", "1"])
    assert measured.exit_code == 0, measured.output
    out = tmp_path / "plan.docx"
    assert runner.invoke(app, ["plans", "export", "1", "--out", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"
    wrong = runner.invoke(app, ["plans", "export", "1", "--out", str(tmp_path / "plan.txt")])
    assert wrong.exit_code != 0 and ".docx or .pdf" in wrong.output

"""`safetynet triage`: a form run at the terminal question by question or from an answers
file, kept for a resident as a named user, uploaded, and the council's lists."""

import json

from sqlalchemy import select
from tests.triage.test_service import ALL
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.triage.models import TriageOutcome

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_a_form_runs_from_an_answers_file_and_prints_the_needs(db, area, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(ALL))
    result = invoke("triage", "run", "default", "--answers", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["needs"] == [
        "skills_transacting", "skills_being_safe", "skills_problem_solving", "isolation"
    ]  # fmt: skip


def test_refused_answers_in_a_file_are_all_listed_with_exit_code_2(db, area, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**ALL, "age": 12, "confidence": "sky high"}))
    result = invoke("triage", "run", "default", "--answers", str(path))
    assert result.exit_code == 2
    assert "age (How old are you?): Enter an age between 16 and 120" in result.output
    assert "confidence (How confident do you feel using the internet?): Choose one" in result.output


def test_the_form_is_asked_question_by_question_reasking_a_refused_answer(db, area):
    typed = ["200", "81", "1", "0", "4", "3", "", "1", "1", "1", "1", "1", "1", "4", "6", ""]
    result = invoke("triage", "run", "default", "--json", input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "Enter an age between 16 and 120" in result.output
    needs = json.loads(result.output[result.output.index('{\n  "needs"') :])
    assert needs["needs"] == ["device", "connectivity", "confidence", "isolation"]


def test_a_triage_is_kept_for_a_resident_as_the_named_user(db, area, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(ALL))
    who = "caseworker@tc.example"
    resident = str(area.residents["A"])
    result = invoke("triage", "run", "current", "--answers", str(path), "--resident", resident,
                    "--as", who)  # fmt: skip
    assert result.exit_code == 0, result.output
    kept = db.scalars(select(TriageOutcome)).one()
    assert (kept.channel, kept.resident_id, kept.status) == ("cli", area.residents["A"], "complete")
    partner = "partner@north.example"
    refused = invoke("triage", "run", "default", "--resident", resident, "--as", partner,
                     "--answers", str(path))  # fmt: skip
    assert refused.exit_code == 2 and "There is no resident" in refused.output


def test_forms_upload_and_the_councils_lists_at_the_command_line(db, area, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(
        "| survey |\n| | type | name | label |\n| | integer | n | N? |\n| | geopoint | g | G |\n"
    )
    result = invoke("triage", "upload", str(bad), "--as", "analyst@tc.example")
    assert result.exit_code == 2
    assert "row 3, column type: 'geopoint' questions are not supported" in result.output
    out = tmp_path / "isolated.csv"
    result = invoke("triage", "isolation", "--as", "caseworker@tc.example", "--csv", str(out),
                    "--reason", "winter calls")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Ada Older" in out.read_text(encoding="utf-8-sig")
    listed = invoke("triage", "isolation", "--as", "caseworker@tc.example")
    assert "Ada Older" in listed.output and "Showing 1 to 1 of 1" in listed.output
    assert invoke("triage", "needs", "--area", "Testshire").exit_code == 0

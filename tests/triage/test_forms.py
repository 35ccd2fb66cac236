"""Reading XLSForms: the shipped form reads; forms outside what we support are refused with
the sheet, row, column and the part at fault; answers walk, check and score as declared."""

import io

import openpyxl
import pytest

from safetynet.triage import questionnaire as qn
from safetynet.triage.forms import FormRefused, default_form, read_form

pytestmark = pytest.mark.nostore

SURVEY_HEAD = (
    "| survey |\n"
    "| | type | name | label | relevant | constraint | safetynet_need | safetynet_score |\n"
)
CHOICES = """
| choices |
| | list_name | name | label | safetynet_need | safetynet_score |
| | yn | yes | Yes | | |
| | yn | no | No | device | 3 |
"""


def md(*rows: str, choices: str = CHOICES) -> bytes:
    return (SURVEY_HEAD + "\n".join(rows) + "\n" + choices).encode()


def refused(content: bytes, name: str = "form.md") -> list[str]:
    with pytest.raises(FormRefused) as caught:
        read_form(content, name)
    return caught.value.details or [caught.value.message]


@pytest.fixture(scope="module")
def form():
    return read_form(*default_form())


def test_the_shipped_form_reads_with_its_questions_groups_and_scores(form):
    assert form.title == "Digital inclusion triage"
    assert form.threshold == 2
    names = [q.name for q in form.questions]
    assert names[:4] == ["intro", "age", "lives_alone", "contact_days"]
    assert {q.type for q in form.questions} == {
        "note",
        "integer",
        "select_one",
        "select_multiple",
        "decimal",
        "date",
        "text",
    }
    skills = form.question("being_safe")
    assert skills.group == "Things you can do online"
    assert skills.need == "skills_being_safe" and skills.row == 17


def test_an_unsupported_function_is_refused_naming_row_column_expression_and_part():
    problems = refused(
        md(
            "| | select_one yn | a | A? | | | | |",
            "| | integer | n | N? | ${a} = 'yes' | . < today() | | |",
        )
    )
    assert problems == [
        "survey sheet, row 3, column constraint: in `. < today()`, this function or name is "
        "not supported: 'today'."
    ]


def test_a_reference_to_no_question_is_refused_by_pyxform_with_its_row():
    problems = refused(md("| | select_one yn | a | A? | ${nope} = 1 | | | |"))
    assert "[row : 2]" in problems[0] and "'nope'" in problems[0]


def test_unknown_needs_scores_and_types_are_all_reported_at_once():
    problems = refused(
        md(
            "| | select_one yn | a | A? | | | hunger | 1 |",
            "| | geopoint | where | Where? | | | | |",
            "| | integer | n | N? | | | | . * 2 |",
        )
    )
    assert problems == [
        "survey sheet, row 3, column type: 'geopoint' questions are not supported (use date, "
        "decimal, integer, note, select_multiple, select_one, text and groups).",
        "survey sheet, row 2, column safetynet_need: 'hunger' is not a need (device, "
        "connectivity, skills_foundation, skills_communicating, skills_handling_information, "
        "skills_transacting, skills_being_safe, skills_problem_solving, confidence, "
        "accessibility, isolation).",
        "survey sheet, row 4, column safetynet_score: a score needs a safetynet_need.",
    ]


def test_an_xlsx_workbook_reads_like_its_markdown():
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "safetynet_need", "safetynet_score"])
    survey.append(["integer", "days", "Days?", "isolation", "(. < 2) * 2"])
    buffer = io.BytesIO()
    book.save(buffer)
    form = read_form(buffer.getvalue(), "form.xlsx")
    assert [q.name for q in form.questions] == ["days"]
    assert qn.score(form, {"days": 1}).needs == ["isolation"]
    assert qn.score(form, {"days": 3}).needs == []


def test_a_broken_workbook_is_refused_with_pyxforms_reason():
    problems = refused(b"| survey |\n| | name | label |\n| | a | A |\n")
    assert "not a valid XLSForm" in problems[0] or "could not be read" in problems[0]


def test_relevance_skips_questions_and_clean_drops_stale_answers(form):
    answers = {"devices": ["none"], "internet": "none"}
    shown = [q.name for q in qn.asked(form, answers)]
    assert "device_works" not in shown and "foundation" in shown
    assert "last_online" in shown and "internet_cost" not in shown
    assert qn.next_question(form, answers, after="devices").name == "internet"
    assert qn.next_question(form, answers, after="last_online").name == "foundation"
    assert qn.previous_question(form, answers, "foundation").name == "last_online"
    stale = {**answers, "device_works": "no", "internet_cost": 30}
    assert qn.clean(form, stale) == answers


def test_answers_are_typed_and_checked_against_required_and_constraints(form):
    age = form.question("age")
    assert qn.coerce(age, " 81 ") == 81
    with pytest.raises(qn.AnswerProblem, match="whole number"):
        qn.coerce(age, "eighty")
    assert qn.check(age, {}, 130) == "Enter an age between 16 and 120"
    assert qn.check(age, {}, None) == "Answer this question to continue."
    devices = form.question("devices")
    assert qn.check(devices, {}, ["none", "tablet"]).startswith("You cannot select")
    assert qn.check(devices, {}, ["tablet"]) is None
    with pytest.raises(qn.AnswerProblem):
        qn.coerce(devices, ["tablet", "typewriter"])
    assert qn.coerce(form.question("last_online"), "5 3 2024") == "2024-03-05"
    assert qn.coerce(form.question("internet_cost"), "£25.50") == 25.5


FULL = {
    "age": 81,
    "lives_alone": "yes",
    "contact_days": 1,
    "devices": ["smartphone"],
    "device_works": "no",
    "internet": "mobile_only",
    "internet_cost": 20.0,
    "cut_back": "yes",
    "foundation": "yes",
    "communicating": "with_help",
    "handling_information": "no",
    "transacting": "no",
    "being_safe": "with_help",
    "problem_solving": "no",
    "confidence": "not_at_all",
    "access": ["sight", "memory"],
}


def test_scoring_adds_question_and_choice_scores_to_needs(form):
    result = qn.score(form, FULL)
    assert result.scores == {
        "device": 2,
        "connectivity": 3,
        "skills_communicating": 1,
        "skills_handling_information": 2,
        "skills_transacting": 2,
        "skills_being_safe": 1,
        "skills_problem_solving": 2,
        "confidence": 3,
        "accessibility": 4,
        "isolation": 1 + 2 + 1,
    }
    assert result.needs == [
        "device",
        "connectivity",
        "skills_handling_information",
        "skills_transacting",
        "skills_problem_solving",
        "confidence",
        "accessibility",
        "isolation",
    ]
    assert qn.unfinished(form, FULL) is None
    partial = {k: v for k, v in FULL.items() if k != "cut_back"}
    assert qn.unfinished(form, partial).name == "cut_back"


def test_a_confident_connected_resident_has_no_needs(form):
    answers = {
        **FULL,
        "lives_alone": "no",
        "contact_days": 6,
        "device_works": "yes",
        "internet": "broadband",
        "cut_back": "no",
        "communicating": "yes",
        "handling_information": "yes",
        "transacting": "yes",
        "being_safe": "yes",
        "problem_solving": "yes",
        "confidence": "very",
        "access": ["none"],
    }
    assert qn.score(form, answers).needs == []

"""Our XLSForm expression subset: parsed to a tree, evaluated without eval(), and anything
outside the subset refused with the part at fault."""

from datetime import date

import pytest

from safetynet.triage.expressions import Unsupported, evaluate, parse, references


def value(text, answers=None, current=None):
    return evaluate(parse(text), answers or {}, current)


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("${age} >= 75", {"age": 80}, True),
        ("${age} >= 75", {"age": 74}, False),
        ("${age} >= 75", {}, False),  # unanswered is NaN for a comparison
        ("${device} = 'none'", {"device": "none"}, True),
        ("${device} != 'none'", {"device": "phone"}, True),
        ("selected(${devices}, 'laptop')", {"devices": ["phone", "laptop"]}, True),
        ("selected(${devices}, 'tablet')", {"devices": ["phone", "laptop"]}, False),
        ("not(selected(${devices}, 'tablet'))", {"devices": ["phone"]}, True),
        ("count-selected(${devices}) = 2", {"devices": ["phone", "laptop"]}, True),
        ("count-selected(${devices})", {}, 0),
        ("${a} = 'yes' and ${b} = 'yes'", {"a": "yes", "b": "no"}, False),
        ("${a} = 'yes' or ${b} = 'yes'", {"a": "yes", "b": "no"}, True),
        ("${a} = 'x' or ${b} = 'y' and ${c} = 'z'", {"a": "x"}, True),  # and binds tighter
        ("(${a} = 'x' or ${b} = 'y') and ${c} = 'z'", {"a": "x"}, False),
        (". >= 0 and . <= 120", {}, True),
        ("${n} + 2 * 3", {"n": 1}, 7),
        ("(${n} + 2) * 3", {"n": 1}, 9),
        ("${n} div 4", {"n": 10}, 2.5),
        ("${n} mod 4", {"n": 10}, 2),
        ("-${n} < 0", {"n": 3}, True),
        ("${when} < '2026-01-01'", {"when": date(2025, 5, 1)}, True),
        ("${score} > 1.5", {"score": 2.25}, True),
        ("true() and not(false())", {}, True),
        ('${name} = "Ann"', {"name": "Ann"}, True),
        ("${x} = ''", {}, True),
    ],
)
def test_the_subset_evaluates_as_xforms_would(text, answers, expected):
    current = 42 if text.startswith(".") else None
    assert value(text, answers, current) == expected


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("today() > ${d}", "today"),
        ("${a} | ${b}", "| ${b}"),
        ("if(${a} = 1, 2, 3)", "if"),
        ("/data/age > 3", "/data/age > 3"),
        ("${a} = ", "end of expression"),
        ("selected(${a})", "selected(…)"),
        ("${a} = 1 2", "2"),
        ("regex(., '[0-9]+')", "regex"),
        ("__import__('os')", "__import__"),
    ],
)
def test_anything_outside_the_subset_is_refused_with_the_part_at_fault(text, part):
    with pytest.raises(Unsupported) as refused:
        parse(text)
    assert refused.value.part == part


def test_references_lists_the_questions_an_expression_reads():
    tree = parse("selected(${devices}, 'x') and ${age} > 3 or . = 1")
    assert references(tree) == {"devices", "age"}

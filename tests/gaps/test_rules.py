"""Gap rule files: the default pack loads; mistakes are named by file, rule and field."""

from __future__ import annotations

import pytest

from safetynet.errors import InvalidInput
from safetynet.gaps.rules import DEFAULT_PACK, load_rulebook, parse_pack

pytestmark = pytest.mark.nostore


def problems(text: str, name: str = "council.yaml") -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse_pack(text, name)
    return caught.value.details


def test_the_default_pack_loads_with_its_programmes_and_rules():
    book = load_rulebook()
    assert book.files == ("default.yaml",)
    assert {"ctr", "hb", "uc", "fsm", "pension_credit", "foodbank"} <= set(book.programmes)
    rule = book.rule("foodbank-no-ctr")
    assert rule.programme == "ctr"
    assert rule.when[0].on == ("foodbank",) and rule.when[0].within_days == 183
    assert rule.when[1].not_on == ("ctr",) and rule.when[1].household
    assert book.programmes["pension_credit"].flags[0].column == "Pension Credit"


def test_a_council_file_adds_rules_and_redefines_or_switches_off_by_id(tmp_path):
    own = tmp_path / "council.yaml"
    own.write_text(
        "programmes:\n"
        "  warm_home:\n    name: Warm Home Discount\n    sources: [whd]\n"
        "rules:\n"
        "  pension-age-hb-no-pc:\n    title: off here\n    programme: pension_credit\n"
        "    enabled: false\n    when: [{age: {min: 66}}]\n"
        "  pension-age-no-whd:\n    title: Pension age, no Warm Home Discount\n"
        "    programme: warm_home\n    when:\n      - age: {min: 66}\n"
        "      - not_on: warm_home\n"
    )
    book = load_rulebook([own])
    assert book.files == ("default.yaml", "council.yaml")
    assert not book.rules["pension-age-hb-no-pc"].enabled
    assert "pension-age-hb-no-pc" not in book.enabled()
    assert book.rules["pension-age-no-whd"].when[1].not_on == ("warm_home",)


def test_a_rule_naming_an_unknown_programme_names_the_file_rule_and_field(tmp_path):
    own = tmp_path / "ours.yaml"
    own.write_text(
        "rules:\n  hb-no-ctr:\n    title: HB but no CTR\n    programme: ctr\n"
        "    when:\n      - on: hb\n      - not_on: ctrr\n"
    )
    with pytest.raises(InvalidInput) as caught:
        load_rulebook([own])
    assert caught.value.details == [
        "ours.yaml, rule 'hb-no-ctr', field 'when[1].not_on': unknown programme 'ctrr' "
        "(programmes: advice, ctr, foodbank, fsm, hb, hsf, pension_credit, uc)."
    ]


def test_field_mistakes_are_each_named():
    found = problems(
        "programmes:\n  pc:\n    name: Pension Credit\n"
        "rules:\n  r1:\n    title: t\n    programme: ctr\n"
        "    when:\n      - on: hb\n        age: {min: 66}\n"
        "      - not_on: ctr\n        within_day: 3\n"
        "  r2:\n    programme: ctr\n    when: []\n"
    )
    assert found == [
        "council.yaml, programme 'pc': give at least one of kinds, sources or flags.",
        "council.yaml, rule 'r1', field 'when[0]': a condition needs exactly one of on, "
        "not_on, age, children (found on, age).",
        "council.yaml, rule 'r1', field 'when[1].within_day': Extra inputs are not permitted.",
        "council.yaml, rule 'r2', field 'title': Field required.",
        "council.yaml, rule 'r2', field 'when': give at least one condition.",
    ]


def test_household_goes_only_with_programme_conditions():
    found = problems("rules:\n  r:\n    title: t\n    programme: ctr\n    when:\n"
                     "      - age: {min: 66}\n        household: true\n")  # fmt: skip
    assert found == [
        "council.yaml, rule 'r', field 'when[0]': household and within_days go only with on "
        "or not_on."
    ]


def test_yaml_that_does_not_parse_says_where():
    with pytest.raises(InvalidInput, match=r"council.yaml line 3: not valid YAML"):
        parse_pack("rules:\n  r: [unclosed\n", "council.yaml")


def test_a_missing_rules_file_is_named(tmp_path):
    with pytest.raises(InvalidInput, match="no gap rules file"):
        load_rulebook([tmp_path / "nope.yaml"])


def test_bad_ids_are_refused(tmp_path):
    own = tmp_path / "x.yaml"
    own.write_text(
        "rules:\n  Bad Id:\n    title: t\n    programme: ctr\n    when: [{age: {min: 1}}]\n"
    )
    with pytest.raises(InvalidInput) as caught:
        load_rulebook([own])
    assert "x.yaml, rule 'Bad Id': ids are lower-case" in caught.value.details[0]
    assert DEFAULT_PACK.name == "default.yaml"

"""Corrections to a trained model from what the lists say (`link/evidence.py`): movers seen
among anchor pairs, the prior's recall from the model, a name swap counted once."""

from __future__ import annotations

import polars as pl
import pytest

from safetynet.link import evidence

pytestmark = pytest.mark.nostore


def level(label: str, m: float | None = None, **more) -> dict:
    found = {"sql_condition": label, "label_for_charts": label, **more}
    return found | ({"m_probability": m} if m is not None else {})


def comparison(name: str, *levels: dict) -> dict:
    null = {"sql_condition": "x IS NULL", "is_null_level": True}
    return {"output_column_name": name, "comparison_levels": [null, *levels]}


def settings() -> dict:
    return {
        "comparisons": [
            comparison(
                "forename",
                level("Exact match on forename", 0.6),
                level("Exact match on forename_first", 0.1),
                level("forename and surname swapped", 0.08),
                level("All other comparisons", 0.22),
            ),
            comparison(
                "surname",
                level("Exact match on surname", 0.8),
                level("forename and surname swapped", 0.08, u_probability=0.002),
                level("All other comparisons", 0.12),
            ),
            comparison("dob", level("Exact match on dob", 0.9), level("else", 0.1)),
            comparison(
                "postcode",
                level("Exact match on postcode", 0.9),
                level("same sector", 0.05),
                level("same district"),  # never seen by EM
                level("All other comparisons", 0.05),
            ),
        ]
    }


def ms(found: dict, name: str) -> list[float | None]:
    levels = evidence._levels(found, name)
    return [lv.get("m_probability") for lv in levels]


def test_anchor_pairs_say_how_often_one_person_moved():
    found = settings()
    # 30 anchors with both postcodes: 18 the same (gamma 3), 12 wholly different (gamma 0);
    # one without a postcode (-1) says nothing.
    anchors = pl.DataFrame({"gamma_postcode": [3] * 18 + [0] * 12 + [-1]})
    evidence.moves_from_anchors(found, anchors)
    k = evidence.ANCHOR_PSEUDO_PAIRS
    exact, sector, district, other = ms(found, "postcode")
    assert exact == pytest.approx((18 + k * 0.9) / (30 + k))
    assert sector == pytest.approx((k * 0.05) / (30 + k))
    assert district is None  # neither EM nor any anchor saw it
    assert other == pytest.approx((12 + k * 0.05) / (30 + k))  # 0.31, from 0.05
    assert ms(found, "forename") == ms(settings(), "forename")  # names are not touched


def test_no_anchors_leave_the_model_as_it_was():
    found = settings()
    evidence.moves_from_anchors(found, pl.DataFrame({"gamma_postcode": [-1, -1]}))
    assert found == settings()


def test_the_strict_rules_recall_comes_from_the_model_and_the_blanks():
    rules = [("forename_first", "surname", "dob"), ("forename_first", "dob", "postcode")]
    present = {"forename_first": 1.0, "surname": 1.0, "dob": 0.64, "postcode": 0.81}
    recall = evidence.rules_recall(settings(), rules, present)
    forename, surname, dob, postcode = 0.7, 0.8, 0.9 * 0.64, 0.9 * 0.81
    expected = forename * dob * (surname + postcode - surname * postcode)
    assert recall == pytest.approx(expected)  # 0.38: far from the 0.8 assumed before
    assert evidence.rules_recall(settings(), rules, {}) == evidence.RECALL_RANGE[0]


def test_a_swap_is_counted_once_and_by_how_rare_the_names_are():
    found = settings()
    evidence.swap_once(found)
    forename = evidence._levels(found, "forename")[2]
    surname = evidence._levels(found, "surname")[1]
    assert forename["m_probability"] == 0.08  # the swap's evidence, once
    assert forename["tf_adjustment_column"] == "forename_first"
    assert surname["m_probability"] == 1.0  # seen the swap in the forename: it sees it too
    assert surname["tf_adjustment_column"] == "surname"
    assert surname["u_probability"] == 0.002  # a u already estimated is kept
    assert forename["disable_tf_exact_match_detection"]
    assert surname["disable_tf_exact_match_detection"]

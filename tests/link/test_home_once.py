"""A home counted once (issue 11): at one postcode the house number and street words are
weighed by what they add to it, learnt from the lists' own neighbours, so housemates and
lodgers with another surname and birthday are not joined; and the date of birth's weight
learnt from one name at one home rather than from EM's name block."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from safetynet.link import decide, evidence, explain, model, prepare, scoring

pytestmark = pytest.mark.nostore
sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import synthetic_people  # noqa: E402


@pytest.fixture(scope="module")
def world() -> tuple[pl.DataFrame, pl.DataFrame, model.LinkModel]:
    """20,000 records of households (10% messy copies), trained as a link run trains."""
    records = synthetic_people.generate(20_000, 7)
    frame = prepare.for_linkage(records.drop("person_id"), "people")
    linker = model.build([frame], link_type="dedupe_only", explainable=True)
    linker.train()
    return records, frame, linker


def matched(linker: model.LinkModel, home: dict) -> pl.DataFrame:
    """The pairs the rule accepts with `home` as the model's correction (restored after)."""
    learnt, linker.home = linker.home, home
    try:
        scored = scoring.scored_pairs(linker, 0.5)
        return decide.matches(scored, threshold=0.5, snapshots=set())[0]
    finally:
        linker.home = learnt


def precision(records: pl.DataFrame, pairs: pl.DataFrame) -> float:
    person = dict(zip(records["record_id"].cast(pl.String), records["person_id"], strict=True))
    rows = pairs.select("unique_id_l", "unique_id_r").iter_rows()
    return sum(person[a] == person[b] for a, b in rows) / pairs.height


def test_a_home_is_one_fact_and_housemates_are_not_joined(world):
    records, _, linker = world
    home = linker.home
    assert home and set(home) == {"address_numbers", "address_words"}
    assert all(w <= 0 for levels in home.values() for w in levels.values())
    same_house = home["address_numbers"][2] + home["address_words"][3]
    assert same_house < -8  # most of what one home said, it said with the postcode

    once, thrice = matched(linker, home), matched(linker, {})
    assert precision(records, once) > 0.97
    # Before: lodgers joined on one home (those a generation apart the relatives rule catches).
    assert precision(records, thrice) < precision(records, once) - 0.005
    dropped = thrice.join(once, on=["unique_id_l", "unique_id_r"], how="anti")
    assert dropped.height >= 15  # 21 on 6 December
    assert (dropped["postcode_l"] == dropped["postcode_r"]).all()  # only homes changed
    assert precision(records, dropped) < 0.3


def test_the_date_of_birth_is_learnt_from_one_name_at_one_home(world):
    _, _, linker = world
    levels = evidence._levels(linker.settings_json(), "dob")
    wholly_other = levels[-1]["m_probability"]
    assert wholly_other < 0.06  # EM's name block said a tenth of one person's pairs


def test_a_saved_model_keeps_what_a_home_takes_and_explains_it(world):
    records, frame, linker = world
    saved = linker.saved()
    again = model.from_saved([frame], saved)
    assert again.home == linker.home
    assert again.moves_seen is linker.moves_seen  # as the run judged its lists
    assert model.from_saved([frame], linker.settings_json()).home == {}  # older runs' models

    home = linker.home
    pair = scoring.scored_pairs(linker, 0.0001).filter(
        (pl.col("postcode_l") == pl.col("postcode_r"))
        & (pl.col("address_rest_l") == pl.col("address_rest_r"))
    ).head(1)
    assert pair.height == 1 and home
    steps = explain.waterfalls(linker.linker, pair)[0]
    once = [s for s in steps if s["comparison"] == explain.ADDRESS_ONCE]
    assert once and once[0]["weight"] < 0 and once[0]["level"] == "one home, once"
    final = next(s for s in steps if s["comparison"] == "Final score")
    assert final["weight"] == pytest.approx(pair["match_weight"][0], abs=1e-3)
    assert explain.probability(steps) == pytest.approx(pair["match_probability"][0], rel=1e-3)
    assert sum(s["weight"] for s in steps if s is not final) == pytest.approx(final["weight"])

    elsewhere = scoring.scored_pairs(linker, 0.5).filter(
        pl.col("postcode_l") != pl.col("postcode_r")
    )
    untouched = [
        pair for pair in explain.waterfalls(linker.linker, elsewhere.head(20))
        if all(s["comparison"] != explain.ADDRESS_ONCE for s in pair)
    ]  # fmt: skip
    assert untouched  # not rescored: the steps are the model's own

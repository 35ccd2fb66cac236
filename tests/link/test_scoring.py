"""Scored pairs chosen inside the engine (`scoring`) are the pairs, scores, decisions and
explanations of scoring every pair and choosing in polars: on a world of households where
people moved (so a move is counted once and lifts pairs over the floor) and neighbours share
postcodes (so a home is counted once and lowers pairs)."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from safetynet.link import decide, explain, model, prepare, scoring
from safetynet.link.lists import FileSide, read_list

pytestmark = pytest.mark.nostore
ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import messy_lists  # noqa: E402

KEY = ["source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r"]
FLOOR = 0.2


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> model.LinkModel:
    """A register and a partner's list (households, movers, typos), trained as a run does."""
    paths = messy_lists.generate(1500, seed=12, moved=0.15).write(tmp_path_factory.mktemp("w"))
    frames = [
        prepare.for_linkage(read_list(FileSide(paths[name])).records, side)
        for name, side in (("register", "a"), ("partner", "b"))
    ]
    linker = model.build(frames, link_type="link_and_dedupe", explainable=True)
    linker.train()
    return linker


@pytest.fixture(scope="module")
def every(trained: model.LinkModel) -> pl.DataFrame:
    """Every column of every pair from the score floor, a move and a home counted once (as
    before)."""
    moved = decide.count_a_move_once(trained.predict(decide.SCORE_FLOOR))
    return decide.count_a_home_once(moved, trained.home)


def test_the_engine_keeps_the_same_pairs_and_scores(trained, every):
    chosen = scoring.scored_pairs(trained, FLOOR)
    wanted = every.filter(pl.col("match_probability") >= FLOOR)
    assert chosen.height == wanted.height > 100
    both = chosen.join(wanted, on=KEY, suffix="_all")
    assert both.height == chosen.height
    for score in ("match_weight", "match_probability"):
        assert (both[score] - both[f"{score}_all"]).abs().max() < 1e-9
    assert chosen.width < every.width  # only what the rules and explanations read
    assert not {"forename_l", "postcode_sector_l", "dob_text_l", "tf_surname_l"} & set(
        chosen.columns
    )
    raw = trained.predict(decide.SCORE_FLOOR).filter(pl.col("match_probability") < FLOOR)
    lifted = chosen.join(raw, on=KEY)  # under the floor until the move was counted once
    assert lifted.height > 0
    assert trained.home and all(v <= 0 for by in trained.home.values() for v in by.values())
    homes = trained.predict(decide.SCORE_FLOOR).join(chosen.select(KEY), on=KEY, how="anti")
    lowered = homes.join(every.filter(pl.col("match_probability") < FLOOR), on=KEY)
    assert lowered.filter(pl.col("match_probability") >= FLOOR).height > 0  # a home, once


def test_the_rules_decide_alike_on_the_kept_columns(trained, every):
    chosen = scoring.scored_pairs(trained, FLOOR)
    wanted = every.filter(pl.col("match_probability") >= FLOOR)
    for snapshots in (set(), {"a", "b"}):
        narrow, kept = decide.matches(chosen, threshold=0.5, snapshots=snapshots)
        wide, kept_all = decide.matches(wanted, threshold=0.5, snapshots=snapshots)
        assert kept == kept_all > 0
        assert set(narrow.select(KEY).iter_rows()) == set(wide.select(KEY).iter_rows())
    households = decide.relatives(chosen, households=True)
    assert (
        chosen.select(households.sum()).item()
        == wanted.select(decide.relatives(wanted, households=True).sum()).item()
    )


def test_explanations_need_no_more_than_the_kept_columns(trained, every):
    chosen = scoring.scored_pairs(trained, FLOOR).sort(KEY).head(40)
    wanted = every.join(chosen.select(KEY), on=KEY).sort(KEY)
    assert explain.waterfalls(trained.linker, chosen) == explain.waterfalls(trained.linker, wanted)


def test_every_pair_is_kept_when_no_floor_can_be_set():
    columns = ["match_weight", "mw_address_numbers", "mw_address_words"]
    assert scoring.still_useful(columns, 0.0) is None
    assert scoring.still_useful(columns, 1.0) is None
    assert "least(mw_address_words, 0)" in str(scoring.still_useful(columns, 0.5))
    assert scoring.still_useful(["match_weight"], 0.5) == "(match_weight) >= -1e-06"

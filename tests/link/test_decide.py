"""The default decision rule: relatives at one address, one match per person in a caseload,
and people's rulings over the model — checked on hand-made scored pairs."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from safetynet.link import decide, review
from safetynet.link.comparisons import level_gamma

pytestmark = pytest.mark.nostore


def pairs(*rows: dict) -> pl.DataFrame:
    base = {
        "source_dataset_l": "1",
        "source_dataset_r": "2",
        "surname_l": "smith",
        "surname_r": "smith",
        "postcode_l": "DB1 1AA",
        "postcode_r": "DB1 1AA",
        "gamma_forename": 7,
        "gamma_dob": 5,
        "dob_l": date(1960, 3, 1),
        "dob_r": date(1960, 3, 1),
        "match_probability": 0.99,
        "match_weight": 10.0,
    }
    return pl.DataFrame([{**base, **row} for row in rows])


def test_gammas_are_read_from_the_comparison_levels_not_hard_coded():
    assert level_gamma("forename", "Exact match on forename") == 7
    assert level_gamma("dob", "Exact match on dob") == 5
    assert level_gamma("dob", "one year off") == 2


def test_relatives_at_one_address_are_kept_apart_but_typos_are_not():
    son = {"gamma_dob": 0, "dob_r": date(1988, 7, 9)}
    frame = pairs(
        {"unique_id_l": "1", "unique_id_r": "2", **son},  # father and son, one forename
        {"unique_id_l": "3", "unique_id_r": "4", "gamma_forename": 0, "gamma_dob": 0},  # couple
        {"unique_id_l": "5", "unique_id_r": "6", "gamma_dob": 3},  # one digit mistyped
        {"unique_id_l": "7", "unique_id_r": "8", "gamma_dob": 4},  # day and month swapped
        {"unique_id_l": "9", "unique_id_r": "10", "gamma_forename": 0},  # twins
        {"unique_id_l": "11", "unique_id_r": "12", **son, "postcode_r": "DB9 9ZZ"},
        {"unique_id_l": "13", "unique_id_r": "14", "gamma_dob": 0, "dob_r": date(1961, 3, 1)},
    )
    flagged = frame.select(decide.relatives(frame)).to_series().to_list()
    assert flagged == [True, True, False, False, True, False, False]
    chosen, kept_apart = decide.matches(frame, threshold=0.5, snapshots=set())
    assert kept_apart == 3
    assert chosen["unique_id_l"].to_list() == ["5", "7", "11", "13"]
    # Lists of individuals (file mode): only two fields saying "someone else" count.
    loose = frame.select(decide.relatives(frame, households=False)).to_series().to_list()
    assert loose == [False, True, False, False, False, False, False]


def test_a_record_matches_one_caseload_record_but_repeat_visits_all_match_it():
    # Source 1 is a food bank's visit log (append), source 2 the CTR caseload (snapshot).
    frame = pairs(
        {"unique_id_l": "v1", "unique_id_r": "c1", "match_weight": 12.0},
        {"unique_id_l": "v2", "unique_id_r": "c1", "match_weight": 11.0},
        {"unique_id_l": "v1", "unique_id_r": "c2", "match_weight": 6.0},  # c2: a namesake
        {"unique_id_l": "v1", "unique_id_r": "v2", "source_dataset_r": "1", "match_weight": 9.0},
    )
    chosen, _ = decide.matches(frame, threshold=0.5, snapshots={"2"})
    kept = set(zip(chosen["unique_id_l"], chosen["unique_id_r"], strict=True))
    assert kept == {("v1", "c1"), ("v2", "c1"), ("v1", "v2")}


def test_between_two_caseloads_a_pair_must_be_each_records_strongest():
    frame = pairs(
        {"unique_id_l": "a1", "unique_id_r": "b1", "match_weight": 12.0},
        {"unique_id_l": "a2", "unique_id_r": "b1", "match_weight": 8.0},
        {"unique_id_l": "a2", "unique_id_r": "b2", "match_weight": 7.0},
    )
    chosen, _ = decide.matches(frame, threshold=0.5, snapshots={"1", "2"})
    kept = set(zip(chosen["unique_id_l"], chosen["unique_id_r"], strict=True))
    assert kept == {("a1", "b1"), ("a2", "b2")}


def test_a_cannot_link_ruling_breaks_a_chain_at_its_weakest_edge():
    # 1-2 strong, 2-3 weak, and a person ruled 1 and 3 different people.
    rulings = decide.Constraints(must=[], cannot=[(3, 1)])
    edges = pl.DataFrame({"a": [1, 2], "b": [2, 3], "weight": [9.0, 2.0]})
    clusters = pl.DataFrame({"record_id": [1, 2, 3, 4], "cluster": ["x", "x", "x", "y"]})
    separated = rulings.separate(clusters, edges)
    got = dict(zip(separated["record_id"], separated["cluster"], strict=True))
    assert got[1] == got[2] != got[3] and got[4] == "y"


def test_rulings_add_must_links_and_drop_ruled_out_pairs():
    rulings = decide.Constraints(must=[(5, 6)], cannot=[(2, 1)])
    matched = pl.DataFrame(
        {"unique_id_l": ["1", "3"], "unique_id_r": ["2", "4"], "match_weight": [8.0, 9.0]}
    )
    edges = rulings.edges(matched)
    assert edges.select("a", "b").rows() == [(3, 4), (5, 6)]
    assert edges["weight"].to_list()[-1] == float("inf")


def test_the_queue_puts_coin_tosses_that_move_programmes_first():
    inside = pl.DataFrame(
        {
            "unique_id_l": ["1", "3", "5", "1"],
            "unique_id_r": ["2", "4", "6", "7"],
            "match_probability": [0.5, 0.5, 0.85, 0.3],
            "match_weight": [0.0, 0.0, 2.5, -1.2],
        }
    )
    clusters = pl.DataFrame(
        {"record_id": [1, 2, 3, 4, 5, 6, 7], "cluster": ["a", "b", "c", "d", "e", "f", "b"]}
    )
    records = pl.DataFrame(
        {
            "record_id": [1, 2, 3, 4, 5, 6, 7],
            "kind": ["ctr", "hb", "ctr", "ctr", "ctr", "fsm", "hb"],
        }
    )
    queued = review.candidates(inside, clusters, records)
    # 1&2: coin toss, moves CTR and HB (2 programmes): 1 × 3; 3&4: coin toss, moves nothing;
    # 5&6: fairly sure (0.85), moves 2; 1&7: the same two clusters as 1&2, so left out.
    assert queued.select("record_id_l", "record_id_r").rows() == [(1, 2), (3, 4), (5, 6)]
    assert queued["impact"].to_list() == [2, 0, 2]
    assert queued["priority"].to_list() == pytest.approx([3.0, 1.0, 0.9])


def test_rulings_name_records_by_the_partners_reference_when_there_is_one():
    records = pl.DataFrame(
        {"record_id": [10, 11], "source_id": [3, 3], "person_ref": ["C-1", None]}
    )
    assert review.record_keys(records).to_list() == ["3:C-1", "#11"]


def test_the_rule_works_without_the_columns_it_would_read():
    frame = pl.DataFrame(
        {
            "unique_id_l": ["1"],
            "unique_id_r": ["2"],
            "match_probability": [0.9],
            "match_weight": [5.0],
            "source_dataset_l": ["a"],
            "source_dataset_r": ["b"],
        }
    )
    chosen, kept_apart = decide.matches(frame, threshold=0.5, snapshots=set())
    assert chosen.height == 1 and kept_apart == 0
    chosen, _ = decide.matches(frame, threshold=0.95, snapshots={"a"})
    assert chosen.height == 0


def test_big_lists_get_the_narrow_blocking_rules_small_ones_the_wide():
    from safetynet.link import model

    def frame(n: int, dobs: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "forename_first": [f"f{i % 500}" for i in range(n)],
                "surname": [f"s{i % 700}" for i in range(n)],
                "dob": [date(1950, 1, 1) + __import__("datetime").timedelta(days=i % dobs)
                        for i in range(n)],
                "address_rest": [f"a{i % 900:05d} street" for i in range(n)],
            }
        )  # fmt: skip

    # 10,000 records over 10,000 birthdays: no rule comes near the 2M floor.
    assert not model.needs_tight_blocks([frame(10_000, 10_000)])
    # 400,000 records over 5,000 birthdays: the birthday block alone is ~16M pairs > 2M.
    assert model.needs_tight_blocks([frame(400_000, 5_000)])
    assert model._pairs_within(frame(10, 5), [pl.col("dob")]) == 5  # five pairs of twins


def test_wide_and_narrow_rule_sets_differ_only_where_pairs_grow_fastest():
    from safetynet.link import comparisons

    def names(rules):
        return [r if isinstance(r, str) else r.get_blocking_rule("duckdb").blocking_rule_sql
                for r in rules]  # fmt: skip

    wide, narrow = (names(comparisons.prediction_blocking_rules(tight=t)) for t in (False, True))
    assert len(wide) == len(narrow)
    assert "l.forename_first = r.surname AND l.surname = r.forename_first" in narrow
    # One birthday: 13.7M pairs of a million records, a third of all; split by an initial.
    assert 'l."dob" = r."dob"' in wide and 'l."dob" = r."dob"' not in narrow
    assert sum(rule.startswith('(l."dob" = r."dob") AND (SUBSTRING') for rule in narrow) == 2
    assert wide[:7] == narrow[:7] and wide[-3:] == narrow[-3:]  # the rest are the same
    assert len(comparisons.training_blocking_rules(tight=True)) == 3


def test_a_wholly_different_forename_at_one_home_is_a_relative_whatever_the_birthday():
    # Issue 11 failure 3: JAKE vs Scott, DOB missing on one side; the home known by its
    # postcode, or (postcode left out) by its house number and street.
    home = {"address_rest_l": "cowen lane", "address_rest_r": "cowen lane"}
    frame = pairs(
        {"gamma_forename": 0, "gamma_dob": -1, "dob_r": None},
        {"gamma_forename": 0, "gamma_dob": -1, "postcode_r": None, **home},
        {"gamma_forename": 0, "gamma_dob": -1, "postcode_r": None, **home, "address_rest_r": "x"},
        {"gamma_forename": 7, "gamma_dob": -1, "dob_r": None},  # the same forename: one person
    ).with_columns(pl.lit([67]).alias("address_numbers_l"), pl.lit([67]).alias("address_numbers_r"))
    flagged = frame.select(decide.relatives(frame)).to_series().to_list()
    assert flagged == [True, True, False, False]


def test_two_rows_at_one_home_sharing_no_name_are_housemates():
    # Issue 11, seed 42's food bank: Hemi Faherty and Jolene McCrea at one address scored
    # 0.51; a careful reviewer sees two people. Not when the names are written the wrong
    # way round behind a nickname (Breanna Hope, Hope Bri), nor on the same birthday.
    other = {"gamma_forename": 0, "gamma_surname": 0, "gamma_dob": -1, "dob_r": None}
    names = {
        "forename_first_l": "hemi",
        "forename_first_r": "jolene",
        "surname_l": "faherty",
        "surname_r": "mccrea",
        "surname_parts_l": ["faherty"],
        "surname_parts_r": ["mccrea"],
        "forename_family_l": ["hemi"],
        "forename_family_r": ["jo", "jolene"],
    }
    swapped = {
        "forename_first_l": "breanna",
        "forename_first_r": "hope",
        "surname_l": "hope",
        "surname_r": "bri",
        "surname_parts_l": ["hope"],
        "surname_parts_r": ["bri"],
        "forename_family_l": ["breanna", "bri"],
        "forename_family_r": ["hope"],
    }
    frame = pairs(
        {**other, **names},
        {**other, **swapped},
        {**other, **names, "gamma_dob": 5, "dob_r": date(1960, 3, 1)},
        {**other, **names, "postcode_r": "DB9 9ZZ"},  # not one home
        {**other, **names, "gamma_surname": 1},  # surnames loosely alike (Heavey, Henery)
    )
    flagged = frame.select(decide.relatives(frame)).to_series().to_list()
    assert flagged == [True, False, False, False, True]
    loose = frame.select(decide.relatives(frame, households=False)).to_series().to_list()
    assert loose == [False] * 5  # lists of individuals: fields may have been replaced


def moves(*rows: dict) -> pl.DataFrame:
    exact = {
        "gamma_forename": level_gamma("forename", "Exact match on forename"),
        "gamma_surname": level_gamma("surname", "Exact match on surname"),
        "gamma_dob": level_gamma("dob", "Exact match on dob"),
    }
    base = {
        **exact,
        "postcode_r": "DB9 9ZZ",
        "address_rest_l": "cowen lane",
        "address_rest_r": "mill road",
        "address_numbers_l": ["67"],
        "address_numbers_r": ["3"],
        "mw_address_numbers": -4.0,
        "mw_address_words": -5.0,
        "match_weight": -2.0,
    }
    return pairs(*({**base, **row} for row in rows))


def test_a_move_is_counted_once_where_addresses_change_together():
    frame = moves(
        {},  # moved: the street and house number add nothing more against
        {"address_rest_r": "cowen lane", "address_numbers_r": ["67"]},  # a postcode typo
        {"postcode_r": None},  # no postcode on one side: the street counts the move
        {"postcode_r": None, "address_numbers_r": ["67"]},  # the same house: no move
    )
    rescored = decide.count_a_move_once(frame)
    assert rescored["match_weight"].to_list() == [7.0, -2.0, 2.0, -2.0]
    assert rescored["match_probability"][0] == pytest.approx(2**7 / (1 + 2**7))
    assert rescored["match_probability"][1] == 0.99  # untouched


def test_a_saved_runs_judgement_of_moves_rescores_a_pair_explained_on_its_own():
    # `link explain` scores two records alone: whether the lists' addresses change together
    # is the run's judgement, not one pair's.
    other = moves({"gamma_forename": 0})  # not an anchor: alone it shows no move
    assert decide.count_a_move_once(other)["match_weight"].to_list() == [-2.0]
    assert decide.count_a_move_once(other, moves_seen=True)["match_weight"].to_list() == [7.0]
    assert decide.moves_seen(moves({}, {})) and not decide.moves_seen(other)
    typo = moves({"address_rest_r": "cowen lane", "address_numbers_r": ["67"]})
    assert decide.count_a_move_once(typo, moves_seen=True)["match_weight"].to_list() == [-2.0]


def test_a_move_is_not_counted_once_where_address_fields_change_one_at_a_time():
    # FEBRL: a postcode differs alone (typos), so three disagreements are three facts.
    typo = {"address_rest_r": "cowen lane", "address_numbers_r": ["67"]}
    frame = moves({}, typo, typo, typo, typo)
    assert decide.count_a_move_once(frame)["match_weight"].to_list() == [-2.0] * 5


def test_a_home_is_counted_once_the_number_and_street_weighed_by_what_they_add():
    # Issue 11: at one postcode, neighbours mostly share the street and often the house; as
    # three facts one home outweighed a wholly different surname and date of birth.
    postcode = level_gamma("postcode", "Exact match on postcode")
    numbers = level_gamma("address_numbers", "same numbers")
    words = level_gamma("address_words", "Exact match on address_rest")
    home = {"address_numbers": {numbers: -4.5}, "address_words": {words: -9.0, 1: -0.5}}
    frame = pl.DataFrame(
        {
            "gamma_postcode": [postcode, postcode, 0, postcode],
            "gamma_address_numbers": [numbers, 0, numbers, -1],
            "gamma_address_words": [words, words, words, 1],
            "mw_address_numbers": [7.0, -3.0, 7.0, 0.0],
            "mw_address_words": [10.0, 10.0, 10.0, 1.0],
            "match_weight": [6.0, 2.0, 6.0, 3.0],
            "match_probability": [2**6 / (1 + 2**6), 0.8, 0.98, 0.9],
        }
    )
    rescored = decide.count_a_home_once(frame, home)
    assert rescored["match_weight"].to_list() == [-7.5, -7.0, 6.0, 2.5]
    assert rescored["mw_address_words"].to_list() == [1.0, 1.0, 10.0, 0.5]
    assert rescored["mw_address_numbers"].to_list() == [2.5, -3.0, 7.0, 0.0]
    assert rescored["match_probability"][0] == pytest.approx(2**-7.5 / (1 + 2**-7.5))
    assert rescored["match_probability"][2] == 0.98  # another postcode: untouched
    assert decide.count_a_home_once(frame, {}).equals(frame)  # nothing learnt: as it was
    assert decide.count_a_home_once(frame.drop("gamma_postcode"), home).equals(
        frame.drop("gamma_postcode")
    )


def test_twins_and_siblings_with_alike_forenames_are_relatives():
    # Issue 11, the harder world: McGoldrick twins (one birthday, wholly different forenames)
    # after one moved; Charlene and Charis Melady at one home, one date of birth missing.
    loose = level_gamma("forename", "Jaro-Winkler distance of forename_first >= 0.8")
    typo = level_gamma("forename", "Damerau-Levenshtein distance of forename_first <= 1")
    away = {"postcode_r": "DB9 9ZZ"}
    frame = pairs(
        {"gamma_forename": 0, **away},  # twins, one moved
        {"gamma_forename": 0, "gamma_dob": 0, "dob_r": date(1961, 3, 1), **away},  # namesakes?
        {"gamma_forename": loose, "gamma_dob": -1, "dob_r": None},  # sisters at one home
        {"gamma_forename": typo, "gamma_dob": -1, "dob_r": None},  # a slip of the keys
        {"gamma_forename": loose, "gamma_dob": -1, "dob_r": None, **away},  # not one home
    )
    flagged = frame.select(decide.relatives(frame)).to_series().to_list()
    assert flagged == [True, False, True, False, False]
    individuals = frame.select(decide.relatives(frame, households=False)).to_series()
    assert individuals.to_list() == [False] * 5  # lists of individuals: a field replaced


def test_a_generation_apart_at_one_home_is_two_people_whatever_the_names():
    # Issue 11, an unseen world (seed 79): Kahurangi Cully-Shand, born 2016, and "Cully
    # Kahurangi", born 1967, at one address: names written the wrong way round, so not "the
    # same surname", but a typo does not move a birthday 49 years.
    swapped = level_gamma("surname", "forename and surname swapped")
    apart = {"gamma_dob": 0, "dob_r": date(2016, 2, 11)}
    frame = pairs(
        {"gamma_surname": swapped, **apart},
        {"gamma_surname": swapped, **apart, "postcode_r": "DB9 9ZZ"},  # not one home
        {"gamma_surname": swapped, "gamma_dob": 0, "dob_r": date(1961, 3, 1)},  # a year out
    )
    flagged = frame.select(decide.relatives(frame)).to_series().to_list()
    assert flagged == [True, False, False]

"""Ranking the linkage review queue by the gap results a decision would change."""

from __future__ import annotations

from datetime import date

import pytest

from safetynet.gaps.impact import review_impacts
from tests.gaps.test_evaluate import AS_OF, BOOK, facts

pytestmark = pytest.mark.nostore


def test_merging_a_food_bank_visitor_into_a_ctr_claimant_changes_their_gap_results():
    frame = facts(
        # record 0: resident 1 on CTR; record 1: resident 2 at the food bank last month
        {"resident_id": 1, "kind": "council_tax_reduction", "dob": date(1980, 1, 1),
         "mode": "snapshot"},
        {"resident_id": 2, "kind": "foodbank_attendance", "dob": date(1980, 1, 1),
         "event_date": date(2026, 10, 1), "mode": "append"},
        # records 2 and 3: two visitors; merging them changes nothing the rules read
        {"resident_id": 3, "kind": "foodbank_attendance", "dob": date(1990, 1, 1),
         "event_date": date(2026, 10, 1), "mode": "append"},
        {"resident_id": 4, "kind": "foodbank_attendance", "dob": date(1990, 1, 1),
         "event_date": date(2026, 9, 1), "mode": "append"},
    )  # fmt: skip
    impacts = review_impacts(frame, [(10, 0, 1), (11, 2, 3)], BOOK, AS_OF)
    # Only "food bank, no CTR" can run (no list covers UC). Pair 10: resident 2 is found by it,
    # resident 1 is not, and the merged resident is not: one result changes.
    assert impacts[10] == 1
    assert impacts[11] == 0


def test_splitting_a_record_off_a_resident_counts_the_results_it_would_change():
    frame = facts(
        {"resident_id": 1, "kind": "council_tax_reduction", "dob": date(1980, 1, 1)},
        {"resident_id": 1, "kind": "foodbank_attendance", "dob": date(1980, 1, 1),
         "event_date": date(2026, 10, 1), "mode": "append"},
    )  # fmt: skip
    # Together: on CTR, so not found. Apart: the visitor alone is found. One result changes.
    assert review_impacts(frame, [(5, 0, 1)], BOOK, AS_OF)[5] == 1


def test_without_runnable_rules_there_is_nothing_to_rank_by():
    frame = facts({"resident_id": 1, "kind": "library_members", "dob": date(1980, 1, 1)})
    assert review_impacts(frame, [(1, 0, 0)], BOOK, AS_OF) == {}

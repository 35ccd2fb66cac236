"""Gap rules evaluated over hand-built residents: who each rule finds, and counts by ward."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from safetynet.accounts.service import get_organisation
from safetynet.audit import AuditEvent
from safetynet.errors import InvalidInput
from safetynet.gaps import service
from safetynet.gaps.service import Reader
from tests.gaps import world


@pytest.fixture
def area(db, tmp_path):
    return world.build(db, tmp_path)


def found(db, as_of=world.AS_OF, **reader):
    book = service.rulebook()
    who = Reader(service.places.council_area(db, None), "test", **reader)
    return service.find_gaps(db, who, book, as_of=as_of, purpose="test"), book


def letters(area, ids):
    names = {v: k for k, v in area.ids.items()}
    return sorted(names[i] for i in ids)


def test_each_default_rule_finds_exactly_the_residents_it_describes(db, area):
    result, _ = found(db)
    assert {rule: letters(area, ids) for rule, ids in result.found.items()} == {
        # A: recent food bank, no CTR. B: visit too long ago. C: on CTR. D: partner on CTR.
        "foodbank-no-ctr": ["A"],
        # F: 76 on HB, PC "N". G: PC "Y". H: only 64.
        "pension-age-hb-no-pc": ["F"],
        # I and J: a UC couple with children, no FSM. K: on FSM. L: no children.
        "children-uc-hb-no-fsm": ["I", "J"],
        "foodbank-working-age-no-uc": ["A"],
    }
    assert result.not_run == {}


def test_rules_are_evaluated_as_of_a_date(db, area):
    result, _ = found(db, as_of=date(2026, 4, 1))
    # On 1 April B's March visit is recent and A's October visits have not happened yet.
    assert letters(area, result.found["foodbank-no-ctr"]) == ["B"]
    # Fred was 75 then; Hal still 63.
    assert letters(area, result.found["pension-age-hb-no-pc"]) == ["F"]


def test_counts_by_programme_and_ward_put_unplaced_residents_in_unknown_ward(db, area):
    result, book = found(db)
    counts = service.ward_counts(result, book)
    assert counts.columns == ["ward_name", "ctr", "uc", "fsm", "pension_credit", "any"]
    assert counts.rows() == [
        ("Northgate", 1, 1, 0, 0, 1),
        ("Old Town", 0, 0, 2, 0, 2),
        ("Unknown ward", 0, 0, 0, 1, 1),
    ]


def test_a_rule_about_a_programme_no_list_covers_is_not_run(db, tmp_path, monkeypatch):
    area = world.build(db, tmp_path)
    own = tmp_path / "own.yaml"
    own.write_text(
        "programmes:\n  warm_home:\n    name: Warm Home Discount\n    sources: [whd]\n"
        "rules:\n  pension-age-no-whd:\n    title: t\n    programme: warm_home\n"
        "    when: [{age: {min: 66}}, {not_on: warm_home}]\n"
    )
    monkeypatch.setenv("SAFETYNET_GAP_RULES_DIR", str(tmp_path))
    service.get_settings.cache_clear()
    result, book = found(db)
    assert "pension-age-no-whd" in book.rules
    assert result.not_run == {"pension-age-no-whd": ["warm_home"]}
    assert letters(area, result.found["pension-age-hb-no-pc"]) == ["F"]


def test_finding_gaps_is_audited_without_personal_data(db, area):
    found(db)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "residents.read")).one()
    assert event.reason == "test" and event.detail["residents"] == len(area.ids)
    assert event.tenant_id == area.tenant_id


def test_an_organisation_reads_only_the_lists_it_may(db, tmp_path):
    area = world.build(db, tmp_path, council_reads_charity=False)
    council = get_organisation(db, "council")
    north = get_organisation(db, "north")
    result, _ = found(db, organisation_id=council.id)
    # Without the food bank's agreement naming the council, no visit is visible to it.
    assert result.not_run["foodbank-no-ctr"] == ["foodbank"]
    assert letters(area, result.found["children-uc-hb-no-fsm"]) == ["I", "J"]
    result, _ = found(db, organisation_id=north.id)
    assert set(result.residents.get_column("resident_id")) == {area.ids[p] for p in "ABCD"}


def test_an_area_with_no_residents_yet_says_what_to_do(db):
    from tests import factories

    factories.organisation(db)
    with pytest.raises(InvalidInput, match="no residents yet: import partners' lists, then run"):
        found(db)


def test_where_screening_has_run_wards_show_the_money_households_miss(db, area):
    import polars as pl

    result, book = found(db)
    flagged = sorted(set().union(*result.found.values()))
    result.unclaimed = pl.DataFrame(
        {
            "resident_id": flagged[:3],
            "household_key": ["h1", "h1", "h2"],
            "unclaimed_pence": [120_000, 120_000, 50_000],
        }
    )
    counts = service.ward_counts(result, book)
    assert counts.columns[-1] == "unclaimed_pence"
    # Fred (no ward) and Ian (Old Town) share household h1: its £1,200 counts once in each
    # ward; Jo's h2 adds £500 to Old Town.
    assert flagged[:3] == [area.ids["F"], area.ids["I"], area.ids["J"]]
    assert counts.select("ward_name", "unclaimed_pence").rows() == [
        ("Northgate", 0),
        ("Old Town", 170_000),
        ("Unknown ward", 120_000),
    ]


def test_gap_results_are_reused_until_something_they_depend_on_changes(db, area):
    from safetynet.gaps import recent
    from safetynet.link import review

    book = service.rulebook()
    reader = Reader(service.places.council_area(db, None), "test")

    def result():
        return recent.gaps_as_of(db, reader, book, as_of=world.AS_OF, purpose="test")

    first = result()
    assert result() is first  # nothing changed: the same result, read again
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "residents.read")).all()
    assert len(reads) == 2 and reads[-1].detail["reused"] is True
    review.merge_residents(
        db, area.tenant_id, area.ids["C"], area.ids["E"], actor="t", reason="one person"
    )
    assert result() is not first  # a ruling changed the residents: evaluated again

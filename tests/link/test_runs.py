"""Link runs over imported lists: residents match the ground truth and keep their ids."""

from __future__ import annotations

from itertools import combinations

import polars as pl
import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.link import runs
from safetynet.link.models import LinkRun, ResidentRecord
from safetynet.sources.models import Record, Source
from tests.conftest import ON_POSTGRES

runner = CliRunner()


def truth_pairs(db, demo) -> tuple[set, set]:
    """Same-person pairs of record ids: by ground truth, and by the run's residents."""
    truth = pl.read_csv(demo / "ground_truth.csv", infer_schema=False)
    rows = db.execute(
        select(Record.id, Source.name, Record.row_id, ResidentRecord.resident_id)
        .join(Source, Source.id == Record.source_id)
        .join(ResidentRecord, ResidentRecord.record_id == Record.id)
    ).all()
    linked = pl.DataFrame(
        [tuple(r) for r in rows],
        schema=["record_id", "source", "row_id", "resident_id"],
        orient="row",
    )
    joined = linked.join(truth, on=["source", "row_id"])

    def pairs(key: str) -> set:
        found = set()
        for group in joined.group_by(key).agg("record_id").get_column("record_id").to_list():
            found |= set(combinations(sorted(group), 2))
        return found

    return pairs("person_id"), pairs("resident_id")


def test_a_run_links_records_into_residents_close_to_the_truth(db, demo):
    run = runs.run_linkage(db, area=None, actor="test")
    assert run.status == "finished" and run.counts["sources"] == 11  # 8 lists, 3 desks
    truth, found = truth_pairs(db, demo)
    precision = len(truth & found) / len(found)
    recall = len(truth & found) / len(truth)
    assert precision >= 0.9 and recall >= 0.85, (precision, recall)
    records = db.scalar(select(func.count()).select_from(Record))
    assert db.scalar(select(func.count()).select_from(ResidentRecord)) == records
    assert run.model and run.model["link_type"] == "link_and_dedupe"


@pytest.mark.skipif(not ON_POSTGRES, reason="planner statistics are PostgreSQL's")
def test_a_run_leaves_the_planner_statistics_of_what_it_wrote_fresh(db, demo):
    """On PostgreSQL, a resident page's join over freshly linked records took 300 ms instead of
    1 until the tables were analysed (where autovacuum is off, never)."""
    runs.run_linkage(db, area=None, actor="test")
    analysed = dict(
        db.execute(
            text(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('residents', 'resident_records')"
            )
        ).all()
    )
    assert analysed == {"residents": True, "resident_records": True}


def test_resident_ids_are_kept_when_the_records_stay_together(db, demo):
    first = runs.run_linkage(db, area=None, actor="test")
    before = dict(db.execute(select(ResidentRecord.record_id, ResidentRecord.resident_id)).all())
    second = runs.run_linkage(db, area=None, actor="test")
    db.expire_all()
    after = dict(db.execute(select(ResidentRecord.record_id, ResidentRecord.resident_id)).all())
    assert second.counts["residents_kept"] == first.counts["residents"]
    assert before == after


def test_repeat_visits_under_one_client_number_stay_one_resident(db, demo):
    runs.run_linkage(db, area=None, actor="test")
    rows = db.execute(
        select(Record.source_id, Record.person_ref, ResidentRecord.resident_id)
        .join(ResidentRecord, ResidentRecord.record_id == Record.id)
        .where(Record.person_ref.is_not(None))
    ).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows], schema=["source", "ref", "resident"], orient="row"
    )
    spread = frame.group_by("source", "ref").agg(pl.col("resident").n_unique().alias("n"))
    assert spread.height > 100 and spread.get_column("n").max() == 1


def test_stable_ids_on_split_and_merge():
    clusters = pl.DataFrame({"record_id": [1, 2, 3, 4, 5], "cluster": ["a", "a", "b", "c", "c"]})
    previous = pl.DataFrame({"record_id": [1, 2, 3, 4, 5], "resident_id": [10, 10, 10, 20, 30]})
    # 10 split into {1,2} and {3}: the larger part keeps it; 20 and 30 merged: the older wins
    assert runs.stable_ids(clusters, previous) == {"a": 10, "c": 20}


def test_the_cli_runs_and_lists_link_runs(db, demo):
    result = runner.invoke(app, ["link", "run"])
    assert result.exit_code == 0, result.output
    assert "Link run 1" in result.output and "residents" in result.output
    listing = runner.invoke(app, ["link", "runs"])
    assert listing.exit_code == 0 and "cli:" in listing.output
    assert db.scalar(select(func.count()).select_from(LinkRun)) == 1


def test_linking_an_empty_area_says_what_to_do(db):
    from tests import factories

    factories.organisation(db)
    result = runner.invoke(app, ["link", "run"])
    assert result.exit_code == 2 and "import partners' lists" in " ".join(result.output.split())

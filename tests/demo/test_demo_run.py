"""`safetynet demo run` builds the whole demo on the configured store and summarises it."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.accounts.models import DataSharingAgreement, User
from safetynet.cli import app
from safetynet.dashboard.models import GapSnapshot
from safetynet.frontdesk.models import FrontDeskEvent
from safetynet.link.models import LinkRun
from safetynet.places.models import PlaceFile, PlacePostcode, Ward
from safetynet.plans.models import Plan
from safetynet.sources.models import Record, SourceImport
from tests.conftest import ON_POSTGRES

runner = CliRunner()


def test_demo_run_imports_every_list_and_prints_logins(db):
    result = runner.invoke(app, ["demo", "run", "--people", "1500", "--seed", "3"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "What was imported" in output and "Demo logins" in output
    assert "North End Food Bank" in output and "date of birth not a real date" in output
    imports = db.scalars(select(SourceImport)).all()
    files = [i for i in imports if i.file_format != "typed"]
    assert len(files) == 8 and {i.status for i in imports} == {"active"}
    assert sum(i.rows_rejected for i in imports) > 0
    loaded = db.scalar(select(func.count()).select_from(Record))
    assert loaded == sum(i.rows_loaded for i in imports) > 500
    # a week at each of the three charities' front desks: one typed import a day each
    typed = [i for i in imports if i.file_format == "typed"]
    assert len(typed) == 3 * 7 and all(i.rows_loaded >= 4 for i in typed)
    events = db.scalar(select(func.count()).select_from(FrontDeskEvent))
    assert events == sum(i.rows_loaded for i in typed)
    assert "A week at the front desks" in output and "new to the desk" in output
    assert db.scalar(select(func.count()).select_from(User)) == 9  # 3 council, 2 per partner
    assert db.scalar(select(func.count()).select_from(DataSharingAgreement)) == 4
    for user in db.scalars(select(User)):
        assert user.email in output and user.password_hash.startswith("$argon2id$")


def test_demo_run_imports_wards_links_and_prints_the_gap_summary(db):
    result = runner.invoke(app, ["demo", "run", "--people", "1500", "--seed", "3"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert db.scalar(select(func.count()).select_from(Ward)) == 12
    # The published-format place files: all three imported, the neighbour's rows left out.
    assert sorted(db.scalars(select(PlaceFile.kind))) == [
        "connectivity",
        "deprivation",
        "postcodes",
    ]
    kept = set(db.scalars(select(PlacePostcode.la_code)))
    assert kept == {"E08000999"}
    # the synthetic NSPL carries coordinates, kept for placing postcodes
    assert db.scalar(select(func.count()).where(PlacePostcode.lat.is_(None))) == 0
    # referrals with outcomes recorded, and the area's ranker trained from them
    from safetynet.match.models import RankerModel, Referral

    assert db.scalar(select(func.count()).select_from(Referral)) >= 200
    assert db.scalar(select(func.count()).select_from(RankerModel)) == 1
    assert "Referrals: " in output and "recorded with outcomes" in output
    # the ranker was judged against the score on held-out sittings, and the summary says so
    (kept,) = db.scalars(select(RankerModel))
    assert {"adopted", "ndcg_ranker", "ndcg_score", "held_out_sittings"} <= set(kept.detail)
    assert f"{kept.detail['ndcg_score']:.3f}" in " ".join(output.split())
    # outcomes drawn from the hidden-utility simulation: some attended, some only accepted
    statuses = set(db.scalars(select(Referral.status)))
    assert {"attended", "accepted"} <= statuses and "made" not in statuses
    # one allocation of the triage needs list left proposed for the allocation page
    from safetynet.match.models import Allocation, AllocationRow

    (allocation,) = db.scalars(select(Allocation)).all()
    assert allocation.status == "proposed" and 0 < allocation.placed <= allocation.seekers
    rows = db.scalar(select(func.count()).select_from(AllocationRow))
    assert rows == allocation.seekers
    assert f"/match/allocations/{allocation.id}" in output
    snapshot_days = db.scalars(select(GapSnapshot.as_of).distinct()).all()
    assert len(snapshot_days) == 4  # three month-ends and today, for the dashboard's trend
    plan = db.scalars(select(Plan)).one()  # one plan drafted from the gaps and places
    assert plan.actions and plan.risks and plan.summary
    run = db.scalars(select(LinkRun)).one()
    assert f"into {run.counts['residents']:,} residents" in output
    assert "Residents probably missing out" in output and "All wards" in output
    assert "foodbank-no-ctr" in output and "Northgate" in output
    # A neighbouring council's pack tuned one rule here: the area holds it, the gaps use it.
    from safetynet.areaconfig.models import AreaConfig

    own = db.scalars(select(AreaConfig)).one()
    assert (own.kind, own.key, own.source) == (
        "gap_rule",
        "foodbank-no-ctr",
        "Demo Neighbour District",
    )
    assert "A neighbouring council's pack" in output and "in the last 12 months" in output
    assert output.index("What was imported") < output.index("Residents probably missing out")
    # The front desks' records reached linkage: nearly every one joined a resident who is
    # also on another list (walk-ins are council residents; the rest the charities' clients).
    desk, joined = _front_desk_records_linked(db)
    assert desk > 50 and joined / desk >= 0.95


def _front_desk_records_linked(db) -> tuple[int, int]:
    """Front-desk records linked, and how many of them share a resident with another list."""
    from sqlalchemy.orm import aliased

    from safetynet.link.models import ResidentRecord
    from safetynet.sources.models import Source

    other, other_record, other_source = aliased(ResidentRecord), aliased(Record), aliased(Source)
    desk = (
        select(ResidentRecord.record_id)
        .join(Record, Record.id == ResidentRecord.record_id)
        .join(Source, Source.id == Record.source_id)
        .where(Source.kind == "front_desk")
    )
    joined = (
        desk.join(other, other.resident_id == ResidentRecord.resident_id)
        .join(other_record, other_record.id == other.record_id)
        .join(other_source, other_source.id == other_record.source_id)
        .where(other_source.kind != "front_desk")
        .distinct()
    )
    count = select(func.count()).select_from
    return db.scalar(count(desk.subquery())), db.scalar(count(joined.subquery()))


def test_running_the_demo_again_rebuilds_it_or_says_why_not(db):
    first = runner.invoke(app, ["demo", "run", "--people", "300"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["demo", "run", "--people", "300"])
    if ON_POSTGRES:
        assert again.exit_code == 2 and "already holds a demo borough" in again.output
    else:
        assert again.exit_code == 0, again.output
        db.expire_all()
        files = select(func.count()).where(SourceImport.file_format != "typed")
        assert db.scalar(files.select_from(SourceImport)) == 8


def test_the_demo_never_touches_a_store_with_real_council_areas(db):
    from tests import factories

    factories.organisation(db, area="Real Borough")
    result = runner.invoke(app, ["demo", "run", "--people", "300"])
    assert result.exit_code == 2 and "holds real council areas" in result.output

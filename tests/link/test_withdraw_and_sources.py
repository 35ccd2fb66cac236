"""Area link runs with a source of names only, and `import undo` after linking (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.link import runs
from safetynet.link.models import Resident, ResidentRecord
from safetynet.sources import service
from safetynet.sources.models import Record
from tests import factories

runner = CliRunner()
HEAD = factories.PEOPLE_HEADINGS


def load(db, path: Path, source: str, kind: str) -> int:
    request = service.ImportRequest(path=path, organisation="north", source=source, kind=kind)
    outcome = service.run_import(db, request, actor="test")
    assert outcome.import_id is not None
    return outcome.import_id


@pytest.fixture
def area(db, tmp_path):
    """An advice centre's clients (120 people) and a food bank's visitors (40 of them and
    20 others), imported into one area."""
    factories.supplier(db)
    known = factories.people(160, seed=51)
    clients = "".join(f"A{i},{','.join(p)}\n" for i, p in enumerate(known[:120]))
    visits = "".join(f"V{i},{','.join(p)}\n" for i, p in enumerate(known[80:160]))
    first = load(
        db, factories.csv_file(tmp_path, HEAD + clients, name="c.csv"), "clients", "advice_clients"
    )
    second = load(
        db, factories.csv_file(tmp_path, HEAD + visits, name="v.csv"), "visits", "advice_clients"
    )
    return first, second, tmp_path


def test_a_source_of_names_only_is_left_out_of_runs_with_a_message(db, area):
    _, _, folder = area
    names = "ID,Forename,Surname\n" + "".join(
        f"N{i},{p[0]},{p[1]}\n" for i, p in enumerate(factories.people(30, seed=51))
    )
    load(db, factories.csv_file(folder, names, name="n.csv"), "names", "advice_clients")
    result = runner.invoke(app, ["link", "run"])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "Left out: source 'names' holds only names" in said
    run = runs.list_runs(db)[0]
    assert run.counts["sources_left_out"] == ["names"] and run.counts["records"] == 200
    # The other two lists still link: the 40 people on both are one resident each.
    residents = db.scalar(select(func.count(func.distinct(ResidentRecord.resident_id))))
    assert 155 <= residents <= 165


def test_an_import_can_be_undone_after_linking(db, area):
    first, second, _ = area
    runs.run_linkage(db, area=None, actor="test")
    before = dict(db.execute(select(ResidentRecord.record_id, ResidentRecord.resident_id)).all())
    of_first = set(db.scalars(select(Record.id).where(Record.import_id == first)))
    of_second = set(db.scalars(select(Record.id).where(Record.import_id == second)))
    only_second = {before[r] for r in of_second} - {before[r] for r in of_first}
    result = runner.invoke(app, ["import", "undo", str(second), "--reason", "wrong list"])
    assert result.exit_code == 0, result.output
    assert "80 records left their residents" in " ".join(result.output.split())
    db.expire_all()
    after = dict(db.execute(select(ResidentRecord.record_id, ResidentRecord.resident_id)).all())
    # The first list's records keep their residents and ids; the second's are gone.
    assert after == {r: before[r] for r in of_first}
    assert db.scalar(select(func.count()).where(Record.import_id == second)) == 0
    ended = set(db.scalars(select(Resident.id).where(Resident.ended_by_run_id.is_not(None))))
    assert ended == only_second and len(ended) >= 35
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"link.run", "link.records.withdrawn", "import.undo"} <= actions
    again = runner.invoke(app, ["import", "undo", str(second)])
    assert again.exit_code == 2 and "already withdrawn" in again.output


@pytest.mark.nostore
def test_an_area_with_no_one_on_two_lists_links_into_one_resident_per_record():
    from datetime import datetime

    import polars as pl

    rows = [
        (source * 1000 + i, source, None, f, s, datetime.strptime(d, "%d/%m/%Y").date(), p, a)
        for source, seed in ((1, 61), (2, 62))
        for i, (f, s, d, a, p) in enumerate(factories.people(150, seed=seed))
    ]
    columns = ["record_id", "source_id", "person_ref", "forename", "surname", "dob"]
    records = pl.DataFrame(rows, schema=[*columns, "postcode", "address"], orient="row")
    records = records.with_columns(
        pl.lit(None, pl.String).alias(c) for c in ("uprn", "phone", "email")
    ).with_columns(pl.lit("snapshot").alias("mode"), pl.lit("advice_clients").alias("kind"))
    # Before, a zero match rate ended in `math domain error` inside Splink.
    clustering = runs.cluster_records(records, threshold=0.5)
    assert clustering.pairs == 0 and clustering.uncertain.height == 0
    assert clustering.clusters["cluster"].n_unique() == 300

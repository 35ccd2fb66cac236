"""Retention runs and subject-access exports, on a small hand-built area."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import InvalidInput, NotFound
from safetynet.link import review
from safetynet.link.models import ResidentRecord
from safetynet.places import service as places
from safetynet.privacy import retention, subject_access
from safetynet.sources.models import Record, Source
from tests import factories
from tests.gaps import world

runner = CliRunner()


@pytest.fixture
def area(db, tmp_path):
    return world.build(db, tmp_path)


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_visits_older_than_the_agreements_retention_are_deleted_with_a_report(db, area):
    tenant = places.council_area(db, None)
    visits = db.scalar(select(Source.id).where(Source.name == "visits"))
    # North's agreement keeps records 365 days; its visits are dated 2026. On 2027-04-01 the
    # March visit (Bob) is past it, the October ones (Ann, Carol, Dan) are not.
    dry = retention.run_retention(db, tenant, actor="t", as_of=date(2027, 4, 1), dry_run=True)
    assert [(s.source, s.records) for s in dry.sources] == [("visits", 1)]
    assert count(db, Record, Record.source_id == visits) == 5
    report = retention.run_retention(db, tenant, actor="t", as_of=date(2027, 4, 1))
    assert report.records == 1
    left = db.scalars(select(Record.row_id).where(Record.source_id == visits)).all()
    assert sorted(left) == ["A-1", "A-2", "C-2", "D-1"]
    assert count(db, ResidentRecord, ResidentRecord.resident_id == area.ids["B"]) == 0
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.retention"))
    assert event.detail["records_deleted"] == 1


def test_nothing_is_deleted_before_its_time(db, area):
    tenant = places.council_area(db, None)
    report = retention.run_retention(db, tenant, actor="t", as_of=date(2026, 11, 27))
    assert report.records == 0 and report.sources == []


def test_the_cli_reports_a_retention_run(db, area):
    result = runner.invoke(app, ["privacy", "retention", "--as-of", "2027-10-15", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "4 records past retention on 2027-10-15 would be deleted (dry run)" in result.output
    bad = runner.invoke(app, ["privacy", "retention", "--as-of", "soon"])
    assert bad.exit_code == 2 and "--as-of must be a date" in bad.output


def test_a_subject_access_file_holds_every_record_and_follows_merges(db, area, tmp_path):
    ian, jo = sorted((area.ids["I"], area.ids["J"]))
    review.merge_residents(db, area.tenant_id, ian, jo, actor="t", reason="one person")
    out = tmp_path / "sar.json"
    # Asked for by the merged id: the file is the person's, under the id that survived.
    found = subject_access.export(db, area.tenant_id, jo, out, actor="t", reason="SAR-1")
    body = json.loads(out.read_text())
    assert body["resident_id"] == ian and body["also_known_as"] == [jo]
    assert sorted(r["row_id"] for r in body["records"]) == ["I-1", "J-1"]
    assert {r["source"] for r in body["records"]} == {"uc"}
    assert "tenant_id" not in body["records"][0]
    assert body["link_decisions"][0]["same_person"] is True
    assert found.resident_ids == [ian, jo]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.subject_access"))
    assert event.reason == "SAR-1" and event.detail["records"] == 2


def test_a_merged_id_is_exported_under_the_person_it_became(db, area, tmp_path):
    ian, jo = sorted((area.ids["I"], area.ids["J"]))
    review.merge_residents(db, area.tenant_id, ian, jo, actor="t", reason="one person")
    found = subject_access.collect(db, area.tenant_id, ian)
    assert found.resident_ids == [ian, jo]
    assert len(found.sections["records"]) == 2


def test_subject_access_refuses_another_area_a_missing_reason_and_a_wrong_format(
    db, area, tmp_path
):
    other = factories.organisation(db, slug="far", name="Far Council", area="Farshire")
    with pytest.raises(NotFound):
        subject_access.collect(db, other.tenant_id, area.ids["A"])
    with pytest.raises(InvalidInput, match="reason"):
        subject_access.export(db, area.tenant_id, area.ids["A"], tmp_path / "a.json", actor="t",
                              reason=" ")  # fmt: skip
    with pytest.raises(InvalidInput, match=".xlsx or .json"):
        subject_access.export(db, area.tenant_id, area.ids["A"], tmp_path / "a.csv", actor="t",
                              reason="SAR")  # fmt: skip


def test_the_cli_writes_a_workbook_a_sheet_per_section(db, area, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "sar.xlsx"
    result = runner.invoke(
        app, ["privacy", "subject-access", str(area.ids["A"]), "--out", str(out), "--reason", "X"]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out, read_only=True)
    assert book.sheetnames[:2] == ["Summary", "records"]
    rows = list(book["records"].iter_rows(values_only=True))
    assert len(rows) == 3  # Ann's two visits under one header
    # A forename starting '=' comes back neutralised, never as a formula.
    forenames = [r[rows[0].index("forename")] for r in rows[1:]]
    assert all(not str(f).startswith("=") for f in forenames)


def test_a_dry_run_counts_exactly_what_the_run_deletes_by_table_and_reason(db, area, tmp_path):
    from safetynet.sources import service as sources

    # A new version of the council's HB list (one row with no surname, kept aside): the first
    # version is replaced, so its clock starts now.
    text = (
        world.LISTS[("council", "hb", "housing_benefit")]
        + "X-1,Xena,,01/01/1990,1 Road,DB1 1AA,N\n"
    )
    path = factories.csv_file(tmp_path, text, name="hb2.csv")
    request = sources.ImportRequest(
        path=path, organisation="council", source="hb", kind="housing_benefit",
        skip_invalid_rows=True,
    )  # fmt: skip
    sources.run_import(db, request, actor="test")
    tenant = places.council_area(db, None)
    soon = date.fromordinal(date.today().toordinal() + 300)
    early = retention.run_retention(db, tenant, actor="t", as_of=soon, dry_run=True)
    assert ("hb", "ended") not in {(s.source, s.reason) for s in early.sources}
    later = date.fromordinal(date.today().toordinal() + 730)  # everything is past 365 days
    dry = retention.run_retention(db, tenant, actor="t", as_of=later, dry_run=True)
    reasons = {(s.source, s.reason) for s in dry.sources}
    assert {("hb", "ended"), ("hb", "stale"), ("visits", "visits"), ("uc", "stale")} <= reasons
    assert dry.tables["rejected_rows"] == 1  # Xena's row, kept aside
    assert dry.tables["records"] == count(db, Record)  # nothing is dry-run deleted
    assert dry.tables["resident_records"] == count(db, ResidentRecord)
    done = retention.run_retention(db, tenant, actor="t", as_of=later)
    assert done.tables == dry.tables
    assert [(s.source, s.reason, s.records) for s in done.sources] == [
        (s.source, s.reason, s.records) for s in dry.sources
    ]
    assert count(db, Record) == 0 and count(db, ResidentRecord) == 0
    again = retention.run_retention(db, tenant, actor="t", as_of=later)
    assert again.sources == [] and set(again.tables.values()) == {0}

"""The review queue and people's rulings, through the service and the CLI, on a demo borough:
rulings change the residents at once and hold in every later run."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import Conflict, InvalidInput, NotFound
from safetynet.link import runs, service
from safetynet.link.models import LinkDecision, Resident, ResidentRecord, ReviewPair
from safetynet.sources.models import Record, Source

runner = CliRunner()
WIDE = (0.001, 0.999)  # a wide review band, so a small clean borough still queues pairs


def resident_of(db, record_id: int) -> int:
    db.expire_all()
    return db.scalar(
        select(ResidentRecord.resident_id).where(ResidentRecord.record_id == record_id)
    )


def blur(db, people: int) -> None:
    """Make some people hard to link: on one of their records from a second source, a
    different surname and only a forename and postcode besides (a married name on a form
    left half blank)."""
    runs.run_linkage(db, area=None, actor="test")
    shared = db.scalars(
        select(ResidentRecord.resident_id)
        .join(Record, Record.id == ResidentRecord.record_id)
        .group_by(ResidentRecord.resident_id)
        .having(func.count(func.distinct(Record.source_id)) >= 2)
        .order_by(ResidentRecord.resident_id)
        .limit(people)
    ).all()
    for resident in shared:
        record = db.scalar(
            select(Record)
            .join(ResidentRecord, ResidentRecord.record_id == Record.id)
            .where(ResidentRecord.resident_id == resident, Record.dob.is_not(None))
            .order_by(Record.id.desc())
            .limit(1)
        )
        record.surname, record.dob = "Featherstonehaugh", None
        record.phone = record.email = record.address = record.uprn = None
    db.commit()


@pytest.fixture
def linked(db, demo):
    blur(db, 25)
    run = runs.run_linkage(db, area=None, actor="test", review_band=WIDE)
    assert run.counts["review_queued"] > 10
    return run


def test_a_run_queues_unsure_pairs_with_their_explanations(db, linked):
    pairs = service.queue(db, linked.tenant_id, limit=500)
    assert len(pairs) == service.open_count(db, linked.tenant_id) or len(pairs) == 500
    priorities = [p.priority for p in pairs]
    assert priorities == sorted(priorities, reverse=True)
    first = pairs[0]
    assert 0.001 <= first.match_probability < 0.999 and first.record_id_l < first.record_id_r
    names = [step["comparison"] for step in first.explanation]
    assert names[0] == "Prior" and names[-1] == "Final score"
    assert all(set(step) == {"comparison", "level", "weight"} for step in first.explanation)


def test_accepting_merges_residents_now_and_in_later_runs(db, linked):
    pair = next(
        p
        for p in service.queue(db, linked.tenant_id, limit=500)
        if resident_of(db, p.record_id_l) != resident_of(db, p.record_id_r)
    )
    older, newer = sorted((resident_of(db, pair.record_id_l), resident_of(db, pair.record_id_r)))
    service.decide_pair(
        db, linked.tenant_id, pair.id, verdict="accept", actor="test", reason="same NI number"
    )
    assert resident_of(db, pair.record_id_l) == resident_of(db, pair.record_id_r) == older
    assert service.current_resident(db, linked.tenant_id, newer).id == older  # redirects
    again = runs.run_linkage(db, area=None, actor="test", review_band=WIDE)
    assert again.counts["rulings_applied"] >= 1
    assert resident_of(db, pair.record_id_l) == resident_of(db, pair.record_id_r)
    requeued = db.scalar(
        select(func.count()).where(
            ReviewPair.record_id_l == pair.record_id_l,
            ReviewPair.record_id_r == pair.record_id_r,
            ReviewPair.status != "decided",
        )
    )
    assert requeued == 0


def test_rejecting_keeps_two_records_apart_even_when_the_model_joins_them(db, linked):
    pair = next(
        p
        for p in service.queue(db, linked.tenant_id, limit=500)
        if p.match_probability >= 0.5
        and resident_of(db, p.record_id_l) == resident_of(db, p.record_id_r)
    )
    service.decide_pair(
        db, linked.tenant_id, pair.id, verdict="reject", actor="test", reason="twins"
    )
    assert resident_of(db, pair.record_id_l) != resident_of(db, pair.record_id_r)
    runs.run_linkage(db, area=None, actor="test", review_band=WIDE)
    assert resident_of(db, pair.record_id_l) != resident_of(db, pair.record_id_r)
    ruling = db.scalar(select(LinkDecision))
    assert ruling.same_person is False and ruling.reason == "twins" and ruling.origin == "review"


def test_a_split_holds_in_later_runs_and_a_merge_redirects(db, linked):
    shared = db.execute(
        select(ResidentRecord.resident_id)
        .join(Record, Record.id == ResidentRecord.record_id)
        .group_by(ResidentRecord.resident_id)
        .having(func.count(func.distinct(Record.source_id)) >= 2)
        .limit(1)
    ).scalar_one()
    held = db.execute(
        select(Record.id, Record.source_id)
        .join(ResidentRecord, ResidentRecord.record_id == Record.id)
        .where(ResidentRecord.resident_id == shared)
        .order_by(Record.id)
    ).all()
    moving = [rid for rid, source in held if source == held[-1][1]]
    staying = [rid for rid, source in held if source != held[-1][1]]
    new = service.split_resident(
        db, linked.tenant_id, shared, moving, actor="test", reason="different DOBs on file"
    )
    assert {resident_of(db, r) for r in moving} == {new.id}
    runs.run_linkage(db, area=None, actor="test")
    assert not {resident_of(db, r) for r in moving} & {resident_of(db, r) for r in staying}
    kept = service.merge_residents(
        db,
        linked.tenant_id,
        resident_of(db, moving[0]),
        resident_of(db, staying[0]),
        actor="test",
        reason="checked with the resident",
    )
    assert resident_of(db, moving[0]) == resident_of(db, staying[0]) == kept.id
    actions = db.scalars(select(AuditEvent.action)).all()
    assert "link.resident.split" in actions and "link.resident.merge" in actions


def test_skipping_sends_a_pair_to_the_back_and_a_decided_pair_cannot_be_decided_again(db, linked):
    first = service.queue(db, linked.tenant_id, limit=1)[0]
    service.decide_pair(db, linked.tenant_id, first.id, verdict="skip", actor="test", reason="")
    waiting = service.queue(db, linked.tenant_id, limit=1000)
    assert waiting[-1].id == first.id and waiting[-1].status == "skipped"
    second = waiting[0]
    with pytest.raises(InvalidInput, match="reason"):
        service.decide_pair(
            db, linked.tenant_id, second.id, verdict="reject", actor="t", reason=" "
        )
    service.decide_pair(db, linked.tenant_id, second.id, verdict="reject", actor="t", reason="no")
    with pytest.raises(Conflict):
        service.decide_pair(
            db, linked.tenant_id, second.id, verdict="accept", actor="t", reason="x"
        )


def test_another_areas_pair_or_resident_is_not_found(db, linked):
    from tests import factories

    other = factories.organisation(db, slug="elsewhere", name="Elsewhere Council", area="Elsewhere")
    pair = service.queue(db, linked.tenant_id, limit=1)[0]
    with pytest.raises(NotFound):
        service.get_pair(db, other.tenant_id, pair.id)
    resident = db.scalar(select(Resident.id).limit(1))
    with pytest.raises(NotFound):
        service.current_resident(db, other.tenant_id, resident)


def test_the_cli_lists_shows_decides_and_explains(db, linked):
    listing = runner.invoke(app, ["link", "review", "--limit", "3"])
    assert listing.exit_code == 0, listing.output
    assert "pair(s) waiting" in listing.output
    pair = service.queue(db, linked.tenant_id, limit=1)[0]
    shown = runner.invoke(app, ["link", "review", "show", str(pair.id)])
    assert shown.exit_code == 0, shown.output
    assert f"Record {pair.record_id_l}" in shown.output and "Final score" in shown.output
    assert db.scalar(select(func.count()).where(AuditEvent.action == "link.review.view")) == 1
    explained = runner.invoke(
        app, ["link", "explain", str(pair.record_id_l), str(pair.record_id_r)]
    )
    assert explained.exit_code == 0, explained.output
    assert f"Match probability {pair.match_probability:.3f}" in explained.output
    decided = runner.invoke(app, ["link", "review", "accept", str(pair.id), "--reason", "seen"])
    assert decided.exit_code == 0 and "same person" in decided.output
    missing = runner.invoke(app, ["link", "review", "show", "99999"])
    assert missing.exit_code == 2 and "no review pair 99999" in missing.output
    sources = db.scalars(select(Source.name)).all()
    assert any(name in shown.output for name in sources)

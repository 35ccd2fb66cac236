"""An area's own configuration: each item against the deployment's default, reverting one
item or everything one pack applied (audited, all or nothing), and the commands that read
an area's rules and schemes (`pack config`, `pack revert`, `gaps rules --area`,
`entitlements check --area`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.areaconfig import review
from safetynet.areaconfig.models import AreaConfig
from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import InvalidInput, NotFound
from safetynet.gaps import service as gaps
from safetynet.packs import service
from safetynet.packs.schemas import checksum
from tests.packs.conftest import point_at

runner = CliRunner()
RULE = "foodbank-no-ctr"  # a shipped rule: food bank use within 183 days


def tuned_pack(db, tenant, days: int, source: str = "Nearby") -> bytes:
    """The area's own export with the shipped food bank rule counting `days` (resealed)."""
    pack = service.build_pack(db, tenant.id)
    pack["sections"]["gap_rules"][RULE]["when"][0]["within_days"] = days
    pack["manifest"]["source_council"] = source
    pack["manifest"]["parts"]["gap_rules"]["sha256"] = checksum(pack["sections"]["gap_rules"])
    return json.dumps(pack).encode()


@pytest.fixture
def taken(db, areas, source_council, tmp_path, monkeypatch):
    """Otherton applied Testshire's pack (4 items new to it), then a neighbour's pack that
    tunes a shipped rule; the deployment's folders hold nothing of either."""
    first = service.export_pack(db, areas[0].id, actor="test")
    point_at(monkeypatch, tmp_path / "otherton")
    service.apply_pack(db, areas[1].id, first, actor="test")
    second = tuned_pack(db, areas[1], 365)
    service.apply_pack(db, areas[1].id, second, actor="test")
    return areas[1], service.read_pack(first).sha256, service.read_pack(second).sha256


def _days(db, tenant) -> int | None:
    return gaps.rulebook(session=db, tenant_id=tenant.id).rules[RULE].when[0].within_days


def _held(db, tenant) -> set[tuple[str, str]]:
    rows = db.execute(
        select(AreaConfig.kind, AreaConfig.key).where(AreaConfig.tenant_id == tenant.id)
    )
    return {tuple(r) for r in rows}


def test_the_overview_shows_each_item_against_the_deployment_default_and_its_pack(db, taken):
    tenant, first, second = taken
    items = {(i.kind, i.key): i for i in review.overview(db, tenant.id)}
    assert set(items) == {
        ("ctr_scheme", "example-banded-scheme-2025-26"),
        ("gap_programme", "warm_home"),
        ("gap_rule", "whd-pension-credit"),
        ("gap_rule", RULE),
        ("plan_risk", "winter-surge"),
    }
    new = items[("gap_rule", "whd-pension-credit")]
    assert (new.status, new.source, new.pack, new.version) == ("added", "Testshire", first, 1)
    tuned = items[("gap_rule", RULE)]
    assert (tuned.status, tuned.source, tuned.pack) == ("changed", "Nearby", second)
    assert [(c.field, c.before, c.after) for c in tuned.changes] == [
        ("when[0].within_days", 183, 365)
    ]
    packs = review.by_pack(list(items.values()))
    assert [(p.sha256, p.source, len(p.items)) for p in packs] == [
        (second, "Nearby", 1),
        (first, "Testshire", 4),
    ]


def test_reverting_one_item_puts_the_default_back_audited_and_the_rules_read_it(db, taken):
    tenant, _, second = taken
    assert _days(db, tenant) == 365  # read (and cached) before the revert
    done = review.revert(db, tenant.id, actor="user:a@x", kind="gap_rule", key=RULE)
    assert [(i.key, i.version) for i in done] == [(RULE, 1)]
    assert _days(db, tenant) == 183  # the default again
    assert ("gap_rule", RULE) not in _held(db, tenant) and len(_held(db, tenant)) == 4
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "config.revert")).one()
    assert event.tenant_id == tenant.id and event.actor == "user:a@x"
    assert event.detail["before"]["body"]["when"][0]["within_days"] == 365
    assert event.detail["before"]["pack_sha256"] == second
    assert event.detail["after"]["when"][0]["within_days"] == 183


def test_reverting_a_pack_removes_what_it_still_governs_in_one_go(db, areas, taken):
    tenant, first, _ = taken
    testshire_before = _held(db, areas[0])
    done = review.revert(db, tenant.id, actor="test", pack=first[:12])
    assert len(done) == 4
    assert _held(db, tenant) == {("gap_rule", RULE)}  # the neighbour's pack stays
    assert "whd-pension-credit" not in gaps.rulebook(session=db, tenant_id=tenant.id).rules
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "config.revert")).all()
    assert len(events) == 4 and {e.detail["after"] for e in events} == {None}
    assert _held(db, areas[0]) == testshire_before  # another area is untouched


def test_a_revert_that_would_break_the_rules_is_refused_whole(db, taken):
    tenant, _, _ = taken
    before = _held(db, tenant)
    with pytest.raises(InvalidInput) as refused:
        review.revert(db, tenant.id, actor="test", kind="gap_programme", key="warm_home")
    assert "nothing was reverted" in refused.value.message
    assert any("warm_home" in d for d in refused.value.details)
    assert _held(db, tenant) == before
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "config.revert")).all() == []


def test_a_revert_names_one_item_or_one_pack(db, taken):
    tenant, first, _ = taken
    with pytest.raises(InvalidInput):
        review.revert(db, tenant.id, actor="test")
    with pytest.raises(InvalidInput):
        review.revert(db, tenant.id, actor="test", kind="gap_rule", key=RULE, pack=first)
    with pytest.raises(InvalidInput):
        review.revert(db, tenant.id, actor="test", pack=first[:5])
    with pytest.raises(NotFound):
        review.revert(db, tenant.id, actor="test", kind="gap_rule", key="no-such-rule")
    with pytest.raises(NotFound):
        review.revert(db, tenant.id, actor="test", pack="0" * 16)


def test_an_item_reverted_then_written_again_is_read_afresh(db, taken):
    tenant, _, _ = taken
    assert _days(db, tenant) == 365
    review.revert(db, tenant.id, actor="test", kind="gap_rule", key=RULE)
    service.apply_pack(db, tenant.id, tuned_pack(db, tenant, 300), actor="test")
    row = db.scalars(select(AreaConfig).where(AreaConfig.key == RULE)).one()
    assert row.version == 1  # counted afresh: the stamp must still tell it from the old one
    assert _days(db, tenant) == 300


def test_the_commands_list_and_revert_an_areas_own_items(db, taken):
    tenant, first, _ = taken
    listed = runner.invoke(app, ["pack", "config", "--area", "Otherton"])
    assert listed.exit_code == 0, listed.output
    text = " ".join(listed.output.split())
    assert "whd-pension-credit" in text and RULE in text and "Nearby" in text
    assert f"revert --pack {first[:12]}" in text
    one = runner.invoke(app, ["pack", "revert", f"gap_rule/{RULE}", "--area", "Otherton", "--yes"])
    assert one.exit_code == 0 and "Reverted" in one.output, one.output
    every = runner.invoke(
        app, ["pack", "revert", "--pack", first[:12], "--area", "Otherton", "--yes"]
    )
    assert every.exit_code == 0, every.output
    db.expire_all()
    assert _held(db, tenant) == set()
    empty = runner.invoke(app, ["pack", "config", "--area", "Otherton"])
    assert "holds no configuration of its own" in " ".join(empty.output.split())
    bad = runner.invoke(app, ["pack", "revert", "gap_rule", "--area", "Otherton", "--yes"])
    assert bad.exit_code == 2 and "KIND/KEY" in bad.output


def test_gaps_rules_reads_the_areas_own_rules_with_area(db, taken):
    area = runner.invoke(app, ["gaps", "rules", "--area", "Otherton"])
    assert area.exit_code == 0, area.output
    text = " ".join(area.output.split())
    assert "whd-pension-credit" in text and "Otherton's own: 2 rule(s)" in text
    assert f"{RULE} (this area's own)" in text
    plain = runner.invoke(app, ["gaps", "rules"])  # the deployment's rules only
    assert plain.exit_code == 0 and "whd-pension-credit" not in plain.output


def test_entitlements_check_uses_the_areas_own_ctr_scheme_with_area(db, taken, tmp_path: Path):
    household = tmp_path / "household.json"
    household.write_text(json.dumps({
        "year": 2025, "local_authority": "Sheffield", "tenure": "owner_outright",
        "council_tax_annual": 1200, "people": [{"age": 30}],
    }))  # fmt: skip
    # Single, 30, no income, in the example banded scheme's band 1: 80% of £1,200.
    area = runner.invoke(
        app, ["entitlements", "check", str(household), "--json", "--area", "Otherton"]
    )
    assert area.exit_code == 0, area.output
    found = json.loads(area.stdout[area.stdout.index("{") :])
    assert found["benefits"]["council_tax_reduction"] == 960.0
    plain = runner.invoke(app, ["entitlements", "check", str(household), "--json"])
    assert (
        json.loads(plain.stdout[plain.stdout.index("{") :])["benefits"]["council_tax_reduction"]
        == 0
    )

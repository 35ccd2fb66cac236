"""Packs: a council's gap rules, CTR schemes and plan risks as one checked file that another
council inspects field by field and applies all or nothing."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from safetynet.areaconfig.models import AreaConfig
from safetynet.audit import AuditEvent
from safetynet.entitlements import service as entitlements
from safetynet.errors import InvalidInput
from safetynet.gaps import service as gaps
from safetynet.packs import service
from safetynet.packs.schemas import checksum
from safetynet.plans.service import standard_risks
from tests.packs.conftest import point_at


def _export(db, tenant) -> bytes:
    return service.export_pack(db, tenant.id, actor="test")


def _taker(monkeypatch, tmp_path):
    """The shared deployment's folders, now holding nothing of Testshire's."""
    return point_at(monkeypatch, tmp_path / "otherton")


def _rules(db, tenant):
    return gaps.rulebook(session=db, tenant_id=tenant.id).rules


def _own(db, tenant) -> list[tuple[str, str]]:
    """What the area holds itself: (kind, key) rows."""
    rows = db.execute(
        select(AreaConfig.kind, AreaConfig.key)
        .where(AreaConfig.tenant_id == tenant.id)
        .order_by(AreaConfig.kind, AreaConfig.key)
    )
    return [tuple(r) for r in rows]


def test_a_pack_carries_the_councils_configuration_with_a_checksum_per_section(
    db, areas, source_council
):
    pack = json.loads(_export(db, areas[0]))
    assert (pack["format"], pack["version"]) == ("safetynet-pack", 1)
    manifest = pack["manifest"]
    assert manifest["source_council"] == "Testshire"
    sections = {"gap_programmes", "gap_rules", "ctr_schemes", "plan_risks", "triage_forms"}
    assert set(pack["sections"]) == sections
    for name, items in pack["sections"].items():
        assert manifest["parts"][name] == {"sha256": checksum(items), "items": len(items)}
    assert pack["sections"]["gap_rules"]["whd-pension-credit"]["programme"] == "warm_home"
    scheme = pack["sections"]["ctr_schemes"]["example-banded-scheme-2025-26"]
    assert (scheme["kind"], scheme["capital_limit"]) == ("banded", 6000)
    assert pack["sections"]["plan_risks"]["winter-surge"]["owner"] == "Service manager"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "pack.export")).one()
    assert event.tenant_id == areas[0].id and event.detail["items"]["ctr_schemes"] == 1


def test_another_council_sees_what_is_new_then_applies_it(
    db, areas, source_council, tmp_path, monkeypatch
):
    data = _export(db, areas[0])
    taker = _taker(monkeypatch, tmp_path)
    found = service.diff_pack(db, areas[1].id, service.read_pack(data))
    counts = found.summary()
    assert counts["gap_rules"]["added"] == 1 and counts["gap_rules"]["changed"] == 0
    assert counts["gap_rules"]["unchanged"] == len(_rules(db, areas[1]))
    assert counts["gap_programmes"]["added"] == 1
    assert counts["ctr_schemes"] == {"added": 1, "changed": 0, "unchanged": 0, "kept": 0}
    assert counts["plan_risks"]["added"] == 1
    assert found.changes == 4
    service.apply_pack(db, areas[1].id, data, actor="test", expect_state=found.state)
    assert "whd-pension-credit" in _rules(db, areas[1])
    assert list(taker.rglob("*.yaml")) == []  # the deployment's folders are untouched
    assert ("gap_rule", "whd-pension-credit") in _own(db, areas[1])
    schemes = entitlements.council_schemes(session=db, tenant_id=areas[1].id)
    assert [s.name for s in schemes] == ["Example banded scheme 2025/26"]
    assert "winter-surge" in {r["key"] for r in standard_risks(db, areas[1].id)}
    again = service.diff_pack(db, areas[1].id, service.read_pack(data))
    assert again.changes == 0
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "pack.apply")).one()
    assert event.tenant_id == areas[1].id
    assert event.detail["source_council"] == "Testshire"
    assert event.detail["sections"]["ctr_schemes"]["added"] == 1


def test_a_changed_item_shows_each_field_before_and_after(
    db, areas, source_council, tmp_path, monkeypatch
):
    data = _export(db, areas[0])
    taker = _taker(monkeypatch, tmp_path)
    mine = source_council.joinpath("gap-rules", "local.yaml").read_text()
    mine = mine.replace("but not the Warm Home Discount", "without WHD").replace(
        "- on: pension_credit", "- on: [pension_credit, uc]"
    )
    (taker / "gap-rules" / "local.yaml").write_text(mine)
    found = service.diff_pack(db, areas[1].id, service.read_pack(data))
    rules = next(s for s in found.sections if s.name == "gap_rules")
    item = next(i for i in rules.items if i.key == "whd-pension-credit")
    assert item.status == "changed"
    changes = {c.field: (c.before, c.after) for c in item.changes}
    assert changes == {
        "title": (
            "On Pension Credit without WHD",
            "On Pension Credit but not the Warm Home Discount",
        ),
        "when[0].on[1]": ("uc", None),
    }
    service.apply_pack(db, areas[1].id, data, actor="test")
    assert _rules(db, areas[1])["whd-pension-credit"].when[0].on == ("pension_credit",)


def _tamper(data: bytes, change) -> bytes:
    pack = json.loads(data)
    change(pack)
    return json.dumps(pack).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["sections"]["gap_rules"]["whd-pension-credit"].update(title="Edited"),
         "section 'gap_rules': its checksum or item count differs from the manifest's"),
        (lambda p: p["sections"].update(residents={}),
         "section 'residents': not a section Safety Net knows"),
        (lambda p: p["sections"].update(triage_forms={"intake": {"title": "Intake"}}),
         "section 'triage_forms': its checksum or item count differs from the manifest's"),
        (lambda p: p["manifest"]["parts"].pop("plan_risks"),
         "section 'plan_risks': missing from the manifest"),
    ],
)  # fmt: skip
def test_a_damaged_or_unknown_section_is_refused_with_its_name(
    db, areas, source_council, change, message
):
    data = _tamper(_export(db, areas[0]), change)
    with pytest.raises(InvalidInput) as refused:
        service.read_pack(data, "pack.json")
    assert any(message in d for d in refused.value.details), refused.value.details


def _resealed(data: bytes, change) -> bytes:
    """A pack changed and given matching checksums (as a hostile or careless tool would)."""

    def both(pack):
        change(pack)
        for name, items in pack["sections"].items():
            pack["manifest"]["parts"][name] = {"sha256": checksum(items), "items": len(items)}

    return _tamper(data, both)


def test_an_item_that_breaks_its_schema_is_named_by_section_item_and_field(
    db, areas, source_council
):
    def bad(pack):
        pack["sections"]["ctr_schemes"]["example-banded-scheme-2025-26"]["capital_limit"] = -5
        pack["sections"]["plan_risks"]["winter-surge"]["resident_name"] = "Ann Able"

    with pytest.raises(InvalidInput) as refused:
        service.read_pack(_resealed(_export(db, areas[0]), bad), "pack.json")
    details = refused.value.details
    assert (
        "pack.json, section 'ctr_schemes', item 'example-banded-scheme-2025-26', field "
        "'capital_limit': Input should be greater than or equal to 0." in details
    )
    assert any("item 'winter-surge', field 'resident_name': Extra inputs" in d for d in details)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "not valid JSON (line 1, column 1)"),
        (b'{"format": "other"}', "is not a Safety Net pack"),
        (b'{"format": "safetynet-pack", "version": 2}', "version 2 pack; this Safety Net reads "
         "version 1: upgrade"),
        (b" " * 2_000_001, "a pack may be at most 2,000,000 bytes"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_pack_this_version_reads_is_refused(data, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        service.read_pack(data, "pack.json")


def test_a_pack_that_would_leave_rules_inconsistent_changes_nothing(
    db, areas, source_council, tmp_path, monkeypatch
):
    data = _resealed(
        _export(db, areas[0]), lambda p: p["sections"]["gap_programmes"].pop("warm_home")
    )
    _taker(monkeypatch, tmp_path)
    with pytest.raises(InvalidInput) as refused:
        service.apply_pack(db, areas[1].id, data, actor="test")
    assert any("unknown programme 'warm_home'" in d for d in refused.value.details)
    assert _own(db, areas[1]) == []
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "pack.apply")).all() == []


def test_a_failure_while_committing_changes_nothing(
    db, areas, source_council, tmp_path, monkeypatch
):
    data = _export(db, areas[0])
    taker = _taker(monkeypatch, tmp_path)
    (taker / "ctr" / "banded.yaml").write_text(
        (source_council / "ctr" / "banded.yaml")
        .read_text()
        .replace("capital_limit: 6000", "capital_limit: 9000")
    )
    before = (taker / "ctr" / "banded.yaml").read_text()

    def fail():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db, "commit", fail)
    with pytest.raises(RuntimeError):
        service.apply_pack(db, areas[1].id, data, actor="test")
    assert (taker / "ctr" / "banded.yaml").read_text() == before
    assert _own(db, areas[1]) == []


def test_a_diff_confirmed_after_the_configuration_changed_is_not_applied(
    db, areas, source_council, tmp_path, monkeypatch
):
    data = _export(db, areas[0])
    taker = _taker(monkeypatch, tmp_path)
    seen = service.diff_pack(db, areas[1].id, service.read_pack(data)).state
    (taker / "gap-rules" / "local.yaml").write_text(
        "programmes:\n  energy:\n    name: Energy advice\n    kinds: [other]\n"
    )
    with pytest.raises(InvalidInput, match="changed after the differences were shown"):
        service.apply_pack(db, areas[1].id, data, actor="test", expect_state=seen)
    assert _own(db, areas[1]) == []


def test_the_areas_own_copy_wins_over_a_deployment_file_that_redefines_it(
    db, areas, source_council, tmp_path, monkeypatch
):
    data = _export(db, areas[0])
    taker = _taker(monkeypatch, tmp_path)
    later = (
        source_council.joinpath("gap-rules", "local.yaml")
        .read_text()
        .replace("but not the Warm Home Discount", "(ours)")
    )
    (taker / "gap-rules" / "zz-ours.yaml").write_text(later)
    assert _rules(db, areas[1])["whd-pension-credit"].title.endswith("(ours)")
    service.apply_pack(db, areas[1].id, data, actor="test")
    assert _rules(db, areas[1])["whd-pension-credit"].title.endswith("Warm Home Discount")
    assert _rules(db, areas[0])["whd-pension-credit"].title.endswith("(ours)")


def test_the_command_line_exports_shows_the_diff_and_applies(
    db, areas, source_council, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from safetynet.cli import app

    runner = CliRunner()
    out = tmp_path / "testshire.json"
    done = runner.invoke(app, ["pack", "export", "--out", str(out), "--area", "Testshire"])
    assert done.exit_code == 0, done.output
    _taker(monkeypatch, tmp_path)
    shown = runner.invoke(app, ["pack", "diff", str(out), "--area", "Otherton"])
    assert shown.exit_code == 0, shown.output
    assert "+ Gap rules: whd-pension-credit" in shown.output
    refused = runner.invoke(app, ["pack", "apply", str(out), "--area", "Otherton"], input="n\n")
    assert refused.exit_code == 1 and "whd-pension-credit" not in _rules(db, areas[1])
    applied = runner.invoke(app, ["pack", "apply", str(out), "--area", "Otherton", "--yes"])
    assert applied.exit_code == 0, applied.output
    assert "Applied 4 change(s)" in applied.output
    db.expire_all()
    assert "whd-pension-credit" in _rules(db, areas[1])
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "safetynet-pack", "version": 9}')
    failed = runner.invoke(app, ["pack", "diff", str(bad), "--area", "Otherton"])
    assert failed.exit_code == 2 and "upgrade Safety Net" in failed.output


def test_the_councils_risk_files_replace_standard_risks_by_key_and_add_new_ones(
    tmp_path, monkeypatch
):
    root = point_at(monkeypatch, tmp_path / "council")
    standard = {r["key"]: r for r in standard_risks()}
    mine = standard["capacity"] | {"likelihood": 5}
    new = {"key": "new-one", "risk": "Venues close.", "likelihood": 2, "impact": 2,
           "mitigation": "Two spare venues.", "owner": "Service manager"}  # fmt: skip
    (root / "plan-risks" / "a.yaml").write_text(json.dumps([mine, new]))
    risks = {r["key"]: r for r in standard_risks()}
    assert list(risks)[: len(standard)] == list(standard)  # the register's order is kept
    assert risks["capacity"]["likelihood"] == 5 and "new-one" in risks
    (root / "plan-risks" / "a.yaml").write_text(json.dumps([mine, {"key": "new-one"}]))
    with pytest.raises(InvalidInput) as refused:
        standard_risks()
    assert "a.yaml, risk 'new-one', field 'risk': Field required." in refused.value.details
    (root / "plan-risks" / "a.yaml").write_text(json.dumps([{"risk": "no key"}]))
    with pytest.raises(InvalidInput, match="a.yaml: expected a list of risks, each with a key"):
        standard_risks()


def _state(db, tenant) -> dict:
    found = service.current_state(db, tenant.id)
    return {
        name: {k: v.model_dump(mode="json") for k, v in items.items()}
        for name, items in found.items()
    }


def test_a_pack_applied_in_one_area_leaves_another_areas_rules_schemes_and_risks_unchanged(
    db, areas, source_council
):
    """One instance, two councils sharing the deployment's folders: Otherton takes a pack that
    changes a rule, a scheme and a risk; Testshire's configuration (and its pages' rulebook
    fingerprint) stays exactly as it was."""

    def edits(pack):
        sections = pack["sections"]
        sections["gap_rules"]["whd-pension-credit"]["title"] = "Otherton's own wording"
        sections["ctr_schemes"]["example-banded-scheme-2025-26"]["capital_limit"] = 9000
        sections["plan_risks"]["winter-surge"]["likelihood"] = 5

    data = _resealed(_export(db, areas[0]), edits)
    before = _state(db, areas[0])
    print_before = gaps.rulebook(session=db, tenant_id=areas[0].id).fingerprint
    found = service.apply_pack(db, areas[1].id, data, actor="test")
    assert found.changes == 3
    assert _state(db, areas[0]) == before
    assert gaps.rulebook(session=db, tenant_id=areas[0].id).fingerprint == print_before
    assert gaps.rulebook(session=db, tenant_id=areas[1].id).fingerprint != print_before
    assert _own(db, areas[0]) == []
    theirs = _state(db, areas[1])
    assert theirs["gap_rules"]["whd-pension-credit"]["title"] == "Otherton's own wording"
    assert theirs["ctr_schemes"]["example-banded-scheme-2025-26"]["capital_limit"] == 9000
    assert theirs["plan_risks"]["winter-surge"]["likelihood"] == 5
    assert theirs["gap_rules"] != before["gap_rules"]
    banded = entitlements.council_schemes(session=db, tenant_id=areas[0].id)
    assert [s.capital_limit for s in banded] == [6000]
    again = service.diff_pack(db, areas[1].id, service.read_pack(data))
    assert again.changes == 0
    assert service.diff_pack(db, areas[0].id, service.read_pack(data)).changes == 3

"""The decision dashboard: every figure agrees with the page behind it and links to it; the
trend comes from gap snapshots; Excel and PDF exports; partners see their own clients."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from safetynet.accounts.permissions import Principal
from safetynet.dashboard import service
from safetynet.gaps import access as gaps_access
from safetynet.gaps import service as gaps
from safetynet.gaps.models import OutreachEntry, OutreachList
from safetynet.gaps.service import Reader
from safetynet.places import profiles
from safetynet.places import service as places
from tests.web.linkage_world import AS_OF, act_as, bearer

DAY = AS_OF.isoformat()


def _principal(lw, name):
    return Principal.of(lw.users[name])


def test_each_figure_agrees_with_the_page_behind_it(lw, db):
    me = _principal(lw, "analyst")
    found = service.decisions(db, me, AS_OF)
    report = gaps_access.report(db, me, AS_OF)
    figure = {f.label: f for f in found.figures}["Residents probably missing out"]
    assert figure.value == f"{report.totals['any']:,}" == "4"
    assert figure.href == f"/gaps?as_of={DAY}"
    assert found.programmes == [(h, report.totals[p]) for p, h in report.programmes]
    reader = gaps_access.reader(db, me)
    result = gaps.find_gaps(db, reader, gaps.rulebook(), as_of=AS_OF, purpose="test")
    ranked = profiles.ward_profiles(db, me.tenant_id, result)
    assert [w["ward_name"] for w in found.wards] == [r["ward_name"] for r in ranked.rows[:3]]
    table = gaps_access.takeup_report(db, me, period="month")
    if table.is_empty():
        assert found.takeup is None
    else:
        assert found.takeup["contacted"] == table.row(-1, named=True)["contacted"]


def test_the_trend_is_built_from_snapshots_and_today(lw, db):
    reader = Reader(places.council_area(db, "testshire"), "test")
    book = gaps.rulebook()
    earlier = AS_OF - timedelta(days=60)
    assert service.record_snapshot(db, reader, book, as_of=earlier, actor="test") >= 0
    again = service.record_snapshot(db, reader, book, as_of=earlier, actor="test")  # replaces
    assert service.trend(db, reader.tenant.id) == [(earlier, again)]
    found = service.decisions(db, _principal(lw, "analyst"), AS_OF)
    assert found.trend == [(earlier, again), (AS_OF, 4)]
    assert found.line["points"][-1][3] == 4


def _outreach(db, me, statuses: dict[int, str]) -> None:
    """An outreach list of the food bank rule holding these residents at these statuses."""
    made = OutreachList(
        tenant_id=me.tenant_id, rule_id="foodbank-no-ctr", rule_title="t", programme="ctr",
        as_of=AS_OF, reason="r", created_by="test", counts={"residents": len(statuses)},
    )  # fmt: skip
    db.add(made)
    db.flush()
    for resident, status in statuses.items():
        db.add(OutreachEntry(list_id=made.id, resident_id=resident, status=status))
    db.commit()


def test_residents_marked_claimed_are_the_ones_counted_as_secured(lw, db):
    me = _principal(lw, "analyst")
    _outreach(db, me, {lw.residents["A"]: "claimed", lw.residents["C"]: "contacted"})
    reader = gaps_access.reader(db, me)
    secured, claimed = service.secured_pence(db, reader)
    assert claimed == 1 and secured == 0  # no screening yet: no money estimated


def test_the_page_links_every_figure_and_exports(lw, client, db):
    act_as(client, db, lw.users["analyst"])
    page = client.get(f"/decisions?as_of={DAY}")
    assert page.status_code == 200
    assert 'href="/gaps?as_of=2026-11-27">Residents probably missing out' in page.text
    assert 'id="programme-bars"' in page.text and 'id="score-map"' in page.text
    workbook = load_workbook(
        io.BytesIO(client.get(f"/decisions/export?format=xlsx&as_of={DAY}").content)
    )
    assert workbook.sheetnames[:4] == ["Figures", "By programme", "Over time", "Where to act"]
    assert workbook["Figures"]["B2"].value == "4"
    pdf = client.get(f"/decisions/export?format=pdf&as_of={DAY}")
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/decisions/export?format=doc").status_code == 422


def test_the_api_twin_and_a_partners_view(lw, client, db):
    answer = client.get(
        f"/api/v1/decisions?as_of={DAY}", headers=bearer(db, lw.users["caseworker"])
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["figures"][0]["value"] == "4" and body["clients_only"] is False
    other = client.get(f"/api/v1/decisions?as_of={DAY}", headers=bearer(db, lw.users["otheradmin"]))
    assert other.status_code in (200, 422)  # another council: its own (empty) area, never ours
    assert "Northgate" not in other.text


def _screened(db, tenant_id: int, pence: dict[int, tuple[str, int]]) -> None:
    """A finished screening holding each resident's household and £ a year unclaimed (pence),
    as a batch screening leaves it (the engine's own figures are tested in entitlements/)."""
    from safetynet.entitlements.models import EntitlementScreening, ScreeningResult

    run = EntitlementScreening(tenant_id=tenant_id, status="finished", year=2026,
                               local_authority="Sheffield", started_by="test")  # fmt: skip
    db.add(run)
    db.flush()
    for resident_id, (household, value) in pence.items():
        db.add(ScreeningResult(
            screening_id=run.id, tenant_id=tenant_id, resident_id=resident_id,
            household_key=household, ward=None, inputs={}, provenance={}, benefits={},
            unclaimed={"universal_credit": value}, unclaimed_pence=value,
        ))  # fmt: skip
    db.commit()


def test_the_money_figures_agree_with_the_lists_and_count_each_household_once(lw, db):
    me = _principal(lw, "analyst")
    reader = gaps_access.reader(db, me)
    result = gaps.find_gaps(db, reader, gaps.rulebook(), as_of=AS_OF, purpose="test")
    missing = sorted(set().union(*result.found.values()))
    ward = dict(result.residents.select("resident_id", "ward_name").iter_rows())
    # Every resident screened; two missing out in one ward share one household (its figure is
    # the household's, so both carry it); residents not missing out carry money too.
    pence = {rid: (f"h{rid}", 10_000 * (i + 1)) for i, rid in enumerate(lw.residents.values())}
    first, second = next(
        (a, b) for a in missing for b in missing if a < b and ward[a] == ward[b]
    )
    pence[second] = ("shared", 123_400)
    pence[first] = ("shared", 123_400)
    _screened(db, me.tenant_id, pence)
    found = service.decisions(db, me, AS_OF)
    figures = {f.label: f for f in found.figures}
    households = {pence[rid] for rid in missing}  # (household, pence), each once
    expected = sum(value for _, value in households)
    report = gaps_access.report(db, me, AS_OF)  # the table /gaps shows, ward by ward
    assert report.totals["unclaimed_pence"] == expected
    assert figures["£ a year probably unclaimed"].value == f"£{expected / 100:,.0f}"
    assert figures["£ a year probably unclaimed"].href == f"/gaps?as_of={DAY}"

    other = next(rid for rid in missing if rid not in (first, second))
    # One household, two residents claimed: counted once.
    _outreach(db, me, {first: "claimed", second: "claimed", other: "contacted"})
    assert service.secured_pence(db, reader) == (123_400, 2)
    service._figures.clear()  # statuses are outside the data version: figures kept up to a minute
    found = service.decisions(db, me, AS_OF)
    secured = {f.label: f for f in found.figures}["£ a year secured"]
    assert (secured.value, secured.href) == ("£1,234", "/outreach")
    assert "by 2 residents marked as claimed" in secured.detail
    table = gaps_access.takeup_report(db, me, period="month")  # the list behind take-up
    assert not table.is_empty()
    last = table.row(-1, named=True)
    assert {k: found.takeup[k] for k in last if k in found.takeup} == {
        k: v for k, v in last.items() if k in found.takeup
    }

"""Ward and LSOA profiles: need as the who-is-missing page counts it, beside deprivation,
rurality and broadband from the published files; wards ranked where to act, with reasons."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.gaps import service as gaps
from safetynet.gaps.service import Reader
from safetynet.places import profiles, reference
from safetynet.places import service as places
from tests import factories
from tests.gaps import world
from tests.places.test_reference import IMD, NSPL, OFCOM

runner = CliRunner()


@pytest.fixture
def area(db, tmp_path):
    built = world.build(db, tmp_path)
    tenant = places.council_area(db, None)
    for kind, text in (("postcodes", NSPL), ("deprivation", IMD), ("connectivity", OFCOM)):
        path = factories.csv_file(tmp_path, text, name=f"{kind}.csv")
        reference.import_file(db, tenant=tenant, kind=kind, path=path, actor="test")
    return built


def _result(db):
    reader = Reader(places.council_area(db, None), "test")
    book = gaps.rulebook()
    return gaps.find_gaps(db, reader, book, as_of=world.AS_OF, purpose="test"), book


def test_ward_profiles_agree_with_the_who_is_missing_counts(db, area):
    result, book = _result(db)
    found = profiles.ward_profiles(db, area.tenant_id, result)
    missing = {
        r["ward_name"]: r["any"] for r in gaps.ward_counts(result, book).iter_rows(named=True)
    }
    by_ward = {r["ward_name"]: r for r in found.rows}
    assert set(by_ward) == {"Northgate", "Old Town"}
    for name, row in by_ward.items():
        assert row["missing"] == missing[name]
    residents = result.residents.group_by("ward_name").len()
    assert {n: c for n, c in residents.iter_rows() if n in by_ward} == {
        n: r["residents"] for n, r in by_ward.items()
    }


def test_place_measures_come_from_the_newest_files(db, area):
    result, _ = _result(db)
    by_ward = {r["ward_name"]: r for r in profiles.ward_profiles(db, area.tenant_id, result).rows}
    north, old = by_ward["Northgate"], by_ward["Old Town"]
    # Northgate: DB1 1AA, in the most deprived LSOA, urban, all 30 premises gigabit.
    assert (north["postcodes"], north["imd_score"], north["imd_decile"]) == (1, 45.5, 1.0)
    assert (north["rural_pct"], north["gigabit_pct"], north["most_deprived_pct"]) == (
        0.0,
        100.0,
        100.0,
    )
    # Old Town: DB1 2BB from the lookup and DB2 3AD from the directory's ward; both rural;
    # gigabit weighted by premises: (10 x 0% + 10 x 50%) / 20 = 25%.
    assert (old["postcodes"], old["imd_score"], old["rural_pct"]) == (2, 12.2, 100.0)
    assert (old["gigabit_pct"], old["below_uso_pct"]) == (25.0, 10.0)


def test_wards_are_ranked_where_to_act_with_the_reasons_that_weigh_most(db, area):
    result, _ = _result(db)
    found = profiles.ward_profiles(db, area.tenant_id, result)
    # No screening has run: the £ measure is left out and the other weights rescaled (0.8).
    assert found.measures == ["missing_per_1000", "imd_score", "no_gigabit_pct", "rural_pct"]
    first, second = found.rows
    assert (first["ward_name"], first["rank"]) == ("Old Town", 1)
    # Old Town has the most missing out per 1,000 (0.4), poorer broadband (0.1), rural (0.1).
    assert first["score"] == pytest.approx(0.75)
    assert first["reasons"][0] == "many missing out"
    assert (second["ward_name"], second["score"], second["reasons"]) == (
        "Northgate",
        pytest.approx(0.25),
        ["deprived"],
    )
    assert sum(first["contributions"].values()) == pytest.approx(first["score"], abs=1e-3)


def test_without_place_files_profiles_rank_on_need_alone(db, tmp_path):
    built = world.build(db, tmp_path)
    result, _ = _result(db)
    found = profiles.ward_profiles(db, built.tenant_id, result)
    assert found.measures == ["missing_per_1000"] and found.editions == {}
    assert found.rows[0]["ward_name"] == "Old Town" and found.rows[0]["imd_score"] is None


def test_lsoa_profiles(db, area):
    result, _ = _result(db)
    rows = {r["lsoa"]: r for r in profiles.lsoa_profiles(db, area.tenant_id, result).rows}
    assert set(rows) == {"E01990001", "E01990002"}
    assert rows["E01990001"]["ward_name"] == "Northgate"
    assert rows["E01990002"]["imd_decile"] == 7.0
    assert rows["E01990001"]["residents"] + rows["E01990002"]["residents"] == (
        result.residents.filter(result.residents["ward_name"] != gaps.UNKNOWN_WARD).height
    )


def test_the_cli_prints_and_exports_profiles(db, area, tmp_path):
    shown = runner.invoke(app, ["places", "profiles", "--as-of", "2026-11-27"])
    assert shown.exit_code == 0, shown.output
    assert "Where to act" in shown.output and "Old Town" in shown.output
    out = tmp_path / "lsoa.csv"
    written = runner.invoke(app, ["places", "profiles", "--by", "lsoa", "--out", str(out)])
    assert written.exit_code == 0, written.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Rank,LSOA,Ward") and len(lines) == 3
    wrong = runner.invoke(app, ["places", "profiles", "--by", "street"])
    assert wrong.exit_code != 0 and "use ward or lsoa" in wrong.output

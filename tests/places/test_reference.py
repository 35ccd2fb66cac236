"""Published files about places: the ONS postcode directory, the indices of deprivation and
Ofcom's broadband coverage, imported for the area as versions, refused by row and column."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.errors import InvalidInput
from safetynet.places import reference
from safetynet.places import service as places
from safetynet.places.models import PlaceConnectivity, PlaceDeprivation, PlaceFile, PlacePostcode
from tests import factories

runner = CliRunner()
WARDS = "postcode,ward_code,ward_name\nDB1 1AA,E05000001,Northgate\nDB1 2BB,E05000002,Old Town\n"
# NSPL layout: pcd (7 characters), pcds, doterm, oa21, laua, ward, lsoa21, ruc21 among others.
NSPL = (
    "pcd,pcds,dointr,doterm,usertype,oa21,laua,ward,lsoa21,ruc21\n"
    "DB1 1AA,DB1 1AA,198001,,0,E00990001,E08000999,E05000001,E01990001,UN1\n"
    "DB1 2BB,DB1 2BB,198001,,0,E00990002,E08000999,E05000002,E01990002,RSF1\n"
    "DB1 9ZZ,DB1 9ZZ,198001,201906,0,E00990002,E08000999,E05000002,E01990002,UN1\n"
    "DZ1 1AB,DZ1 1AB,198001,,0,E00980001,E08000998,E05890001,E01980001,UN1\n"
    "DB2 3AD,DB2 3AD,198001,,0,E00990003,E08000999,E05000002,E01990002,RLN1\n"
)
IMD = (
    '"LSOA code (2021)","LSOA name (2021)","Local Authority District code (2024)",'
    '"Index of Multiple Deprivation (IMD) Score",'
    '"Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",'
    '"Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"\n'
    "E01990001,Demo 001,E08000999,45.5,1200,1\n"
    "E01990002,Demo 002,E08000999,12.25,20000,7\n"
    "E01980001,Next 001,E08000998,30.0,5000,2\n"
)
OFCOM = (
    "postcode,postcode_space,All Matched Premises,SFBB availability (% premises),"
    "Gigabit availability (% premises),Full Fibre availability (% premises),"
    "% of premises below the USO\n"
    "DB11AA,DB1 1AA,30,100,100,80,0\n"
    "DB12BB,DB1 2BB,10,70,0,0,20\n"
    "DB23AD,DB2 3AD,10,100,50,50,0\n"
    "ZZ99ZZ,ZZ9 9ZZ,5,100,100,100,0\n"
)


@pytest.fixture
def area(db, tmp_path):
    factories.organisation(db)
    tenant = places.council_area(db, None)
    lookup = factories.csv_file(tmp_path, WARDS, name="wards.csv")
    places.import_wards(db, tenant=tenant, lookup=lookup, boundaries=None, actor="test")
    return tenant


def _import(db, tenant, tmp_path, kind, text, name, **options):
    path = factories.csv_file(tmp_path, text, name=name)
    return reference.import_file(db, tenant=tenant, kind=kind, path=path, actor="test", **options)


def test_the_postcode_directory_keeps_the_areas_live_postcodes(db, area, tmp_path):
    done = _import(db, area, tmp_path, "postcodes", NSPL, "NSPL_FEB_2026_UK.csv")
    # DB1 1AA and DB1 2BB are in the lookup; DB2 3AD is in one of the area's wards; the
    # terminated DB1 9ZZ and the neighbour's DZ1 1AB are left out.
    assert (done.rows_read, done.rows_kept, done.edition) == (5, 3, "NSPL_FEB_2026_UK")
    assert done.notes == ["1 terminated postcodes in the file were skipped."]
    rows = db.execute(
        select(
            PlacePostcode.postcode,
            PlacePostcode.oa,
            PlacePostcode.lsoa,
            PlacePostcode.ward_code,
            PlacePostcode.la_code,
            PlacePostcode.rural_class,
            PlacePostcode.rural,
        ).order_by(PlacePostcode.postcode)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("DB1 1AA", "E00990001", "E01990001", "E05000001", "E08000999", "UN1", False),
        ("DB1 2BB", "E00990002", "E01990002", "E05000002", "E08000999", "RSF1", True),
        ("DB2 3AD", "E00990003", "E01990002", "E05000002", "E08000999", "RLN1", True),
    ]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "places.reference.import"))
    assert event is not None and event.detail["rows_kept"] == 3


def test_the_same_file_twice_changes_nothing(db, area, tmp_path):
    first = _import(db, area, tmp_path, "postcodes", NSPL, "a.csv")
    again = _import(db, area, tmp_path, "postcodes", NSPL, "a.csv")
    assert again.already and again.file_id == first.file_id
    assert db.scalar(select(func.count()).select_from(PlaceFile)) == 1


def test_local_authority_codes_choose_the_area_without_wards(db, tmp_path):
    factories.organisation(db)
    tenant = places.council_area(db, None)
    with pytest.raises(InvalidInput, match="Import the ward lookup first"):
        _import(db, tenant, tmp_path, "postcodes", NSPL, "n.csv")
    done = _import(db, tenant, tmp_path, "postcodes", NSPL, "n.csv", la_codes=["e08000998"])
    assert done.rows_kept == 1
    assert db.scalar(select(PlacePostcode.postcode)) == "DZ1 1AB"


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_imported(db, area, tmp_path):
    text = NSPL.replace("E01990002,RSF1", "E1990002,RSF1").replace(
        "DB2 3AD,DB2 3AD,198001,,0,E00990003", "DB2 3AD,DB2 3AD,198001,,0,OA-3"
    )
    with pytest.raises(InvalidInput) as refused:
        _import(db, area, tmp_path, "postcodes", text, "bad.csv")
    assert "bad.csv has 2 problem(s); nothing was imported" in refused.value.message
    assert refused.value.details == [
        "bad.csv row 3, column 'lsoa21': 'E1990002' is not an LSOA code.",
        "bad.csv row 6, column 'oa21': 'OA-3' is not an output area code.",
    ]
    assert db.scalar(select(func.count()).select_from(PlaceFile)) == 0
    assert db.scalar(select(func.count()).select_from(PlacePostcode)) == 0


def test_a_file_of_another_kind_is_refused_naming_what_is_missing(db, area, tmp_path):
    with pytest.raises(InvalidInput) as refused:
        _import(db, area, tmp_path, "postcodes", OFCOM, "ofcom.csv")
    message = refused.value.message
    assert "does not look like the ONS postcode directory" in message
    assert "no column for lsoa, ward, la" in message and "All Matched Premises" in message


def test_deprivation_is_joined_through_the_postcode_directory(db, area, tmp_path):
    with pytest.raises(InvalidInput, match="import the ONS postcode directory first"):
        _import(db, area, tmp_path, "deprivation", IMD, "File_7.csv")
    _import(db, area, tmp_path, "postcodes", NSPL, "nspl.csv")
    done = _import(db, area, tmp_path, "deprivation", IMD, "File_7.csv")
    assert (done.rows_read, done.rows_kept) == (3, 2)  # the neighbour's LSOA is left out
    rows = db.execute(
        select(
            PlaceDeprivation.lsoa, PlaceDeprivation.score, PlaceDeprivation.rank,
            PlaceDeprivation.decile,
        ).order_by(PlaceDeprivation.lsoa)
    ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("E01990001", 45.5, 1200, 1),
        ("E01990002", 12.25, 20000, 7),
    ]


def test_a_decile_out_of_range_is_refused_by_row_and_column(db, area, tmp_path):
    _import(db, area, tmp_path, "postcodes", NSPL, "nspl.csv")
    with pytest.raises(InvalidInput) as refused:
        _import(db, area, tmp_path, "deprivation", IMD.replace(",20000,7", ",20000,11"), "f7.csv")
    assert refused.value.details == [
        "f7.csv row 3, column 'Index of Multiple Deprivation (IMD) Decile (where 1 is most "
        "deprived 10% of LSOAs)': '11' is not a decile from 1 to 10."
    ]


def test_broadband_coverage_is_kept_for_the_areas_postcodes(db, area, tmp_path):
    _import(db, area, tmp_path, "postcodes", NSPL, "nspl.csv")
    done = _import(db, area, tmp_path, "connectivity", OFCOM, "ofcom.csv")
    assert (done.rows_read, done.rows_kept) == (4, 3)
    rows = db.execute(
        select(
            PlaceConnectivity.postcode,
            PlaceConnectivity.premises,
            PlaceConnectivity.gigabit_pct,
            PlaceConnectivity.full_fibre_pct,
            PlaceConnectivity.superfast_pct,
            PlaceConnectivity.below_uso_pct,
        ).order_by(PlaceConnectivity.postcode)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("DB1 1AA", 30, 100.0, 80.0, 100.0, 0.0),
        ("DB1 2BB", 10, 0.0, 0.0, 70.0, 20.0),
        ("DB2 3AD", 10, 50.0, 50.0, 100.0, 0.0),
    ]


def test_a_share_over_100_is_refused(db, area, tmp_path):
    with pytest.raises(InvalidInput) as refused:
        _import(
            db,
            area,
            tmp_path,
            "connectivity",
            OFCOM.replace("DB12BB,DB1 2BB,10,70,0", "DB12BB,DB1 2BB,10,70,120"),
            "o.csv",
        )
    assert refused.value.details == [
        "o.csv row 3, column 'Gigabit availability (% premises)': '120' is not a percentage "
        "from 0 to 100."
    ]


def test_the_newest_version_is_used_and_removing_it_falls_back(db, area, tmp_path):
    first = _import(db, area, tmp_path, "postcodes", NSPL, "2025.csv", edition="NSPL 2025")
    second = _import(
        db, area, tmp_path, "postcodes", NSPL.replace("UN1\n", "UF1\n", 1), "2026.csv",
        edition="NSPL 2026",
    )  # fmt: skip
    assert reference.current_file(db, area.id, "postcodes").edition == "NSPL 2026"
    reference.remove_file(db, tenant=area, file_id=second.file_id, actor="test")
    assert reference.current_file(db, area.id, "postcodes").id == first.file_id
    assert db.scalar(select(func.count()).select_from(PlacePostcode)) == 3


def test_the_cli_imports_lists_and_removes_versions(db, area, tmp_path):
    path = factories.csv_file(tmp_path, NSPL, name="nspl.csv")
    result = runner.invoke(app, ["places", "import", "postcodes", str(path), "--edition", "Feb 26"])
    assert result.exit_code == 0, result.output
    assert "3 rows of" in result.output and "1 terminated postcodes" in result.output
    again = runner.invoke(app, ["places", "import", "postcodes", str(path)])
    assert "was imported before" in again.output
    listed = runner.invoke(app, ["places", "files"])
    assert "Feb 26" in listed.output
    wrong = runner.invoke(app, ["places", "import", "shops", str(path)])
    assert wrong.exit_code != 0 and "Unknown kind of place file 'shops'" in wrong.output
    gone = runner.invoke(app, ["places", "remove", "1"])
    assert gone.exit_code == 0 and "Removed version 1" in gone.output


NSPL_PLACED = (
    "pcd,pcds,dointr,doterm,usertype,oa21,laua,ward,lsoa21,ruc21,lat,long\n"
    "DB1 1AA,DB1 1AA,198001,,0,E00990001,E08000999,E05000001,E01990001,UN1,53.381234,-1.470001\n"
    "DB1 2BB,DB1 2BB,198001,,0,E00990002,E08000999,E05000002,E01990002,RSF1,99.999999,0.000000\n"
    "DZ1 1AB,DZ1 1AB,198001,,0,E00980001,E08000998,E05890001,E01980001,UN1,53.4,-1.3\n"
)


def test_postcode_coordinates_are_kept_and_a_postcode_is_placed(db, area, tmp_path):
    _import(db, area, tmp_path, "postcodes", NSPL_PLACED, "nspl.csv")
    kept = dict(db.execute(select(PlacePostcode.postcode, PlacePostcode.lat)).all())
    assert kept == {"DB1 1AA": 53.381234, "DB1 2BB": None}  # 99.999999: no grid reference
    assert reference.postcode_location(db, area.id, "db11aa") == (53.381234, -1.470001)
    with pytest.raises(InvalidInput, match="gives no place for DB1 2BB"):
        reference.postcode_location(db, area.id, "DB1 2BB")
    with pytest.raises(InvalidInput, match="DZ1 1AB is not a live postcode of this area"):
        reference.postcode_location(db, area.id, "DZ1 1AB")
    with pytest.raises(InvalidInput, match="'nowhere' is not a UK postcode"):
        reference.postcode_location(db, area.id, "nowhere")


def test_a_coordinate_outside_the_uk_is_refused_by_row_and_column(db, area, tmp_path):
    bad = NSPL_PLACED.replace("53.381234,-1.470001", "north,-1.470001").replace(
        "E01990002,RSF1,99.999999,0.000000", "E01990002,RSF1,53.4,45.0")
    with pytest.raises(InvalidInput) as refused:
        _import(db, area, tmp_path, "postcodes", bad, "nspl.csv")
    assert refused.value.details == [
        "nspl.csv row 2, column 'lat': 'north' is not a latitude in the UK.",
        "nspl.csv row 3, column 'long': '45.0' is not a longitude in the UK.",
    ]
    assert db.scalar(select(func.count()).select_from(PlacePostcode)) == 0


def test_without_a_postcode_directory_a_postcode_cannot_be_placed(db, area):
    with pytest.raises(InvalidInput, match="no postcode directory yet"):
        reference.postcode_location(db, area.id, "DB1 1AA")

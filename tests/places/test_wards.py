"""Ward lookups: imported per council area, validated by row and column, postcodes standardised."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.cli import app
from safetynet.places import service
from safetynet.places.models import Ward
from tests import factories

runner = CliRunner()
LOOKUP = "postcode,ward_code,ward_name\ndb47qt,E05900001,Northgate\nDB1 2AB,E05900002,Old Town\n"


def test_a_lookup_is_imported_with_postcodes_written_as_sources_write_them(db, tmp_path):
    factories.organisation(db)
    path = factories.csv_file(tmp_path, LOOKUP, name="wards.csv")
    shapes = tmp_path / "wards.geojson"
    feature = {
        "type": "Feature",
        "properties": {"ward_code": "E05900001"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
    }
    shapes.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    result = runner.invoke(app, ["places", "wards", "import", str(path), "--geojson", str(shapes)])
    assert result.exit_code == 0, result.output
    assert "2 wards" in result.output and "2 postcodes" in result.output
    tenant = service.council_area(db, None)
    lookup = service.postcode_wards(db, tenant.id).sort("postcode")
    assert lookup.rows() == [
        ("DB1 2AB", "E05900002", "Old Town"),
        ("DB4 7QT", "E05900001", "Northgate"),
    ]
    north = db.scalar(select(Ward).where(Ward.code == "E05900001"))
    assert north is not None and north.boundary and north.boundary["type"] == "Polygon"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "places.wards.import"))


def test_importing_again_replaces_the_lookup(db, tmp_path):
    factories.organisation(db)
    tenant = service.council_area(db, None)
    first = factories.csv_file(tmp_path, LOOKUP, name="a.csv")
    service.import_wards(db, tenant=tenant, lookup=first, boundaries=None, actor="test")
    second = factories.csv_file(
        tmp_path, "pcds,WD24CD,WD24NM\nDB9 9ZZ,E05900003,Kingsmead\n", name="b.csv"
    )
    done = service.import_wards(db, tenant=tenant, lookup=second, boundaries=None, actor="test")
    assert (done.wards, done.postcodes) == (1, 1)
    assert service.postcode_wards(db, tenant.id).rows() == [("DB9 9ZZ", "E05900003", "Kingsmead")]


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_imported(db, tmp_path):
    factories.organisation(db)
    text = (
        "Postcode,Ward Code,Ward Name\n"
        "DB4 7QT,E05900001,Northgate\n"
        "not a postcode,E05900001,Northgate\n"
        "DB1 2AB,,Old Town\n"
        "db47qt,E05900002,Old Town\n"
    )
    path = factories.csv_file(tmp_path, text)
    result = runner.invoke(app, ["places", "wards", "import", str(path)])
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "list.csv row 3, column 'Postcode': 'not a postcode' is not a UK postcode" in out
    assert "list.csv row 4, column 'Ward Code': is empty" in out
    assert "rows 2, 5, column 'Ward Code': postcode DB4 7QT is given different wards" in out
    assert db.scalar(select(Ward)) is None


def test_a_file_without_a_ward_column_lists_the_headings_seen(db, tmp_path):
    factories.organisation(db)
    path = factories.csv_file(tmp_path, "postcode,district\nDB4 7QT,DB4\n")
    result = runner.invoke(app, ["places", "wards", "import", str(path)])
    out = " ".join(result.output.split())
    assert result.exit_code == 2 and "no column for ward code" in out
    assert "Headings seen: postcode, district" in out


def test_wards_are_listed_with_their_postcodes(db, tmp_path):
    factories.organisation(db)
    path = factories.csv_file(tmp_path, LOOKUP, name="wards.csv")
    runner.invoke(app, ["places", "wards", "import", str(path)])
    listing = runner.invoke(app, ["places", "wards", "list"])
    assert listing.exit_code == 0
    assert "E05900001" in listing.output and "Northgate" in listing.output

"""The ORUK `postcode` and `proximity` filters: a postcode placed by the area's postcode
directory, services kept when their service areas cover it (or they give none) and when one of
their locations is within `proximity` metres; unknown postcodes are problems."""

from __future__ import annotations

import json
import math
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safetynet.accounts.models import Tenant
from safetynet.directory import nearby, service, synthetic
from safetynet.directory import taxonomies as tx
from tests.directory.conftest import SMALL

HOME = nearby.Point(53.381234, -1.470001)  # DB1 1AA in the test postcode directory


def _box(south: float, north: float, west: float, east: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_a_point_is_inside_a_polygon_but_not_its_hole_and_multipolygons_count():
    square = _box(53.3, 53.5, -1.6, -1.3)
    assert nearby.contains(nearby.polygons(json.dumps(square)), HOME)
    holed = dict(square, coordinates=square["coordinates"] + _box(53.37, 53.39, -1.48, -1.46)[
        "coordinates"])  # fmt: skip
    assert not nearby.contains(nearby.polygons(json.dumps(holed)), HOME)
    far = _box(51.4, 51.6, -0.2, 0.1)
    multi = {"type": "MultiPolygon", "coordinates": [far["coordinates"], square["coordinates"]]}
    feature = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": multi}]}
    assert nearby.contains(nearby.polygons(json.dumps(feature)), HOME)
    assert not nearby.contains(nearby.polygons(json.dumps(far)), HOME)
    assert nearby.bounds(nearby.polygons(json.dumps(multi))) == (51.4, 53.5, -1.6, 0.1)


def test_proximity_must_be_metres_and_needs_a_postcode():
    assert nearby.parse_proximity("1500", "DB1 1AA") == 1500
    assert nearby.parse_proximity("", "") is None
    for bad in ("-5", "1.5", "near", "0", "100001"):
        with pytest.raises(Exception, match="whole number of metres from 1 to 100,000"):
            nearby.parse_proximity(bad, "DB1 1AA")
    with pytest.raises(Exception, match="give postcode too"):
        nearby.parse_proximity("500", "")


def _postcode_directory(db, tmp_path) -> None:
    from safetynet.places import reference
    from safetynet.places import service as places
    from tests import factories
    from tests.places.test_reference import NSPL_PLACED, WARDS

    tenant = places.council_area(db, "Testshire")
    lookup = factories.csv_file(tmp_path, WARDS, name="wards.csv")
    places.import_wards(db, tenant=tenant, lookup=lookup, boundaries=None, actor="test")
    path = factories.csv_file(tmp_path, NSPL_PLACED, name="nspl.csv")
    reference.import_file(db, tenant=tenant, kind="postcodes", path=path, actor="test")


def _id(name: str) -> str:
    return str(uuid.uuid5(tx.NAMESPACE, f"nearby-test/{name}"))


def _north_of_home(metres: float) -> tuple[float, float]:
    return HOME.lat + math.degrees(metres / nearby.EARTH_RADIUS_M), HOME.lon


def _service(name: str, *, areas: list[dict] = (), metres: tuple[float, ...] = ()) -> dict:
    """A service with service areas, and places that many metres north of DB1 1AA."""
    places = []
    for i, m in enumerate(metres):
        lat, lon = _north_of_home(m)
        places.append({"id": _id(f"{name}/sal/{i}"), "location": {
            "id": _id(f"{name}/loc/{i}"), "name": f"{name} {i}", "latitude": lat,
            "longitude": lon}})  # fmt: skip
    return {"id": _id(name), "name": name, "url": "https://x.example.org", "status": "active",
            "service_areas": [dict(a, id=_id(f"{name}/area/{i}")) for i, a in enumerate(areas)],
            "service_at_locations": places}  # fmt: skip


COVERING = {"extent_type": "geojson", "extent": json.dumps(_box(53.3, 53.5, -1.6, -1.3))}
ELSEWHERE = {"extent_type": "geojson", "extent": json.dumps(_box(51.4, 51.6, -0.2, 0.1))}
WORDS = {"extent_type": "text", "extent": "The north of the borough"}


@pytest.fixture
def world(db, areas, tmp_path) -> tuple[TestClient, str]:
    from safetynet.web.app import create_app

    _postcode_directory(db, tmp_path)
    feed = service.Feed(services=[
        _service("Covered", areas=[COVERING], metres=(400,)),
        _service("Elsewhere", areas=[ELSEWHERE], metres=(300,)),
        _service("Anywhere", metres=(2500,)),
        _service("Described", areas=[WORDS, ELSEWHERE], metres=(800, 5000)),
        _service("Phone only"),
    ], taxonomies=[], terms=[])  # fmt: skip
    service.import_feed(db, areas.people["analyst"], feed, origin="t")
    slug = db.scalar(select(Tenant.slug).where(Tenant.id == areas.testshire))
    return TestClient(create_app()), f"/api/oruk/{slug}"


def _names(client: TestClient, url: str, **params: object) -> list[str]:
    answer = client.get(url, params={"per_page": 100, **params})
    assert answer.status_code == 200, answer.text
    return [item.get("name") or item["location"]["name"] for item in answer.json()["contents"]]


def test_a_postcode_keeps_services_whose_areas_cover_it_or_that_give_none(world):
    client, base = world
    assert _names(client, f"{base}/services") == [
        "Anywhere", "Covered", "Described", "Elsewhere", "Phone only"]  # fmt: skip
    assert _names(client, f"{base}/services", postcode="db11aa") == [
        "Anywhere", "Covered", "Described", "Phone only"]  # fmt: skip


def test_proximity_keeps_services_with_a_place_that_near_the_postcode(world):
    client, base = world
    assert _names(client, f"{base}/services", postcode="DB1 1AA", proximity=1000) == [
        "Covered", "Described"]  # fmt: skip
    assert _names(client, f"{base}/services", postcode="DB1 1AA", proximity=3000) == [
        "Anywhere", "Covered", "Described"]  # fmt: skip
    # each service at a location is measured to its own place
    assert _names(client, f"{base}/service_at_locations", postcode="DB1 1AA", proximity=1000) == [
        "Covered 0", "Described 0"]  # fmt: skip
    assert _names(client, f"{base}/service_at_locations", postcode="DB1 1AA") == [
        "Covered 0", "Anywhere 0", "Described 0", "Described 1"]  # fmt: skip


def test_unknown_or_unplaced_postcodes_and_bad_proximity_are_problems(world):
    client, base = world
    for params, says in (
        ({"postcode": "DZ1 1AB"}, "postcode: DZ1 1AB is not a live postcode of this area's"),
        ({"postcode": "DB1 2BB"}, "postcode: The postcode directory gives no place for DB1 2BB."),
        ({"postcode": "nowhere"}, "postcode: 'nowhere' is not a UK postcode."),
        ({"proximity": "500"}, "proximity is measured from a postcode: give postcode too."),
        ({"postcode": "DB1 1AA", "proximity": "far"}, "proximity must be a whole number"),
    ):
        for path in ("services", "service_at_locations"):
            answer = client.get(f"{base}/{path}", params=params)
            assert answer.status_code == 422, (params, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["detail"].startswith(says), answer.json()["detail"]


def test_an_area_without_a_postcode_directory_says_so(db, areas):
    from safetynet.web.app import create_app

    slug = db.scalar(select(Tenant.slug).where(Tenant.id == areas.testshire))
    answer = TestClient(create_app()).get(f"/api/oruk/{slug}/services",
                                          params={"postcode": "DB1 1AA"})  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["detail"] == ("postcode: The area has no postcode directory yet, so "
                                       "postcodes cannot be placed.")  # fmt: skip


def _metres(lat: float, lon: float) -> float:
    """Great-circle distance from DB1 1AA (haversine), to check the SQL's flat-earth sum."""
    p1, p2 = math.radians(HOME.lat), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - HOME.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * nearby.EARTH_RADIUS_M * math.asin(math.sqrt(h))


def test_proximity_over_a_synthetic_directory_agrees_with_great_circle_distances(
    db, areas, tmp_path
):
    from safetynet.web.app import create_app

    _postcode_directory(db, tmp_path)
    made = synthetic.directory(seed=11, area="Testshire", size=SMALL)
    service.write_made_here(db, areas.testshire, made, actor="test")
    slug = db.scalar(select(Tenant.slug).where(Tenant.id == areas.testshire))
    client = TestClient(create_app())
    for metres in (1500, 3000):
        expected = sorted(
            s["name"] for s in made.services
            if any(_metres(p["location"]["latitude"], p["location"]["longitude"]) <= metres
                   for p in s.get("service_at_locations", []))
        )  # fmt: skip
        found = _names(client, f"/api/oruk/{slug}/services", postcode="DB1 1AA",
                       proximity=metres)  # fmt: skip
        assert sorted(found) == expected and 0 < len(found) < len(made.services)

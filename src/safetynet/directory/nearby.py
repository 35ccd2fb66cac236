"""Where services are: the ORUK `postcode` and `proximity` filters, and service areas drawn as
GeoJSON.

A postcode is placed by the area's postcode directory (`places`, the same coordinates matching
uses). `proximity` keeps services with a location within that many metres of the postcode;
`postcode` keeps services whose service areas cover it, and services that give no area (the
standard: "if service_area is available"). An area with no GeoJSON extent (a text description,
KML, TopoJSON) cannot be checked, so it is taken to cover the postcode rather than hide the
service.

Distances are worked out in SQL without trigonometry (an equirectangular projection scaled at
the postcode's latitude), so they page in the database on SQLite and PostgreSQL alike; at
53.4°N the error against a great-circle distance is 0.04% at 10 km and 0.4% at 100 km.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from safetynet.directory.models import (
    DirectoryLocation,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
)
from safetynet.errors import InvalidInput

EARTH_RADIUS_M = 6_371_008.8
FARTHEST_M = 100_000  # a council area's services; farther asks are refused
LARGEST_EXTENT = 2_000_000  # characters of one GeoJSON extent
Ring = list[tuple[float, float]]  # (longitude, latitude), as GeoJSON orders them


@dataclass(frozen=True)
class Point:
    """A place, in degrees (WGS84)."""

    lat: float
    lon: float


def parse_proximity(value: str | None, postcode: str) -> int | None:
    """Metres from a query string (blank: no limit); it needs a postcode to measure from."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not text.isdigit() or not 0 < int(text) <= FARTHEST_M:
        raise InvalidInput(f"proximity must be a whole number of metres from 1 to {FARTHEST_M:,}.")
    if not postcode.strip():
        raise InvalidInput("proximity is measured from a postcode: give postcode too.")
    return int(text)


def place(session: Session, tenant_id: int, postcode: str) -> Point:
    """Where a postcode of the area is, from its postcode directory; InvalidInput says why
    not (not a postcode, not in the area's directory, or no directory loaded)."""
    from safetynet.places.reference import postcode_location

    try:
        lat, lon = postcode_location(session, tenant_id, postcode)
    except InvalidInput as refused:
        # The places message ends with advice for the matching forms, which take latitude
        # and longitude; the ORUK API takes only postcodes.
        reason = refused.message.split(": give latitude")[0].rstrip(".")
        raise InvalidInput(f"postcode: {reason}.") from refused
    return Point(lat, lon)


def within(latitude: Any, longitude: Any, centre: Point, metres: int) -> Any:
    """A SQL condition: the latitude/longitude columns lie within `metres` of the centre."""
    radius = math.degrees(metres / EARTH_RADIUS_M)
    squeeze = math.cos(math.radians(centre.lat))
    north_south = latitude - centre.lat
    east_west = (longitude - centre.lon) * squeeze
    return and_(
        latitude.is_not(None),
        longitude.is_not(None),
        latitude.between(centre.lat - radius, centre.lat + radius),
        north_south * north_south + east_west * east_west <= radius * radius,
    )


def services_near(tenant_id: int, centre: Point, metres: int) -> Any:
    """A SQL condition on services: one of its locations is within `metres` of the centre."""
    sal, loc = DirectoryServiceAtLocation, DirectoryLocation
    # Starting from the area's locations in range (not its links to services) keeps
    # PostgreSQL from probing the area's whole link table once per service when its
    # statistics are stale, as they are just after a bulk import (6 s instead of 0.1 s).
    near = (
        select(sal.service_id)
        .join(loc, loc.id == sal.location_id)
        .where(loc.tenant_id == tenant_id, within(loc.latitude, loc.longitude, centre, metres))
    )
    return DirectoryService.id.in_(near)


def services_covering(session: Session, tenant_id: int, centre: Point) -> Any:
    """A SQL condition on services: it gives no service area, or one of its areas covers the
    point (or cannot be checked: no GeoJSON extent)."""
    a = DirectoryServiceArea
    unchecked = select(a.service_id).where(a.tenant_id == tenant_id, a.south.is_(None))
    boxed = session.execute(
        select(a.service_id, a.extent).where(
            a.tenant_id == tenant_id, a.south <= centre.lat, a.north >= centre.lat,
            a.west <= centre.lon, a.east >= centre.lon,
        )
    ).all()  # fmt: skip
    covering = sorted(
        {sid for sid, extent in boxed if extent and contains(polygons(extent), centre)}
    )
    with_areas = select(a.service_id).where(a.tenant_id == tenant_id)
    s = DirectoryService
    return or_(s.id.not_in(with_areas), s.id.in_(unchecked), s.id.in_(covering))


def polygons(extent: str) -> list[list[Ring]]:
    """The polygons (outer ring, then holes) of a GeoJSON Polygon, MultiPolygon, Feature or
    FeatureCollection; ValueError when it is none of those."""
    if len(extent) > LARGEST_EXTENT:
        raise ValueError(f"longer than {LARGEST_EXTENT:,} characters")
    try:
        shape = json.loads(extent)
    except json.JSONDecodeError as bad:
        raise ValueError(f"not JSON ({bad.msg})") from bad
    found = _shapes(shape)
    if not found:
        raise ValueError("holds no Polygon or MultiPolygon")
    return found


def _shapes(shape: Any) -> list[list[Ring]]:
    kind = shape.get("type") if isinstance(shape, dict) else None
    if kind == "FeatureCollection":
        return [p for f in shape.get("features") or [] for p in _shapes(f)]
    if kind == "Feature":
        return _shapes(shape.get("geometry"))
    if kind == "Polygon":
        return [_rings(shape.get("coordinates"))]
    if kind == "MultiPolygon":
        return [_rings(p) for p in shape.get("coordinates") or []]
    raise ValueError(f"a GeoJSON {kind or 'object without a type'} is not an area")


def _rings(coordinates: Any) -> list[Ring]:
    try:
        rings = [[(float(p[0]), float(p[1])) for p in ring] for ring in coordinates]
    except (TypeError, ValueError, IndexError) as bad:
        raise ValueError("its coordinates are not [longitude, latitude] pairs") from bad
    if not rings or any(len(ring) < 4 for ring in rings):
        raise ValueError("a ring has fewer than four positions")
    return rings


def bounds(found: list[list[Ring]]) -> tuple[float, float, float, float]:
    """South, north, west and east edges of some polygons."""
    points = [p for polygon in found for p in polygon[0]]
    lats, lons = [p[1] for p in points], [p[0] for p in points]
    return min(lats), max(lats), min(lons), max(lons)


def contains(found: list[list[Ring]], centre: Point) -> bool:
    """Whether the point is inside one of the polygons (inside the outer ring, outside its
    holes), by counting edge crossings."""
    return any(
        _inside(polygon[0], centre) and not any(_inside(h, centre) for h in polygon[1:])
        for polygon in found
    )


def _inside(ring: Ring, centre: Point) -> bool:
    x, y = centre.lon, centre.lat
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside

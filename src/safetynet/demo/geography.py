"""Wards, postcodes, streets and dwellings of the fictional borough (postcode area "DB").

Wards differ in deprivation, which drives household make-up, tenure and income in
`people.py`. Each ward owns a run of postcode sectors; households of a ward are grouped
into postcodes of 15-25 dwellings on named streets, flats grouped in numbered blocks.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import polars as pl

from safetynet.errors import InvalidInput

# (name, deprivation 0 = affluent .. 1 = most deprived, relative population, grid row, grid col).
# Row 0 is the north of the borough; the river runs along the south.
WARDS: tuple[tuple[str, float, float, int, int], ...] = (
    ("Northgate", 0.80, 1.15, 0, 0),
    ("Hollins Green", 0.40, 0.90, 0, 1),
    ("Kingsmead", 0.25, 0.85, 0, 2),
    ("Ashby Park", 0.10, 0.75, 0, 3),
    ("St Anne's", 0.65, 1.05, 1, 0),
    ("Old Town", 0.70, 1.10, 1, 1),
    ("Millbrook", 0.50, 1.00, 1, 2),
    ("Castle Hill", 0.30, 0.90, 1, 3),
    ("Riverside", 0.85, 1.20, 2, 0),
    ("Southmoor", 0.60, 1.05, 2, 1),
    ("Westcroft", 0.45, 0.95, 2, 2),
    ("Abbey Fields", 0.20, 0.80, 2, 3),
)
GRID_ROWS, GRID_COLS = 3, 4
DISTRICTS = tuple(f"DB{i}" for i in range(1, 10))
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
FIRST_UPRN = 100050000000
_STEMS = (
    "Mill", "Station", "Church", "Park", "Victoria", "Albert", "Queens", "Kings", "Oak", "Elm",
    "Ash", "Beech", "Willow", "Chestnut", "Hawthorn", "Rowan", "Holly", "Meadow", "Orchard",
    "Grange", "Manor", "Priory", "Abbey", "Castle", "Bridge", "River", "Brook", "Ford", "Spring",
    "Well", "Hill", "Vale", "Green", "Heath", "Moor", "Wood", "Chapel", "School", "Market",
    "North", "South", "West", "New", "Cromwell", "Nelson", "Gladstone", "Wellington", "Milton",
    "Chaucer", "Shelley", "Byron", "Tennyson", "Ruskin", "Wordsworth", "Keats", "Darwin", "Newton",
    "Stephenson", "Brunel", "Cavendish", "Windsor", "York", "Lancaster", "Stanley", "Clarence",
    "Alexandra", "Coronation", "Jubilee", "Railway", "Canal", "Quarry", "Forge", "Tanner",
    "Weaver", "Cooper", "Fletcher", "Carter", "Fisher", "Barley", "Clover", "Heather", "Foxglove",
    "Bluebell", "Primrose", "Larch", "Cedar", "Sycamore", "Poplar", "Hazel", "Laburnum", "Linden",
    "Maple", "Pine", "Fern", "Bracken", "Kestrel", "Heron", "Swallow", "Lark", "Wren", "Sandy",
    "Stoney", "Long", "Broad", "Fair", "Sunny", "Pleasant", "Water",
)  # fmt: skip
_SUFFIXES = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Grove", "Gardens",
    "Place", "Terrace", "Court", "Walk", "View", "Rise", "Mews", "Row",
)  # fmt: skip


def ward_codes() -> list[str]:
    """ONS-style ward codes, E05900001 upwards, in `WARDS` order."""
    return [f"E0590{i:04d}" for i in range(1, len(WARDS) + 1)]


def ward_frame() -> pl.DataFrame:
    """Ward index, code, name and deprivation as a table to join on."""
    return pl.DataFrame(
        {
            "ward": list(range(len(WARDS))),
            "ward_code": ward_codes(),
            "ward_name": [w[0] for w in WARDS],
            "deprivation": [w[1] for w in WARDS],
        },
        schema_overrides={"ward": pl.Int64},
    )


def ward_sectors(ward: int) -> list[str]:
    """The postcode sectors ("DB4 7") that belong to one ward: a contiguous run of the 90."""
    sectors = [f"{d} {s}" for d in DISTRICTS for s in range(10)]
    start = ward * len(sectors) // len(WARDS)
    end = (ward + 1) * len(sectors) // len(WARDS)
    return sectors[start:end]


def street_names(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct street names such as "Mill Lane", plus one "High Street"."""
    combos = [f"{s} {x}" for s in _STEMS for x in _SUFFIXES]
    picked = rng.choice(len(combos), size=min(count, len(combos)), replace=False)
    names = ["High Street"] + [combos[i] for i in picked]
    return names[:count]


def build_dwellings(
    ward: np.ndarray, is_flat: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """One dwelling per household: UPRN, address parts, postcode and ward.

    `ward` and `is_flat` are per household; the result has a `household` column (the
    index into those arrays) so callers can join it back.
    """
    streets = itertools.cycle(street_names(rng, max(40, len(ward) // 12)))
    frames = [
        _ward_dwellings(w, np.flatnonzero(ward == w), is_flat, streets, rng)
        for w in range(len(WARDS))
    ]
    frame = pl.concat([f for f in frames if f.height])
    gaps = rng.integers(1, 40, size=frame.height)
    return frame.with_columns(uprn=pl.Series(FIRST_UPRN + np.cumsum(gaps), dtype=pl.Int64))


def _ward_dwellings(
    w: int, members: np.ndarray, is_flat: np.ndarray, streets, rng: np.random.Generator
) -> pl.DataFrame:
    """Group a ward's households into postcodes and number their dwellings on streets."""
    order = members[np.lexsort((rng.random(len(members)), is_flat[members]))]
    sizes = _postcode_sizes(len(order), rng)
    postcodes = _postcodes(w, len(sizes), rng)
    rows: dict[str, list] = {"household": [], "flat": [], "street_address": [], "postcode": []}
    start, street, number = 0, next(streets), 1
    for size, postcode in zip(sizes, postcodes, strict=True):
        if rng.random() < 0.55:
            street, number = next(streets), int(rng.integers(1, 4))
        chunk = order[start : start + size]
        start += size
        number = _number_chunk(chunk, is_flat, street, number, postcode, rows, rng)
    rows["ward"] = [w] * len(rows["household"])
    return pl.DataFrame(rows, schema_overrides={"household": pl.Int64})


def _number_chunk(
    chunk: np.ndarray,
    is_flat: np.ndarray,
    street: str,
    number: int,
    postcode: str,
    rows: dict[str, list],
    rng: np.random.Generator,
) -> int:
    """Give each household in one postcode a house number or a flat in a block."""
    flat_no, block_size = 0, 0
    for h in chunk:
        if is_flat[h]:
            if flat_no == block_size:
                flat_no, block_size = 0, int(rng.integers(4, 13))
                number += 2
            flat_no += 1
            rows["flat"].append(f"Flat {flat_no}")
            rows["street_address"].append(f"{number - 2} {street}")
        else:
            rows["flat"].append("")
            rows["street_address"].append(f"{number} {street}")
            number += 2
        rows["household"].append(int(h))
        rows["postcode"].append(postcode)
    return number


def _postcode_sizes(households: int, rng: np.random.Generator) -> list[int]:
    """Dwellings per postcode (15-25), summing to `households`."""
    sizes: list[int] = []
    left = households
    while left > 0:
        size = min(int(rng.integers(15, 26)), left)
        sizes.append(size)
        left -= size
    return sizes


def _postcodes(w: int, count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct full postcodes ("DB4 7QT") spread over the ward's sectors."""
    sectors = ward_sectors(w)
    units = [a + b for a in UNIT_LETTERS for b in UNIT_LETTERS]
    per_sector = -(-count // len(sectors))
    if per_sector > len(units):
        raise InvalidInput("Too many people for the demo borough's postcodes; use fewer.")
    result: list[str] = []
    for sector in sectors:
        picks = sorted(rng.choice(len(units), size=per_sector, replace=False))
        result.extend(f"{sector}{units[i]}" for i in picks)
    order = rng.permutation(len(result))[:count]
    return [result[i] for i in sorted(order)]


def write_ward_lookup(dwellings: pl.DataFrame, path: Path) -> Path:
    """Write postcode,ward_code,ward_name for every postcode used in the borough."""
    lookup = (
        dwellings.select("postcode", "ward")
        .unique()
        .join(ward_frame(), on="ward")
        .sort("postcode")
        .select("postcode", "ward_code", "ward_name")
    )
    lookup.write_csv(path)
    return path


def write_wards_geojson(path: Path, rng: np.random.Generator) -> Path:
    """Write ward polygons (WGS84) tiling the borough with shared, jittered boundaries."""
    sub = 4
    vertices = _jittered_grid(GRID_ROWS * sub + 1, GRID_COLS * sub + 1, rng)
    features = []
    for (name, *_rest, row, col), code in zip(WARDS, ward_codes(), strict=True):
        ring = _cell_ring(vertices, row * sub, col * sub, sub)
        features.append(
            {
                "type": "Feature",
                "properties": {"ward_code": code, "ward_name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, indent=1))
    return path


def _jittered_grid(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """Lon/lat vertices of a grid over a fictional English borough, gently jittered."""
    west, north, step_lon, step_lat = -1.62, 52.86, 0.0075, 0.005
    jitter = rng.uniform(-0.3, 0.3, (2, rows, cols))
    lat = north - (np.arange(rows)[:, None] + jitter[0]) * step_lat
    lon = west + (np.arange(cols)[None, :] + jitter[1]) * step_lon
    return np.round(np.stack([lon, lat], axis=-1), 6)


def _cell_ring(vertices: np.ndarray, r0: int, c0: int, sub: int) -> list[list[float]]:
    """The closed, anticlockwise outer ring of one ward's block of the vertex grid."""
    bottom = [vertices[r0 + sub, c0 + i] for i in range(sub)]
    right = [vertices[r0 + sub - i, c0 + sub] for i in range(sub)]
    top = [vertices[r0, c0 + sub - i] for i in range(sub)]
    left = [vertices[r0 + i, c0] for i in range(sub)]
    ring = [[float(x), float(y)] for x, y in bottom + right + top + left]
    return ring + [ring[0]]


def messy_postcode(postcode: str, rng: np.random.Generator) -> str:
    """The postcode as a volunteer might type it: lower case, squashed or padded."""
    style = int(rng.integers(0, 6))
    if style == 0:
        return postcode.replace(" ", "").lower()
    if style == 1:
        return f" {postcode.replace(' ', '  ')}"
    if style == 2:
        return postcode.lower()
    if style == 3:
        return postcode.replace(" ", "")
    if style == 4:
        return f"{postcode} "
    return ""


def at_old_address(
    frame: pl.DataFrame, homes: pl.DataFrame, rate: float, rng: np.random.Generator
) -> pl.DataFrame:
    """For people who moved in, show the previous home on a share `rate` of their rows."""
    parts = [c for c in homes.columns if c != "uprn"]
    old = homes.rename({c: f"old_{c}" for c in parts})
    frame = frame.join(old, left_on="previous_uprn", right_on="uprn", how="left")
    use_old = pl.Series(rng.random(frame.height) < rate) & frame["previous_uprn"].is_not_null()
    return frame.with_columns(
        [pl.when(use_old).then(f"old_{c}").otherwise(c).alias(c) for c in parts]
        + [pl.when(use_old).then("previous_uprn").otherwise("uprn").alias("uprn")]
    ).drop([f"old_{c}" for c in parts])

"""Charts drawn on the server: geometry for small inline SVGs that work without JavaScript,
offline, under a CSP with no inline scripts or styles (templates draw the shapes).

A bar chart of counts, a waterfall of match-weight steps, and a ward choropleth projected
from the stored ward boundaries (GeoJSON, longitude/latitude) into the SVG's box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# Five shades of GOV.UK blue, lightest for the fewest; grey for wards with none.
SHADES = ("#d2e2f1", "#a5c5e3", "#6f9fd1", "#2f6fb3", "#12436d")
NONE_SHADE = "#f3f2f1"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and rectangle (x, y, width, height) in the SVG's units."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    positive: bool = True


def bar_chart(items: list[tuple[str, int]], *, width: int = 420, row: int = 30) -> list[Bar]:
    """Horizontal bars from zero, the longest `width` wide, one `row` apart."""
    top = max((v for _, v in items), default=0) or 1
    return [
        Bar(label, value, 0, i * row + 4, round(width * value / top, 1), row - 8)
        for i, (label, value) in enumerate(items)
    ]


@dataclass(frozen=True)
class Waterfall:
    """A waterfall's bars and where weight zero falls on its axis."""

    bars: list[Bar]
    zero: float


def waterfall(steps: list[dict[str, Any]], *, width: int = 420, row: int = 30) -> Waterfall:
    """Match-weight steps as a waterfall: each comparison's bar runs from the running total
    before it to the total after; the final score runs from zero."""
    spans, running = [], 0.0
    for step in steps:
        weight = float(step["weight"])
        if step["comparison"] == "Final score":
            spans.append((0.0, weight))
        else:
            spans.append((running, running + weight))
            running += weight
    ends = [0.0, *(v for span in spans for v in span)]
    low, high = min(ends), max(ends)
    scale = width / ((high - low) or 1)
    bars = [
        Bar(
            step["comparison"] + (f": {step['level']}" if step.get("level") else ""),
            float(step["weight"]),
            round((min(a, b) - low) * scale, 1),
            i * row + 4,
            max(round(abs(b - a) * scale, 1), 1.0),
            row - 8,
            b >= a,
        )
        for i, (step, (a, b)) in enumerate(zip(steps, spans, strict=True))
    ]
    return Waterfall(bars, round(-low * scale, 1))


@dataclass(frozen=True)
class WardShape:
    """A ward drawn on the map: its outline as an SVG path, count and shade."""

    code: str
    name: str
    path: str
    count: int
    fill: str
    label_x: float
    label_y: float


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Every ring of a Polygon or MultiPolygon, as [lon, lat] points."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def shade(count: int, top: int) -> str:
    """The fill for a count: five equal steps up to the largest count; grey for none."""
    if count <= 0 or top <= 0:
        return NONE_SHADE
    return SHADES[min(len(SHADES) - 1, math.ceil(len(SHADES) * count / top) - 1)]


def legend(top: int) -> list[tuple[str, str]]:
    """(fill, range text) for each shade, from the largest count."""
    if top <= 0:
        return [(NONE_SHADE, "None")]
    steps, out, low = len(SHADES), [(NONE_SHADE, "0")], 1
    for i, fill in enumerate(SHADES, start=1):
        high = math.floor(top * i / steps)
        if high >= low:
            out.append((fill, f"{low:,}" if high == low else f"{low:,} to {high:,}"))
            low = high + 1
    return out


def choropleth(
    wards: list[tuple[str, str, dict[str, Any] | None]],
    counts: dict[str, int],
    *,
    width: int = 600,
    height: int = 460,
    pad: int = 10,
) -> list[WardShape]:
    """Ward outlines projected into a `width` x `height` box, shaded by count.

    `wards` is (code, name, GeoJSON geometry) per ward; wards without a boundary are left
    off the map (the table beside it still counts them). Longitude is scaled by the cosine
    of the middle latitude, so a borough keeps its shape; north is up.
    """
    drawn = [(c, n, _rings(g)) for c, n, g in wards if g]
    points = [p for _, _, rings in drawn for ring in rings for p in ring]
    if not points:
        return []
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    squash = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * squash or 1e-9
    span_y = (max(lats) - min(lats)) or 1e-9
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        x = off_x + (lon - min(lons)) * squash * scale
        y = off_y + (max(lats) - lat) * scale
        return round(x, 1), round(y, 1)

    top = max(counts.values(), default=0)
    shapes = []
    for code, name, rings in drawn:
        parts, xs, ys = [], [], []
        for ring in rings:
            projected = [project(p[0], p[1]) for p in ring]
            xs += [x for x, _ in projected]
            ys += [y for _, y in projected]
            parts.append("M" + " L".join(f"{x} {y}" for x, y in projected) + " Z")
        count = counts.get(code, 0)
        middle = (round(sum(xs) / len(xs), 1), round(sum(ys) / len(ys), 1))
        shapes.append(WardShape(code, name, " ".join(parts), count, shade(count, top), *middle))
    return shapes

"""Server-drawn charts: bars, the match-weight waterfall and the ward choropleth's projection."""

from __future__ import annotations

import pytest

from safetynet.gaps import charts

pytestmark = pytest.mark.nostore


def test_bars_scale_to_the_largest_value():
    bars = charts.bar_chart([("a", 10), ("b", 5), ("c", 0)], width=400, row=30)
    assert [(b.width, b.y) for b in bars] == [(400, 4), (200, 34), (0, 64)]


def test_a_waterfall_runs_each_step_from_the_running_total_and_the_final_score_from_zero():
    steps = [
        {"comparison": "Prior", "level": "", "weight": -10.0},
        {"comparison": "surname", "level": "Exact", "weight": 6.0},
        {"comparison": "dob", "level": "Different", "weight": -2.0},
        {"comparison": "Final score", "level": "", "weight": -6.0},
    ]
    chart = charts.waterfall(steps, width=100)
    # Running totals -10, -4, -6 and the final -6: the axis runs from -10 to 0.
    assert chart.zero == 100.0
    prior, surname, dob, final = chart.bars
    assert (prior.x, prior.width, prior.positive) == (0.0, 100.0, False)
    assert (surname.x, surname.width, surname.positive) == (0.0, 60.0, True)
    assert (dob.x, dob.width, dob.positive) == (40.0, 20.0, False)
    assert (final.x, final.width, final.positive) == (40.0, 60.0, False)
    assert surname.label == "surname: Exact"


def test_shades_rise_with_the_count_and_none_is_grey():
    assert charts.shade(0, 10) == charts.NONE_SHADE
    assert charts.shade(10, 10) == charts.SHADES[-1]
    assert charts.shade(1, 10) == charts.SHADES[0]
    assert charts.legend(10)[0] == (charts.NONE_SHADE, "0")
    assert charts.legend(10)[-1] == (charts.SHADES[-1], "9 to 10")


def square(west, south, size=0.1):
    ring = [[west, south], [west + size, south], [west + size, south + size],
            [west, south + size], [west, south]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def test_the_choropleth_keeps_north_up_fits_the_box_and_skips_wards_without_boundaries():
    wards = [
        ("W1", "West", square(-1.2, 52.0)),
        (
            "W2",
            "East",
            {"type": "MultiPolygon", "coordinates": [square(-1.1, 52.0)["coordinates"]]},
        ),
        ("W3", "North", square(-1.2, 52.1)),
        ("W4", "Nowhere", None),
    ]
    shapes = {
        s.code: s for s in charts.choropleth(wards, {"W1": 4, "W2": 2}, width=600, height=400)
    }
    assert set(shapes) == {"W1", "W2", "W3"}
    assert shapes["W1"].label_x < shapes["W2"].label_x  # west is left
    assert shapes["W3"].label_y < shapes["W1"].label_y  # north is up
    xs = [float(v) for s in shapes.values() for v in s.path.replace("M", "").replace("L", "")
          .replace("Z", "").split()[0::2]]  # fmt: skip
    ys = [float(v) for s in shapes.values() for v in s.path.replace("M", "").replace("L", "")
          .replace("Z", "").split()[1::2]]  # fmt: skip
    assert min(xs) >= 0 and max(xs) <= 600 and min(ys) >= 0 and max(ys) <= 400
    assert max(ys) - min(ys) == pytest.approx(380, abs=1)  # two wards tall fills the height
    # Longitude is squashed by cos(latitude): two wards wide is narrower than two tall.
    assert max(xs) - min(xs) < max(ys) - min(ys)
    assert shapes["W1"].fill == charts.SHADES[-1] and shapes["W3"].fill == charts.NONE_SHADE

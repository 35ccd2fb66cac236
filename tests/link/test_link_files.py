"""`safetynet link files`: two lists linked with no set-up, checked against ground truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.demo.generate import generate_borough

pytestmark = pytest.mark.nostore
runner = CliRunner()


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory):
    return generate_borough(
        tmp_path_factory.mktemp("borough"), people=4000, seed=11, as_of=date(2026, 11, 1)
    )


def true_pairs(borough, source_a: str, source_b: str) -> set[tuple[str, str]]:
    truth = pl.read_csv(borough.ground_truth, infer_schema=False)
    a = truth.filter(pl.col("source") == source_a)
    b = truth.filter(pl.col("source") == source_b)
    joined = a.join(b, on="person_id", suffix="_b")
    return set(joined.select("row_id", "row_id_b").iter_rows())


def path_of(borough, source: str) -> Path:
    return next(item.path for item in borough.lists if item.source == source)


def test_two_council_lists_link_with_high_precision_and_recall(borough, tmp_path):
    out = tmp_path / "pairs.csv"
    result = runner.invoke(
        app,
        [
            "link",
            "files",
            str(path_of(borough, "ctr")),
            str(path_of(borough, "uc")),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "each row matched at most once" in " ".join(result.output.split())
    found = set(pl.read_csv(out, infer_schema=False).select("id_a", "id_b").iter_rows())
    truth = true_pairs(borough, "ctr", "uc")
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert len(truth) > 150
    assert precision >= 0.97 and recall >= 0.9, (precision, recall)


def test_the_pairs_file_is_sorted_strongest_first_with_probabilities(borough, tmp_path):
    out = tmp_path / "pairs.csv"
    runner.invoke(
        app,
        [
            "link",
            "files",
            str(path_of(borough, "ctr")),
            str(path_of(borough, "uc")),
            "--out",
            str(out),
            "--threshold",
            "0.9",
        ],
    )
    pairs = pl.read_csv(out)
    assert pairs.columns == ["id_a", "id_b", "match_probability", "match_weight"]
    assert pairs.get_column("match_probability").min() >= 0.9
    weights = pairs.get_column("match_weight").to_list()
    assert weights == sorted(weights, reverse=True)


def test_a_list_without_a_row_id_column_is_refused_clearly(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("Name,DOB\nJohn Smith,01/02/1980\n")
    result = runner.invoke(app, ["link", "files", str(a), str(a), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 2
    assert "missing required column: a row id column" in " ".join(result.output.split())

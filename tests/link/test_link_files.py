"""`safetynet link files`: two lists linked with no set-up, checked against ground truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from faker import Faker
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.demo.generate import generate_borough

pytestmark = pytest.mark.nostore
runner = CliRunner()
UC_ID = "Record No"


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
            "--id-a",
            "Claim Ref",
            "--id-b",
            UC_ID,
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
    pairs = pl.read_csv(out, infer_schema=False)
    assert pairs.columns == ["id_a", "id_b", "match_probability"]
    assert pl.read_csv(out)["match_probability"].min() >= 0.9
    # Without id options, the columns headed 'Claim Ref' and 'Record No' name the rows.
    truth = pl.read_csv(borough.ground_truth, infer_schema=False)
    claims = set(truth.filter(pl.col("source") == "ctr")["row_id"])
    assert set(pairs["id_a"]) <= claims and len(pairs) > 100
    probabilities = pairs.get_column("match_probability").cast(pl.Float64).to_list()
    assert probabilities == sorted(probabilities, reverse=True)


def test_rows_are_numbered_when_no_id_column_is_named(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(
        "Name,DOB,Postcode\nJohn Smith,01/02/1980,DB1 1AA\nMary Jones,03/04/1975,DB2 2BB\n"
    )
    b = tmp_path / "b.csv"
    b.write_text("Name,DOB,Postcode\nMary Jones,03/04/1975,DB2 2BB\n")
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["link", "files", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out).select("id_a", "id_b").rows() == [(2, 1)]


def test_an_id_column_that_is_missing_or_repeats_is_refused_clearly(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("Ref,Name,DOB\nR1,John Smith,01/02/1980\nR1,Mary Jones,03/04/1975\n")
    out = str(tmp_path / "p.csv")
    missing = runner.invoke(app, ["link", "files", str(a), str(a), "--out", out, "--id-a", "Id"])
    assert missing.exit_code == 2 and "'Id'" in missing.output and "Ref" in missing.output
    repeated = runner.invoke(app, ["link", "files", str(a), str(a), "--out", out, "--id-a", "Ref"])
    said = " ".join(repeated.output.split())
    assert repeated.exit_code == 2
    assert "a.csv, row 3, column 'Ref'" in said and "already used by row 2" in said


def test_a_file_without_names_lists_its_headings_and_how_to_map_them(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("Customer,Born\nJohn Smith,01/02/1980\n")
    result = runner.invoke(app, ["link", "files", str(a), str(a), "--out", str(tmp_path / "p")])
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "'Customer'" in said and "'Born'" in said and "mapping" in said


def test_an_empty_file_is_refused(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("")
    result = runner.invoke(app, ["link", "files", str(a), str(a), "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and "a.csv" in result.output


def test_an_extra_identifier_is_compared_when_asked(tmp_path):
    fake = Faker("en_GB")
    fake.seed_instance(3)
    people = [
        (
            fake.first_name(),
            fake.last_name(),
            fake.date_of_birth(minimum_age=18).strftime("%d/%m/%Y"),
            fake.bothify("??######?").upper(),
        )
        for _ in range(400)
    ]
    head = "Ref,Forename,Surname,DOB,NI Number\n"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(
        head + "".join(f"A{i},{f},{s},{d},{ni}\n" for i, (f, s, d, ni) in enumerate(people))
    )
    # In B the first 50 people have a new surname and no date of birth: only their forename
    # and NI number (written with spaces, in lower case) say who they are.
    moved = "".join(
        f"B{i},{f},Newname{i},,{ni[:2].lower()} {ni[2:]}\n"
        for i, (f, _, _, ni) in enumerate(people[:50])
    )
    kept = "".join(f"B{i},{f},{s},{d},{ni}\n" for i, (f, s, d, ni) in enumerate(people) if i >= 50)
    b.write_text(head + moved + kept)
    out = tmp_path / "p.csv"
    ids = ["--id-a", "Ref", "--id-b", "Ref", "--threshold", "0.05"]
    plain = runner.invoke(app, ["link", "files", str(a), str(b), "--out", str(out), *ids])
    assert plain.exit_code == 0, plain.output
    without = set(pl.read_csv(out).select("id_a", "id_b").rows())
    asked = ["--compare", "NI Number"]
    result = runner.invoke(app, ["link", "files", str(a), str(b), "--out", str(out), *ids, *asked])
    assert result.exit_code == 0, result.output
    found = set(pl.read_csv(out).select("id_a", "id_b").rows())
    changed = {(f"A{i}", f"B{i}") for i in range(50)}
    # Too little to call them matches on a list this small, but the NI number lifts every
    # one of them from nowhere to a candidate worth a look.
    assert len(changed & found) >= 45 and len(changed & without) < 5
    bad = runner.invoke(
        app, ["link", "files", str(a), str(b), "--out", str(out), "--compare", "NINO"]
    )
    assert bad.exit_code == 2 and "no column 'NINO'" in bad.output


def test_lists_too_small_to_learn_from_are_refused_clearly(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("Ref,Forename,Surname\n1,Jo,Smith\n2,Al,Brown\n")
    b = tmp_path / "b.csv"
    b.write_text("Ref,Forename,Surname\n9,Joanne,Smyth\n")
    result = runner.invoke(app, ["link", "files", str(a), str(b), "--out", str(tmp_path / "p")])
    # Names alone are too little to learn from (and, before, broke Splink's SQL).
    assert result.exit_code == 2 and "too little" in " ".join(result.output.split())


def test_dedupe_groups_a_lists_rows_into_people(borough, tmp_path):
    out = tmp_path / "clusters.csv"
    visits = path_of(borough, "visits")
    result = runner.invoke(
        app, ["link", "dedupe", str(visits), "--out", str(out), "--id", "Visit ID"]
    )
    assert result.exit_code == 0, result.output
    clusters = pl.read_csv(out, infer_schema=False)
    assert clusters.columns == ["id", "cluster", "cluster_size"]
    people = clusters.get_column("cluster").n_unique()
    assert people < clusters.height
    assert f"{clusters.height:,} rows are {people:,} people" in " ".join(result.output.split())
    truth = pl.read_csv(borough.ground_truth, infer_schema=False).filter(
        pl.col("source") == "visits"
    )
    joined = clusters.join(truth, left_on="id", right_on="row_id")
    assert joined.height == clusters.height
    # Each person's visits in one cluster, and each cluster one person.
    assert joined.group_by("person_id").agg(pl.col("cluster").n_unique())["cluster"].max() == 1
    assert joined.group_by("cluster").agg(pl.col("person_id").n_unique())["person_id"].max() == 1

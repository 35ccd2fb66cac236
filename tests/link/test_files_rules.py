"""`link files` and `link dedupe` on lists that repeat people, lists with no one in common,
and the small things a user meets: row ids, the mapping chosen, plain CSV (issue 11)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.link.files import FileSide, read_list
from tests import factories

pytestmark = pytest.mark.nostore
runner = CliRunner()
HEAD = factories.PEOPLE_HEADINGS


def write(path: Path, rows: list[tuple[str, tuple[str, ...]]], head: str = HEAD) -> Path:
    path.write_text(head + "".join(f"{ref},{','.join(p)}\n" for ref, p in rows))
    return path


@pytest.fixture(scope="module")
def register_and_visits(tmp_path_factory: pytest.TempPathFactory):
    """A council register of 300 people, and a charity list of 150 of them in which 50 are
    registered twice under two client ids (no shared reference), plus 60 strangers."""
    folder = tmp_path_factory.mktemp("lists")
    known, strangers = factories.people(300, seed=21), factories.people(60, seed=22)
    register = write(folder / "register.csv", [(f"R{i}", p) for i, p in enumerate(known)])
    rows = [(f"C{i}", known[i]) for i in range(150)]
    # The second registration: a new client id, the address retyped, no date of birth.
    rows += [
        (f"C{1000 + i}", (*known[i][:2], "", known[i][3].upper(), known[i][4])) for i in range(50)
    ]
    rows += [(f"S{i}", p) for i, p in enumerate(strangers)]
    charity = write(folder / "charity.csv", rows)
    truth = {(f"R{i}", f"C{i}") for i in range(150)} | {
        (f"R{i}", f"C{1000 + i}") for i in range(50)
    }
    return register, charity, truth


def link(a: Path, b: Path, out: Path, *extra: str) -> tuple[set, str]:
    result = runner.invoke(app, ["link", "files", str(a), str(b), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    pairs = set(pl.read_csv(out, infer_schema=False).select("id_a", "id_b").iter_rows())
    return pairs, " ".join(result.output.split())


def test_a_person_listed_twice_matches_their_register_record_on_both_rows(
    register_and_visits, tmp_path
):
    register, charity, truth = register_and_visits
    out, repeats = tmp_path / "pairs.csv", tmp_path / "repeats.csv"
    found, said = link(register, charity, out, "--duplicates", str(repeats))
    assert len(found & truth) >= 0.97 * len(truth), len(found & truth)
    assert len(found - truth) <= 2
    # Each charity row matches at most one register record; R0..R49 match two rows each.
    assert max(pl.DataFrame(list(found), orient="row").group_by("column_1").len()["len"]) == 1
    twice = {a for a, b in found if b.startswith("C1")} & {a for a, b in found if b[1:] == a[1:]}
    assert len(twice) >= 45
    assert "rows repeat a person found on another row" in said
    assert "each row matched at most once in the register, which may match many" in said
    listed = pl.read_csv(repeats, infer_schema=False)
    assert listed.columns == ["list", "id", "same_as", "match_probability"]
    assert set(listed["list"]) == {"charity.csv"}
    same = {tuple(sorted(p)) for p in listed.select("id", "same_as").iter_rows()}
    assert len(same & {tuple(sorted((f"C{i}", f"C{1000 + i}"))) for i in range(50)}) >= 45
    # Plain UTF-8 with \n, no byte-order mark, unless --excel is asked for.
    raw = out.read_bytes()
    assert raw.startswith(b"id_a,id_b,match_probability\n") and b"\r" not in raw


def test_one_to_one_keeps_one_match_per_row_when_the_user_says_so(register_and_visits, tmp_path):
    register, charity, truth = register_and_visits
    out = tmp_path / "pairs.csv"
    found, said = link(register, charity, out, "--one-to-one", "--excel")
    assert "each row matched at most once)" in said
    for column in (0, 1):
        ids = [pair[column] for pair in found]
        assert len(ids) == len(set(ids))
    assert 140 <= len(found & truth) <= 150
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid_a,id_b,match_probability\r\n")


def test_two_lists_that_both_repeat_people_keep_every_pair(tmp_path):
    # Issue 11 failure 1, neither list a register: a food bank's and an advice charity's
    # lists, each holding 40 people twice under two client ids. Such a person is on four true
    # pairs; no row is limited to one match.
    people = factories.people(240, seed=41)
    again = [(*p[:2], "", p[3].upper(), p[4]) for p in people]  # re-registered, no DOB
    twice = range(80, 120)  # on both lists, twice on each
    food = [(f"F{i}", people[i]) for i in range(160)] + [(f"F{1000 + i}", again[i]) for i in twice]
    advice = [(f"A{i}", people[i]) for i in range(80, 240)]
    advice += [(f"A{1000 + i}", again[i]) for i in twice]
    a, b = write(tmp_path / "food.csv", food), write(tmp_path / "advice.csv", advice)
    found, said = link(a, b, tmp_path / "pairs.csv")
    assert "both files repeat people: rows may match several" in said
    truth = {(f"F{i}", f"A{i}") for i in range(80, 160)} | {
        (f"F{i + x}", f"A{i + y}") for i in twice for x, y in ((0, 1000), (1000, 0), (1000, 1000))
    }
    assert len(found & truth) >= 0.97 * len(truth), len(found & truth)
    assert len(found - truth) <= 2
    rows = pl.DataFrame(list(found), orient="row").group_by("column_0").len()
    assert rows.filter(pl.col("len") == 2).height >= 70  # both of a person's rows, each side


def test_lists_with_no_one_in_common_give_zero_pairs_and_a_message(tmp_path):
    a = write(
        tmp_path / "a.csv", [(f"A{i}", p) for i, p in enumerate(factories.people(200, seed=31))]
    )
    b = write(
        tmp_path / "b.csv", [(f"B{i}", p) for i, p in enumerate(factories.people(200, seed=32))]
    )
    found, said = link(a, b, tmp_path / "pairs.csv")
    assert found == set()
    assert "0 matching pairs" in said and "no one in common" in said
    out = tmp_path / "people.csv"
    result = runner.invoke(app, ["link", "dedupe", str(a), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "200 rows are 200 people" in " ".join(result.output.split())
    assert pl.read_csv(out)["cluster_size"].max() == 1


def test_dedupe_says_which_columns_it_used_and_suggests_comparing_identifiers(tmp_path):
    rows = factories.people(150, seed=41)
    head = "rec_id,given_name,surname,date_of_birth,address_1,postcode,soc_sec_id,state\n"
    body = [(f"rec-{i}-org", (*p, f"{7000000 + i * 37}", "nsw")) for i, p in enumerate(rows)]
    body += [(f"rec-{i}-dup", (*p, f"{7000000 + i * 37}", "nsw")) for i, p in enumerate(rows[:30])]
    path = write(tmp_path / "febrl-like.csv", body, head)
    out = tmp_path / "people.csv"
    result = runner.invoke(app, ["link", "dedupe", str(path), "--out", str(out)])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "forename <- 'given_name'" in said and "dob <- 'date_of_birth'" in said
    assert "row_id <- 'rec_id'" in said and "Not compared: 'soc_sec_id', 'state'" in said
    assert "--compare 'soc_sec_id'" in said and "--compare 'state'" not in said
    clusters = pl.read_csv(out, infer_schema=False)
    assert "rec-0-org" in set(clusters["id"])
    together = clusters.filter(pl.col("id").is_in(["rec-3-org", "rec-3-dup"]))["cluster"]
    assert together.n_unique() == 1


@pytest.mark.parametrize("heading", ["rec_id", "Client ID", "client_id", "id", "Ref"])
def test_a_column_headed_like_an_id_names_the_rows(tmp_path, heading):
    path = write(
        tmp_path / "l.csv", [(f"X{i}", p) for i, p in enumerate(factories.people(3, seed=5))]
    )
    path.write_text(path.read_text().replace("Ref,", f"{heading},", 1))
    read = read_list(FileSide(path))
    assert read.records["record_id"].to_list() == ["X0", "X1", "X2"]
    assert f"rows named by column '{heading}'" in read.notes[0]


def test_rows_are_numbered_when_the_id_like_column_repeats(tmp_path):
    path = write(tmp_path / "l.csv", [("X1", p) for p in factories.people(3, seed=5)])
    read = read_list(FileSide(path))
    assert read.records["record_id"].to_list() == ["1", "2", "3"]
    assert "column 'Ref' repeats or has blanks" in read.notes[0]

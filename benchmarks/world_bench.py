"""Benchmark: linkage quality on the harder test world and on FEBRL1-3, ours beside plain Splink.

Run with `make bench-world` (or `python benchmarks/world_bench.py [--people 4000] [--seed 41]`).
Each dataset is linked by the product as a user would (`link files`, `link dedupe`, and a
`link run` over a store holding the world's two lists) at its default rule, and by the plain
Splink model of `plain_splink.py` in the same run. Both are scored pairwise against the truth:
ours as it decides (the pairs a file link keeps; every pair inside a person's group for a
dedupe or a run), plain Splink's scored pairs at 0.9 and at the threshold that suits it best
(known only from the truth, which no user has).

- world: `messy_lists.py` (a council register and a food bank's list; seed 41 is used by no
  test); files = register x food bank, dedupe = the food bank's list, run = both imported;
- FEBRL1-3 (`tests/data/febrl/`): dedupe = the whole file, files = originals x duplicates.
A plain Splink model that fails (EM can fail on lists with little to learn from) is reported
as failed in the table, and the benchmark goes on.
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import link_scores
import messy_lists
import plain_splink
import polars as pl

FEBRL = Path(__file__).parents[1] / "tests" / "data" / "febrl"
PLAIN_FLOOR = 0.01  # plain Splink's pairs are scored from here up, to find its best threshold
Pairs = set[tuple[str, str]]


@dataclass
class Case:
    """One dataset and task: how ours links it, how plain Splink does, and the true pairs."""

    name: str
    ours: Callable[[], Pairs]
    plain: Callable[[], pl.DataFrame]  # unique_id_l, unique_id_r, match_probability
    truth: Pairs


def unordered(pairs: Any) -> Pairs:
    return {(a, b) if a < b else (b, a) for a, b in pairs}


def within_groups(groups: pl.DataFrame, key: str = "cluster") -> Pairs:
    """Every pair of ids sharing `key` (a person's group or a true person)."""
    both = groups.join(groups, on=key, suffix="_r").filter(pl.col("id") < pl.col("id_r"))
    return set(both.select("id", "id_r").iter_rows())


def plain_pairs(frames: list[pl.DataFrame], link_type: str, **options: Any) -> pl.DataFrame:
    result = plain_splink.link(frames, link_type, cluster=False, threshold=PLAIN_FLOOR, **options)
    return result["pairs"]


# ---------------------------------------------------------------- the harder world


def world_frames(paths: dict[str, Path]) -> dict[str, pl.DataFrame]:
    """The world's lists as the plain model reads them (ordinary cleaning only)."""
    register = pl.read_csv(paths["register"], infer_schema=False)
    partner = pl.read_csv(paths["partner"], infer_schema=False).with_columns(
        pl.col("Date of birth").str.to_date("%d/%m/%Y", strict=False).cast(pl.String)
    )
    return {
        "register": plain_splink.cleaned(
            register, forename="Forename", surname="Surname", dob="DOB",
            address=["Address line 1"], unique_id="Ref", postcode="Postcode",
        ),
        "partner": plain_splink.cleaned(
            partner, forename="First name", surname="Last name", dob="Date of birth",
            address=["Address"], unique_id="Client ID", postcode="Postcode",
        ),
    }  # fmt: skip


def world_cases(folder: Path, people: int, seed: int) -> list[Case]:
    from safetynet.link.files import FileSide, dedupe_file, link_files

    world = messy_lists.generate(people, seed)
    paths = world.write(folder / "world")
    truth = world.truth()
    frames = world_frames(paths)
    register, partner = FileSide(paths["register"]), FileSide(paths["partner"])

    def files() -> Pairs:
        return unordered(link_files(register, partner).pairs.select("id_a", "id_b").iter_rows())

    def dedupe() -> Pairs:
        return within_groups(dedupe_file(partner).clusters)

    everyone = truth.select("id", pl.col("person").alias("cluster"))
    listed = truth.filter(pl.col("list") == "partner").select(
        "id", pl.col("person").alias("cluster")
    )
    across = truth.filter(pl.col("list") == "register").join(
        truth.filter(pl.col("list") == "partner"), on="person"
    )
    return [
        Case(
            "world: link files register x food bank",
            files,
            lambda: plain_pairs([frames["register"], frames["partner"]], "link_only"),
            unordered(across.select("id", "id_right").iter_rows()),
        ),
        Case(
            "world: link dedupe food bank",
            dedupe,
            lambda: plain_pairs([frames["partner"]], "dedupe_only"),
            within_groups(listed),
        ),
        Case(
            "world: link run (both lists)",
            lambda: world_run(paths),
            lambda: plain_pairs([frames["register"], frames["partner"]], "link_and_dedupe"),
            within_groups(everyone),
        ),
    ]


def use_store(folder: Path) -> None:
    """A fresh SQLite store (and data folder) in `folder` for this process, set before any
    setting is read."""
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["SAFETYNET_DATABASE_URL"] = f"sqlite:///{folder}/store.db"
    os.environ["SAFETYNET_DATA_DIR"] = str(folder)
    from safetynet.config import get_settings

    get_settings.cache_clear()


def world_run(paths: dict[str, Path]) -> Pairs:
    """Both lists imported into a fresh SQLite store (the register as the council's caseload,
    the food bank's list as its attendance log) and linked by a link run; each resident's
    records paired, by their row ids."""
    from sqlalchemy import select

    from safetynet import migrations
    from safetynet.db import get_engine, open_session
    from safetynet.demo import service
    from safetynet.link import runs
    from safetynet.link.models import ResidentRecord
    from safetynet.sources import service as sources
    from safetynet.sources.models import Record

    migrations.upgrade(get_engine())
    lists = (
        ("council", "register", "council_tax_reduction", "register"),
        ("foodbank", "food bank", "foodbank_attendance", "partner"),
    )
    with open_session() as session:
        service.create_accounts(
            session,
            (("council", "Council", "council"), ("foodbank", "Food Bank", "charity")),
        )
        mapping = paths["partner"].with_name("partner-mapping.yml")
        mapping.write_text("row_id: Client ID\n", encoding="utf-8")  # imports want it named
        for org, source, kind, name in lists:
            request = sources.ImportRequest(
                path=paths[name], organisation=org, source=source, kind=kind,
                skip_invalid_rows=True, mapping_file=mapping if name == "partner" else None,
            )  # fmt: skip
            sources.run_import(session, request, actor="bench")
        runs.run_linkage(session, area=None, actor="bench")
        rows = session.execute(
            select(Record.row_id, ResidentRecord.resident_id).join(
                ResidentRecord, ResidentRecord.record_id == Record.id
            )
        ).all()
    groups = pl.DataFrame([tuple(r) for r in rows], schema=["id", "cluster"], orient="row")
    return within_groups(groups)


# ---------------------------------------------------------------- FEBRL1-3


def febrl_cases(folder: Path, number: int) -> list[Case]:
    from safetynet.link.files import FileSide, dedupe_file, link_files

    rows = pl.read_csv(FEBRL / f"febrl{number}.csv.gz", infer_schema=False)
    rows = rows.with_columns(
        pl.col("rec_id").str.extract(r"^rec-(\d+)-").alias("person"),
        pl.col("rec_id").str.contains("-org").alias("original"),
    )
    whole = folder / f"febrl{number}.csv"
    originals, duplicates = folder / f"febrl{number}_org.csv", folder / f"febrl{number}_dup.csv"
    whole.write_bytes(gzip.decompress((FEBRL / f"febrl{number}.csv.gz").read_bytes()))
    rows.filter(pl.col("original")).drop("person", "original").write_csv(originals)
    rows.filter(~pl.col("original")).drop("person", "original").write_csv(duplicates)
    plain = {
        key: plain_splink.cleaned(
            frame, forename="given_name", surname="surname", dob="date_of_birth",
            postcode="postcode", address=["street_number", "address_1", "address_2", "suburb"],
            unique_id="rec_id",
        )
        for key, frame in (("all", rows), ("org", rows.filter(pl.col("original"))),
                           ("dup", rows.filter(~pl.col("original"))))
    }  # fmt: skip
    options = {"dob_format": "%Y%m%d", "uk_postcodes": False}
    people = rows.select(pl.col("rec_id").alias("id"), pl.col("person").alias("cluster"))
    across = rows.filter(pl.col("original")).join(rows.filter(~pl.col("original")), on="person")

    def files() -> Pairs:
        found = link_files(FileSide(originals, "rec_id"), FileSide(duplicates, "rec_id"))
        return unordered(found.pairs.select("id_a", "id_b").iter_rows())

    return [
        Case(
            f"FEBRL{number}: link dedupe ({rows.height:,} rows)",
            lambda: within_groups(dedupe_file(FileSide(whole, "rec_id")).clusters),
            lambda: plain_pairs([plain["all"]], "dedupe_only", **options),
            within_groups(people),
        ),
        Case(
            f"FEBRL{number}: link files originals x duplicates",
            files,
            lambda: plain_pairs([plain["org"], plain["dup"]], "link_only", **options),
            unordered(across.select("rec_id", "rec_id_right").iter_rows()),
        ),
    ]


# ---------------------------------------------------------------- scoring and the table


def plain_scores(scored: pl.DataFrame, truth: Pairs) -> dict[str, Any]:
    """Plain Splink's F1 at 0.9, and its best F1 over thresholds from PLAIN_FLOOR up."""
    pairs = scored.select(
        pl.min_horizontal("unique_id_l", "unique_id_r").alias("a"),
        pl.max_horizontal("unique_id_l", "unique_id_r").alias("b"),
        "match_probability",
    )
    hit = pl.Series([row in truth for row in pairs.select("a", "b").iter_rows()], dtype=pl.Boolean)
    pairs = pairs.with_columns(hit.alias("hit"))

    def f1_at(threshold: float) -> float:
        kept = pairs.filter(pl.col("match_probability") >= threshold)
        hits = int(kept["hit"].sum())
        found = kept.height
        return 2 * hits / (found + len(truth)) if found + len(truth) else 0.0

    steps = [PLAIN_FLOOR, *(i / 100 for i in range(5, 100, 5)), *(1 - 10**-k for k in range(2, 8))]
    best = max(steps, key=f1_at)
    return {"f1_09": f1_at(0.9), "best_f1": f1_at(best), "best_at": best}


def measure(case: Case) -> dict[str, Any]:
    started = time.perf_counter()
    ours = link_scores.pair_scores(case.ours(), case.truth)
    result: dict[str, Any] = {**ours, "seconds": time.perf_counter() - started}
    started = time.perf_counter()
    try:
        result |= plain_scores(case.plain(), case.truth)
    except Exception as error:  # noqa: BLE001 - any failure of the yardstick is reported
        result["plain_failed"] = f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"
    result["plain_seconds"] = time.perf_counter() - started
    return result


def row(name: str, truth: int, r: dict[str, Any]) -> str:
    ours = f"{r['precision']:.4f} | {r['recall']:.4f} | **{r['f1']:.4f}** | {r['seconds']:.1f}"
    if "plain_failed" in r:
        plain = f"plain Splink failed: {r['plain_failed']} | | | {r['plain_seconds']:.1f}"
    else:
        plain = (
            f"{r['f1_09']:.4f} | {r['best_f1']:.4f} | {r['best_at']:g} | {r['plain_seconds']:.1f}"
        )
    return f"| {name} | {truth:,} | {ours} | {plain} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=4000, help="people on the world's register")
    parser.add_argument("--seed", type=int, default=41)
    parser.add_argument("--only", help="run the datasets whose name contains this text")
    args = parser.parse_args()
    print(f"\n### Harder world ({args.people:,} registered, seed {args.seed}) and FEBRL1-3, "
          f"{date.today()}\n")  # fmt: skip
    print(
        "| Dataset, task | True pairs | Precision | Recall | F1 (ours, default rule) | "
        "Seconds | Plain F1 at 0.9 | Plain best F1 | at | Plain seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        use_store(folder / "store")
        cases = world_cases(folder, args.people, args.seed)
        for number in (1, 2, 3):
            cases += febrl_cases(folder, number)
        for case in cases:
            if args.only and args.only.lower() not in case.name.lower():
                continue
            print(row(case.name, len(case.truth), measure(case)), flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: linkage quality and speed, our model against a plain Splink 5 model, side by side.

Run with `make bench-link` (or `python benchmarks/link_bench.py [--part febrl|borough|scale]`):
- febrl: FEBRL4 (5,000 + 5,000 records, 5,000 true links) through file mode with defaults;
- borough: a synthetic 50,000-person borough (a seed used nowhere else) imported into a fresh
  SQLite store and linked by a link run; pairwise and B-cubed scores against its ground truth;
- scale: dedupe of 1,000,000 synthetic people records (10% messy duplicates): time per phase,
  pairs compared, peak RSS.
Every run happens in its own child process, so its wall time and peak RSS are its own; inputs
are made in yet another process first (a child's peak RSS starts from its parent's at fork).
Beside it: `plain_splink.py` (the yardstick model), `synthetic_people.py` (the scale data),
`link_scores.py` (pairwise and B-cubed scores, pair counts), `bench_runs.py` (child processes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import bench_runs
import link_scores
import plain_splink
import polars as pl

FEBRL = Path("/work/shared/data/febrl4")  # febrl4_a/b.csv.gz and truth.csv.gz (id_a, id_b)
BOROUGH_SEED = 2027  # not used by any test, demo or development run
BOROUGH_AS_OF = date(2026, 11, 1)
SCALE_SEED = 11
THRESHOLD = 0.5
EXACT_COUNT_RECORDS = 200_000
LIMIT_RSS_MB = 8_000  # twice the target: a run past it is stopped (the machine is shared)


# ---------------------------------------------------------------- FEBRL4


def febrl_files(source: Path, folder: Path) -> None:
    """FEBRL4's files from `source`, unzipped into `folder` (file mode reads CSV, not gzip)."""
    import gzip

    for name in ("febrl4_a", "febrl4_b", "truth"):
        data = gzip.decompress((source / f"{name}.csv.gz").read_bytes())
        (folder / f"{name}.csv").write_bytes(data)


def febrl_truth(folder: Path) -> set[tuple[str, str]]:
    truth = pl.read_csv(folder / "truth.csv", infer_schema=False)
    return set(truth.select("id_a", "id_b").iter_rows())


def febrl_plain_frames(folder: Path) -> list[pl.DataFrame]:
    return [
        plain_splink.cleaned(
            pl.read_csv(folder / f"febrl4_{side}.csv", infer_schema=False),
            forename="given_name",
            surname="surname",
            dob="date_of_birth",
            postcode="postcode",
            address=["street_number", "address_1", "address_2", "suburb"],
            unique_id="rec_id",
        )
        for side in ("a", "b")
    ]


def febrl_ours(folder: Path, count: bool) -> dict[str, Any]:
    """`safetynet link files A B --id-a rec_id --id-b rec_id` with defaults, in-process."""
    from safetynet.link import files, prepare

    a, b = folder / "febrl4_a.csv", folder / "febrl4_b.csv"
    if count:
        lists = [files.read_list(files.FileSide(p, "rec_id")) for p in (a, b)]
        frames = [prepare.for_linkage(r.records, s) for r, s in zip(lists, "ab", strict=True)]
        return link_scores.comparisons_made(frames, _ours_rules(frames), "link_only")
    started = time.perf_counter()
    linked = files.link_files(files.FileSide(a, "rec_id"), files.FileSide(b, "rec_id"))
    seconds = time.perf_counter() - started
    found = set(linked.pairs.select("id_a", "id_b").iter_rows())
    return {
        "seconds": seconds,
        "matches": len(found),
        **link_scores.pair_scores(found, febrl_truth(folder)),
    }


def febrl_plain(folder: Path, count: bool) -> dict[str, Any]:
    """The plain model over the same two files."""
    if count:
        frames = febrl_plain_frames(folder)
        rules = plain_splink.blocking_rules()
        return link_scores.comparisons_made(frames, rules, "link_only")
    started = time.perf_counter()
    result = plain_splink.link(
        febrl_plain_frames(folder),
        "link_only",
        dob_format="%Y%m%d",
        uk_postcodes=False,
        cluster=False,
    )
    seconds = time.perf_counter() - started
    in_a = set(pl.read_csv(folder / "febrl4_a.csv", columns=["rec_id"])["rec_id"])
    pairs = result["pairs"].select("unique_id_l", "unique_id_r").iter_rows()
    found = {(left, right) if left in in_a else (right, left) for left, right in pairs}
    return {
        "seconds": seconds,
        "matches": len(found),
        **link_scores.pair_scores(found, febrl_truth(folder)),
    }


def _ours_rules(frames: list[pl.DataFrame] | None = None) -> list[Any]:
    """Our prediction rules as the model would choose them for these frames (narrow ones for
    a big list: `model.needs_tight_blocks`)."""
    from safetynet.link import comparisons, model

    tight = bool(frames) and model.needs_tight_blocks(frames or [])
    return comparisons.prediction_blocking_rules(tight=tight)


# ---------------------------------------------------------------- synthetic borough


def _use_store(folder: Path) -> None:
    os.environ["SAFETYNET_DATABASE_URL"] = f"sqlite:///{folder}/store.db"
    os.environ["SAFETYNET_DATA_DIR"] = str(folder)


def borough_setup(folder: Path, people: int) -> dict[str, Any]:
    """Generate the borough and import its lists into a fresh store, as `demo run` does."""
    _use_store(folder)
    from safetynet import migrations
    from safetynet.db import get_engine, open_session
    from safetynet.demo import service
    from safetynet.demo.generate import ORGANISATIONS, generate_borough

    started = time.perf_counter()
    migrations.upgrade(get_engine())
    manifest = generate_borough(
        folder / "borough", people=people, seed=BOROUGH_SEED, as_of=BOROUGH_AS_OF
    )
    with open_session() as session:
        service.create_accounts(session, ORGANISATIONS)
        imports = service.import_lists(session, manifest)
    loaded = sum(outcome.rows_loaded for _, outcome in imports)
    return {"records": loaded, "lists": len(imports), "seconds": time.perf_counter() - started}


def borough_truth(session: Any, folder: Path) -> pl.DataFrame:
    """Each stored record's true person, joined on (list, row id) as in the link tests."""
    from sqlalchemy import select

    from safetynet.sources.models import Record, Source

    truth = pl.read_csv(folder / "borough" / "ground_truth.csv", infer_schema=False)
    if truth.select("source", "row_id").is_duplicated().any():
        raise SystemExit("ground_truth.csv: (source, row_id) is not unique; cannot score")
    rows = session.execute(
        select(Record.id, Source.name, Record.row_id).join(Source, Source.id == Record.source_id)
    ).all()
    stored = pl.DataFrame(
        [tuple(r) for r in rows], schema=["record_id", "source", "row_id"], orient="row"
    )
    joined = stored.join(truth, on=["source", "row_id"])
    return joined.select("record_id", pl.col("person_id").alias("person"))


def borough_records(session: Any) -> pl.DataFrame:
    from safetynet.link import runs

    return runs.current_records(session, runs.tenant_named(session, None).id)


def borough_ours(folder: Path, count: bool) -> dict[str, Any]:
    """`safetynet link run` over the imported lists; residents scored against the truth."""
    _use_store(folder)
    from sqlalchemy import select

    from safetynet.db import open_session
    from safetynet.link import prepare, runs
    from safetynet.link.models import ResidentRecord

    with open_session() as session:
        if count:
            records = borough_records(session)
            frames = [
                prepare.for_linkage(group, str(key[0]))
                for key, group in records.group_by("source_id", maintain_order=True)
            ]
            return link_scores.comparisons_made(frames, _ours_rules(frames), "link_and_dedupe")
        started = time.perf_counter()
        run = runs.run_linkage(session, area=None, actor="bench")
        seconds = time.perf_counter() - started
        rows = session.execute(select(ResidentRecord.record_id, ResidentRecord.resident_id)).all()
        truth = borough_truth(session, folder)
    clusters = pl.DataFrame([tuple(r) for r in rows], schema=["record_id", "cluster"], orient="row")
    return {
        "seconds": run.timings["link_seconds"],
        "run_seconds": seconds,
        "records": run.counts["records"],
        "matches": run.counts["pairs_scored"],
        "clusters": run.counts["residents"],
        "scored": truth.height,
        **link_scores.cluster_scores(truth.join(clusters, on="record_id")),
    }


def borough_plain(folder: Path, count: bool) -> dict[str, Any]:
    """The plain model linking and deduping the same stored records, clustered at 0.5."""
    _use_store(folder)
    from safetynet.db import open_session

    with open_session() as session:
        records = borough_records(session)
        truth = borough_truth(session, folder)
    records = records.with_columns(pl.col("dob").cast(pl.String))
    frames = [
        plain_splink.cleaned(
            group,
            forename="forename",
            surname="surname",
            dob="dob",
            postcode="postcode",
            address=["address"],
            unique_id="record_id",
        )
        for _, group in records.group_by("source_id", maintain_order=True)
    ]
    if count:
        rules = plain_splink.blocking_rules()
        return link_scores.comparisons_made(frames, rules, "link_and_dedupe")
    started = time.perf_counter()
    result = plain_splink.link(frames, "link_and_dedupe")
    seconds = time.perf_counter() - started
    clusters = _every_record(records, result["clusters"])
    return {
        "seconds": seconds,
        "records": records.height,
        "matches": result["pairs"].height,
        "clusters": clusters["cluster"].n_unique(),
        "scored": truth.height,
        **link_scores.cluster_scores(truth.join(clusters, on="record_id")),
    }


def _every_record(records: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """Splink's clusters as record_id -> cluster, records in no pair each their own."""
    found = clusters.select(
        pl.col("unique_id").cast(pl.Int64).alias("record_id"),
        pl.col("cluster_id").cast(pl.String).alias("cluster"),
    ).unique("record_id")
    return (
        records.select("record_id")
        .join(found, on="record_id", how="left")
        .with_columns(pl.col("cluster").fill_null(pl.col("record_id").cast(pl.String)))
    )


# ---------------------------------------------------------------- scale


def scale_data(path: Path, size: int) -> dict[str, Any]:
    """Write `size` synthetic people records (10% messy duplicates) to Parquet."""
    import synthetic_people

    started = time.perf_counter()
    synthetic_people.generate(size, SCALE_SEED).write_parquet(path)
    return {"seconds": time.perf_counter() - started}


def scale_ours(path: Path, count: bool) -> dict[str, Any]:
    """Our model deduping the records, phase by phase, as a link run does it."""
    from safetynet.link import decide, model, prepare, runs, scoring

    records = pl.read_parquet(path)
    if count:
        frames = [prepare.for_linkage(records, "people")]
        return link_scores.comparisons_made(
            frames, _ours_rules(frames), "dedupe_only", sample=_sample(records)
        )
    bench_runs.warm_imports()
    times: dict[str, float] = {}
    mark = started = time.perf_counter()
    frame = prepare.for_linkage(records.drop("person_id"), "people")
    mark = bench_runs.lap(times, "prepare", mark)
    linker = model.build([frame], link_type="dedupe_only", explainable=True)
    del frame  # as a link run does: the engine holds its own copy
    bench_runs.time_training(linker.linker.training, times)
    linker.train()
    mark = time.perf_counter()
    # As a link run scores: from the score floor, a move counted once, then the review floor.
    scored = scoring.scored_pairs(linker, min(THRESHOLD, runs.REVIEW_BAND[0]))
    mark = bench_runs.lap(times, "predict", mark)
    matched, kept_apart = decide.matches(scored, threshold=THRESHOLD, snapshots=set())
    edges = decide.Constraints([], []).edges(matched)
    mark = bench_runs.lap(times, "decide", mark)
    clusters = runs._components(records, edges, linker)
    bench_runs.lap(times, "cluster", mark)
    seconds = time.perf_counter() - started
    return _scale_result(records, clusters, times, seconds, matched.height, kept_apart)


def scale_plain(path: Path, count: bool) -> dict[str, Any]:
    """The plain model deduping the same records."""
    records = pl.read_parquet(path).with_columns(pl.col("dob").cast(pl.String))
    if count:
        rules = plain_splink.blocking_rules()
        frames = [_plain_scale_frame(records)]
        return link_scores.comparisons_made(frames, rules, "dedupe_only", sample=_sample(records))
    bench_runs.warm_imports()
    started = time.perf_counter()
    frame = _plain_scale_frame(records)
    times = {"prepare": time.perf_counter() - started}
    result = plain_splink.link([frame], "dedupe_only")
    seconds = time.perf_counter() - started
    times.update(result["times"])
    clusters = _every_record(records, result["clusters"])
    return _scale_result(records, clusters, times, seconds, result["pairs"].height, 0)


def _sample(records: pl.DataFrame) -> float:
    """Count pairs exactly up to 200,000 records; beyond, estimate from a sample that size
    (materialising every blocked pair of a million records takes longer than linking them)."""
    return min(1.0, EXACT_COUNT_RECORDS / records.height)


def _plain_scale_frame(records: pl.DataFrame) -> pl.DataFrame:
    return plain_splink.cleaned(
        records,
        forename="forename",
        surname="surname",
        dob="dob",
        postcode="postcode",
        address=["address"],
        unique_id="record_id",
    )


def _scale_result(
    records: pl.DataFrame,
    clusters: pl.DataFrame,
    times: dict[str, float],
    seconds: float,
    matches: int,
    kept_apart: int,
) -> dict[str, Any]:
    truth = records.select("record_id", pl.col("person_id").alias("person"))
    return {
        "seconds": seconds,
        "times": times,
        "records": records.height,
        "matches": matches,
        "kept_apart": kept_apart,
        "clusters": clusters["cluster"].n_unique(),
        **link_scores.cluster_scores(truth.join(clusters, on="record_id")),
    }


# ---------------------------------------------------------------- running and reporting

WORKERS = {
    "febrl-ours": febrl_ours,
    "febrl-plain": febrl_plain,
    "borough-ours": borough_ours,
    "borough-plain": borough_plain,
    "scale-ours": scale_ours,
    "scale-plain": scale_plain,
}


def measure(kind: str, target: Path, *, limit_seconds: float = 0) -> dict[str, Any]:
    """A timed run of one model, then (in another process) its count of pairs compared."""
    result = bench_runs.child(
        __file__,
        "--worker",
        kind,
        str(target),
        limit_seconds=limit_seconds,
        limit_rss_mb=LIMIT_RSS_MB,
    )
    counted = bench_runs.child(__file__, "--worker", kind, str(target), "--count")
    result.update({key: counted[key] for key in ("pairs_compared", "pairs_exact", "by_rule")})
    return result


def run_febrl(source: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        febrl_files(source, Path(folder))
        rows = [(name, measure(f"febrl-{kind}", Path(folder))) for name, kind in MODELS]
    print("\n### FEBRL4 (5,000 + 5,000 records, 5,000 true links), link_only\n")
    print(
        "| Model | Matches | Precision | Recall | F1 | Seconds | CPU s | Pairs compared | "
        "Peak RSS (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['matches']:,} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['f1']:.4f} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
            f"{r['pairs_compared']:,} | "
            f"{r['peak_rss_mb']:,.0f} |"
        )


def run_borough(people: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        setup = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--setup-borough", folder, "--people", str(people)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.splitlines()[-1]
        )
        rows = [(name, measure(f"borough-{kind}", Path(folder))) for name, kind in MODELS]
    print(
        f"\n### Synthetic borough: {people:,} people, seed {BOROUGH_SEED}, "
        f"{setup['records']:,} records in {setup['lists']} lists (generated and imported in "
        f"{setup['seconds']:.0f} s)\n"
    )
    print(
        "| Model | Records scored | Matched pairs | Residents | Pairwise P | Pairwise R | "
        "Pairwise F1 | B³ P | B³ R | B³ F1 | Seconds | CPU s | Pairs compared | Peak RSS (MB) |"
    )
    print("|---|" + "---:|" * 13)
    for name, r in rows:
        print(
            f"| {name} | {r['scored']:,} | {r['matches']:,} | {r['clusters']:,} | "
            f"{r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
            f"{r['b3_precision']:.4f} | {r['b3_recall']:.4f} | {r['b3_f1']:.4f} | "
            f"{r['seconds']:.1f} | {r['cpu_seconds']:.0f} | {r['pairs_compared']:,} | "
            f"{r['peak_rss_mb']:,.0f} |"
        )
    ours = rows[0][1]
    print(
        f"\nOur link run took {ours['run_seconds']:.1f} s in all, reading the records and "
        "writing residents and the review queue back included."
    )


PHASES = ("prepare", "prior", "u_sampling", "em", "predict", "decide", "cluster")


def run_scale(size: int, limit_seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "people.parquet"
        subprocess.run(
            [sys.executable, __file__, "--make-scale", str(path), "--size", str(size)],
            check=True,
            capture_output=True,
        )
        rows = [
            (name, measure(f"scale-{kind}", path, limit_seconds=limit_seconds))
            for name, kind in MODELS
        ]
    print(f"\n### Scale: dedupe of {size:,} records (10% messy duplicates)\n")
    _scale_times(rows)
    _scale_quality(rows)
    _scale_rules(rows)
    ours, plain = rows[0][1], rows[1][1]
    if "stopped" not in ours:
        print(
            f"\nOurs / plain: {ours['seconds'] / plain['seconds']:.2f}× the time, "
            f"{ours['peak_rss_mb'] / plain['peak_rss_mb']:.2f}× the peak RSS, "
            f"{ours['pairs_compared'] / plain['pairs_compared']:.2f}× the pairs compared."
        )


def _scale_times(rows: list[tuple[str, dict[str, Any]]]) -> None:
    heads = " | ".join(p.replace("_", " ") for p in PHASES)
    print(f"| Model | {heads} | Total s | CPU s | Pairs compared | Peak RSS (MB) |")
    print("|---|" + "---:|" * (len(PHASES) + 4))
    for name, r in rows:
        phases = " | ".join(f"{r['times'][p]:.1f}" if p in r["times"] else "—" for p in PHASES)
        total = r["stopped"] if "stopped" in r else f"{r['seconds']:.1f}"
        approx = "" if r["pairs_exact"] else "≈ "
        print(
            f"| {name} | {phases} | {total} | {r['cpu_seconds']:.0f} | "
            f"{approx}{r['pairs_compared']:,} | "
            f"{r['peak_rss_mb']:,.0f} |"
        )


def _scale_quality(rows: list[tuple[str, dict[str, Any]]]) -> None:
    print(
        "\n| Model | Matched pairs | Kept apart as relatives | Clusters | Pairwise P | "
        "Pairwise R | Pairwise F1 | B³ P | B³ R | B³ F1 |"
    )
    print("|---|" + "---:|" * 9)
    for name, r in rows:
        if "stopped" in r:
            print(f"| {name} | {r['stopped']} |" + " |" * 8)
            continue
        print(
            f"| {name} | {r['matches']:,} | {r['kept_apart']:,} | {r['clusters']:,} | "
            f"{r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
            f"{r['b3_precision']:.4f} | {r['b3_recall']:.4f} | {r['b3_f1']:.4f} |"
        )


def _scale_rules(rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Pairs each blocking rule adds, beyond those of the rules before it."""
    print("\n| Model | Blocking rule | Pairs it adds |")
    print("|---|---|---:|")
    for name, r in rows:
        for rule, pairs in r["by_rule"]:
            print(f"| {name} | `{rule}` | {pairs:,} |")


MODELS = (("Safety Net", "ours"), ("Plain Splink", "plain"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("febrl", "borough", "scale", "all"), default="all")
    parser.add_argument("--febrl", type=Path, default=FEBRL, help="folder holding FEBRL4")
    parser.add_argument("--people", type=int, default=50_000, help="borough size")
    parser.add_argument("--size", type=int, default=1_000_000, help="records in the scale run")
    parser.add_argument(
        "--limit-seconds",
        type=float,
        default=900,
        help="scale: stop a model's run after this long (6× the 150 s target)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "TARGET"))
    parser.add_argument("--count", action="store_true", help="worker: count pairs compared")
    parser.add_argument("--setup-borough", metavar="DIR")
    parser.add_argument("--make-scale", metavar="FILE")
    args = parser.parse_args()
    if args.worker:
        result = WORKERS[args.worker[0]](Path(args.worker[1]), args.count)
        return print(json.dumps(result))
    if args.setup_borough:
        return print(json.dumps(borough_setup(Path(args.setup_borough), args.people)))
    if args.make_scale:
        return print(json.dumps(scale_data(Path(args.make_scale), args.size)))
    print(f"Linkage benchmarks, {date.today():%d %B %Y}: {bench_runs.machine()}")
    if args.part in ("febrl", "all"):
        run_febrl(args.febrl)
    if args.part in ("borough", "all"):
        run_borough(args.people)
    if args.part in ("scale", "all"):
        run_scale(args.size, args.limit_seconds)
    print(f"\nLoad average {os.getloadavg()[0]:.2f} at the end.")


if __name__ == "__main__":
    main()

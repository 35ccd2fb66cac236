"""Benchmark: the same trained linkage model scored on DuckDB and on Spark (local mode).

Needs a store with an imported demo borough, e.g.
`SAFETYNET_DATA_DIR=/tmp/b safetynet demo run --people 50000 --seed 7 --no-link`, then
`SAFETYNET_DATA_DIR=/tmp/b python benchmarks/spark_bench.py`. Trains once on DuckDB, then on
each engine: scores all candidate pairs with the saved model and clusters the pairs at or above
0.5 into residents. Prints seconds per step, and whether pairs and residents are identical.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import polars as pl

from safetynet import db
from safetynet.config import get_settings
from safetynet.link import model, prepare, runs

KEY = ["unique_id_l", "unique_id_r"]


def _timed(step: str, timings: dict[str, float], work: Any) -> Any:
    started = time.perf_counter()
    result = work()
    timings[step] = round(time.perf_counter() - started, 1)
    return result


def _score(frames: list[pl.DataFrame], saved: dict, records: pl.DataFrame, backend: str) -> dict:
    """Score and cluster with `saved` on `backend`; timings, pairs and residents."""
    import os

    os.environ["SAFETYNET_LINK_BACKEND"] = backend
    get_settings.cache_clear()
    timings: dict[str, float] = {}
    linker = _timed("setup", timings, lambda: model.from_saved(frames, saved))
    scored = _timed("predict", timings, lambda: linker.predict(threshold=0.2))
    edges = scored.filter(pl.col("match_probability") >= 0.5).select(
        pl.col("unique_id_l").cast(pl.Int64).alias("a"),
        pl.col("unique_id_r").cast(pl.Int64).alias("b"),
    )
    clusters = _timed("cluster", timings, lambda: runs._components(records, edges, linker))
    members = clusters.group_by("cluster").agg(pl.col("record_id").sort())
    residents = {tuple(m) for m in members.get_column("record_id").to_list()}
    return {"timings": timings, "scored": scored, "residents": residents}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--area", default=None)
    args = parser.parse_args()
    with db.session_factory()() as session:
        records = runs.current_records(session, runs.tenant_named(session, args.area).id)
    frames = [
        prepare.for_linkage(group, str(key[0]))
        for key, group in records.group_by("source_id", maintain_order=True)
    ]
    started = time.perf_counter()
    trained = model.build(frames, link_type="link_and_dedupe", explainable=True)
    trained.train()
    saved = trained.settings_json()
    print(f"records {records.height}, trained on duckdb in {time.perf_counter() - started:.1f}s")
    duck = _score(frames, saved, records, "duckdb")
    spark = _score(frames, saved, records, "spark")
    for name, result in (("duckdb", duck), ("spark", spark)):
        print(name, result["timings"], "pairs", result["scored"].height, end=" ")
        print("residents", len(result["residents"]))
    both = duck["scored"].join(spark["scored"], on=KEY, how="inner", suffix="_spark")
    print("pairs only on duckdb", duck["scored"].height - both.height, end=", ")
    print("only on spark", spark["scored"].height - both.height, end=", ")
    print(
        "largest weight difference", (both["match_weight"] - both["match_weight_spark"]).abs().max()
    )
    print("residents identical", duck["residents"] == spark["residents"])


if __name__ == "__main__":
    main()

"""Benchmark: how well the default gap rules find the people the demo borough truly misses.

Run after `safetynet demo run` (same SAFETYNET_DATA_DIR): `python benchmarks/gaps_truth.py`.
Each resident is matched to the true person behind most of its records (ground_truth.csv);
people.csv says who is truly eligible for and on each programme. For each rule it prints:
found (residents flagged), precision (flagged people truly eligible and not on the programme),
and recall among the truly-missing people the rule could see (on the lists its `on`
conditions read) and among all truly-missing people on any list. People on no list at all
(children, most of the borough) cannot be found by any rule and are left out.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import select

from safetynet.config import get_settings
from safetynet.db import open_session
from safetynet.gaps import service
from safetynet.link.models import ResidentRecord
from safetynet.sources.models import Record, Source

TRUTH_FLAG = {"ctr": "ctr", "pension_credit": "pc", "fsm": "fsm", "uc": "uc", "hb": "hb"}
# Which people a rule could see at all: on the lists its `on` conditions read.
SEEN_BY = {
    "foodbank-no-ctr": pl.col("foodbank_visits") > 0,
    "pension-age-hb-no-pc": pl.col("on_hb"),
    "children-uc-hb-no-fsm": pl.col("on_uc") | pl.col("on_hb"),
    "foodbank-working-age-no-uc": pl.col("foodbank_visits") > 0,
}


def resident_people(session: object, demo: Path) -> pl.DataFrame:
    """resident_id -> person_id (the person behind most of the resident's records)."""
    rows = session.execute(  # type: ignore[attr-defined]
        select(ResidentRecord.resident_id, Source.name, Record.row_id)
        .join(Record, Record.id == ResidentRecord.record_id)
        .join(Source, Source.id == Record.source_id)
    ).all()
    linked = pl.DataFrame(
        [tuple(r) for r in rows], schema=["resident_id", "source", "row_id"], orient="row"
    )
    truth = pl.read_csv(demo / "ground_truth.csv", infer_schema=False)
    joined = linked.join(truth, on=["source", "row_id"])
    counted = joined.group_by("resident_id", "person_id").len()
    return counted.sort("len", descending=True).unique("resident_id", keep="first")


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    demo = get_settings().data_dir / "demo"
    people = pl.read_csv(demo / "people.csv", infer_schema_length=100_000)
    book = service.rulebook()
    with open_session() as session:
        reader = service.reader_for(session, None, "benchmark")
        result = service.find_gaps(session, reader, book, as_of=args.as_of, purpose="benchmark")
        owners = resident_people(session, demo)
    listed = pl.read_csv(demo / "ground_truth.csv", infer_schema=False).get_column("person_id")
    people = people.filter(pl.col("person_id").is_in(listed.implode()))
    print(f"{'rule':<28} {'found':>6} {'precision':>9} {'recall seen':>11} {'recall all':>10}")  # noqa: T201
    for rule_id, ids in result.found.items():
        flag = TRUTH_FLAG[book.rules[rule_id].programme]
        missing = people.filter(pl.col(f"eligible_{flag}") & ~pl.col(f"on_{flag}"))
        seen = missing.filter(SEEN_BY.get(rule_id, pl.lit(True)))
        found = owners.filter(pl.col("resident_id").is_in(ids)).get_column("person_id")
        hits = missing.filter(pl.col("person_id").is_in(found.implode())).height
        seen_hits = seen.filter(pl.col("person_id").is_in(found.implode())).height
        print(  # noqa: T201
            f"{rule_id:<28} {len(ids):>6} {hits / max(len(ids), 1):>9.2f} "
            f"{seen_hits / max(seen.height, 1):>11.2f} {hits / max(missing.height, 1):>10.2f}"
        )


if __name__ == "__main__":
    main()

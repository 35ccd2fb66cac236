"""Resident search benchmark: how long a caseworker's search takes on a large area.

Builds a demo borough (`demo run --no-screen`; about a quarter of its people end up as
residents: `--people 400000` gives about 100,000 from about 220,000 records), then runs
searches through the service the page, API and CLI share (`link.search.find`, audit event
and commit included), with criteria taken from real records: a surname; a first name and
surname typed in capitals; a date of birth; a full postcode; a district (the postcode's first
half); a partner's reference; and a surname with a date of birth. Each kind runs as the
council (the whole area) and as a partner (what it may read). Prints p50/p95/max ms per kind
and the mean results per search.

    python benchmarks/resident_search.py --people 400000 --data-dir /tmp/search400k
    SAFETYNET_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/sn_bench \\
        python benchmarks/resident_search.py --people 400000 --data-dir /tmp/searchpg
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

KINDS = (
    "surname", "full name", "date of birth", "postcode", "district", "sector", "reference",
    "name+dob",
)  # fmt: skip


def build(data: Path, people: int) -> None:
    """A demo store in `data` (kept: `--data-dir` with a store in it is reused)."""
    env = os.environ | {"SAFETYNET_DATA_DIR": str(data), "COLUMNS": "200"}
    command = [sys.executable, "-m", "safetynet", "demo", "run", "--people", str(people)]
    subprocess.run([*command, "--no-screen"], env=env, check=True, capture_output=True)


def samples(session: Any, count: int, seed: int) -> list[Any]:
    """Records of current residents to take search criteria from."""
    from sqlalchemy import func, select

    from safetynet.link.models import ResidentRecord
    from safetynet.sources.models import Record

    total = session.scalar(select(func.count()).select_from(ResidentRecord))
    rng = random.Random(seed)
    picked = set(rng.sample(range(total), min(count, total)))
    ids = session.scalars(select(ResidentRecord.record_id).order_by(ResidentRecord.record_id))
    chosen = [rid for n, rid in enumerate(ids) if n in picked]
    return list(session.scalars(select(Record).where(Record.id.in_(chosen))))


def criteria(record: Any, kind: str) -> dict[str, Any] | None:
    """The search a caseworker would type for this record, or None if it lacks the field."""
    name = " ".join(p for p in (record.forename, record.surname) if p)
    wanted = {
        "surname": {"name": record.surname or ""},
        "full name": {"name": name.upper()},
        "date of birth": {"dob": record.dob},
        "postcode": {"postcode": (record.postcode or "").replace(" ", "").lower()},
        "district": {"postcode": (record.postcode or "").split(" ")[0]},
        "sector": {"postcode": (record.postcode or "")[:-2]},
        "reference": {"reference": record.person_ref or ""},
        "name+dob": {"name": record.surname or "", "dob": record.dob},
    }[kind]
    return wanted if all(wanted.values()) else None


def run(
    session: Any,
    records: list[Any],
    scopes: dict[str, tuple[int, int | None]],
    kinds: tuple[str, ...] = KINDS,
) -> list:
    from safetynet.link import search
    from safetynet.paging import PageRequest

    rows = []
    for scope, (tenant_id, organisation_id) in scopes.items():
        for kind in kinds:
            times, found = [], []
            for record in records:
                typed = criteria(record, kind)
                if typed is None:
                    continue
                query, problems = search.criteria(**typed)
                assert not problems, problems
                start = time.perf_counter()
                page = search.find(
                    session,
                    query,
                    PageRequest(1, 20),
                    tenant_id=tenant_id,
                    organisation_id=organisation_id,
                    actor="cli:benchmark",
                )
                times.append((time.perf_counter() - start) * 1000)
                found.append(page.total)
            if times:
                times.sort()
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                rows.append(
                    (
                        scope,
                        kind,
                        len(times),
                        median(times),
                        p95,
                        times[-1],
                        sum(found) / len(found),
                    )
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=400_000)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--searches", type=int, default=200, help="Records to search for.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="Which searches to time."
    )
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if (
        not os.environ.get("SAFETYNET_DATABASE_URL")
        and not (args.data_dir / "safetynet.db").exists()
    ):
        build(args.data_dir, args.people)
    elif os.environ.get("SAFETYNET_DATABASE_URL") and not any(args.data_dir.iterdir()):
        build(args.data_dir, args.people)
    os.environ["SAFETYNET_DATA_DIR"] = str(args.data_dir)

    from sqlalchemy import func, select

    from safetynet.accounts.models import Organisation
    from safetynet.db import open_session
    from safetynet.link.models import Resident, ResidentRecord
    from safetynet.sources.models import Record

    with open_session() as session:
        records = samples(session, args.searches, args.seed)
        tenant_id = records[0].tenant_id
        partner = session.scalar(
            select(Organisation.id).where(Organisation.kind != "council").order_by(Organisation.id)
        )
        counts = (
            session.scalar(select(func.count()).select_from(Record)),
            session.scalar(select(func.count()).select_from(ResidentRecord)),
            session.scalar(select(func.count()).where(Resident.ended_by_run_id.is_(None))),
        )
        store = session.get_bind().dialect.name
        scopes = {"council": (tenant_id, None), "partner": (tenant_id, partner)}
        rows = run(session, records, scopes, tuple(args.kinds))
    print(f"Store: {store}; {counts[0]:,} records, {counts[1]:,} linked, {counts[2]:,} residents")
    print("| As | Search by | Searches | p50 ms | p95 ms | max ms | Results (mean) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for scope, kind, n, p50, p95, most, mean in rows:
        print(f"| {scope} | {kind} | {n} | {p50:.1f} | **{p95:.1f}** | {most:.1f} | {mean:.1f} |")


if __name__ == "__main__":
    main()

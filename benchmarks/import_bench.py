"""Benchmark: import a 1,000,000-row messy partner CSV on SQLite and PostgreSQL.

Run with `make bench` (or `python benchmarks/import_bench.py --rows 1000000`). Each import runs in
its own process so its peak memory (RSS) can be read; prints a table of seconds, rows/s, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/safetynet_bench"
FORENAMES = [
    "John",
    "Mary",
    "Mohammed",
    "Olivia",
    "Jack",
    "Amelia",
    "Zoë",
    "Siân",
    "Łukasz",
    "Aisha",
    "Tom",
    "Bill",
    "Peggy",
    "Fatima",
    "Wei",
    "Chidi",
    "Ana",
    "Liam",
    "Noah",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Khan",
    "O'Brien",
    "Patel",
    "Nowak",
    "Okafor",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Ahmed",
    "Murphy",
    "Smith-Jones",
]


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    """A food-bank style log: 10 columns with missing, swapped and badly formatted values."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    people = rows // 3
    person = rng.integers(0, people, rows)
    first = np.array(FORENAMES)[person % len(FORENAMES)]
    last = np.array(SURNAMES)[(person // 7) % len(SURNAMES)]
    surname = np.char.add(last, np.where(person % 13 == 0, "", ""))
    born = np.datetime64("1940-01-01") + (person * 7919 % 25000).astype("timedelta64[D]")
    dob = pl.Series(born).dt.strftime("%d/%m/%Y").to_numpy().astype(object)
    dob[rng.random(rows) < 0.25] = None
    dob[rng.random(rows) < 0.001] = "31/02/1985"
    unit = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    pc = np.char.add(np.char.add("DB", (1 + person % 9).astype(str)), " ")
    pc = np.char.add(np.char.add(pc, (person % 10).astype(str)), unit[person % 20])
    pc = np.char.add(pc, unit[(person // 20) % 20])
    messy = rng.random(rows)
    pc = np.where(messy < 0.2, np.char.lower(np.char.replace(pc, " ", "")), pc)
    phone = np.char.add("07700 9", np.char.zfill((person % 100000).astype(str), 5)).astype(object)
    phone[messy > 0.9] = "0114 496 0" + str(123)
    phone[messy > 0.97] = "n/a"
    phone[rng.random(rows) < 0.3] = None
    email = np.char.add(
        np.char.lower(first.astype(str)), np.char.add((person % 1000).astype(str), "@example.org")
    ).astype(object)
    email[rng.random(rows) < 0.6] = None
    visit = np.datetime64("2025-12-01") + rng.integers(0, 360, rows).astype("timedelta64[D]")
    pl.DataFrame(
        {
            "Visit ID": np.arange(1, rows + 1).astype(str),
            "Client No": np.char.add("C", person.astype(str)),
            "First name": first,
            "Surname": surname,
            "DOB": _text(dob),
            "Postcode": pc,
            "Phone": _text(phone),
            "Email": _text(email),
            "Visit date": pl.Series(visit).dt.strftime("%d/%m/%Y"),
            "Referred by": np.array(["GP", "Jobcentre", "School", "Self", "Council"])[person % 5],
        }
    ).write_csv(path)


def _text(values: Any) -> Any:
    import polars as pl

    return pl.Series(values.tolist(), dtype=pl.String)


def worker(url: str, path: Path) -> None:
    """Set up a fresh store with a supplier and agreement, then time one import."""
    os.environ["SAFETYNET_DATABASE_URL"] = url
    from datetime import date

    from safetynet import migrations
    from safetynet.accounts import service as accounts
    from safetynet.db import get_engine, open_session
    from safetynet.sources import service
    from safetynet.sources.mapping import AGREEMENT_FIELDS

    migrations.upgrade(get_engine())
    with open_session() as session:
        accounts.create_organisation(
            session,
            name="North Food Bank",
            kind="charity",
            tenant="Benchshire",
            slug="north",
            actor="bench",
        )
        accounts.create_agreement(
            session,
            accounts.AgreementTerms(
                reference="BENCH",
                title="Benchmark",
                purpose="Benchmark",
                lawful_basis="public_task",
                suppliers=["north"],
                recipients=[],
                fields_allowed=list(AGREEMENT_FIELDS),
                retention_days=30,
                start_date=date(2026, 1, 1),
            ),
            actor="bench",
        )
        request = service.ImportRequest(
            path=path,
            organisation="north",
            source="visits",
            kind="foodbank_attendance",
            skip_invalid_rows=True,
        )
        start = time.perf_counter()
        outcome = service.run_import(session, request, actor="bench")
        seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "loaded": outcome.rows_loaded,
                "rejected": outcome.rows_rejected,
                "warnings": outcome.warnings,
            }
        )
    )


def fresh_postgres() -> str | None:
    """An empty benchmark database on the local PostgreSQL, or None if there is none."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS safetynet_bench"))
            connection.execute(text("CREATE DATABASE safetynet_bench"))
        engine.dispose()
    except Exception as exc:  # no server: skip that row of the table
        print(f"PostgreSQL not available ({exc.__class__.__name__}); skipping it.")
        return None
    return POSTGRES_BENCH


def measure(url: str, path: Path) -> dict:
    """Run the worker in a child process; read its result and its own peak RSS."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--worker", url, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"import worker failed on {url}")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--worker", nargs=2, metavar=("URL", "FILE"))
    parser.add_argument("--make-file", metavar="FILE")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker[0], Path(args.worker[1]))
    if args.make_file:
        return make_file(Path(args.make_file), args.rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "visits.csv"
        # In a child process: a parent grown by generating the file would inflate the peak RSS
        # the import workers report (a child's count starts from its parent's at fork).
        subprocess.run(
            [sys.executable, __file__, "--make-file", str(path), "--rows", str(args.rows)],
            check=True,
        )
        size = path.stat().st_size / 1e6
        stores = [("SQLite", f"sqlite:///{folder}/bench.db"), ("PostgreSQL", fresh_postgres())]
        print(
            f"\nImport of {args.rows:,} rows, 10 columns ({size:.0f} MB CSV), {os.cpu_count()} "
            "cores\n"
        )
        print("| Store | Rows loaded | Rejected | Warnings | Seconds | Rows/s | Peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, url in stores:
            if url is None:
                continue
            r = measure(url, path)
            print(
                f"| {name} | {r['loaded']:,} | {r['rejected']:,} | {r['warnings']:,} | "
                f"{r['seconds']:.1f} | {r['loaded'] / r['seconds']:,.0f} | "
                f"{r['peak_rss_mb']:,.0f} |"
            )


if __name__ == "__main__":
    main()

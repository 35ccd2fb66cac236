"""Benchmark: the front desk's everyday actions on a big partner — how long finding a client,
recording a visit for them, adding a new person, and the weekly report take.

    python benchmarks/front_desk_bench.py --clients 50000 --tries 200 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/sn_frontdesk_bench

The database named is emptied and rebuilt (never point it at data you keep); without
--database-url a temporary SQLite store is used. Setting up (an imported list of `clients`
people for the partner, another partner's list of the same size) is not timed. Each action
runs through the real service functions, audit and commit included, as the pages call them.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from payments_bench import fresh_store  # the same empty, migrated store (a script beside this)

FORENAMES = "Amira Tom Lily John Mary Ada Omar Grace Priya Sam Chloe Wei Ivan Nia Leo Ruth".split()
SURNAMES = "Khan Okafor Evans Smith Jones Lovelace Patel Brown Nowak Chen Murphy Ali Wood".split()


def partner_file(folder: Path, name: str, n: int, rng: random.Random) -> Path:
    """A visits list of n people with varied names (a suffix makes surnames rarer)."""
    path = folder / f"{name}.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Visit ID", "Client No", "First name", "Surname", "DOB", "Postcode"])
        for i in range(n):
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(25_000))
            surname = f"{rng.choice(SURNAMES)}{rng.choice(['', 'son', 'ley', 'ton', 'er'])}"
            postcode = f"DB{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}Q"
            out.writerow([f"V{i}", f"C{i}", rng.choice(FORENAMES), surname,
                          f"{born:%d/%m/%Y}", postcode])  # fmt: skip
    return path


def setup(folder: Path, n: int, rng: random.Random):
    from safetynet.accounts import service as accounts
    from safetynet.accounts.permissions import Principal
    from safetynet.db import open_session
    from safetynet.sources.imports import ImportRequest, run_import
    from safetynet.sources.mapping import AGREEMENT_FIELDS

    with open_session() as session:
        for slug in ("north", "south"):
            accounts.create_organisation(
                session, name=slug.title(), kind="charity", tenant="Benchshire", slug=slug,
                actor="bench",
            )  # fmt: skip
            terms = accounts.AgreementTerms(
                reference=f"DSA-{slug}", title="t", purpose="p", lawful_basis="public_task",
                suppliers=[slug], recipients=[], fields_allowed=list(AGREEMENT_FIELDS),
                retention_days=365, start_date=date(2026, 1, 1),
            )  # fmt: skip
            accounts.create_agreement(session, terms, actor="bench")
            path = partner_file(folder, slug, n, rng)
            request = ImportRequest(path=path, organisation=slug, source="visits",
                                    kind="foodbank_attendance")  # fmt: skip
            run_import(session, request, actor="bench")
        user = accounts.create_user(
            session, email="desk@north.example", full_name="Desk", organisation="north",
            role="partner", password="a long benchmark passphrase", actor="bench",
        )  # fmt: skip
        return Principal.of(user)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def row(name: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
    return f"| {name} | {len(times)} | {statistics.median(times):.1f} ms | {p95:.1f} ms |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--tries", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        import os

        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["SAFETYNET_DATABASE_URL"] = url
        os.environ["SAFETYNET_DATA_DIR"] = tmp
        fresh_store(url)
        principal = setup(Path(tmp), args.clients, rng)
        measure(principal, args.tries, rng)


def measure(principal, tries: int, rng: random.Random) -> None:
    from safetynet.db import open_session
    from safetynet.frontdesk import reports, service

    finds, visits, news, found_counts = [], [], [], []
    with open_session() as session:
        for i in range(tries):
            words = f"{rng.choice(FORENAMES)[:3]} {rng.choice(SURNAMES)} DB{rng.randint(1, 9)}"
            started = time.perf_counter()
            result = service.find_clients(session, principal, words)
            finds.append((time.perf_counter() - started) * 1000)
            found_counts.append(len(result))
            if result:
                chosen = result[0].record_id
                visits.append(timed(lambda c=chosen: service.record_event(
                    session, principal, kind="food_parcel", record_id=c)))  # fmt: skip
            person = service.NewPerson("Newby", f"Person{i}", date(1980, 1, 1), "DB1 1AA")
            news.append(timed(lambda p=person: service.record_event(
                session, principal, kind="visit", new_person=p)))  # fmt: skip
        report = [timed(lambda: reports.report(session, principal, weeks=8)) for _ in range(20)]
    print("| Action | Tries | Median | p95 |")  # noqa: T201
    print("|---|---:|---:|---:|")  # noqa: T201
    rows = {
        "Find a client": finds,
        "Record a visit for a client": visits,
        "Add a new person with a visit": news,
        "Weekly report (8 weeks)": report,
    }
    for name, times in rows.items():
        print(row(name, times))  # noqa: T201
    print(f"Clients found per search: median {statistics.median(found_counts)}")  # noqa: T201


if __name__ == "__main__":
    main()

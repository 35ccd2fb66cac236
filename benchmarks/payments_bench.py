"""Benchmark: one payment round of N awards — approved, disbursed to the provider simulator
(a real HTTP service, calling back this service's real API), confirmed by its callbacks and
reconciled against its statement — and the p95 of a ledger balance read.

    python benchmarks/payments_bench.py --awards 10000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/sn_bench

The database named is emptied and rebuilt (never point it at data you keep). Setting up the
enrolments and awards (through the real services) is not timed; the round is.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

SECRET = "benchmark provider secret"
DAY = date(2026, 11, 30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_store(url: str) -> None:
    from sqlalchemy import create_engine, text

    from safetynet import migrations
    from safetynet.db import make_engine

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()


def setup(n: int):
    """A council, a partner, two users, a funded scheme and n awards asked for."""
    from sqlalchemy import insert, select

    from safetynet.accounts import service as accounts
    from safetynet.accounts.permissions import Principal
    from safetynet.db import open_session
    from safetynet.payments import awards, schemes
    from safetynet.payments.models import Award, Enrolment, Payment

    with open_session() as db:
        accounts.create_organisation(db, name="Bench Council", kind="council", tenant="Bench",
                                     slug="bc", actor="bench")  # fmt: skip
        accounts.create_organisation(db, name="Bench Food Bank", kind="charity", tenant="Bench",
                                     slug="bf", actor="bench")  # fmt: skip
        people = {}
        for name, org, role in (("admin", "bc", "admin"), ("cw", "bf", "caseworker")):
            user = accounts.create_user(db, email=f"{name}@bench.example", full_name=name,
                                        organisation=org, role=role,
                                        password="a long bench passphrase",
                                        actor="bench")  # fmt: skip
            people[name] = Principal.of(user)
        schemes.create_fund(db, people["admin"], "Fund")
        schemes.add_money(db, people["admin"], "Fund", n * 5_000, "grant")
        scheme = schemes.create_scheme(db, people["admin"], schemes.SchemeTerms(
            slug="bench", name="Bench scheme", fund="Fund", budget_pence=n * 5_000,
            amount_pence=5_000, starts_on=DAY, partners=["bf"], methods=["provider"],
            approval_limits={"admin": 10**12}))  # fmt: skip
        first = schemes.enrol(db, people["cw"], scheme.id, schemes.Person("P0", True, "provider"))
        template = {c: getattr(first, c) for c in ("tenant_id", "scheme_id", "organisation_id",
                    "method", "consent_text", "consent_at", "enrolled_by")}  # fmt: skip
        db.execute(insert(Enrolment), [template | {"name": f"P{i}"} for i in range(1, n)])
        db.commit()
        ids = list(db.scalars(select(Enrolment.id).order_by(Enrolment.id)))
        # One award through the service; the rest written alike in bulk (setup is not timed).
        one = awards.request_award(db, people["cw"], awards.AwardRequest(ids[0], 5_000, DAY))
        award_row = {c: getattr(one, c) for c in ("tenant_id", "scheme_id", "organisation_id",
                     "amount_pence", "instalments", "frequency_days", "first_due", "total_pence",
                     "status", "requested_by", "requested_by_user_id")}  # fmt: skip
        award_ids = [one.id] + list(db.scalars(
            insert(Award).returning(Award.id, sort_by_parameter_order=True),
            [award_row | {"enrolment_id": e} for e in ids[1:]],
        ))  # fmt: skip
        payment = {"tenant_id": one.tenant_id, "scheme_id": scheme.id, "organisation_id":
                   one.organisation_id, "instalment": 1, "due_on": DAY, "amount_pence": 5_000,
                   "method": "provider", "status": "requested"}  # fmt: skip
        pairs = zip(award_ids[1:], ids[1:], strict=True)
        rows = [payment | {"award_id": a, "enrolment_id": e} for a, e in pairs]
        db.execute(insert(Payment), rows)
        db.commit()
    return people, scheme.id, award_ids


def serve_app(port: int):
    import uvicorn

    from safetynet.web.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def run_round(people, scheme_id: int, award_ids: list[int], sim) -> dict[str, float]:
    from sqlalchemy import func, select

    from safetynet.db import open_session
    from safetynet.payments import awards, reconcile, rounds
    from safetynet.payments.models import Payment

    timings: dict[str, float] = {}
    start = time.perf_counter()
    with open_session() as db:
        assert awards.approve_many(db, people["admin"], award_ids) == len(award_ids)
        timings["approve"] = time.perf_counter() - start
        done = rounds.disburse(db, people["admin"], scheme_id, method="provider", due_by=DAY)
        assert done.taken == len(award_ids)
        timings["disburse"] = time.perf_counter() - start - timings["approve"]
        while db.scalar(select(func.count()).where(Payment.status == "confirmed")) < len(award_ids):
            time.sleep(0.1)
        timings["confirmed"] = time.perf_counter() - start - sum(timings.values())
        with urllib.request.urlopen(f"{sim.url}/statement.csv") as response:
            data = response.read()
        found, _ = reconcile.import_statement(db, people["admin"], "statement.csv", data)
        assert found.counts == {"matched": len(award_ids)}, found.counts
        timings["reconcile"] = time.perf_counter() - start - sum(timings.values())
    timings["total"] = time.perf_counter() - start
    return timings


def balance_p95(reads: int = 1_000) -> float:
    from sqlalchemy import select

    from safetynet.db import open_session
    from safetynet.payments import ledger
    from safetynet.payments.models import LedgerAccount

    with open_session() as db:
        accounts = list(db.scalars(select(LedgerAccount.id)))
        took = []
        for i in range(reads):
            t = time.perf_counter()
            ledger.balance(db, accounts[i % len(accounts)])
            took.append((time.perf_counter() - t) * 1000)
            db.rollback()
    return statistics.quantiles(took, n=100)[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    if url.rstrip("/").endswith("/test"):
        raise SystemExit("Not the shared `test` database: name one of your own.")
    port = free_port()
    os.environ |= {"SAFETYNET_DATABASE_URL": url, "SAFETYNET_PAYMENTS_PROVIDER_SECRET": SECRET,
                   "SAFETYNET_ENVIRONMENT": "test",
                   "SAFETYNET_PAYMENTS_CALLBACK_URL":
                   f"http://127.0.0.1:{port}/api/v1/payments/provider-events"}  # fmt: skip
    from safetynet.payments.simulator import Provider, Simulator

    fresh_store(url)
    sim = Simulator(Provider(SECRET, seed=1)).start()
    os.environ["SAFETYNET_PAYMENTS_PROVIDER_URL"] = sim.url
    t = time.perf_counter()
    people, scheme_id, award_ids = setup(args.awards)
    print(f"setup (not timed): {time.perf_counter() - t:.1f} s")
    server = serve_app(port)
    timings = run_round(people, scheme_id, award_ids, sim)
    p95 = balance_p95()
    server.should_exit = True
    sim.stop()
    store = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print("| Store | Awards | Approve | Disburse | Callbacks confirmed | Reconcile | Total | "
          "Balance read p95 |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {store} | {args.awards:,} | {timings['approve']:.1f} s | {timings['disburse']:.1f} s "
          f"| {timings['confirmed']:.1f} s | {timings['reconcile']:.1f} s | "
          f"**{timings['total']:.1f} s** | {p95:.2f} ms |")  # fmt: skip


if __name__ == "__main__":
    main()

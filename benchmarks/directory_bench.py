"""How long the synthetic directory takes to make, write and read: the demo's step, the
matching engine's read (`providers`), one page of the public ORUK API and a whole export.

    python benchmarks/directory_bench.py --counsellors 20000 [--url postgresql+psycopg://...]

Without --url it uses a fresh SQLite file in a temporary folder. Prints a table, then JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from safetynet import migrations
from safetynet.accounts import service as accounts
from safetynet.accounts.models import Tenant
from safetynet.db import make_engine
from safetynet.directory import nearby, service, synthetic
from safetynet.paging import PageRequest, page_of


def _timed(results: dict[str, float], name: str, work):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = work()
    results[name] = round(time.perf_counter() - started, 2)
    return value


def run(url: str, counsellors: int) -> dict[str, object]:
    """Time each step on a fresh store at `url`."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrations.upgrade(engine)
    times: dict[str, float] = {}
    with Session(engine, expire_on_commit=False) as session:
        accounts.create_organisation(session, name="C", kind="council", tenant="Benchshire",
                                     actor="bench")  # fmt: skip
        tenant = session.scalar(select(Tenant))
        size = synthetic.Size(services=300, counsellors=counsellors, vacancies=200)
        feed = _timed(times, "generate", lambda: synthetic.directory(seed=1, area="B", size=size))
        _timed(times, "write", lambda: service.write_made_here(session, tenant.id, feed,
                                                               actor="bench"))  # fmt: skip
        found = _timed(times, "providers(counsellor)",
                       lambda: service.providers(session, tenant.id, "counsellor"))  # fmt: skip
        query = service.services_query(session, tenant.id, service.Filters(text="counselling"))
        _timed(times, "ORUK page (50, text filter)",
               lambda: page_of(session, query, PageRequest(3, 50)))  # fmt: skip
        # `postcode` and `proximity`: services whose areas cover the centre (300 GeoJSON
        # areas) with a place within 2 km of it (the postcode's placing is one indexed
        # look-up, left out here: no postcode directory is loaded)
        centre = nearby.Point(53.38, -1.47)
        near = service.services_query(session, tenant.id, service.Filters()).where(
            nearby.services_covering(session, tenant.id, centre),
            nearby.services_near(tenant.id, centre, 2000))
        _timed(times, "ORUK page (50, within 2 km)",
               lambda: page_of(session, near, PageRequest(1, 50)))  # fmt: skip
        exported = _timed(times, "export", lambda: service.export(session, tenant.id))
    engine.dispose()
    return {"store": engine.dialect.name, "counsellors": counsellors, "providers": len(found),
            "exported": len(exported["services"]), "seconds": times}  # fmt: skip


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counsellors", type=int, default=20_000)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        result = run(url, args.counsellors)
    rows = [f"| {step} | {seconds:.2f} |" for step, seconds in result["seconds"].items()]  # type: ignore[union-attr]
    print(f"store {result['store']}, {result['counsellors']:,} counsellors")  # noqa: T201
    print("| step | seconds |\n|---|---:|\n" + "\n".join(rows))  # noqa: T201
    print(json.dumps(result))  # noqa: T201


if __name__ == "__main__":
    main()

"""Benchmark: digital inclusion triage on a demo borough — reading the form, checking and
scoring answers, keeping triages one at a time (as the pages and API do) and in bulk (the
demo), and building the isolation-risk list and the needs by ward the dashboard shows.

    safetynet demo run --people 20000 --no-screen --no-payments   # with SAFETYNET_DATA_DIR=DIR
    python benchmarks/triage_bench.py --data-dir DIR --triages 2000

Uses the demo store in DIR (its triages are added to, so build a throwaway one). Prints a
table; times are wall-clock medians unless stated.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date


def _median(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--triages", type=int, default=2000)
    args = parser.parse_args()
    os.environ["SAFETYNET_DATA_DIR"] = args.data_dir
    os.environ.setdefault("SAFETYNET_ENVIRONMENT", "development")

    from sqlalchemy import func, select

    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.demo.triage import _answers, _caseworker
    from safetynet.link.models import Resident
    from safetynet.places.service import council_area
    from safetynet.triage import isolation, needs, questionnaire, service
    from safetynet.triage.forms import default_form, read_form
    from safetynet.triage.people import people

    rows: list[tuple[str, str]] = []
    read_s, form = _median(lambda: read_form(*default_form()), 20)
    rows.append(
        ("read and check the default XLSForm (pyxform + our checks)", f"{read_s * 1000:.1f} ms")
    )
    rng = random.Random(1)
    sets = [_answers(rng, rng.randint(18, 95)) for _ in range(2000)]
    started = time.perf_counter()
    for answers in sets:
        questionnaire.score(form, service.check_answers(form, answers))
    rate = len(sets) / (time.perf_counter() - started)
    rows.append(("check and score one triage's answers (pure)", f"{rate:,.0f} /s"))
    with open_session() as session:
        tenant = council_area(session, None)
        residents = session.scalar(select(func.count()).select_from(Resident).where(
            Resident.ended_by_run_id.is_(None)))  # fmt: skip
        found = [p for p in people(session, tenant.id).values() if p.dob]
        user = _caseworker(session, tenant.id)
        chosen = rng.sample(found, min(args.triages, len(found)))
        items = [(p.resident_id, _answers(rng, p.age(date.today()) or 40)) for p in chosen]
        started = time.perf_counter()
        service.store_triages(session, tenant.id, user.organisation_id, "user:bench", items,
                              channel="demo")  # fmt: skip
        bulk = time.perf_counter() - started
        rows.append((f"keep {len(items):,} triages in one transaction", f"{bulk:.2f} s"))
        principal = acting_as(session, user.email)
        singles = []
        for p, answers in zip(chosen[:30], (a for _, a in items[:30]), strict=True):
            started = time.perf_counter()
            service.take(session, principal, p.resident_id, answers, channel="api")
            singles.append(time.perf_counter() - started)
        rows.append(("take one triage (checks, scores, audits, commits), p50 of 30",
                     f"{statistics.median(singles) * 1000:.0f} ms"))  # fmt: skip
        iso_s, listed = _median(lambda: isolation.at_risk(session, tenant.id, date.today()), 5)
        rows.append((f"isolation-risk list ({len(listed):,} residents)", f"{iso_s:.2f} s"))
        ward_s, counts = _median(lambda: needs.needs_by_ward(session, tenant.id, date.today()), 5)
        total = sum(c["any"] for c in counts.values())
        rows.append((f"needs by ward ({total:,} residents with a need)", f"{ward_s:.2f} s"))
    print(f"Store: {residents:,} current residents")
    print("| What | Time |\n|---|---:|")
    for what, value in rows:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()

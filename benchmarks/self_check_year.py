"""Benchmark: one resident's self-check, per benefit year, as the result page runs it.

Run with `python benchmarks/self_check_year.py` (default: 25 households per year, years 2025
and 2026). For each year, in this process: the first (cold) check, which builds the engine's
shared system for that year, then `count` single-household checks of lone parents with
different earnings (warm), each through `service.check_household` as `selfcheck.run_check`
calls it. 2026 to 2027 runs the July 2025 Universal Credit reform modifier on every build;
2025 to 2026 skips it (entitlements/fastpath.py). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time


def household(year: int, earnings: int):  # type: ignore[no-untyped-def]
    """A lone parent of 30 with a child of 5, council rent £500 a month."""
    from safetynet.entitlements.schemas import parse_household

    return parse_household(
        {
            "year": year,
            "local_authority": "Sheffield",
            "tenure": "social_rent",
            "rent_monthly": 500,
            "people": [{"age": 30, "employment_income": earnings}, {"age": 5}],
        }
    )


def measure(year: int, count: int) -> dict[str, float]:
    """Seconds for the cold check, and the median and p95 of `count` warm ones."""
    from safetynet.entitlements import service

    started = time.perf_counter()
    service.check_household(household(year, 0), schemes=[])
    cold = time.perf_counter() - started
    times = []
    for i in range(count):
        started = time.perf_counter()
        service.check_household(household(year, 500 * (i + 1)), schemes=[])
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return {"cold": cold, "median": statistics.median(times), "p95": p95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=25)
    parser.add_argument("--years", type=int, nargs="+", default=[2025, 2026])
    args = parser.parse_args()
    import safetynet.entitlements.engine  # noqa: F401  (import time is not a check's)

    rows = [(year, measure(year, args.count)) for year in args.years]
    print("| Benefit year | First check (cold) | Median (warm) | p95 (warm) |")  # noqa: T201
    print("|---|---:|---:|---:|")  # noqa: T201
    for year, r in rows:
        print(  # noqa: T201
            f"| {year} to {year + 1} | {r['cold']:.1f} s | {r['median']:.2f} s | {r['p95']:.2f} s |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: entitlement screening of 100,000 synthetic households, naive engine vs ours.

Run with `python benchmarks/screening_bench.py` (defaults: 100,000 households, the naive
baseline on a 10,000-household sample because it runs at a few hundred a second). Each mode
runs in its own child process; the parent samples the resident memory of the child and its
workers together, every 0.1 s, for the peak. Prints a Markdown table.

Modes:
- naive: untouched policyengine-uk, one `Simulation(situation=...)` per chunk of 1,000;
- ours, 1 process: the fast path (`entitlements/fastpath.py`), identical households once;
- ours, N processes: the same over forked workers, as `engine.calculate(workers=N)` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished workers."""
    import resource

    used = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in used)


def worker(mode: str, count: int, seed: int, workers: int) -> None:
    """Generate the households, calculate them, print one JSON line of results."""
    from safetynet.entitlements import engine
    from safetynet.entitlements.synthetic import households

    started = time.perf_counter()
    items = households(count, seed=seed)
    generated = time.perf_counter()
    naive = mode == "naive"
    engine.calculate(items[:5], naive=naive)  # import and first build: not per-household cost
    warm = time.perf_counter()
    cpu_at_warm = cpu_seconds()
    results = engine.calculate(items, naive=naive, workers=workers)
    done = time.perf_counter()
    total = sum(sum(r.benefits.values()) for r in results)
    cpu = cpu_seconds()
    print(
        json.dumps(
            {
                "households": len(results),
                "distinct": len({h.model_dump_json() for h in items}),
                "generate_s": generated - started,
                "warm_s": warm - generated,
                "seconds": done - warm,
                "cpu_seconds": cpu - cpu_at_warm,
                "total_pence": total,
            }
        )
    )


def measure(mode: str, count: int, seed: int, workers: int) -> dict:
    """Run a mode in a child process; its result plus the peak RSS of it and its workers."""
    import psutil

    args = [sys.executable, __file__, "--worker", mode, str(count), str(seed), str(workers)]
    child = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    assert child.stdout is not None
    output = child.stdout.read()
    if child.returncode != 0:
        raise SystemExit(f"{mode} worker failed")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = peak / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--worker", nargs=4, metavar=("MODE", "COUNT", "SEED", "WORKERS"))
    args = parser.parse_args()
    if args.worker:
        mode, count, seed, workers = args.worker
        return worker(mode, int(count), int(seed), int(workers))
    runs = [
        ("naive (untouched engine), 1 process", "naive", args.naive_sample, 1),
        ("ours, 1 process", "ours", args.naive_sample, 1),
        (f"ours, {args.workers} processes", "ours", args.households, args.workers),
    ]
    load = os.getloadavg()[0]
    print(f"\nScreening benchmark: {os.cpu_count()} vCPU, load average {load:.1f} at start\n")
    print(
        "| Mode | Households | Distinct | Seconds | Households/s | CPU s | Households per "
        "CPU-second | Peak RSS (MB) | Total £ |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, mode, count, workers in runs:
        r = measure(mode, count, args.seed, workers)
        print(
            f"| {label} | {r['households']:,} | {r['distinct']:,} | {r['seconds']:.1f} | "
            f"{r['households'] / r['seconds']:,.0f} | {r['cpu_seconds']:.1f} | "
            f"{r['households'] / r['cpu_seconds']:,.0f} | {r['peak_rss_mb']:,.0f} | "
            f"{r['total_pence'] / 100:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

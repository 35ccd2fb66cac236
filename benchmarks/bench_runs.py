"""Running a benchmark worker in its own process: wall time, CPU time and peak RSS from the
kernel, limits that stop a run, and the phases a run reports as it goes."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def child(
    script: str, *args: str, limit_seconds: float = 0, limit_rss_mb: float = 0
) -> dict[str, Any]:
    """Run `script` with `args` as a worker: its JSON result (the last line it prints), with
    its own peak RSS (MB) and CPU seconds from the kernel. A worker over a limit is stopped:
    then the result says so and holds the phases it finished."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, script, *args], stdout=out, stderr=err, cwd=Path(script).parents[1]
        )
        stopped = ""
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            stopped = stopped or _over(process.pid, started, limit_seconds, limit_rss_mb)
            if stopped:
                process.kill()
            time.sleep(0.25)
        out.seek(0)
        err.seek(0)
        output, log = out.read(), err.read()
    if stopped:
        phases = [json.loads(line) for line in log.splitlines() if line.startswith('{"phase"')]
        result: dict[str, Any] = {"stopped": stopped, "times": {}}
        for phase in phases:
            result["times"][phase["phase"]] = phase["seconds"]
    elif status != 0:
        sys.stderr.write(log)
        raise SystemExit(f"worker {' '.join(args)} failed (status {status})")
    else:
        result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # the whole process, startup too
    result["process_seconds"] = time.perf_counter() - started
    return result


def _over(pid: int, started: float, limit_seconds: float, limit_rss_mb: float) -> str:
    """Why a running worker must stop, or "" while it is within its limits."""
    seconds = time.perf_counter() - started
    if limit_seconds and seconds > limit_seconds:
        return f"stopped after {seconds:.0f} s"
    if limit_rss_mb:
        status = Path(f"/proc/{pid}/status").read_text()
        found = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")]
        rss = found[0] if found else 0  # an exited process has no VmRSS line
        if rss / 1024 > limit_rss_mb:
            return f"stopped at {rss / 1024:,.0f} MB after {seconds:.0f} s"
    return ""


def time_training(training: Any, times: dict[str, float]) -> None:
    """Time each training step of the model without changing what it does."""
    steps = {
        "estimate_probability_two_random_records_match": "prior",
        "estimate_u_using_random_sampling": "u_sampling",
        "estimate_parameters_using_expectation_maximisation": "em",
    }
    for method, label in steps.items():
        setattr(training, method, _timed(getattr(training, method), label, times))


def _timed(function: Any, label: str, times: dict[str, float]) -> Any:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            times[label] = times.get(label, 0.0) + time.perf_counter() - start
            progress(label, times[label])

    return run


def lap(times: dict[str, float], name: str, since: float) -> float:
    """Record phase `name` as ending now; the time it ended, to start the next one from."""
    now = time.perf_counter()
    times[name] = now - since
    progress(name, times[name])
    return now


def progress(phase: str, seconds: float) -> None:
    """Tell the parent a phase ended (it reads these if the run is stopped part way)."""
    print(json.dumps({"phase": phase, "seconds": seconds}), file=sys.stderr, flush=True)


def warm_imports() -> None:
    """Import the heavy libraries before the clock starts, for both models alike."""
    import duckdb  # noqa: F401
    import splink  # noqa: F401
    import splink.comparison_library  # noqa: F401
    from splink.backends.duckdb import DuckDBAPI  # noqa: F401


def machine() -> str:
    """One line naming the machine, the libraries and how busy the machine is."""
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    libs = ", ".join(f"{p} {version(p)}" for p in ("splink", "duckdb", "polars"))
    return (
        f"{os.cpu_count()} vCPU {cpu}, {memory:.0f} GB RAM, Python {platform.python_version()}, "
        f"{libs}; load average {os.getloadavg()[0]:.2f} at start"
    )

"""Web load benchmark: signed-in page latency under 50 concurrent connections.

Builds a demo borough (about a quarter of its people end up as residents: `--people 400000`
gives about 100,000), serves it with `safetynet serve`, signs in as the demo analyst, and drives
each page with `wrk` from a second process: a closed loop, no think time, after a warm-up.
Prints p50/p95/p99 latency and requests per second per page. Audit writes are included (every
resident page view writes an audit event).

    python benchmarks/web_load.py --people 400000                      # SQLite
    SAFETYNET_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/safetynet_bench \\
        python benchmarks/web_load.py --people 400000 --reuse

Needs `wrk` (Debian: `apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

LUA = """
math.randomseed(os.time())
local ids = {}
for id in string.gmatch(os.getenv("RESIDENT_IDS") or "", "%d+") do ids[#ids + 1] = id end
request = function()
  local path = wrk.path
  if #ids > 0 and string.find(path, "{id}") then
    path = string.gsub(path, "{id}", ids[math.random(#ids)])
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %.1f %d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(env: dict[str, str], people: int) -> str:
    """Run `demo run` and return the analyst's password from what it prints."""
    out = subprocess.run(
        [sys.executable, "-m", "safetynet", "demo", "run", "--people", str(people), "--no-screen"],
        env=env | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"analyst@council\.demo\.example\s+password: (\S+)", out)
    assert found, out[-2000:]
    return found.group(1)


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "safetynet", "serve", "--port", str(port), "--no-worker"]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(  # its own process group, so its workers can be stopped with it
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the server did not start: " + (process.stderr.read() or b"").decode()[-2000:])


def settle(server: subprocess.Popen, limit: float = 300) -> float:
    """Wait until the server's processes are idle: each web process loads the entitlement
    engine in the background after it starts, which would otherwise be measured as load."""
    import psutil

    started = time.perf_counter()
    root = psutil.Process(server.pid)
    quiet = 0

    def cpu(processes: list[psutil.Process]) -> float:
        total = 0.0
        for process in processes:
            try:
                total += process.cpu_percent(interval=None)
            except psutil.NoSuchProcess:  # a worker replaced by uvicorn: the next round sees it
                pass
        return total

    while time.perf_counter() - started < limit and quiet < 3:
        processes = [root, *root.children(recursive=True)]
        cpu(processes)
        time.sleep(1)
        quiet = quiet + 1 if cpu(processes) < 10 else 0
    return time.perf_counter() - started


def sign_in(base: str, email: str, password: str) -> str:
    """The session cookie header of a signed-in analyst."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        signed = client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/"},
        )
        assert signed.status_code in (302, 303), signed.text[:500]
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def resident_ids(env: dict[str, str], limit: int = 2000) -> str:
    code = (
        "from sqlalchemy import select\n"
        "from safetynet.db import open_session\n"
        "from safetynet.link.models import Resident\n"
        "with open_session() as s:\n"
        f"    ids = s.scalars(select(Resident.id).where(Resident.merged_into_id.is_(None)"
        f", Resident.ended_by_run_id.is_(None)).limit({limit})).all()\n"
        "print(' '.join(map(str, ids)))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def drive(base: str, path: str, cookie: str, ids: str, args: argparse.Namespace, lua: Path):
    """Warm up, then measure one page; returns (p50 ms, p95 ms, p99 ms, requests, rps, errors)."""
    env = os.environ | {"RESIDENT_IDS": ids}
    common = ["wrk", "-t2", f"-c{args.connections}", "-s", str(lua), "-H", f"Cookie: {cookie}"]
    common += ["--timeout", "10s"]
    subprocess.run([*common, f"-d{args.warmup}s", base + path], env=env, capture_output=True)
    done = subprocess.run(
        [*common, f"-d{args.seconds}s", base + path], env=env, capture_output=True, text=True
    )
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) ([\d.]+) (\d+)", done.stdout)
    assert found and int(found.group(4)), done.stdout + done.stderr
    p50, p95, p99, total = (int(found.group(i)) for i in range(1, 5))
    return p50 / 1000, p95 / 1000, p99 / 1000, total, float(found.group(5)), int(found.group(6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=400_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the store here")
    parser.add_argument("--reuse", action="store_true", help="serve the store already built")
    parser.add_argument("--pages", default="/,/decisions,/gaps,/residents/{id}")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="safetynet-load-"))
    env = os.environ | {"SAFETYNET_DATA_DIR": str(data), "SAFETYNET_ENVIRONMENT": "development"}
    started = time.perf_counter()
    password_file = data / "analyst-password"
    if args.reuse and password_file.exists():
        password = password_file.read_text().strip()
    else:
        password = build(env, args.people)
        password_file.write_text(password)
    built = time.perf_counter() - started
    ids = resident_ids(env)
    port = free_port()
    server = serve(env, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    lua = data / "load.lua"
    lua.write_text(LUA)
    try:
        settled = settle(server)
        cookie = sign_in(base, "analyst@council.demo.example", password)
        store = "PostgreSQL" if "postgresql" in env.get("SAFETYNET_DATABASE_URL", "") else "SQLite"
        print(
            f"store {store}; {args.people:,} people; built in {built:.0f} s; "
            f"{args.connections} connections, {args.seconds} s after {args.warmup} s warm-up, "
            f"{args.workers} server workers (idle after {settled:.0f} s)"
        )
        print(
            f"{'page':<18}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'requests':>10}"
            f"{'errors':>8}"
        )
        for path in args.pages.split(","):
            p50, p95, p99, total, rps, errors = drive(base, path, cookie, ids, args, lua)
            print(f"{path:<18}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}{rps:>9.1f}{total:>10,}{errors:>8}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers still busy with requests: stop them now
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()

"""A link run killed midway (kill -9) leaves the previous residents as they were."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.nostore


def safetynet(data: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYNET_")}
    env |= {"SAFETYNET_DATA_DIR": str(data), "SAFETYNET_ENVIRONMENT": "test"}
    command = [sys.executable, "-c", "from safetynet.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def state(store: Path) -> tuple[list, list]:
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        links = db.execute(
            "SELECT record_id, resident_id, run_id FROM resident_records ORDER BY record_id"
        ).fetchall()
        runs = db.execute("SELECT id, status FROM link_runs ORDER BY id").fetchall()
    return links, runs


def test_a_run_killed_at_any_moment_leaves_the_previous_residents_intact(tmp_path):
    built = safetynet(tmp_path, "demo", "run", "--people", "1500", "--seed", "4")
    assert built.wait(timeout=300) == 0, built.stdout.read().decode() if built.stdout else ""
    store = next(tmp_path.glob("*.db"))
    before, first_runs = state(store)
    assert before and first_runs == [(1, "finished")]
    started = time.perf_counter()
    whole = safetynet(tmp_path, "link", "run")
    assert whole.wait(timeout=300) == 0
    took = time.perf_counter() - started
    before, runs = state(store)
    for share in (0.6, 0.9, 0.97):
        killed = safetynet(tmp_path, "link", "run")
        time.sleep(took * share)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        after, runs_after = state(store)
        if runs_after == runs:  # killed before it committed: nothing of it is left
            assert after == before
        else:  # it had committed whole: one more finished run, every record placed by it
            assert runs_after[-1][1] == "finished" and len(runs_after) == len(runs) + 1
            assert {run for _, _, run in after} == {runs_after[-1][0]}
            before, runs = after, runs_after

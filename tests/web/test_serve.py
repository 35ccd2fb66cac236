"""`safetynet serve` never leaves its background worker running on its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

pytestmark = pytest.mark.nostore


def test_killing_the_server_stops_its_worker_too(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYNET_")}
    env |= {"SAFETYNET_DATA_DIR": str(tmp_path), "SAFETYNET_ENVIRONMENT": "test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "safetynet", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        workers = psutil.Process(server.pid).children()
        assert len(workers) == 1 and "worker" in " ".join(workers[0].cmdline())
        server.send_signal(signal.SIGKILL)  # no chance to clean up
        server.wait()
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert alive == []
    finally:
        if server.poll() is None:
            server.kill()

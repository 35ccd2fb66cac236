"""A small payment provider that runs on this machine, for tests and the demo: a real HTTP
service (`safetynet payments simulator --port 8200`) behaving like a voucher or cash-out
provider, faults included.

- `POST /transfers` `{"transfers": [{"reference", "amount_pence", "payee"}], "callback_url"}`
  accepts each transfer once by its reference: a reference it has seen is answered as a
  duplicate and never becomes a second transfer.
- Later it calls `callback_url` back with signed batches of events (`accepted`, then
  `succeeded` or `failed`), header `X-Provider-Signature: sha256=<HMAC of the body>`.
- `GET /transfers/<reference>`, `GET /stats` (how many transfers, by status) and
  `GET /statement.csv` (the provider's statement: reference, amount, status, value date).

Faults, each a probability (`Faults`): answer a submission only after the client has given up
(the transfers are still made), fail a transfer, send an event twice; and `reorder` shuffles
each batch of events, so a transfer's `succeeded` can arrive before its `accepted`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Provider-Signature"
BATCH = 500


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Faults:
    """How badly the provider behaves (probabilities from 0 to 1)."""

    timeout: float = 0.0  # answer a submission late (after `slow_seconds`)
    fail: float = 0.0  # a transfer fails
    duplicate: float = 0.0  # an event is delivered twice
    reorder: bool = False  # each batch of events is shuffled
    hold: bool = False  # keep events back (a provider slow to call back) until released
    slow_seconds: float = 5.0


@dataclass
class Transfer:
    """A transfer the provider holds."""

    reference: str
    amount_pence: int
    payee: str
    status: str = "accepted"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


class Provider:
    """The provider's state: transfers by reference, and the events waiting to be sent."""

    def __init__(self, secret: str, faults: Faults | None = None, seed: int | None = None):
        self.secret, self.faults = secret, faults or Faults()
        self.random = random.Random(seed)
        self.transfers: dict[str, Transfer] = {}
        self.outbox: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.submissions = 0
        self.deliveries = 0
        self.busy = False  # a batch is being delivered

    def submit(self, items: list[dict[str, Any]], callback_url: str | None) -> dict[str, Any]:
        """Take a batch of transfers; each reference becomes at most one transfer."""
        accepted, duplicates = [], []
        with self.lock:
            self.submissions += 1
            for item in items:
                reference = str(item["reference"])
                if reference in self.transfers:
                    duplicates.append(reference)
                    continue
                self.transfers[reference] = Transfer(
                    reference, int(item["amount_pence"]), str(item.get("payee", ""))
                )
                accepted.append(reference)
                if callback_url:
                    self._events(reference, callback_url)
        self.wake.set()
        return {"accepted": accepted, "duplicates": duplicates}

    def _events(self, reference: str, url: str) -> None:
        outcome = "failed" if self.random.random() < self.faults.fail else "succeeded"
        self.transfers[reference].status = outcome
        for status in ("accepted", outcome):
            event = {"event_id": f"{reference}:{status}", "reference": reference, "status": status}
            copies = 2 if self.random.random() < self.faults.duplicate else 1
            self.outbox += [(url, event)] * copies

    def late(self) -> bool:
        """Whether to answer this submission only after the client has given up."""
        return self.random.random() < self.faults.timeout

    def stats(self) -> dict[str, Any]:
        """How many transfers, by status; submissions and callback deliveries made."""
        with self.lock:
            by_status: dict[str, int] = {}
            for transfer in self.transfers.values():
                by_status[transfer.status] = by_status.get(transfer.status, 0) + 1
            return {
                "transfers": len(self.transfers),
                "by_status": by_status,
                "submissions": self.submissions,
                "deliveries": self.deliveries,
                "waiting": len(self.outbox),
            }

    def statement(self) -> str:
        """The provider's statement of settled transfers, as CSV (amounts in pounds)."""
        lines = ["reference,amount,status,value_date"]
        with self.lock:
            for t in sorted(self.transfers.values(), key=lambda t: t.reference):
                status = "paid" if t.status == "succeeded" else "failed"
                pounds = f"{t.amount_pence // 100}.{t.amount_pence % 100:02d}"
                lines.append(f"{t.reference},{pounds},{status},{t.created:%Y-%m-%d}")
        return "\n".join(lines) + "\n"

    def take_batch(self) -> list[tuple[str, dict[str, Any]]]:
        """The next events to deliver (shuffled when reordering)."""
        with self.lock:
            batch, self.outbox = self.outbox[:BATCH], self.outbox[BATCH:]
        if self.faults.reorder:
            self.random.shuffle(batch)
            batch.reverse()
        return batch

    def deliver_forever(self, stop: threading.Event) -> None:
        """Send waiting events to their callback URLs, retrying a batch that was refused."""
        while not stop.is_set():
            self.wake.wait(0.2)
            self.wake.clear()
            while not self.faults.hold and (batch := self.take_batch()):
                self.busy = True
                delivered = self._deliver(batch, stop)
                if not delivered:
                    with self.lock:
                        self.outbox = batch + self.outbox
                self.busy = False
                if not delivered:
                    break

    def _deliver(self, batch: list[tuple[str, dict[str, Any]]], stop: threading.Event) -> bool:
        by_url: dict[str, list[dict[str, Any]]] = {}
        for url, event in batch:
            by_url.setdefault(url, []).append(event)
        for url, events in by_url.items():
            body = json.dumps({"events": events}).encode()
            request = urllib.request.Request(url, data=body, method="POST")
            request.add_header("Content-Type", "application/json")
            request.add_header(SIGNATURE_HEADER, sign(self.secret, body))
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                self.deliveries += 1
            except OSError as error:  # refused or down: try the batch again shortly
                log.info("callback delivery failed (%s); retrying", error)
                stop.wait(0.5)
                return False
        return True


def handler_for(provider: Provider) -> type[BaseHTTPRequestHandler]:
    """The HTTP handler class serving `provider`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug(format, *args)

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/transfers":
                self._send(404, b'{"error": "not found"}')
                return
            size = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(size) or b"{}")
                answer = provider.submit(body["transfers"], body.get("callback_url"))
            except (ValueError, KeyError, TypeError):
                self._send(400, b'{"error": "send {\\"transfers\\": [...]}"}')
                return
            if provider.late():
                time.sleep(provider.faults.slow_seconds)
            self._send(200, json.dumps(answer).encode())

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/stats":
                self._send(200, json.dumps(provider.stats()).encode())
            elif self.path == "/statement.csv":
                self._send(200, provider.statement().encode(), "text/csv")
            elif self.path.startswith("/transfers/"):
                found = provider.transfers.get(self.path.rsplit("/", 1)[-1])
                if found is None:
                    self._send(404, b'{"error": "no such transfer"}')
                else:
                    self._send(200, json.dumps({"reference": found.reference,
                                                "status": found.status}).encode())  # fmt: skip
            else:
                self._send(404, b'{"error": "not found"}')

    return Handler


class Simulator:
    """The provider served on a port, with its callback sender, until `stop`."""

    def __init__(self, provider: Provider, host: str = "127.0.0.1", port: int = 0) -> None:
        self.provider = provider
        self.server = ThreadingHTTPServer((host, port), handler_for(provider))
        self.server.daemon_threads = True
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.server.serve_forever, daemon=True),
            threading.Thread(target=provider.deliver_forever, args=(self.stopping,), daemon=True),
        ]

    @property
    def url(self) -> str:
        """The base URL it answers on."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Simulator:
        """Serve in background threads."""
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and sending."""
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def settle(self, seconds: float = 30) -> bool:
        """Wait until every event has been delivered; False if some are still waiting."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.provider.outbox and not self.provider.busy:
                time.sleep(0.05)
                if not self.provider.outbox and not self.provider.busy:
                    return True
            time.sleep(0.05)
        return False

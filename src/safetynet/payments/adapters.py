"""Ways money reaches people, behind one interface: `submit` a batch of instructions and learn
which the adapter has taken. A round (`payments.rounds`) does the bookkeeping either way.

- `ProviderAdapter`: a voucher or cash-out provider over HTTP (the simulator in tests and the
  demo). Each transfer carries the attempt's reference; the provider makes at most one
  transfer per reference, so resending after a crash or a timeout is safe. Outcomes arrive
  later as signed callbacks (`payments.callbacks`).
- `BacsAdapter`: a Standard 18 file for the council's finance system; outcomes come from the
  bank statement (`payments.reconcile`).
- Cash handed over by a partner is recorded payment by payment (`payments.rounds.hand_over`),
  not sent in rounds.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from safetynet.errors import SafetynetError
from safetynet.payments import bacs

SUBMIT_BATCH = 1_000


class ProviderUnavailable(SafetynetError):
    """The provider did not answer (in time); the round can be run again safely."""

    status = 503
    title = "Payment provider unavailable"


@dataclass(frozen=True)
class Instruction:
    """One payment to make: the attempt's reference, the amount and the payee."""

    reference: str
    pence: int
    payee: str
    sort_code: str | None = None
    account: str | None = None
    account_name: str | None = None


@dataclass
class Submitted:
    """What the adapter took: references it holds now (new or seen before), and any file."""

    taken: list[str] = field(default_factory=list)
    file: bytes | None = None


class Adapter(Protocol):
    """A way to pay: takes a batch of instructions, says which it has taken."""

    name: str

    def submit(self, instructions: list[Instruction]) -> Submitted:
        """Hand these instructions over."""
        ...


class ProviderAdapter:
    """Transfers through a provider's HTTP API, in batches."""

    name = "provider"

    def __init__(self, url: str, *, callback_url: str | None, timeout: float) -> None:
        self.url, self.callback_url, self.timeout = url.rstrip("/"), callback_url, timeout

    def submit(self, instructions: list[Instruction]) -> Submitted:
        """Send the transfers in batches; every reference the provider answered for."""
        taken: list[str] = []
        for start in range(0, len(instructions), SUBMIT_BATCH):
            taken += self._send(instructions[start : start + SUBMIT_BATCH])
        return Submitted(taken)

    def _send(self, batch: list[Instruction]) -> list[str]:
        body = {
            "transfers": [
                {"reference": i.reference, "amount_pence": i.pence, "payee": i.payee} for i in batch
            ],
            "callback_url": self.callback_url,
        }
        request = urllib.request.Request(
            f"{self.url}/transfers", data=json.dumps(body).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise ProviderUnavailable(
                "The payment provider did not answer. Nothing is lost: run the round again and "
                "it resends the same transfers, which the provider recognises."
            ) from error
        return list(answer.get("accepted", [])) + list(answer.get("duplicates", []))


class BacsAdapter:
    """A Standard 18 file of the round's credits; every instruction is taken into it."""

    name = "bacs"

    def __init__(self, originator: bacs.Originator, day: date, serial: str) -> None:
        self.originator, self.day, self.serial = originator, day, serial

    def submit(self, instructions: list[Instruction]) -> Submitted:
        """The file for these instructions (all of them are in it)."""
        credits = [
            bacs.Credit(
                i.sort_code or "", i.account or "", i.account_name or i.payee, i.reference, i.pence
            )
            for i in instructions
        ]
        data = bacs.standard18(self.originator, self.day, self.serial, credits)
        return Submitted([i.reference for i in instructions], data)

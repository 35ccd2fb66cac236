"""The provider's callbacks: signed batches of events about transfers, applied once each.

An event is kept by its id (a repeat of one already kept is ignored), and each is applied as a
compare-and-set on the attempt (`accepted` notes the provider took it; `succeeded` / `failed`
settle a pending attempt once). Events can therefore arrive twice, or in any order — a
transfer's `succeeded` before its `accepted` — and each payment still changes state once.
"""

from __future__ import annotations

import hmac
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import String, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from safetynet.config import DEV_SECRET, get_settings
from safetynet.db import UTCDateTime, utcnow
from safetynet.errors import InvalidInput, SafetynetError
from safetynet.payments import attempts, bulk
from safetynet.payments.models import Attempt, ProviderEvent
from safetynet.payments.simulator import sign
from safetynet.payments.work import unit_of_work

STATUSES = ("accepted", "succeeded", "failed")
ACTOR = "provider"


class BadSignature(SafetynetError):
    """A callback that is not signed with the shared secret."""

    status = 401
    title = "Not signed"


def verify(body: bytes, signature: str | None, secret: str) -> None:
    """Refuse a body whose signature is missing or wrong (compared in constant time)."""
    if not signature or not hmac.compare_digest(sign(secret, body), signature):
        raise BadSignature("The callback's signature is missing or wrong.")


def parse(body: bytes) -> list[dict[str, str]]:
    """The events of a callback body, checked; repeats within the body dropped."""
    try:
        events = json.loads(body)["events"]
        found = {
            str(e["event_id"]): {
                "event_id": str(e["event_id"])[:64],
                "reference": str(e["reference"])[:18],
                "status": str(e["status"]),
            }
            for e in events
        }
    except (ValueError, KeyError, TypeError):
        raise InvalidInput('Send {"events": [{"event_id", "reference", "status"}, ...]}.') from None
    if any(e["status"] not in STATUSES for e in found.values()):
        raise InvalidInput(f"status: each event's status is one of {', '.join(STATUSES)}.")
    return list(found.values())


def _keep_new(session: Session, events: list[dict[str, str]]) -> list[dict[str, str]]:
    """Store the events not seen before; those (a repeat is skipped by the store)."""
    if not events:
        return []
    if bulk.on_postgres(session):
        kept = set(session.scalars(_insert_new_postgres(events)))
    else:
        rows = [e | {"outcome": "received", "received_at": utcnow()} for e in events]
        kept = set(
            session.scalars(
                sqlite.insert(ProviderEvent)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(ProviderEvent.event_id)
            )
        )
    return [e for e in events if e["event_id"] in kept]


def _insert_new_postgres(events: list[dict[str, str]]) -> Any:
    """One INSERT of the events from three array parameters (a constant statement, however
    many events), skipping ids already kept."""

    def column(name: str) -> Any:
        values = [e[name] for e in events]
        return func.unnest(bindparam(None, values, type_=postgresql.ARRAY(String)))

    rows = select(column("event_id"), column("reference"), column("status"),
                  literal("received"), literal(utcnow(), UTCDateTime()))  # fmt: skip
    return (
        postgresql.insert(ProviderEvent)
        .from_select(["event_id", "reference", "status", "outcome", "received_at"], rows)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProviderEvent.event_id)
    )


def _tenants(session: Session, references: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = sorted(references)
    for chunk in bulk.chunks(session, wanted):
        rows = session.execute(
            select(Attempt.reference, Attempt.tenant_id).where(
                bulk.among(session, Attempt.reference, chunk)
            )
        ).all()
        found |= {str(r): int(t) for r, t in rows}
    return found


@unit_of_work
def receive(session: Session, body: bytes, signature: str | None) -> dict[str, Any]:
    """Check and apply one callback body; how many events were new, applied, and unknown."""
    settings = get_settings()
    if settings.environment == "production" and settings.payments_provider_secret == DEV_SECRET:
        # No secret was agreed with a provider: the development one is public, so nothing
        # signed with it may move money.
        raise BadSignature("This service takes no provider callbacks: no provider is set up.")
    verify(body, signature, settings.payments_provider_secret)
    new = _keep_new(session, parse(body))
    tenants = _tenants(session, {e["reference"] for e in new})
    grouped: dict[tuple[int, str], list[str]] = defaultdict(list)
    for event in new:
        if event["reference"] in tenants:
            grouped[(tenants[event["reference"]], event["status"])].append(event["reference"])
    changed = 0
    for (tenant_id, status), references in sorted(grouped.items(), key=lambda kv: kv[0][1]):
        if status == "accepted":
            attempts.acknowledge(session, tenant_id, references)
        else:
            changed += len(attempts.resolve(session, tenant_id, references, status, actor=ACTOR))
    session.commit()
    unknown = sum(1 for e in new if e["reference"] not in tenants)
    return {"received": len(new), "payments_changed": changed, "unknown": unknown}

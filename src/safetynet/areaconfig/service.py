"""Read and write a council area's own configuration items.

Readers ask for `items(session, tenant_id, kind)`; `stamp` is a short fingerprint of every item
the area holds (keys, versions and when each was written: an item reverted and written again
starts at version 1 again), so a cache keyed by area and stamp is never stale.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.areaconfig.models import KINDS, AreaConfig
from safetynet.db import utcnow


def items(session: Session, tenant_id: int, kind: str) -> dict[str, dict[str, Any]]:
    """The area's own items of one kind: key -> body (in key order)."""
    rows = session.scalars(
        select(AreaConfig)
        .where(AreaConfig.tenant_id == tenant_id, AreaConfig.kind == kind)
        .order_by(AreaConfig.key)
    )
    return {row.key: row.body for row in rows}


def stamp(session: Session, tenant_id: int) -> str:
    """A fingerprint of what the area holds: changes whenever an item is added or changed."""
    rows = session.execute(
        select(AreaConfig.kind, AreaConfig.key, AreaConfig.version, AreaConfig.updated_at)
        .where(AreaConfig.tenant_id == tenant_id)
        .order_by(AreaConfig.kind, AreaConfig.key)
    ).all()
    if not rows:
        return ""
    text = ";".join(
        f"{kind}/{key}/{version}/{when:%Y%m%d%H%M%S%f}" for kind, key, version, when in rows
    )
    return hashlib.sha256(f"{tenant_id}:{text}".encode()).hexdigest()[:16]


def put(
    session: Session,
    tenant_id: int,
    kind: str,
    key: str,
    body: dict[str, Any],
    *,
    actor: str,
    source: str,
    pack: str | None = None,
) -> AreaConfig:
    """Add or replace one item of the area's (flushed, not committed: the caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown configuration kind '{kind}'.")
    row = session.scalar(
        select(AreaConfig).where(
            AreaConfig.tenant_id == tenant_id, AreaConfig.kind == kind, AreaConfig.key == key
        )
    )
    if row is None:
        row = AreaConfig(tenant_id=tenant_id, kind=kind, key=key, version=0)
        session.add(row)
    row.body = body
    row.version += 1
    row.source = source[:200]
    row.updated_at = utcnow()
    row.updated_by = actor[:200]
    row.pack_sha256 = pack
    session.flush()
    return row


def rows(session: Session, tenant_id: int) -> list[AreaConfig]:
    """Every item the area holds, by kind and key."""
    return list(
        session.scalars(
            select(AreaConfig)
            .where(AreaConfig.tenant_id == tenant_id)
            .order_by(AreaConfig.kind, AreaConfig.key)
        )
    )

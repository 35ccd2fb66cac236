"""Export a council's configuration as a pack, read and check a pack, show what it would
change, and apply it all or nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from safetynet import __version__, audit
from safetynet.accounts.models import Tenant
from safetynet.errors import InvalidInput, NotFound
from safetynet.packs import sections
from safetynet.packs.diff import ADDED, CHANGED, SectionDiff, section_diff
from safetynet.packs.schemas import (
    FORMAT,
    MAX_PACK_BYTES,
    VERSION,
    Manifest,
    PackFile,
    Part,
    checksum,
)
from safetynet.packs.sections import Items, State, dump
from safetynet.packs.staging import Staging
from safetynet.packs.validation import check_envelope, check_items


@dataclass(frozen=True)
class Incoming:
    """A pack that passed every check: its manifest, the file's sha256 and its items."""

    manifest: Manifest
    sha256: str
    items: State


@dataclass
class PackDiff:
    """What applying a pack would do here, and a fingerprint of what is in force now."""

    manifest: Manifest
    sha256: str
    sections: list[SectionDiff]
    state: str

    @property
    def changes(self) -> int:
        """Items the pack would add or change."""
        return sum(s.count(ADDED) + s.count(CHANGED) for s in self.sections)

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per section, for the audit log and the API."""
        return {
            s.name: {k: s.count(k) for k in (ADDED, CHANGED, "unchanged")} | {"kept": s.kept}
            for s in self.sections
        }


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("There is no such council area.")
    return tenant


def current_state(session: Session, tenant_id: int) -> State:
    """Everything every section has in force for the area now."""
    return {s.name: s.current(session, tenant_id) for s in sections.ordered()}


def build_pack(session: Session, tenant_id: int) -> dict[str, Any]:
    """The area's configuration as a pack (a JSON-ready dict)."""
    state = current_state(session, tenant_id)
    body = {name: {key: dump(item) for key, item in items.items()} for name, items in state.items()}
    manifest = Manifest(
        source_council=_tenant(session, tenant_id).name,
        created_at=datetime.now(UTC).replace(microsecond=0),
        app_version=__version__,
        parts={
            name: Part(sha256=checksum(items), items=len(items)) for name, items in body.items()
        },
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "manifest": manifest.model_dump(mode="json"),
        "sections": body,
    }


def export_pack(session: Session, tenant_id: int, *, actor: str) -> bytes:
    """The area's pack as file bytes; the export is audited."""
    pack = build_pack(session, tenant_id)
    data = json.dumps(pack, indent=2, ensure_ascii=False).encode()
    audit.record(
        session,
        actor=actor,
        action="pack.export",
        entity_type="tenant",
        entity_id=tenant_id,
        tenant_id=tenant_id,
        detail={"sha256": hashlib.sha256(data).hexdigest(), "items": _counts(pack)},
    )
    session.commit()
    return data


def _counts(pack: dict[str, Any]) -> dict[str, int]:
    return {name: len(items) for name, items in pack["sections"].items()}


def read_pack(data: bytes, name: str = "The pack") -> Incoming:
    """A pack from file bytes, after every check: size, JSON, format and version, manifest,
    checksums, known sections, and each item against its section's schema."""
    if len(data) > MAX_PACK_BYTES:
        raise InvalidInput(
            f"{name} is {len(data):,} bytes: a pack may be at most {MAX_PACK_BYTES:,} bytes."
        )
    pack: PackFile = check_envelope(data, name)
    items = check_items(pack, name)
    return Incoming(pack.manifest, hashlib.sha256(data).hexdigest(), items)


def diff_pack(session: Session, tenant_id: int, incoming: Incoming) -> PackDiff:
    """What applying the pack would add and change here, field by field."""
    state = current_state(session, tenant_id)
    found = []
    for section in sections.ordered():
        if section.name not in incoming.items:
            continue
        now = {k: dump(v) for k, v in state[section.name].items()}
        then = {k: dump(v) for k, v in incoming.items[section.name].items()}
        found.append(section_diff(section.name, section.title, now, then))
    return PackDiff(incoming.manifest, incoming.sha256, found, _fingerprint(state))


def _fingerprint(state: State) -> str:
    return checksum({n: {k: dump(v) for k, v in items.items()} for n, items in state.items()})


def _changed(incoming: Incoming, found: PackDiff) -> dict[str, Items]:
    """Per section, the pack's items that are added or changed."""
    return {
        s.name: {i.key: incoming.items[s.name][i.key] for i in s.items if i.status != "unchanged"}
        for s in found.sections
    }


def _check_after(session: Session, tenant_id: int, changed: dict[str, Items]) -> None:
    """Refuse a pack that would leave the configuration inconsistent (e.g. a rule naming a
    programme that neither the pack nor this council has)."""
    state = current_state(session, tenant_id)
    for name, items in changed.items():
        state[name] = {**state[name], **items}
    checks = {s.check for s in sections.ordered() if s.check is not None}
    problems = [p for check in checks for p in check(state)]
    if problems:
        raise InvalidInput(
            "Applying this pack would leave the configuration inconsistent.",
            details=sorted(set(problems)),
        )


def apply_pack(
    session: Session,
    tenant_id: int,
    data: bytes,
    *,
    actor: str,
    expect_state: str | None = None,
    name: str = "The pack",
) -> PackDiff:
    """Apply a pack's added and changed items, all or nothing, audited. `expect_state` is the
    fingerprint of the diff the person confirmed: if the configuration changed since, nothing
    is applied and they are asked to look again."""
    incoming = read_pack(data, name)
    found = diff_pack(session, tenant_id, incoming)
    if expect_state is not None and expect_state != found.state:
        raise InvalidInput(
            "The configuration here changed after the differences were shown: nothing was "
            "applied. Look at the differences again and confirm."
        )
    changed = {k: v for k, v in _changed(incoming, found).items() if v}
    _check_after(session, tenant_id, changed)
    staging = Staging(actor, pack=incoming.sha256)
    source = incoming.manifest.source_council
    for section in sections.ordered():
        if section.name in changed:
            section.stage(session, tenant_id, staging, changed[section.name], source)
    _record(session, tenant_id, actor, found)
    _commit(session, tenant_id, staging, changed)
    return found


def _record(session: Session, tenant_id: int, actor: str, found: PackDiff) -> None:
    audit.record(
        session,
        actor=actor,
        action="pack.apply",
        entity_type="tenant",
        entity_id=tenant_id,
        tenant_id=tenant_id,
        detail={
            "source_council": found.manifest.source_council,
            "created_at": found.manifest.created_at.isoformat(),
            "sha256": found.sha256,
            "sections": found.summary(),
        },
    )


def _commit(session: Session, tenant_id: int, staging: Staging, changed: dict[str, Items]) -> None:
    """Write any staged files (a section registered by another domain may stage files; the
    shipped sections write rows of the area's configuration in the session), check the
    result is what the pack says, commit; else undo all."""
    try:
        staging.write()
        session.flush()
        staging.swap()
        _verify(session, tenant_id, changed)
        session.commit()
    except BaseException:
        staging.undo()
        session.rollback()
        raise
    staging.done()


def _verify(session: Session, tenant_id: int, changed: dict[str, Items]) -> None:
    """Every applied item is now in force for the area as the pack has it (a safety net: the
    area's own items are read last, so nothing should redefine them)."""
    state = current_state(session, tenant_id)
    wrong = [
        f"{sections.get(name).title}: '{key}' is still different after applying."
        for name, items in changed.items()
        for key, item in items.items()
        if key not in state[name] or dump(state[name][key]) != dump(item)
    ]
    if wrong:
        raise InvalidInput("The pack could not take effect: nothing was applied.", details=wrong)


def item_schema(name: str) -> type[BaseModel]:
    """The schema of one item of a section (for the docs and the API)."""
    return sections.get(name).item

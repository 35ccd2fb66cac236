"""What a council area holds of its own configuration, how each item differs from the
deployment's default, and undoing it: one item, or everything one pack applied.

`area_config` keeps only the item in force (with a version counting its changes). A revert
deletes the area's row, so the deployment's default is in force again (or the item is gone
when the deployment has none), and records the audit event `config.revert` with the item as it
was (body, version, source council, pack, who and when) and what is in force after it: the
audit log is the history. A revert is one transaction, refused whole when it would leave the
area's gap rules inconsistent (a rule naming a programme only the reverted items defined).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.areaconfig import service as area
from safetynet.areaconfig.models import AreaConfig
from safetynet.errors import InvalidInput, NotFound
from safetynet.packs.diff import ADDED, CHANGED, FieldChange, compare

LABELS = {
    "gap_programme": "Gap programme",
    "gap_rule": "Gap rule",
    "ctr_scheme": "CTR scheme",
    "plan_risk": "Plan risk",
}


@dataclass(frozen=True)
class Item:
    """One item the area holds itself, and how it differs from the deployment's default."""

    kind: str
    key: str
    version: int
    updated_at: datetime
    updated_by: str
    source: str
    pack: str | None  # the sha256 of the pack that last wrote it
    status: str  # "added" (the deployment has none), "changed" or "unchanged"
    changes: tuple[FieldChange, ...]

    @property
    def label(self) -> str:
        """The kind, for people."""
        return LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class PackApplied:
    """The items one pack wrote that are still in force here."""

    sha256: str
    source: str
    items: tuple[Item, ...]

    @property
    def last(self) -> datetime:
        """When the newest of its items was written."""
        return max(item.updated_at for item in self.items)


def _schema(kind: str) -> type[BaseModel]:
    from safetynet.entitlements.ctr import Scheme
    from safetynet.gaps import rules
    from safetynet.plans.service import RiskEntry

    schemas: dict[str, type[BaseModel]] = {
        "gap_programme": rules.Programme,
        "gap_rule": rules.Rule,
        "ctr_scheme": Scheme,
        "plan_risk": RiskEntry,
    }
    return schemas[kind]


def _gap_defaults(kind: str) -> dict[str, BaseModel]:
    from safetynet.gaps import service as gaps

    book = gaps.rulebook()  # the deployment's: shipped rules and the rules folder
    return dict(book.programmes if kind == "gap_programme" else book.rules)


def _scheme_defaults(kind: str) -> dict[str, BaseModel]:
    from safetynet.entitlements import service as entitlements
    from safetynet.entitlements.ctr import scheme_key

    found: dict[str, BaseModel] = {}
    for scheme in entitlements.council_schemes():  # the deployment's folder only
        found.setdefault(scheme_key(scheme), scheme)
    return found


def _risk_defaults(kind: str) -> dict[str, BaseModel]:
    from safetynet.plans.service import RiskEntry, standard_risks

    return {
        entry["key"]: RiskEntry.model_validate({k: v for k, v in entry.items() if k != "key"})
        for entry in standard_risks()  # shipped register and the deployment's folder
    }


DEFAULTS: dict[str, Callable[[str], dict[str, BaseModel]]] = {
    "gap_programme": _gap_defaults,
    "gap_rule": _gap_defaults,
    "ctr_scheme": _scheme_defaults,
    "plan_risk": _risk_defaults,
}


def defaults(kind: str) -> dict[str, dict[str, Any]]:
    """The deployment's items of one kind (what every area starts from), as JSON."""
    return {key: item.model_dump(mode="json") for key, item in DEFAULTS[kind](kind).items()}


def normalised(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """An item's body with every field (the area keeps gap items without their defaults), so it
    compares field by field with the deployment's."""
    try:
        return _schema(kind).model_validate(body).model_dump(mode="json")
    except ValidationError:
        return body  # shown as stored; reading the area's rules reports what is wrong


def _item(row: AreaConfig, default: dict[str, Any] | None) -> Item:
    found = compare(row.key, default, normalised(row.kind, row.body))
    return Item(
        row.kind, row.key, row.version, row.updated_at, row.updated_by, row.source,
        row.pack_sha256, found.status, found.changes,
    )  # fmt: skip


def overview(session: Session, tenant_id: int) -> list[Item]:
    """Every item the area holds itself, by kind and key, each against the default."""
    found = area.rows(session, tenant_id)
    known = {kind: defaults(kind) for kind in {row.kind for row in found}}
    return [_item(row, known[row.kind].get(row.key)) for row in found]


def by_pack(items: list[Item]) -> list[PackApplied]:
    """The items grouped by the pack that wrote them (newest first); items no pack wrote are
    left out."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        if item.pack:
            groups.setdefault(item.pack, []).append(item)
    found = [PackApplied(sha, group[0].source, tuple(group)) for sha, group in groups.items()]
    return sorted(found, key=lambda p: p.last, reverse=True)


def _chosen(
    session: Session, tenant_id: int, kind: str | None, key: str | None, pack: str | None
) -> list[AreaConfig]:
    """The rows a revert names: one item (kind and key) or every item of one pack (its sha256,
    or a prefix of at least 8 characters)."""
    pack = (pack or "").strip().lower()
    if bool(kind and key) == bool(pack) or (pack and len(pack) < 8):
        raise InvalidInput(
            "Name one item to revert (its kind and key), or a pack (at least the first 8 "
            "characters of its sha256), not both."
        )
    every = area.rows(session, tenant_id)
    if pack:
        chosen = [r for r in every if (r.pack_sha256 or "").startswith(pack)]
        shas = {r.pack_sha256 for r in chosen}
        if len(shas) > 1:
            raise InvalidInput(f"'{pack}' starts the sha256 of several packs: give more of it.")
        what = f"pack {pack[:12]}"
    else:
        chosen = [r for r in every if (r.kind, r.key) == (kind, key)]
        what = f"{LABELS.get(kind or '', kind)} '{key}'"
    if not chosen:
        raise NotFound(f"This council area holds no configuration item from {what}.")
    return chosen


def _record(session: Session, row: AreaConfig, after: dict[str, Any] | None, actor: str) -> None:
    audit.record(
        session,
        actor=actor,
        action="config.revert",
        entity_type="area_config",
        entity_id=row.id,
        tenant_id=row.tenant_id,
        detail={
            "kind": row.kind,
            "key": row.key,
            "before": {
                "body": row.body, "version": row.version, "source": row.source,
                "pack_sha256": row.pack_sha256, "updated_by": row.updated_by,
                "updated_at": row.updated_at.isoformat(),
            },
            "after": after,  # the deployment's default now in force; None: no such item
        },
    )  # fmt: skip


def _still_consistent(session: Session, tenant_id: int) -> None:
    """Read everything the area has in force (as its pages do); refuse when that fails."""
    from safetynet.packs.service import current_state

    try:
        current_state(session, tenant_id)
    except InvalidInput as problem:
        raise InvalidInput(
            "Reverting this would leave the area's configuration inconsistent: nothing was "
            "reverted. Revert the items that depend on it too (or the whole pack).",
            details=[problem.message, *problem.details],
        ) from None


def revert(
    session: Session,
    tenant_id: int,
    *,
    actor: str,
    kind: str | None = None,
    key: str | None = None,
    pack: str | None = None,
) -> list[Item]:
    """Take one item (kind and key), or every item one pack wrote, back to the deployment's
    default: one transaction, audited per item, all or nothing. Returns the items reverted."""
    rows = _chosen(session, tenant_id, kind, key, pack)
    known = {k: defaults(k) for k in {row.kind for row in rows}}
    reverted = [_item(row, known[row.kind].get(row.key)) for row in rows]
    try:
        for row in rows:
            _record(session, row, known[row.kind].get(row.key), actor)
            session.delete(row)
        session.flush()
        _still_consistent(session, tenant_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return reverted


__all__ = ["ADDED", "CHANGED", "Item", "PackApplied", "by_pack", "overview", "revert"]

"""What applying a pack would change: per item added, changed or unchanged, and for a changed
item each field's value before and after. Pure functions over plain JSON values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADDED, CHANGED, UNCHANGED = "added", "changed", "unchanged"


@dataclass(frozen=True)
class FieldChange:
    """One field of an item: its dotted path, and its value now and in the pack."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemDiff:
    """One item of a section and what the pack does to it."""

    key: str
    status: str
    changes: tuple[FieldChange, ...] = ()


@dataclass
class SectionDiff:
    """One section: its items in the pack, and how many items in force the pack leaves alone."""

    name: str
    title: str
    items: list[ItemDiff] = field(default_factory=list)
    kept: int = 0  # in force here and not in the pack: left as they are

    def count(self, status: str) -> int:
        """How many items have this status."""
        return sum(1 for item in self.items if item.status == status)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested value as {dotted path: leaf}; list items by index (`when[0].on`)."""
    if isinstance(value, dict) and value:
        found: dict[str, Any] = {}
        for key, inner in value.items():
            found |= flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(value, list) and value:
        found = {}
        for index, inner in enumerate(value):
            found |= flatten(inner, f"{prefix}[{index}]")
        return found
    return {prefix: value}


def compare(key: str, before: dict[str, Any] | None, after: dict[str, Any]) -> ItemDiff:
    """How the pack's item differs from the one in force (None: there is none)."""
    if before is None:
        return ItemDiff(key, ADDED)
    old, new = flatten(before), flatten(after)
    changes = tuple(
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    )
    return ItemDiff(key, CHANGED if changes else UNCHANGED, changes)


def section_diff(
    name: str, title: str, current: dict[str, dict[str, Any]], incoming: dict[str, dict[str, Any]]
) -> SectionDiff:
    """Every item of one section of the pack against what is in force."""
    found = SectionDiff(name, title, kept=len(current.keys() - incoming.keys()))
    found.items = [compare(key, current.get(key), incoming[key]) for key in sorted(incoming)]
    return found

"""The sections a pack may hold, and how each reads what is in force and writes what changes.

Each section names a pydantic schema for one item. Export dumps only that schema's fields and
import validates against it (unknown fields are refused), so a field that could carry personal
data cannot slip into a pack unless a schema is changed to whitelist it.

Another domain adds a section with `register(Section(...))` at import time of its own module
(the triage forms plug in this way: see docs/packs.md). A pack naming a section nobody
registered is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from safetynet.packs.staging import Staging

Items = dict[str, BaseModel]
# A pack's sections, checked together after the change: section -> key -> item.
State = dict[str, Items]


@dataclass(frozen=True)
class Section:
    """One kind of configuration a pack carries."""

    name: str  # the key in the pack file, e.g. "gap_rules"
    title: str  # for people, e.g. "Gap rules"
    item: type[BaseModel]  # the schema of one item: its fields are the whitelist
    current: Callable[[Session, int], Items]  # what is in force for a council area now
    stage: Callable[[Session, int, Staging, Items, str], None]  # write changed items
    check: Callable[[State], list[str]] | None = None  # problems with the state after apply
    order: int = 100  # where it shows on the diff page


SECTIONS: dict[str, Section] = {}
# Sections that a pack may carry but this instance cannot take yet, and why.
PLANNED: dict[str, str] = {}


def register(section: Section) -> None:
    """Make a section exportable and importable (once per name)."""
    if section.name in SECTIONS and SECTIONS[section.name] is not section:
        raise ValueError(f"A pack section '{section.name}' is registered already.")
    SECTIONS[section.name] = section
    PLANNED.pop(section.name, None)


def ordered() -> list[Section]:
    """Every registered section, in page order."""
    _builtin()
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.name))


def get(name: str) -> Section:
    """A registered section (KeyError when none)."""
    _builtin()
    return SECTIONS[name]


def known(name: str) -> bool:
    """Whether this instance can take a section of this name."""
    _builtin()
    return name in SECTIONS


def dump(item: BaseModel) -> dict[str, Any]:
    """An item as the pack holds it: its schema's fields only, JSON types."""
    return item.model_dump(mode="json")


def _builtin() -> None:
    """Register the sections Safety Net ships (late, so importing this module stays cheap)."""
    if "gap_rules" not in SECTIONS:
        from safetynet.packs import builtin

        builtin.register_all()

"""The pack file: an envelope (format, version, manifest with a sha256 per section) around
the sections' items. JSON, so any council's tools can read it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "safetynet-pack"
VERSION = 1
MAX_PACK_BYTES = 2_000_000  # a pack of every rule, scheme and risk a council has is ~50 kB
MAX_ITEMS = 500  # per section
KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class Part(BaseModel):
    """One section's checksum and item count in the manifest."""

    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    items: int = Field(ge=0, le=MAX_ITEMS)


class Manifest(BaseModel):
    """Who made the pack, when, with which Safety Net, and a checksum per section."""

    model_config = ConfigDict(extra="forbid")

    source_council: str = Field(min_length=1, max_length=200)
    created_at: datetime
    app_version: str = Field(max_length=40)
    parts: dict[str, Part]


class PackFile(BaseModel):
    """The whole file. Items are checked by their section's own schema after this."""

    model_config = ConfigDict(extra="forbid")

    format: str
    version: int
    manifest: Manifest
    sections: dict[str, dict[str, dict[str, Any]]]


def canonical(value: Any) -> bytes:
    """The bytes a checksum is taken of: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksum(value: Any) -> str:
    """sha256 of a value's canonical JSON."""
    return hashlib.sha256(canonical(value)).hexdigest()

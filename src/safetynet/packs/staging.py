"""Files an apply will write, written all together or not at all.

The shipped sections write into the area's configuration in the database (see
`areaconfig`); a section another domain registers may still stage files here. An apply first
writes every new file beside its final name, then swaps them all in; if anything fails before
the database commits, every file is put back as it was.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

import yaml


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe, lower-case form of a name ("Royal Borough of X" -> royal-borough-of-x)."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:limit].strip("-") or "pack"


def read_yaml(path: Path) -> Any:
    """A YAML file's data, or None when the file does not exist yet."""
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class Staging:
    """The files one apply writes: final path -> text."""

    def __init__(self, actor: str = "", pack: str | None = None) -> None:
        self.actor = actor  # who applies the pack (for rows a section writes)
        self.pack = pack  # the pack file's sha256 (for rows a section writes)
        self.files: dict[Path, tuple[str, Any]] = {}  # final path -> (header, data)
        self._written: list[tuple[Path, Path]] = []  # (temporary, final)
        self._backups: list[tuple[Path, Path | None]] = []  # (final, backup or None if new)

    def put(self, path: Path, data: Any, header: str) -> None:
        """Write `data` as YAML to `path` when the apply goes ahead."""
        self.files[path] = (header, data)

    def pending(self, path: Path) -> Any:
        """What this apply will write to `path` so far, else what the file holds now."""
        return self.files[path][1] if path in self.files else read_yaml(path)

    def write(self) -> None:
        """Write every file under a temporary name beside its final one."""
        for final, (header, data) in self.files.items():
            body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
            text = f"# {header}\n{body}"
            temporary = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
            temporary.write_text(text, encoding="utf-8")
            self._written.append((temporary, final))

    def swap(self) -> None:
        """Move the written files into place, keeping the old ones until `done`."""
        for temporary, final in self._written:
            backup = None
            if final.exists():
                backup = final.with_name(f".{final.name}.{secrets.token_hex(6)}.bak")
                os.replace(final, backup)
            self._backups.append((final, backup))
            os.replace(temporary, final)

    def undo(self) -> None:
        """Put every file back as it was before the apply."""
        for final, backup in reversed(self._backups):
            if backup is not None:
                os.replace(backup, final)
            else:
                final.unlink(missing_ok=True)
        for temporary, _ in self._written:
            temporary.unlink(missing_ok=True)
        self._backups.clear()
        self._written.clear()

    def done(self) -> None:
        """The apply committed: drop the old files."""
        for _, backup in self._backups:
            if backup is not None:
                backup.unlink(missing_ok=True)

"""The checks a pack passes before anything is compared or applied. Every problem names the
section, the item and the field, and all problems are reported at once."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from safetynet.errors import InvalidInput
from safetynet.packs import sections
from safetynet.packs.schemas import FORMAT, KEY_PATTERN, MAX_ITEMS, VERSION, PackFile, checksum
from safetynet.packs.sections import State


def _where(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f"{'.' if path else ''}{part}"
    return path


def _messages(error: ValidationError, prefix: str) -> list[str]:
    return [
        f"{prefix}field '{_where(e['loc']) or '(whole item)'}': "
        f"{e['msg'].removeprefix('Value error, ')}."
        for e in error.errors()
    ]


def check_envelope(data: bytes, name: str) -> PackFile:
    """The file is JSON, a Safety Net pack of a version this instance reads, and well formed."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{name} is not a Safety Net pack: it is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{name} is not a Safety Net pack: not valid JSON (line {error.lineno}, column "
            f"{error.colno})."
        ) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InvalidInput(f"{name} is not a Safety Net pack (its format is not '{FORMAT}').")
    version = raw.get("version")
    if not isinstance(version, int) or version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        raise InvalidInput(
            f"{name} is a version {version!r} pack; this Safety Net reads version {VERSION}"
            + (": upgrade Safety Net to import it." if newer else ".")
        )
    try:
        return PackFile.model_validate(raw)
    except ValidationError as error:
        details = _messages(error, f"{name}, ")
        raise InvalidInput(f"{name} is not a well-formed pack.", details=details) from None


def _section_problems(pack: PackFile, name: str) -> list[str]:
    """Unknown sections, and sections whose checksum or count is not the manifest's."""
    problems = []
    parts = pack.manifest.parts
    for section, items in pack.sections.items():
        if not sections.known(section):
            if section in sections.PLANNED and not items:
                continue
            problems.append(
                f"{name}, section '{section}': "
                + sections.PLANNED.get(
                    section,
                    "not a section Safety Net knows (it knows "
                    + ", ".join(s.name for s in sections.ordered())
                    + ").",
                )
            )
        elif section not in parts:
            problems.append(f"{name}, section '{section}': missing from the manifest.")
        elif checksum(items) != parts[section].sha256 or len(items) != parts[section].items:
            problems.append(
                f"{name}, section '{section}': its checksum or item count differs from the "
                "manifest's, so the file was changed or damaged after it was made."
            )
    problems += [
        f"{name}, manifest: part '{part}' has no section." for part in parts.keys() - pack.sections
    ]
    return problems


def check_items(pack: PackFile, name: str) -> State:
    """Each item of each known section, validated by the section's schema."""
    problems = _section_problems(pack, name)
    found: State = {}
    for section_name, items in pack.sections.items():
        if not sections.known(section_name):
            continue
        section = sections.get(section_name)
        if len(items) > MAX_ITEMS:
            problems.append(f"{name}, section '{section_name}': more than {MAX_ITEMS} items.")
            continue
        found[section_name] = {}
        for key, item in items.items():
            prefix = f"{name}, section '{section_name}', item '{key}', "
            if not re.match(KEY_PATTERN, key):
                problems.append(f"{prefix}key: lower-case letters, digits, - and _ only.")
                continue
            try:
                found[section_name][key] = section.item.model_validate(item)
            except ValidationError as error:
                problems.extend(_messages(error, prefix))
    if problems:
        raise InvalidInput(f"{name} has {len(problems)} problem(s).", details=problems)
    return found

"""Packs for a signed-in person: a council's admins and analysts, for their own area only.
An uploaded pack waits between its diff and the confirmation in the data folder, under a
random name bound to the area; it is removed once applied or after a day."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.errors import InvalidInput
from safetynet.packs import service

STASH_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def export(session: Session, principal: Principal) -> bytes:
    """The caller's area's pack."""
    principal.require("packs.manage")
    return service.export_pack(session, principal.tenant_id, actor=principal.actor)


def diff(session: Session, principal: Principal, data: bytes, name: str) -> service.PackDiff:
    """What an uploaded pack would change in the caller's area."""
    principal.require("packs.manage")
    return service.diff_pack(session, principal.tenant_id, service.read_pack(data, name))


def apply(
    session: Session, principal: Principal, data: bytes, name: str, state: str | None
) -> service.PackDiff:
    """Apply a pack to the caller's area (refused if the area changed since `state`)."""
    principal.require("packs.manage")
    return service.apply_pack(
        session, principal.tenant_id, data, actor=principal.actor, expect_state=state, name=name
    )


def _folder() -> Path:
    folder = get_settings().data_dir / "packs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stash(principal: Principal, data: bytes) -> str:
    """Keep an uploaded pack until it is confirmed; the token names it."""
    folder = _folder()
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < time.time() - STASH_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{principal.tenant_id}-{token}.json").write_bytes(data)
    return token


def _stashed_path(principal: Principal, token: str) -> Path:
    path = _folder() / f"{principal.tenant_id}-{token}.json"
    if not TOKEN.match(token) or not path.is_file():
        raise InvalidInput("That upload has expired or was applied already: upload the pack again.")
    return path


def unstash(principal: Principal, token: str) -> bytes:
    """The pack uploaded under `token` by someone of the caller's area."""
    return _stashed_path(principal, token).read_bytes()


def discard(principal: Principal, token: str) -> None:
    """Forget an uploaded pack (it was applied)."""
    _stashed_path(principal, token).unlink(missing_ok=True)

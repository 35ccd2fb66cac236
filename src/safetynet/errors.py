"""Errors a user can act on. Every door (CLI, web, API) turns these into a clear message."""

from __future__ import annotations


class SafetynetError(Exception):
    """Base class: the message says what went wrong and what to do about it."""

    status = 400
    title = "There is a problem"

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(SafetynetError):
    """A named thing (organisation, source, import…) does not exist or is not visible."""

    status = 404
    title = "Not found"


class PermissionDenied(SafetynetError):
    """The caller's role or organisation does not allow this."""

    status = 403
    title = "Not allowed"


class Conflict(SafetynetError):
    """The action clashes with what is already there (a duplicate, a finished agreement…)."""

    status = 409
    title = "Conflict"


class InvalidInput(SafetynetError):
    """An argument or file is wrong; the message names the file, row and column."""

    status = 422
    title = "Invalid input"


def check_length(label: str, value: str | None, limit: int) -> None:
    """Refuse free text longer than `limit` characters, naming what it is (every door)."""
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{label} must be {limit:,} characters or fewer (it is {len(value):,}).")

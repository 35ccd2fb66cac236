"""Passwords: argon2id hashes, a minimum length and a list of common passwords to refuse."""

from __future__ import annotations

import secrets
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from safetynet.errors import InvalidInput

MIN_LENGTH = 12
_hasher = PasswordHasher()


@lru_cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    text = resources.files("safetynet.accounts").joinpath("data/common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_strength(password: str) -> None:
    """Refuse short or common passwords; no composition rules (NCSC and NIST advice)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password must be at least {MIN_LENGTH} characters long.")
    if password.lower() in common_passwords():
        raise InvalidInput("That password is too common. Choose a longer, less guessable one.")


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for a new account (shown once, never stored in clear)."""
    return secrets.token_urlsafe(15)

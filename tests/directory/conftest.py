"""Two council areas, Testshire (a council and a partner) and Otherton, with their users, and
a small synthetic directory to load."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts.permissions import Principal
from safetynet.directory import synthetic
from tests import factories

SMALL = synthetic.Size(services=6, counsellors=25, vacancies=5)


@dataclass
class Areas:
    """Principals by short name, and the two areas' ids."""

    people: dict[str, Principal]
    testshire: int
    otherton: int


def _user(db: Session, name: str, org: str, role: str) -> Principal:
    user = accounts.create_user(
        db, email=f"{name}@{org}.example", full_name=name.title(), organisation=org, role=role,
        password="a long test passphrase", actor="test",
    )  # fmt: skip
    return Principal.of(user)


@pytest.fixture
def areas(db: Session) -> Areas:
    for slug, kind, area in (
        ("tc", "council", "Testshire"),
        ("north", "charity", "Testshire"),
        ("oc", "council", "Otherton"),
    ):
        factories.organisation(db, slug=slug, name=f"{slug.title()} Org", kind=kind, area=area)
    people = {
        "analyst": _user(db, "analyst", "tc", "analyst"),
        "caseworker": _user(db, "caseworker", "tc", "caseworker"),
        "partner": _user(db, "partner", "north", "partner"),
        "other": _user(db, "other", "oc", "admin"),
    }
    return Areas(people, people["analyst"].tenant_id, people["other"].tenant_id)


@pytest.fixture
def small_feed() -> synthetic.Feed:
    """A small synthetic directory (the same every time)."""
    return synthetic.directory(seed=7, area="Testshire", size=SMALL)

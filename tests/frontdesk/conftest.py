"""A council area with two partners, their users, and north's imported clients."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts.permissions import Principal
from safetynet.sources.imports import ImportRequest, run_import
from tests import factories


@dataclass
class Desk:
    """Principals by short name: north's partner and caseworker, south's partner, the
    council's analyst and caseworker, and another council's admin."""

    people: dict[str, Principal]
    import_id: int


def _user(db: Session, name: str, org: str, role: str) -> Principal:
    user = accounts.create_user(
        db,
        email=f"{name}@{org}.example",
        full_name=name.title(),
        organisation=org,
        role=role,
        password="a long test passphrase",
        actor="test",
    )
    return Principal.of(user)


@pytest.fixture
def desk(db: Session, tmp_path: Path) -> Desk:
    for slug, kind, area in (
        ("tc", "council", "Testshire"),
        ("north", "charity", "Testshire"),
        ("south", "charity", "Testshire"),
        ("oc", "council", "Otherton"),
    ):
        factories.organisation(db, slug=slug, name=f"{slug.title()} Org", kind=kind, area=area)
        factories.agreement(db, supplier=slug, reference=f"DSA-{slug.upper()}")
    people = {
        "partner": _user(db, "partner", "north", "partner"),
        "ncaseworker": _user(db, "ncaseworker", "north", "caseworker"),
        "nanalyst": _user(db, "nanalyst", "north", "analyst"),
        "south": _user(db, "south", "south", "partner"),
        "caseworker": _user(db, "caseworker", "tc", "caseworker"),
        "other": _user(db, "other", "oc", "admin"),
    }
    path = factories.csv_file(tmp_path, factories.VISITS)
    outcome = run_import(
        db,
        ImportRequest(path=path, organisation="north", source="visits", kind="foodbank_attendance"),
        actor="test",
    )
    assert outcome.import_id is not None
    return Desk(people, outcome.import_id)

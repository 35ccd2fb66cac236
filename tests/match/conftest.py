"""A council area with two partners, their users, north's imported clients linked into
residents, and a synthetic directory's providers as columns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts.permissions import Principal
from safetynet.match.columns import ProviderColumns
from safetynet.match.simulation import World, make_world
from safetynet.sources.imports import ImportRequest, run_import
from safetynet.sources.models import Record
from tests import factories


@dataclass
class Area:
    """Principals by short name, a resident of north's, and the area's providers."""

    people: dict[str, Principal]
    resident_id: int
    world: World
    cols: ProviderColumns


def _user(db: Session, name: str, org: str, role: str) -> Principal:
    user = accounts.create_user(
        db, email=f"{name}@{org}.example", full_name=name.title(), organisation=org, role=role,
        password="a long test passphrase", actor="test",
    )
    return Principal.of(user)


@pytest.fixture(scope="session")
def small_world() -> tuple[World, ProviderColumns]:
    world = make_world(300, seed=5)
    return world, ProviderColumns.build(world.providers)


@pytest.fixture
def area(db: Session, tmp_path: Path, small_world) -> Area:
    for slug, kind, place in (("tc", "council", "Testshire"), ("north", "charity", "Testshire"),
                              ("south", "charity", "Testshire"), ("oc", "council", "Otherton")):
        factories.organisation(db, slug=slug, name=f"{slug.title()} Org", kind=kind, area=place)
        factories.agreement(db, supplier=slug, reference=f"DSA-{slug.upper()}")
    people = {
        "partner": _user(db, "partner", "north", "partner"),
        "nanalyst": _user(db, "nanalyst", "north", "analyst"),
        "south": _user(db, "south", "south", "partner"),
        "caseworker": _user(db, "caseworker", "tc", "caseworker"),
        "analyst": _user(db, "analyst", "tc", "analyst"),
        "other": _user(db, "other", "oc", "admin"),
    }
    path = factories.csv_file(tmp_path, factories.VISITS)
    run_import(db, ImportRequest(path=path, organisation="north", source="visits",
                                 kind="foodbank_attendance"), actor="test")
    records = list(db.scalars(select(Record.id).order_by(Record.id)))
    resident_id = factories.resident(db, records[:2])
    return Area(people, resident_id, *small_world)


@pytest.fixture
def client(store: str):
    from fastapi.testclient import TestClient

    from safetynet.web.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def token_for(db: Session, principal: Principal) -> dict[str, str]:
    """Bearer headers for this principal's user."""
    from safetynet.accounts import sessions
    from safetynet.accounts.models import User

    value, _ = sessions.create_api_token(db, db.get(User, principal.user_id), name="test")
    return {"Authorization": f"Bearer {value}"}

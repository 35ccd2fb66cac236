"""A council area with residents from two lists, wards, and staff of each kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from tests import factories
from tests.gaps.world import assign_residents

from safetynet.accounts import service as accounts
from safetynet.accounts.permissions import Principal
from safetynet.places import service as places
from safetynet.sources.imports import ImportRequest, run_import

# Ada lives alone; Bert and Cath share a UPRN; Dan is young; Edna gives no address; Fred
# (council list) and Gwen (north's list) share an address written two ways.
COUNCIL = (
    "Ref,Forename,Surname,DOB,Address,Postcode,UPRN\n"
    "A-1,Ada,Older,01/01/1940,1 Mill Lane,DB1 1AA,100000000001\n"
    "B-1,Bert,Pair,02/02/1938,2 Mill Lane,DB1 1AA,100000000002\n"
    "C-1,Cath,Pair,03/03/1941,2 Mill Lane,DB1 1AA,100000000002\n"
    "D-1,Dan,Young,04/04/1990,3 Mill Lane,DB1 2BB,100000000003\n"
    "E-1,Edna,Nowhere,05/05/1935,,,\n"
    "F-1,Fred,Shared,06/06/1944,4 High St,DB1 2BB,\n"
)
NORTH = (
    'Ref,Forename,Surname,DOB,Address,Postcode\nG-1,Gwen,Shared,07/07/1946,"4, High St.",db12bb\n'
)
WARDS = "postcode,ward_code,ward_name\nDB1 1AA,E05000001,Northgate\nDB1 2BB,E05000002,Old Town\n"


@dataclass
class Area:
    """Principals by short name, residents by letter."""

    people: dict[str, Principal]
    residents: dict[str, int]
    tenant_id: int


def _user(db: Session, name: str, org: str, role: str) -> Principal:
    user = accounts.create_user(db, email=f"{name}@{org}.example", full_name=name.title(),
                                organisation=org, role=role, password="a long test passphrase",
                                actor="test")  # fmt: skip
    return Principal.of(user)


@pytest.fixture
def area(db: Session, tmp_path: Path) -> Area:
    for slug, kind, name in (("tc", "council", "Testshire"), ("north", "charity", "Testshire"),
                             ("oc", "council", "Otherton")):  # fmt: skip
        factories.organisation(db, slug=slug, name=f"{slug.title()} Org", kind=kind, area=name)
        factories.agreement(db, supplier=slug, reference=f"DSA-{slug.upper()}")
    for org, text in (("tc", COUNCIL), ("north", NORTH)):
        path = factories.csv_file(tmp_path, text, name=f"{org}.csv")
        request = ImportRequest(path=path, organisation=org, source=f"{org} list", kind="other")
        assert run_import(db, request, actor="test").import_id is not None
    tenant = places.council_area(db, "Testshire")
    lookup = factories.csv_file(tmp_path, WARDS, name="wards.csv")
    places.import_wards(db, tenant=tenant, lookup=lookup, boundaries=None, actor="test")
    people = {
        "caseworker": _user(db, "caseworker", "tc", "caseworker"),
        "analyst": _user(db, "analyst", "tc", "analyst"),
        "partner": _user(db, "partner", "north", "partner"),
        "other": _user(db, "other", "oc", "admin"),
    }
    return Area(people, assign_residents(db, tenant.id), tenant.id)


@pytest.fixture
def client(store: str):
    """A browser with no cookies, on the app built for this test's store."""
    from fastapi.testclient import TestClient

    from safetynet.web.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def sign_in_as(client, db: Session, principal: Principal) -> str:
    """Give the browser a session for the principal's user; returns its form token."""
    from tests.web.linkage_world import act_as

    from safetynet.accounts.models import User

    return act_as(client, db, db.get(User, principal.user_id))

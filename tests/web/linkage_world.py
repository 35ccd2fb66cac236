"""A world for the review, resident, gaps and outreach pages: the hand-built gaps area
(Testshire, residents A..L, see tests/gaps/world.py) with ward boundaries, two review pairs
and users of every role; and a second area (Otherton) with its own resident, pair and
outreach list, which no Testshire user may see."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts import sessions
from safetynet.accounts.models import User
from safetynet.config import get_settings
from safetynet.gaps.models import OutreachEntry, OutreachList
from safetynet.link.models import LinkRun, Resident, ResidentRecord, ReviewPair
from safetynet.places import service as places
from safetynet.sources.imports import ImportRequest, run_import
from safetynet.sources.models import Record
from safetynet.web.deps import SESSION_COOKIE
from tests import factories
from tests.gaps import world as gaps_world

PASSWORD = "a long test passphrase"
AS_OF = gaps_world.AS_OF
# The prior, two comparisons, and the final score: a pair the model was unsure about.
EXPLANATION = [
    {"comparison": "Prior", "level": "", "weight": -9.5},
    {"comparison": "surname", "level": "Exact match", "weight": 8.25},
    {"comparison": "forename", "level": "All other comparisons", "weight": -3.0},
    {"comparison": "postcode", "level": "Exact match", "weight": 4.5},
    {"comparison": "Final score", "level": "", "weight": 0.25},
]


def boundaries(folder: Path) -> Path:
    """Two square wards side by side (WGS84), in the GeoJSON the ward import reads."""

    def square(code: str, west: float) -> dict[str, Any]:
        ring = [[west, 52.0], [west + 0.1, 52.0], [west + 0.1, 52.1], [west, 52.1], [west, 52.0]]
        return {
            "type": "Feature",
            "properties": {"ward_code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    path = folder / "wards.geojson"
    features = [square("E05000001", -1.2), square("E05000002", -1.1)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@dataclass
class LinkWorld:
    """Residents by letter, record ids by row id, pairs, users, and the other area's ids."""

    residents: dict[str, int]
    records: dict[str, int]
    pairs: dict[str, int]
    users: dict[str, User] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)


def _pair(db: Session, tenant_id: int, run_id: int, a: int, b: int, p: float) -> int:
    pair = ReviewPair(
        tenant_id=tenant_id, run_id=run_id, record_id_l=min(a, b), record_id_r=max(a, b),
        match_probability=p, match_weight=0.25, impact=2, priority=1 - abs(2 * p - 1),
        explanation=EXPLANATION,
    )  # fmt: skip
    db.add(pair)
    db.flush()
    return pair.id


def _other_area(db: Session, folder: Path) -> dict[str, int]:
    factories.organisation(db, slug="oc", name="Otherton Council", kind="council", area="Otherton")
    factories.agreement(db, supplier="oc", reference="DSA-OC")
    path = factories.csv_file(folder, factories.VISITS, name="oc.csv")
    run_import(
        db,
        ImportRequest(path=path, organisation="oc", source="visits", kind="foodbank_attendance"),
        actor="test",
    )
    tenant_id = accounts.get_organisation(db, "oc").tenant_id
    run = LinkRun(tenant_id=tenant_id, status="finished", started_by="test")
    db.add(run)
    db.flush()
    ids = list(db.scalars(select(Record.id).where(Record.tenant_id == tenant_id)))
    resident = Resident(tenant_id=tenant_id, created_by_run_id=run.id)
    db.add(resident)
    db.flush()
    db.add(ResidentRecord(record_id=ids[0], resident_id=resident.id, run_id=run.id))
    outreach = OutreachList(
        tenant_id=tenant_id, rule_id="foodbank-no-ctr", rule_title="t", programme="ctr",
        as_of=AS_OF, reason="r", created_by="test", counts={"residents": 1},
    )  # fmt: skip
    db.add(outreach)
    db.flush()
    db.add(OutreachEntry(list_id=outreach.id, resident_id=resident.id))
    pair = _pair(db, tenant_id, run.id, ids[0], ids[2], 0.5)
    db.commit()
    return {"resident": resident.id, "pair": pair, "list": outreach.id}


def build(db: Session, folder: Path) -> LinkWorld:
    """The gaps world, boundaries, pairs D~E and A~B, users, and Otherton."""
    area = gaps_world.build(db, folder)
    tenant = places.council_area(db, None)
    lookup = factories.csv_file(folder, gaps_world.WARDS, name="wards.csv")
    places.import_wards(
        db, tenant=tenant, lookup=lookup, boundaries=boundaries(folder), actor="test"
    )
    records = dict(db.execute(select(Record.row_id, Record.id)).all())
    run_id = db.scalar(select(LinkRun.id).where(LinkRun.tenant_id == tenant.id))
    assert run_id is not None
    pairs = {
        "D~E": _pair(db, tenant.id, run_id, records["D-1"], records["E-1"], 0.55),
        "A~B": _pair(db, tenant.id, run_id, records["A-1"], records["B-1"], 0.2),
    }
    db.commit()
    found = LinkWorld(area.ids, records, pairs)
    found.other = _other_area(db, folder)
    for name, org, role in (
        ("admin", "council", "admin"),
        ("analyst", "council", "analyst"),
        ("caseworker", "council", "caseworker"),
        ("partner", "north", "partner"),
        ("otheradmin", "oc", "admin"),
    ):
        found.users[name] = accounts.create_user(
            db, email=f"{name}@{org}.example", full_name=f"{name.title()} Person",
            organisation=org, role=role, password=PASSWORD, actor="test",
        )  # fmt: skip
    return found


@pytest.fixture
def lw(db: Session, tmp_path: Path) -> LinkWorld:
    """The linkage-and-gaps world on this test's clean store."""
    return build(db, tmp_path)


def act_as(client: TestClient, db: Session, user: User) -> str:
    """Give the browser a session for `user`; returns its form token."""
    started = sessions.start_session(db, user)
    client.cookies.set(SESSION_COOKIE, started.token)
    return sessions.csrf_token(get_settings().secret_key, started.row.csrf_secret)


def bearer(db: Session, user: User) -> dict[str, str]:
    """API headers with a new token of `user`."""
    token, _ = sessions.create_api_token(db, user, name="test")
    return {"Authorization": f"Bearer {token}"}

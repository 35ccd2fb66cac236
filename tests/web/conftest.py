"""A small world for web tests: two council areas, partners, users of every role, imports,
link runs and jobs; and helpers to act as any of its users through pages or the API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts import sessions
from safetynet.accounts.models import ApiToken, User
from safetynet.jobs import Job
from safetynet.link.models import LinkRun
from safetynet.sources.imports import ImportRequest, run_import
from tests import factories

PASSWORD = "a long test passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    """Ids of everything made, by a short name."""

    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    token_rows: dict[str, ApiToken] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


# What each organisation may see back under its agreement: north sees its clients' gap flags
# and contact statuses; the others nothing.
SEE_BACK = {"north": ("gap_flags", "contact_status")}


def _org(db: Session, slug: str, kind: str, area: str) -> None:
    factories.organisation(db, slug=slug, name=f"{slug.title()} Org", kind=kind, area=area)
    factories.agreement(
        db, supplier=slug, reference=f"DSA-{slug.upper()}", see_back=SEE_BACK.get(slug, ())
    )


def _user(db: Session, world: World, name: str, org: str, role: str) -> None:
    user = accounts.create_user(
        db,
        email=f"{name}@{org}.example",
        full_name=f"{name.title()} Person",
        organisation=org,
        role=role,
        password=PASSWORD,
        actor="test",
    )
    world.users[name] = user
    world.tokens[name], world.token_rows[name] = sessions.create_api_token(db, user, name="t")


def _import(db: Session, tmp: Path, org: str) -> int:
    path = factories.csv_file(tmp, factories.VISITS, name=f"{org}.csv")
    outcome = run_import(
        db,
        ImportRequest(path=path, organisation=org, source="visits", kind="foodbank_attendance"),
        actor="test",
    )
    assert outcome.import_id is not None
    return outcome.import_id


def build_world(db: Session, tmp: Path) -> World:
    """Testshire: council tc (admin, analyst, caseworker), charities north (partner; nadmin,
    nanalyst, ncaseworker: a partner's staff in every role; target, a caseworker) and south
    (partner); Otherton: council oc (admin, target). Each org has an agreement and an import;
    each area a link run and a job."""
    world = World()
    for slug, kind, area in (
        ("tc", "council", "Testshire"),
        ("north", "charity", "Testshire"),
        ("south", "charity", "Testshire"),
        ("oc", "council", "Otherton"),
    ):
        _org(db, slug, kind, area)
    for name, org, role in (
        ("admin", "tc", "admin"),
        ("analyst", "tc", "analyst"),
        ("caseworker", "tc", "caseworker"),
        ("partner", "north", "partner"),
        ("nadmin", "north", "admin"),
        ("nanalyst", "north", "analyst"),
        ("ncaseworker", "north", "caseworker"),
        ("target", "north", "caseworker"),
        ("southpartner", "south", "partner"),
        ("otheradmin", "oc", "admin"),
        ("othertarget", "oc", "analyst"),
    ):
        _user(db, world, name, org, role)
    for org in ("north", "south", "oc"):
        world.ids[f"import:{org}"] = _import(db, tmp, org)
    for org in ("tc", "north", "south", "oc"):
        world.ids[f"org:{org}"] = accounts.get_organisation(db, org).id
        world.ids[f"agreement:{org}"] = accounts.get_agreement(db, f"DSA-{org.upper()}").id
    for area, org in (("Testshire", "north"), ("Otherton", "oc")):
        org_row = accounts.get_organisation(db, org)
        run = LinkRun(tenant_id=org_row.tenant_id, status="finished", started_by="test")
        job = Job(
            kind="link_run",
            tenant_id=org_row.tenant_id,
            organisation_id=org_row.id,
            actor="test",
            status="finished",
        )
        db.add_all([run, job])
        db.flush()
        world.ids[f"run:{area}"], world.ids[f"job:{org}"] = run.id, job.id
    south = accounts.get_organisation(db, "south")
    job = Job(
        kind="link_run",
        tenant_id=south.tenant_id,
        organisation_id=south.id,
        actor="t",
        status="failed",
    )
    db.add(job)
    db.commit()
    world.ids["job:south"] = job.id
    _people(db, world)
    return world


def _people(db: Session, world: World) -> None:
    """A resident per organisation's list, a review pair and an outreach list per area."""
    from sqlalchemy import select

    from safetynet.gaps.models import OutreachEntry, OutreachList
    from safetynet.link.models import Resident, ResidentRecord, ReviewPair
    from safetynet.sources.models import Record

    records = {}
    for org, area in (("north", "Testshire"), ("south", "Testshire"), ("oc", "Otherton")):
        run_id = world.ids[f"run:{area}"]
        ids = list(
            db.scalars(select(Record.id).where(Record.import_id == world.ids[f"import:{org}"]))
        )
        records[org] = ids
        tenant_id = db.get(Record, ids[0]).tenant_id  # type: ignore[union-attr]
        resident = Resident(tenant_id=tenant_id, created_by_run_id=run_id)
        db.add(resident)
        db.flush()
        db.add_all(ResidentRecord(record_id=i, resident_id=resident.id, run_id=run_id) for i in ids)
        world.ids[f"resident:{org}"] = resident.id
        world.ids[f"tenant:{area}"] = tenant_id
    for area, org, (a, b) in (
        ("Testshire", "north", (records["north"][0], records["south"][0])),
        ("Otherton", "oc", (records["oc"][0], records["oc"][2])),
    ):
        tenant_id = world.ids[f"tenant:{area}"]
        pair = ReviewPair(
            tenant_id=tenant_id, run_id=world.ids[f"run:{area}"], record_id_l=a, record_id_r=b,
            match_probability=0.5, match_weight=0.0, impact=0, priority=1.0, explanation=[],
        )  # fmt: skip
        outreach = OutreachList(
            tenant_id=tenant_id, rule_id="foodbank-no-ctr", rule_title="Food bank, no CTR",
            programme="ctr", as_of=date(2026, 11, 27), reason="test", created_by="test",
        )  # fmt: skip
        db.add_all([pair, outreach])
        db.flush()
        db.add(OutreachEntry(list_id=outreach.id, resident_id=world.ids[f"resident:{org}"]))
        world.ids[f"pair:{area}"], world.ids[f"outreach:{area}"] = pair.id, outreach.id
    for org in ("north", "south"):  # a list each partner made of its own clients
        outreach = OutreachList(
            tenant_id=world.ids["tenant:Testshire"], organisation_id=world.ids[f"org:{org}"],
            rule_id="foodbank-no-ctr", rule_title="Food bank, no CTR", programme="ctr",
            as_of=date(2026, 11, 27), reason="test", created_by=f"user:partner@{org}.example",
        )  # fmt: skip
        db.add(outreach)
        db.flush()
        db.add(OutreachEntry(list_id=outreach.id, resident_id=world.ids[f"resident:{org}"]))
        world.ids[f"outreach:{org}"] = outreach.id
    db.commit()


@pytest.fixture
def world(db: Session, tmp_path: Path) -> World:
    """The small world, on this test's clean store."""
    return build_world(db, tmp_path)


@pytest.fixture
def client(store: str) -> TestClient:
    """A browser with no cookies, on the app built for this test's store."""
    from safetynet.web.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def csrf_of(html: str) -> str:
    """The form token in a page."""
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the real form; returns the response to the POST."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )


def form_token(client: TestClient, path: str = "/account") -> str:
    """The signed-in browser's form token, read from a page."""
    return csrf_of(client.get(path).text)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its smallest cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    from safetynet.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


from tests.web.linkage_world import lw  # noqa: E402, F401  (the review, resident and gaps world)

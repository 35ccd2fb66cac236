"""A payments world: a council area with its council and two partner food banks, users of
each role, a fund with money in it and a scheme both partners may enrol in; another area."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts.permissions import Principal
from safetynet.payments import schemes
from safetynet.payments.models import Scheme
from tests import factories

PASSWORD = "a long test passphrase"
START = date(2026, 11, 2)  # a Monday


@dataclass
class PayWorld:
    """Principals by short name, and the scheme."""

    people: dict[str, Principal] = field(default_factory=dict)
    scheme: Scheme | None = None

    def __getitem__(self, name: str) -> Principal:
        return self.people[name]


def principal(db: Session, email: str, org: str, role: str) -> Principal:
    """A user of `org` with `role`, as the services see them."""
    user = accounts.create_user(
        db, email=email, full_name=email.split("@")[0].title(), organisation=org, role=role,
        password=PASSWORD, actor="test",
    )  # fmt: skip
    return Principal.of(user)


def terms(**changes: object) -> schemes.SchemeTerms:
    """Scheme terms: £50 a week for up to 12 weeks, at most £100 a week and £500 in 180 days."""
    base = schemes.SchemeTerms(
        slug="hardship", name="Hardship Fund", fund="Household Support Fund",
        budget_pence=100_000_00, amount_pence=5_000, starts_on=START, partners=["north", "south"],
        max_instalments=12, cap_week_pence=10_000, cap_period_pence=50_000, cap_period_days=180,
        methods=["provider", "cash", "bacs"],
    )  # fmt: skip
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def build(db: Session, *, money: int = 1_000_000_00, **changes: object) -> PayWorld:
    """The world, with `money` pence in the fund."""
    world = PayWorld()
    for slug, kind, area in (
        ("tc", "council", "Testshire"), ("north", "charity", "Testshire"),
        ("south", "charity", "Testshire"), ("oc", "council", "Otherton"),
    ):  # fmt: skip
        factories.organisation(db, slug=slug, name=f"{slug.title()} Org", kind=kind, area=area)
    for name, org, role in (
        ("admin", "tc", "admin"), ("analyst", "tc", "analyst"),
        ("caseworker", "tc", "caseworker"), ("caseworker2", "tc", "caseworker"),
        ("north", "north", "partner"), ("north2", "north", "partner"),
        ("northcw", "north", "caseworker"), ("south", "south", "partner"),
        ("south2", "south", "partner"), ("otheradmin", "oc", "admin"),
    ):  # fmt: skip
        world.people[name] = principal(db, f"{name}@{org}.example", org, role)
    schemes.create_fund(db, world["admin"], "Household Support Fund")
    if money:
        schemes.add_money(db, world["admin"], "Household Support Fund", money, "grant")
    world.scheme = schemes.create_scheme(db, world["admin"], terms(**changes))
    return world


@pytest.fixture
def pw(db: Session) -> PayWorld:
    """The payments world on this test's store."""
    return build(db)


def person(name: str = "Sam Example", **changes: object) -> schemes.Person:
    """An enrolment form: consent given, paid through the provider."""
    base = schemes.Person(name=name, consent=True, method="provider")
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def submit_duplicates(db: Session, world: PayWorld, *, workers: int, submissions: int) -> set[int]:
    """`submissions` requests for one award under one idempotency key, from `workers` threads
    whose first requests start together; the award ids they were answered with."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from safetynet.db import open_session
    from safetynet.payments import awards

    enrolment = schemes.enrol(db, world["north"], world.scheme.id, person())
    ask = awards.AwardRequest(enrolment.id, 5_000, START)
    start = threading.Barrier(workers)

    def submit(n: int) -> int:
        with open_session() as session:
            if n < workers:
                start.wait()
            return awards.request_award(session, world["north"], ask, key="double-click").id

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return set(pool.map(submit, range(submissions)))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its smallest cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    from safetynet.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def linked_person(db: Session, folder, orgs: tuple[str, ...] = ("north", "south")) -> int:
    """Each organisation's list (with client C1, John Smith) imported, and linkage's verdict
    that C1 of every list is one resident; the resident's id."""
    from sqlalchemy import select

    from safetynet.link.models import LinkRun, Resident, ResidentRecord
    from safetynet.sources.imports import ImportRequest, run_import
    from safetynet.sources.models import Record

    tenant_id = None
    record_ids: list[int] = []
    for org in orgs:
        factories.agreement(db, supplier=org, reference=f"DSA-{org.upper()}")
        path = factories.csv_file(folder, factories.VISITS, name=f"{org}.csv")
        outcome = run_import(
            db, ImportRequest(path=path, organisation=org, source="visits",
                              kind="foodbank_attendance"), actor="test",
        )  # fmt: skip
        rows = db.execute(
            select(Record.id, Record.tenant_id).where(
                Record.import_id == outcome.import_id, Record.person_ref == "C1"
            )
        ).all()
        record_ids += [r for r, _ in rows]
        tenant_id = rows[0][1]
    run = LinkRun(tenant_id=tenant_id, status="finished", started_by="test")
    db.add(run)
    db.flush()
    resident = Resident(tenant_id=tenant_id, created_by_run_id=run.id)
    db.add(resident)
    db.flush()
    db.add_all(
        ResidentRecord(record_id=r, resident_id=resident.id, run_id=run.id) for r in record_ids
    )
    db.commit()
    return resident.id

"""The call-back queue's service: self-checks residents shared, in the order staff should call,
counts by status, outcomes kept as history (a form sent twice recorded once), council staff of
the area only, audit events, retention of closed call-backs, and the migration's backfill."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from safetynet import migrations
from safetynet.accounts import service as accounts
from safetynet.accounts.models import Tenant
from safetynet.accounts.permissions import Principal
from safetynet.audit import AuditEvent
from safetynet.entitlements import access, callbacks, checks, service
from safetynet.entitlements.models import CallBackOutcome, EntitlementCheck
from safetynet.entitlements.schemas import parse_household
from safetynet.errors import InvalidInput, NotFound, PermissionDenied
from safetynet.privacy.retention import run_retention
from tests import factories
from tests.conftest import ON_POSTGRES, STORE_URL

HOUSEHOLD = {
    "year": 2025,
    "local_authority": "Sheffield",
    "tenure": "social_rent",
    "rent_monthly": 500,
    "people": [{"age": 30}, {"age": 5, "in_education": True}],
}


@pytest.fixture
def areas(db: Session) -> dict[str, int]:
    """Testshire (council tc, charity north) and Otherton (council oc): tenant ids."""
    factories.organisation(db, slug="tc", name="Testshire Council", kind="council")
    factories.organisation(db, slug="north", kind="charity")
    factories.organisation(db, slug="oc", name="Otherton Council", kind="council", area="Otherton")
    tenants = {t.slug: t.id for t in db.scalars(select(Tenant))}
    return {"Testshire": tenants["testshire"], "Otherton": tenants["otherton"]}


def staff(db: Session, role: str, organisation: str = "tc") -> Principal:
    user = accounts.create_user(
        db,
        email=f"{role}@{organisation}.example",
        full_name="A Person",
        organisation=organisation,
        role=role,
        password="a long enough passphrase 42",
        actor="test",
    )
    return Principal.of(user)


def share(db: Session, tenant_id: int, total: int = 1_431_540, **when: Any) -> EntitlementCheck:
    """A self-check shared through the real function (the engine's result given, not run)."""
    estimate = service.Estimate("universal_credit", "Universal Credit", total, "why")
    check = service.Check(year=2025, benefits=[estimate])
    saved = checks.share_self_check(
        db,
        tenant_id,
        parse_household(HOUSEHOLD),
        check,
        contact={"phone": "0114 496 0000", "email": ""},
        consent_text="I agree",
    )
    if when:
        saved.created_at = datetime.now(UTC) - timedelta(**when)
        db.commit()
    return saved


def actions(db: Session) -> list[tuple[str, int | None, dict]]:
    db.expire_all()
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action.like("callbacks.%")))
    return [(e.action, e.entity_id, e.detail) for e in rows]


def test_the_queue_lists_new_call_backs_oldest_first_then_the_others(db, areas) -> None:
    area = areas["Testshire"]
    newer, older, tried = share(db, area, hours=1), share(db, area, days=3), share(db, area, days=9)
    closed = share(db, area, days=20)
    share(db, areas["Otherton"])  # another area's: never listed here
    caseworker = staff(db, "caseworker")
    access.record_call_back(db, caseworker, tried.id, status="no_answer")
    access.record_call_back(db, caseworker, closed.id, status="closed", note="Claimed UC")
    found = access.call_back_queue(db, caseworker)
    assert [c.id for c in found.items] == [older.id, newer.id, tried.id, closed.id]
    assert found.counts == {"new": 2, "no_answer": 1, "called_back": 0, "closed": 1}
    assert found.total == 4 and not found.more
    only_new = access.call_back_queue(db, caseworker, "new")
    assert [c.id for c in only_new.items] == [older.id, newer.id]
    with pytest.raises(InvalidInput, match="status: choose one of new, no_answer"):
        access.call_back_queue(db, caseworker, "lost")


def test_a_caseworkers_check_is_never_a_call_back(db, areas) -> None:
    share(db, areas["Testshire"])
    saved = db.scalars(select(EntitlementCheck)).one()
    assert (saved.callback_status, saved.kind) == ("new", "self_check")
    saved.callback_status = None  # as a caseworker's saved check is
    db.commit()
    assert access.call_back_queue(db, staff(db, "admin")).items == []


def test_outcomes_are_kept_as_history_and_a_repeat_is_recorded_once(db, areas) -> None:
    shared = share(db, areas["Testshire"])
    admin = staff(db, "admin")
    check, history = access.call_back(db, admin, shared.id)
    assert check.contact == {"phone": "0114 496 0000", "email": ""} and history == []
    _, recorded = access.record_call_back(
        db, admin, shared.id, status="no_answer", note="  Voicemail  ", seen=0
    )
    again = access.record_call_back(
        db, admin, shared.id, status="no_answer", note="Voicemail", seen=0
    )
    assert recorded is True and again[1] is False  # the same form sent twice
    _, later = access.record_call_back(db, admin, shared.id, status="called_back", seen=1)
    assert later is True
    steps = callbacks.history(db, shared.id)
    assert [(s.status, s.note, s.recorded_by) for s in steps] == [
        ("no_answer", "Voicemail", "user:admin@tc.example"),
        ("called_back", None, "user:admin@tc.example"),
    ]
    db.expire_all()
    assert db.get(EntitlementCheck, shared.id).callback_status == "called_back"  # type: ignore[union-attr]
    assert actions(db) == [
        ("callbacks.view", shared.id, {}),
        ("callbacks.status", shared.id, {"from": "new", "to": "no_answer", "note": True}),
        ("callbacks.status", shared.id, {"from": "no_answer", "to": "called_back", "note": False}),
    ]


def test_bad_outcomes_are_refused_with_the_field_named(db, areas) -> None:
    shared = share(db, areas["Testshire"])
    admin = staff(db, "admin")
    with pytest.raises(InvalidInput, match="^status: choose one of no_answer"):
        access.record_call_back(db, admin, shared.id, status="new")
    with pytest.raises(InvalidInput, match="^note: keep the note to 2,000"):
        access.record_call_back(db, admin, shared.id, status="closed", note="x" * 2_001)
    assert callbacks.history(db, shared.id) == []


def test_only_council_admins_and_caseworkers_of_the_area_see_call_backs(db, areas) -> None:
    shared = share(db, areas["Testshire"])
    for refused in (staff(db, "analyst"), staff(db, "caseworker", "north")):
        with pytest.raises(PermissionDenied):
            access.call_back_queue(db, refused)
        with pytest.raises(PermissionDenied):
            access.call_back(db, refused, shared.id)
    other = staff(db, "admin", "oc")
    assert access.call_back_queue(db, other).total == 0
    with pytest.raises(NotFound):
        access.call_back(db, other, shared.id)
    with pytest.raises(NotFound):
        access.record_call_back(db, other, shared.id, status="closed")
    assert actions(db) == [("callbacks.list", areas["Otherton"], {"status": None, "shown": 0})]


def test_retention_deletes_call_backs_closed_over_the_period_ago(db, areas, monkeypatch) -> None:
    from safetynet.config import get_settings

    monkeypatch.setenv("SAFETYNET_CALLBACK_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    area = areas["Testshire"]
    old_closed, recent_closed, old_open = share(db, area), share(db, area), share(db, area)
    admin = staff(db, "admin")
    for shared in (old_closed, recent_closed):
        access.record_call_back(db, admin, shared.id, status="closed", note="Done")
    old_closed.callback_updated_at = datetime.now(UTC) - timedelta(days=40)
    old_open.callback_updated_at = datetime.now(UTC) - timedelta(days=400)
    db.commit()
    tenant = db.get(Tenant, area)
    assert tenant is not None
    planned = run_retention(db, tenant, actor="test", as_of=date.today(), dry_run=True)
    db.rollback()
    assert (planned.call_backs, planned.call_back_days) == (1, 30)
    done = run_retention(db, tenant, actor="test", as_of=date.today())
    assert done.call_backs == 1
    db.expire_all()
    left = set(db.scalars(select(EntitlementCheck.id)))
    assert left == {recent_closed.id, old_open.id}
    assert {o.check_id for o in db.scalars(select(CallBackOutcome))} == {recent_closed.id}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.retention")).one()
    assert event.detail["call_backs_deleted"] == 1
    assert run_retention(db, tenant, actor="test", as_of=date.today()).call_backs == 0


def test_self_checks_shared_before_the_queue_existed_wait_as_new(tmp_path) -> None:
    if ON_POSTGRES:
        engine = create_engine(STORE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tenants (slug, name, created_at) VALUES ('t', 'T', CURRENT_TIMESTAMP)"
            )
        )
        for kind in ("self_check", "caseworker"):
            connection.execute(
                text(
                    "INSERT INTO entitlement_checks (tenant_id, kind, year, inputs, benefits, "
                    "total_pence, tariffs, created_at, created_by) SELECT id, :kind, 2025, "
                    "'{}', '{}', 0, '[]', CURRENT_TIMESTAMP, 'x' FROM tenants"
                ),
                {"kind": kind},
            )
    migrations.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, callback_status FROM entitlement_checks ORDER BY kind")
        ).all()
    assert [tuple(r) for r in rows] == [("caseworker", None), ("self_check", "new")]
    if ON_POSTGRES:  # leave the shared database as the session fixture expects it
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrations.upgrade(engine)
    engine.dispose()

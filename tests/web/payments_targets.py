"""Payments objects for the permission matrix, made through the real services: a scheme per
partner (and one in the other council area), and fresh enrolments, awards, cash payments and a
Bacs round, each belonging to a given organisation."""

from __future__ import annotations

from datetime import date
from typing import Any

from safetynet.accounts import service as accounts
from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.db import open_session
from safetynet.payments import awards, rounds, schemes

# Who acts for each organisation's objects: (area's council admin, the organisation's user).
ACTORS = {"north": ("admin", "target"), "south": ("admin", "southpartner"),
          "oc": ("otheradmin", "otheradmin")}  # fmt: skip
DAY = date(2026, 11, 30)


def _principal(session: Any, world: Any, name: str) -> Principal:
    user = session.get(User, world.users[name].id)
    return Principal.of(user)


def _approver(session: Any, world: Any, org: str) -> Principal:
    """A second admin of the organisation's council area (four eyes)."""
    council = "tc" if org != "oc" else "oc"
    key = f"approver:{council}"
    if key not in world.ids:
        user = accounts.create_user(
            session, email=f"approver@{council}.example", full_name="Second Admin",
            organisation=council, role="admin", password="a long test passphrase", actor="test",
        )  # fmt: skip
        world.ids[key] = user.id
    return Principal.of(session.get(User, world.ids[key]))


def scheme_id(world: Any, org: str) -> int:
    """A scheme only `org` (or, for the other council, its own council) may enrol in."""
    key = f"scheme:{org}"
    if key in world.ids:
        return world.ids[key]
    with open_session() as session:
        admin = _principal(session, world, ACTORS[org][0])
        fund = f"Fund {org}"
        schemes.create_fund(session, admin, fund)
        schemes.add_money(session, admin, fund, 1_000_000, "grant")
        terms = schemes.SchemeTerms(
            slug=f"s-{org}", name=f"Scheme {org}", fund=fund, budget_pence=1_000_000,
            amount_pence=5_000, starts_on=date(2026, 1, 1),
            partners=[org] if org != "oc" else [], methods=["provider", "cash", "bacs"],
        )  # fmt: skip
        world.ids[key] = schemes.create_scheme(session, admin, terms).id
    return world.ids[key]


def enrolment_id(world: Any, org: str, method: str = "cash") -> int:
    """A fresh enrolment made by `org`."""
    sid = scheme_id(world, org)
    with open_session() as session:
        user = _principal(session, world, ACTORS[org][1])
        bank = {"bank_sort_code": "123456", "bank_account": "12345678", "bank_name": "A PERSON"}
        person = schemes.Person(name="Matrix Person", consent=True, method=method,
                                **(bank if method == "bacs" else {}))  # fmt: skip
        return schemes.enrol(session, user, sid, person).id


def award_id(world: Any, org: str, *, approve: bool = False, method: str = "cash") -> int:
    """A fresh award asked for by `org` (approved by a second admin, with `approve`)."""
    enrolment = enrolment_id(world, org, method)
    with open_session() as session:
        user = _principal(session, world, ACTORS[org][1])
        award = awards.request_award(session, user, awards.AwardRequest(enrolment, 5_000, DAY))
        if approve:
            awards.decide(session, _approver(session, world, org), award.id, approve=True)
        return award.id


def payment_id(world: Any, org: str) -> int:
    """A fresh approved cash payment of `org`'s."""
    from sqlalchemy import select

    from safetynet.payments.models import Payment

    award = award_id(world, org, approve=True)
    with open_session() as session:
        return int(session.scalar(select(Payment.id).where(Payment.award_id == award)))


def round_id(world: Any, org: str) -> int:
    """A finished Bacs round of the organisation's council area."""
    key = f"round:{org}"
    if key not in world.ids:
        award_id(world, org, approve=True, method="bacs")
        with open_session() as session:
            admin = _approver(session, world, org)
            done = rounds.disburse(session, admin, scheme_id(world, org), method="bacs", due_by=DAY)
            world.ids[key] = done.round.id
    return world.ids[key]


def target(world: Any, kind: str, org: str) -> dict[str, int]:
    """Path parameters for one payments object kind belonging to `org`."""
    return {
        "scheme": lambda: {"scheme_id": scheme_id(world, org)},
        "enrolment": lambda: {"enrolment_id": enrolment_id(world, org)},
        "award": lambda: {"award_id": award_id(world, org)},
        "payment": lambda: {"payment_id": payment_id(world, org)},
        "round": lambda: {"round_id": round_id(world, "north" if org != "oc" else "oc")},
    }[kind]()

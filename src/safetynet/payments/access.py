"""Who may read which payments rows: one readable statement per entity, used by every list
and get (pages, API, CLI), so a new door cannot forget the organisation check.

- A scheme: the council's staff read every scheme of their council area; a partner's staff
  read the schemes of their area that name their organisation as a partner.
- An enrolment, award or payment: the council's staff read all of their area's; a partner's
  staff only those their own organisation made.

Anything outside the statement is "not found" (never "forbidden": ids cannot be probed).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.errors import NotFound
from safetynet.payments.models import Award, Enrolment, Payment, Scheme, SchemePartner

T = TypeVar("T", Enrolment, Award, Payment)


def readable_schemes(principal: Principal) -> Select[Scheme]:
    """The schemes this caller may read."""
    query = select(Scheme).where(Scheme.tenant_id == principal.tenant_id)
    if not principal.council:
        partnered = select(SchemePartner.scheme_id).where(
            SchemePartner.organisation_id == principal.organisation_id
        )
        query = query.where(Scheme.id.in_(partnered))
    return query


def readable(principal: Principal, model: type[T]) -> Select[T]:
    """The enrolments, awards or payments this caller may read."""
    column: Any = model
    return select(model).where(principal.scope(column.tenant_id, column.organisation_id))


def scheme(session: Session, principal: Principal, scheme_id: int) -> Scheme:
    """One readable scheme; NotFound otherwise."""
    found = session.scalar(readable_schemes(principal).where(Scheme.id == scheme_id))
    if found is None:
        raise NotFound(f"There is no scheme {scheme_id} that you can see.")
    return found


def scheme_by_slug(session: Session, principal: Principal, slug: str) -> Scheme:
    """One readable scheme by its short name; NotFound otherwise."""
    found = session.scalar(readable_schemes(principal).where(Scheme.slug == slug))
    if found is None:
        raise NotFound(f"There is no scheme called '{slug}' that you can see.")
    return found


def one(session: Session, principal: Principal, model: type[T], row_id: int, *, lock=False) -> T:
    """One readable enrolment, award or payment; NotFound otherwise."""
    column: Any = model
    query = readable(principal, model).where(column.id == row_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        what = {Enrolment: "enrolment", Award: "award", Payment: "payment"}[model]
        raise NotFound(f"There is no {what} {row_id} that you can see.")
    return found

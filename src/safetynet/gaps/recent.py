"""Recent gap results, kept in memory while nothing they depend on has changed.

Evaluating the rules over 100,000 residents takes seconds; the who-is-missing page is opened
far more often than residents, lists, wards or screenings change. A result is reused only while
its data version holds: the latest link run, ruling, resident, import, active-import count,
ward lookup and screening of the area, the rule book's content and the as-of date. Every read
is still audited.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.gaps.rules import RuleBook
from safetynet.gaps.service import GapResult, Reader, find_gaps

KEEP = 4  # results per process: a few areas or dates
_results: OrderedDict[tuple, GapResult] = OrderedDict()
_computing = threading.Lock()  # one evaluation at a time: the rest wait and reuse it


def book_fingerprint(book: RuleBook) -> str:
    """A digest of the rules and programmes in force."""
    body = {
        "programmes": {k: p.model_dump(mode="json") for k, p in book.programmes.items()},
        "rules": {k: r.model_dump(mode="json") for k, r in book.rules.items()},
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def data_version(session: Session, tenant_id: int) -> tuple[Any, ...]:
    """What the area's gap results depend on, read in one cheap query."""
    from safetynet.entitlements.models import EntitlementScreening
    from safetynet.link.models import LinkDecision, LinkRun, Resident
    from safetynet.places.models import Ward
    from safetynet.sources.models import ImportStatus, SourceImport

    def latest(column: Any, tenant: Any, *where: Any) -> Any:
        return select(func.max(column)).where(tenant == tenant_id, *where).scalar_subquery()

    active = (
        select(func.count())
        .select_from(SourceImport)
        .where(SourceImport.tenant_id == tenant_id, SourceImport.status == ImportStatus.ACTIVE)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            latest(LinkRun.id, LinkRun.tenant_id),
            latest(LinkDecision.id, LinkDecision.tenant_id),
            latest(Resident.id, Resident.tenant_id),
            latest(SourceImport.id, SourceImport.tenant_id),
            active,
            latest(Ward.imported_at, Ward.tenant_id),
            latest(EntitlementScreening.id, EntitlementScreening.tenant_id),
        )
    ).one()
    return tuple(row)


def gaps_as_of(
    session: Session, reader: Reader, book: RuleBook, *, as_of: date, purpose: str
) -> GapResult:
    """`find_gaps`, reusing a result computed since nothing it depends on changed."""
    key = (
        str(session.get_bind().engine.url),  # one process may serve (or test) several stores
        reader.tenant.id,
        reader.organisation_id,
        as_of,
        book_fingerprint(book),
        data_version(session, reader.tenant.id),
    )
    with _computing:
        found = _results.get(key)
        if found is None:
            found = find_gaps(session, reader, book, as_of=as_of, purpose=purpose)
            _results[key] = found
            while len(_results) > KEEP:
                _results.popitem(last=False)
            return found
        _results.move_to_end(key)
    audit.record(
        session,
        actor=reader.actor,
        action="residents.read",
        entity_type="tenant",
        entity_id=reader.tenant.id,
        tenant_id=reader.tenant.id,
        reason=purpose,
        detail={"residents": found.residents.height, "as_of": str(as_of), "reused": True},
    )
    session.commit()
    return found

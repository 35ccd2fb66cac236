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
from datetime import date

from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.gaps.rules import RuleBook
from safetynet.gaps.service import GapResult, Reader, find_gaps
from safetynet.versions import Recent, data_version, store_of

KEEP = 4  # results per process: a few areas or dates
_results: Recent[GapResult] = Recent(KEEP)


def book_fingerprint(book: RuleBook) -> str:
    """A digest of the rules and programmes in force."""
    if book.fingerprint:
        return book.fingerprint
    body = {
        "programmes": {k: p.model_dump(mode="json") for k, p in book.programmes.items()},
        "rules": {k: r.model_dump(mode="json") for k, r in book.rules.items()},
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def gaps_as_of(
    session: Session, reader: Reader, book: RuleBook, *, as_of: date, purpose: str
) -> GapResult:
    """`find_gaps`, reusing a result computed since nothing it depends on changed."""
    key = (
        store_of(session),
        reader.tenant.id,
        reader.organisation_id,
        reader.clients_of,
        reader.estimates,
        as_of,
        book_fingerprint(book),
        data_version(session, reader.tenant.id),
    )
    found, reused = _results.get(
        key, lambda: find_gaps(session, reader, book, as_of=as_of, purpose=purpose)
    )
    if not reused:
        return found  # find_gaps audited the read
    audit.record_read(
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

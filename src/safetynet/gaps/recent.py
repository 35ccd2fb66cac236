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
    key = (*reader_key(session, reader, book), as_of)
    found, reused = _results.get(
        key, lambda: find_gaps(session, reader, book, as_of=as_of, purpose=purpose)
    )
    if not reused:
        return found  # find_gaps audited the read
    audit_reuse(
        session, reader, purpose, {"residents": found.residents.height, "as_of": str(as_of)}
    )
    return found


def reader_key(session: Session, reader: Reader, book: RuleBook) -> tuple[object, ...]:
    """What a result computed from the residents a reader may read depends on: the store,
    the area, the reader's scope, the rules and the area's data version."""
    return (
        store_of(session),
        reader.tenant.id,
        reader.organisation_id,
        reader.clients_of,
        reader.estimates,
        book_fingerprint(book),
        data_version(session, reader.tenant.id),
    )


def audit_reuse(session: Session, reader: Reader, purpose: str, detail: dict) -> None:
    """Audit a read of residents answered from a reused result, as the first read was."""
    audit.record_read(
        session,
        actor=reader.actor,
        action="residents.read",
        entity_type="tenant",
        entity_id=reader.tenant.id,
        tenant_id=reader.tenant.id,
        reason=purpose,
        detail=detail | {"reused": True},
    )
    session.commit()

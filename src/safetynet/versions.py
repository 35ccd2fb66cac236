"""What an area's figures depend on, and a small per-process cache of figures that are reused
while that holds.

Counting 100,000 residents or evaluating every gap rule takes far longer than serving a page,
and those figures change only when something is imported, linked, ruled on, screened or mapped.
`data_version` reads, in one cheap query, a fingerprint of all of that for one area; a `Recent`
cache keeps a computed value under its key and that fingerprint, and never for longer than its
`max_age` (so changes the fingerprint cannot see, such as a retention run deleting rows, show
within that time).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def data_version(session: Session, tenant_id: int) -> tuple[Any, ...]:
    """A fingerprint of what an area's linked data is: the latest link run, ruling (new or
    changed), resident, import, active-import count, ward lookup and screening, and the rows
    the active imports hold (a front desk adds rows to its import of the day)."""
    return tuple(session.execute(_version_query(), {"tenant": tenant_id}).one())


@lru_cache(maxsize=1)
def _version_query() -> Select[Any]:
    """The fingerprint's one query, built once (pages ask for it on every view)."""
    from safetynet.entitlements.models import EntitlementScreening
    from safetynet.link.models import LinkDecision, LinkRun, Resident
    from safetynet.places.models import Ward
    from safetynet.sources.models import ImportStatus, SourceImport

    tenant_id: Any = bindparam("tenant")

    def latest(column: Any, tenant: Any, *where: Any) -> Any:
        return select(func.max(column)).where(tenant == tenant_id, *where).scalar_subquery()

    current = (SourceImport.tenant_id == tenant_id, SourceImport.status == ImportStatus.ACTIVE)
    active = select(func.count()).select_from(SourceImport).where(*current).scalar_subquery()
    rows = select(func.coalesce(func.sum(SourceImport.rows_loaded), 0)).where(*current)
    return select(
        latest(LinkRun.id, LinkRun.tenant_id),
        latest(LinkRun.finished_at, LinkRun.tenant_id),
        latest(LinkDecision.id, LinkDecision.tenant_id),
        latest(LinkDecision.decided_at, LinkDecision.tenant_id),
        # New residents anywhere: the primary key answers at once, where the area's newest
        # would walk all its residents on PostgreSQL (a new version for another area's run
        # only means counting again, never a stale count).
        select(func.max(Resident.id)).scalar_subquery(),
        latest(SourceImport.id, SourceImport.tenant_id),
        active,
        latest(Ward.imported_at, Ward.tenant_id),
        latest(EntitlementScreening.id, EntitlementScreening.tenant_id),
        rows.scalar_subquery(),
    )


def store_of(session: Session) -> str:
    """Which store a session talks to (one process may serve, or test, several)."""
    return str(session.get_bind().engine.url)


class Recent(Generic[T]):
    """The last few computed values, by key; a value older than `max_age` seconds is computed
    again. One computation at a time: callers asking for the same key meanwhile wait and reuse
    it rather than repeating the work."""

    def __init__(self, keep: int, max_age: float | None = None) -> None:
        self.keep, self.max_age = keep, max_age
        self._values: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._computing = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> tuple[T, bool]:
        """The value under `key` and whether it was reused (False: just computed)."""
        with self._computing:
            found = self._values.get(key)
            now = time.monotonic()
            if found is not None and (self.max_age is None or now - found[0] <= self.max_age):
                self._values.move_to_end(key)
                return found[1], True
            value = compute()
            self._values[key] = (now, value)
            self._values.move_to_end(key)
            while len(self._values) > self.keep:
                self._values.popitem(last=False)
            return value, False

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._computing:
            self._values.clear()

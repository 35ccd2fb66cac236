"""Retention and subject access as a signed-in caller runs them (the pages and the API share
these functions).

Both reach across every source of the council area, so only an administrator of the council
itself may run them: an admin at a partner charity administers that partner's users only and
is refused here, whatever the route let through.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts.models import DataSharingAgreement, Tenant
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound
from safetynet.link.models import ResidentRecord
from safetynet.privacy import retention, subject_access
from safetynet.sources.models import Record

FORMATS = ("xlsx", "json")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_SUCH_RESIDENT = "There is no resident with that id or reference in your council area."


def today() -> date:
    """The day retention is judged on (a function, so tests can fix it)."""
    return date.today()


def _council_admin(principal: Principal, permission: str) -> None:
    principal.require(permission)  # the council's alone: no partner's admin holds it


def _tenant(session: Session, principal: Principal) -> Tenant:
    tenant = session.get(Tenant, principal.tenant_id)
    assert tenant is not None
    return tenant


@dataclass(frozen=True)
class Period:
    """One data-sharing agreement's retention period."""

    reference: str
    title: str
    retention_days: int


def periods(session: Session, principal: Principal) -> list[Period]:
    """The retention period each of the area's agreements sets."""
    _council_admin(principal, "privacy.retention")
    rows = session.scalars(
        select(DataSharingAgreement)
        .where(DataSharingAgreement.tenant_id == principal.tenant_id)
        .order_by(DataSharingAgreement.reference)
    )
    return [Period(a.reference, a.title, a.retention_days) for a in rows]


def retention_due(
    session: Session, principal: Principal, as_of: date | None = None
) -> retention.RetentionReport:
    """What a retention run on `as_of` (today by default) would delete; nothing is changed."""
    _council_admin(principal, "privacy.retention")
    day = as_of or today()
    report = retention.run_retention(
        session, _tenant(session, principal), actor=principal.actor, as_of=day, dry_run=True
    )
    session.rollback()  # a dry run reads only: end its transaction
    return report


def run_retention(
    session: Session, principal: Principal, as_of: date | None = None
) -> retention.RetentionReport:
    """Delete what is past retention on `as_of` (today by default, never later), in one
    transaction, audited. Running it again deletes nothing further."""
    _council_admin(principal, "privacy.retention")
    day = as_of or today()
    if day > today():
        raise InvalidInput(
            f"Retention can only be run as of today or earlier, not {day.isoformat()}: "
            "a later date would delete records still within their retention period."
        )
    return retention.run_retention(
        session,
        _tenant(session, principal),
        actor=principal.actor,
        as_of=day,
        user_id=principal.user_id,
    )


def find_resident(session: Session, principal: Principal, given: str) -> int:
    """The resident an id or a partner's reference (a record's person or row reference) names,
    within the caller's area; another area's resident is as unknown as a missing one."""
    _council_admin(principal, "privacy.subject_access")
    text = given.strip()
    if not text:
        raise InvalidInput("Enter the resident's id or a reference from one of their records.")
    if text.isdigit():
        return int(text)
    found = set(
        session.scalars(
            select(ResidentRecord.resident_id)
            .join(Record, Record.id == ResidentRecord.record_id)
            .where(
                Record.tenant_id == principal.tenant_id,
                (Record.person_ref == text) | (Record.row_id == text),
            )
        )
    )
    if not found:
        raise NotFound(NO_SUCH_RESIDENT)
    if len(found) > 1:
        raise InvalidInput(
            f"That reference is on the records of {len(found)} residents: enter the "
            "resident's id instead (it is on their page)."
        )
    return found.pop()


@dataclass(frozen=True)
class SubjectAccessFile:
    """A written subject-access file; the caller removes its folder once sent."""

    path: Path
    found: subject_access.SubjectAccess

    @property
    def media_type(self) -> str:
        """The file's content type."""
        if self.path.suffix == ".json":
            return "application/json"
        return XLSX

    @property
    def filename(self) -> str:
        """The name the download is saved under."""
        return f"subject-access-{self.found.resident_id}{self.path.suffix}"


def export_subject_access(
    session: Session, principal: Principal, resident_id: int, *, reason: str, file_format: str
) -> SubjectAccessFile:
    """Write everything held about the resident (following merges) to a new temporary file,
    audited with the reason."""
    _council_admin(principal, "privacy.subject_access")
    if file_format not in FORMATS:
        raise InvalidInput("Choose XLSX or JSON.")
    if not reason.strip():
        raise InvalidInput("Enter why you are exporting this resident's data.")
    folder = Path(tempfile.mkdtemp(prefix="safetynet-sar-"))
    out = folder / f"subject-access.{file_format}"
    try:
        found = subject_access.export(
            session,
            principal.tenant_id,
            resident_id,
            out,
            actor=principal.actor,
            reason=reason.strip(),
            user_id=principal.user_id,
        )
    except NotFound:
        _remove(folder)
        raise NotFound(NO_SUCH_RESIDENT) from None
    except BaseException:
        _remove(folder)
        raise
    return SubjectAccessFile(out, found)


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)

"""REST API for a caseworker's entitlement check on a resident: the same functions as the
page `/residents/{id}/entitlements` (`entitlements.access`), under the same permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from safetynet.accounts.permissions import Principal
from safetynet.api import schemas
from safetynet.api.auth import api_require
from safetynet.entitlements import access, selfcheck
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1", tags=["v1"])
As_checker = Annotated[Principal, Depends(api_require("entitlements.check"))]


def _in_scope(resident_id: int, db: Db, principal: As_checker) -> tuple[Principal, int]:
    """The caller and the resident id, once the resident is known to be in the caller's area:
    checked before the body is validated, so a resident outside it is 404 whatever was sent."""
    access.check_scope(db, principal, resident_id)
    return principal, resident_id


Checkable = Annotated[tuple[Principal, int], Depends(_in_scope)]


@router.get("/residents/{resident_id}/entitlements", response_model=list[schemas.SavedCheckOut])
def saved_checks(resident_id: int, db: Db, principal: As_checker) -> object:
    """The resident's saved checks, newest first (audited)."""
    return access.saved_checks(db, principal, resident_id)


@router.post("/residents/{resident_id}/entitlements", response_model=schemas.EntitlementCheckOut)
def run_check(target: Checkable, body: schemas.EntitlementCheckIn, db: Db) -> object:
    """Check the household (the inputs the check page takes); with `save`, keep the check on
    the resident's record (audited)."""
    principal, resident = target
    check, saved = access.run_check(db, principal, resident, body.household, save=body.save)
    return {"result": selfcheck.result_view(check), "saved": saved}

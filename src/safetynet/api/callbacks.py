"""REST API `/api/v1/call-backs`: the queue of self-checks residents shared asking for a call
back, over the same scoped functions as the pages (`entitlements.access`), under the same
permission (council admins and caseworkers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from safetynet.accounts.permissions import Principal
from safetynet.api import schemas
from safetynet.api.auth import api_require
from safetynet.entitlements import access, callbacks
from safetynet.entitlements.models import CallBackOutcome, EntitlementCheck
from safetynet.web.deps import Db

router = APIRouter(prefix="/api/v1/call-backs", tags=["v1"])
As_handler = Annotated[Principal, Depends(api_require("callbacks.handle"))]


def _item(check: EntitlementCheck) -> dict[str, Any]:
    return {
        "id": check.id,
        "shared_at": check.created_at,
        "total_pence": check.total_pence,
        "status": check.callback_status,
        "status_at": check.callback_updated_at,
    }


def _full(check: EntitlementCheck, history: list[CallBackOutcome]) -> dict[str, Any]:
    shown = callbacks.results(check)
    return _item(check) | {
        "year": check.year,
        "contact": check.contact or {},
        "consent": check.consent or {},
        "household": check.inputs,
        "benefits": shown["benefits"],
        "tariffs": shown["tariffs"],
        "history": history,
    }


@router.get("", response_model=schemas.CallBackListOut)
def call_backs(
    db: Db,
    principal: As_handler,
    status: Annotated[schemas.CallBackStatus | None, Query()] = None,
) -> object:
    """The area's call-backs, new ones first and oldest first, with counts by status; no
    contact details (read one call-back for those)."""
    found = access.call_back_queue(db, principal, status)
    return {
        "counts": found.counts,
        "status": found.status,
        "more": found.more,
        "call_backs": [_item(c) for c in found.items],
    }


@router.get("/{check_id}", response_model=schemas.CallBackOut)
def call_back(check_id: int, db: Db, principal: As_handler) -> object:
    """One call-back: contact details, consent, the household and results, history
    (audited). Another area's is not found."""
    return _full(*access.call_back(db, principal, check_id))


@router.post("/{check_id}/status", response_model=schemas.CallBackRecordedOut)
def record_status(
    check_id: int, body: schemas.CallBackStatusIn, db: Db, principal: As_handler
) -> object:
    """Record what happened with a call-back (audited): no_answer, called_back or closed,
    with an optional note."""
    check, recorded = access.record_call_back(
        db, principal, check_id, status=body.status, note=body.note, seen=body.seen
    )
    return _full(check, callbacks.history(db, check.id)) | {"recorded": recorded}

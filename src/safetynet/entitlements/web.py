"""The entitlement pages: the resident self-check (public), a caseworker's check on a
resident, and the call-back queue of shared self-checks (council caseworkers and admins)."""

from __future__ import annotations

from fastapi import APIRouter

from safetynet.entitlements.callbacks_web import router as call_backs
from safetynet.entitlements.caseworker_web import router as caseworker
from safetynet.entitlements.selfcheck_info_web import router as self_check_info
from safetynet.entitlements.selfcheck_web import router as self_check

router = APIRouter(include_in_schema=False)
router.include_router(self_check_info)  # before the self-check's /check/{question_id}
router.include_router(self_check)
router.include_router(caseworker)
router.include_router(call_backs)

"""The entitlement pages: the resident self-check (public) and a caseworker's check on a
resident (caseworkers and admins)."""

from __future__ import annotations

from fastapi import APIRouter

from safetynet.entitlements.caseworker_web import router as caseworker
from safetynet.entitlements.selfcheck_web import router as self_check

router = APIRouter(include_in_schema=False)
router.include_router(self_check)
router.include_router(caseworker)

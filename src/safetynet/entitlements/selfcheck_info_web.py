"""What residents are told about the self-check: who runs it, the privacy notice, the cookies
it sets and its accessibility statement. Public pages, each naming the council running it.

`resident_page` renders every self-check page with the resident layout: the council's name in
the header and footer, and the links to these pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.entitlements import councils
from safetynet.web.deps import Db, public
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal | None, Depends(public())]


def about(db: Db) -> dict[str, Any]:
    """Who runs the self-check, whom it serves and how to reach them: for every resident page."""
    settings = get_settings()
    return {
        "council": councils.running_council(db) or "your council",
        "covered": councils.covered_labels(),
        "contact": settings.self_check_contact,
        "privacy_contact": settings.self_check_privacy_contact,
        "idle_minutes": settings.self_check_idle_minutes,
        "callback_retention_days": settings.callback_retention_days,
    }


def resident_page(
    request: Request, db: Db, template: str, status_code: int = 200, **context: Any
) -> Response:
    """A self-check page in the resident layout."""
    return render(request, template, status_code=status_code, service=about(db), **context)


@router.get("/check/privacy")
def privacy_notice(request: Request, db: Db, _: Anyone) -> Response:
    """The privacy notice: what the self-check holds, why, for how long, and residents' rights."""
    return resident_page(request, db, "entitlements/privacy.html", title="Privacy notice")


@router.get("/check/cookies")
def cookies(request: Request, db: Db, _: Anyone) -> Response:
    """The cookies the self-check sets: only those it needs to work."""
    return resident_page(request, db, "entitlements/cookies.html", title="Cookies")


@router.get("/check/accessibility")
def accessibility(request: Request, db: Db, _: Anyone) -> Response:
    """The accessibility statement."""
    return resident_page(
        request, db, "entitlements/accessibility.html", title="Accessibility statement"
    )

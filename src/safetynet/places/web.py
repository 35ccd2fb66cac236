"""The places page: wards (or LSOAs) ranked where to act, with need beside deprivation,
rurality and broadband, and the published files the measures come from; its API twin."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.errors import InvalidInput
from safetynet.gaps.web import _as_of  # one parser of ?as_of= for every page
from safetynet.places import access, profiles, reference
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["v1"])
Viewer = Annotated[Principal, Depends(require("gaps.view"))]
As_gaps_view = Annotated[Principal, Depends(api_require("gaps.view"))]


@router.get("/places")
def places(
    request: Request, db: Db, principal: Viewer, by: str = "ward", as_of: str | None = None
) -> Response:
    """Where to act: the area's wards or LSOAs ranked, each figure beside its source."""
    page = access.places_page(db, principal, _as_of(as_of), by)
    return render(
        request,
        "places/places.html",
        title="Places: where to act",
        page=page,
        weights=profiles.WEIGHTS,
        kinds=reference.KIND_NAMES,
        current={f.kind: f.id for f in reversed(page.files)},
    )


@api_router.get("/places/profiles")
def place_profiles(
    db: Db, principal: As_gaps_view, by: str = "ward", as_of: date | None = None
) -> dict[str, Any]:
    """Ward (or LSOA) profiles ranked where to act: residents, missing out, £ unclaimed,
    deprivation, rurality, broadband, the score, its parts and the reasons (counts only)."""
    page = access.places_page(db, principal, as_of or date.today(), by)
    if page.problem:
        raise InvalidInput(page.problem)
    assert page.found is not None
    return {
        "as_of": page.as_of,
        "by": page.by,
        "measures": page.found.measures,
        "editions": page.found.editions,
        "clients_only": page.clients_only,
        "places": page.found.rows,
    }

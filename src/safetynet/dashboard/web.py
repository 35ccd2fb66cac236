"""The decision dashboard page, its exports and its API twin."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.dashboard import export, service
from safetynet.errors import InvalidInput
from safetynet.gaps.web import _as_of  # one parser of ?as_of= for every page
from safetynet.web.deps import Db, require
from safetynet.web.templating import fragment, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["v1"])
Viewer = Annotated[Principal, Depends(require("gaps.view"))]
As_gaps_view = Annotated[Principal, Depends(api_require("gaps.view"))]
TITLE = "Decision dashboard"
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get("/decisions")
def decisions_page(
    request: Request, db: Db, principal: Viewer, as_of: str | None = None
) -> Response:
    """Missing out now and over time, where to act, take-up, money, the plan and payments;
    each figure links to the list behind it."""
    found = service.decisions(db, principal, _as_of(as_of))
    if "body" not in found.rendered:  # the same figures: the same tables, charts and map
        found.rendered["body"] = fragment("dashboard/_decisions_body.html", found=found)
    return render(request, "dashboard/decisions.html", title=TITLE, body=found.rendered["body"])


@router.get("/decisions/export")
def decisions_export(
    db: Db, principal: Viewer, format: str = "xlsx", as_of: str | None = None
) -> Response:
    """The dashboard's figures as an Excel workbook or a PDF."""
    if format not in MEDIA:
        raise InvalidInput(f"'{format}' is not a format: use xlsx or pdf.")
    found = service.decisions(db, principal, _as_of(as_of))
    if found.problem:
        raise InvalidInput(found.problem)
    body = export.xlsx_bytes(found) if format == "xlsx" else export.pdf_bytes(found, TITLE)
    name = f"decision-dashboard-{found.as_of}.{format}"
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@api_router.get("/decisions")
def decisions_api(db: Db, principal: As_gaps_view, as_of: date | None = None) -> dict[str, Any]:
    """The dashboard's figures (counts and money only), each with the page behind it."""
    found = service.decisions(db, principal, as_of or date.today())
    if found.problem:
        raise InvalidInput(found.problem)
    return {
        "as_of": found.as_of,
        "clients_only": found.clients_only,
        "figures": [f.__dict__ for f in found.figures],
        "by_programme": dict(found.programmes),
        "trend": [{"as_of": d, "missing_out": n} for d, n in found.trend],
        "where_to_act": [
            {k: w[k] for k in ("rank", "ward_code", "ward_name", "missing", "score", "reasons")}
            for w in found.wards
        ],
        "takeup": found.takeup,
        "plan": found.plan,
        "digital_inclusion_needs": found.digital,
        "payments": found.payments,
    }

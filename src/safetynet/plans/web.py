"""Delivery plan pages (list, draft, the plan under its seven headings, measure, agree,
Word and PDF) and their API twins. The council's own staff only; plans hold counts only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.errors import InvalidInput
from safetynet.plans import access, export, service
from safetynet.plans.models import Plan
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["v1"])
Viewer = Annotated[Principal, Depends(require("plans.view"))]
Manager = Annotated[Principal, Depends(require("plans.manage"))]
As_plans_view = Annotated[Principal, Depends(api_require("plans.view"))]
As_plans_manage = Annotated[Principal, Depends(api_require("plans.manage"))]
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _number(text: str, field: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"Enter the {field} as a whole number.") from None
    if not low <= value <= high:
        raise InvalidInput(f"The {field} must be from {low} to {high}.")
    return value


def _list_page(
    request: Request, db: Db, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    page = render(
        request,
        "plans/plans.html",
        title="Delivery plans",
        plans=access.plans(db, principal),
        default_title=service.default_title(date.today()),
        **extra,
    )
    page.status_code = status
    return page


@router.get("/plans")
def plans_page(request: Request, db: Db, principal: Viewer) -> Response:
    """The area's plans, and a form to draft a new one from today's data."""
    return _list_page(request, db, principal)


@router.post("/plans")
def draft_page(
    request: Request,
    db: Db,
    principal: Manager,
    title: Annotated[str, Form(max_length=200)] = "",
    months: Annotated[str, Form(max_length=4)] = "6",
    wards: Annotated[str, Form(max_length=4)] = "3",
) -> Response:
    """Draft a plan from today's gaps and place profiles, then open it."""
    form = {"title": title, "months": months, "wards": wards}
    try:
        drafting = service.Drafting(
            title=title.strip() or service.default_title(date.today()),
            starts=date.today(),
            months=_number(months, "number of months", 1, 36),
            wards=_number(wards, "number of wards", 1, service.MAX_WARDS),
        )
        plan = access.draft(db, principal, drafting)
    except InvalidInput as problem:
        db.rollback()
        return _list_page(
            request, db, principal, 400, errors=[{"text": problem.message, "href": "#title"}],
            form=form,
        )  # fmt: skip
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: int, db: Db, principal: Viewer) -> Response:
    """The plan under its seven headings, with where each action stands."""
    plan = access.get_plan(db, principal, plan_id)
    return render(
        request,
        "plans/plan.html",
        title=plan.title,
        plan=plan,
        sections=export.sections(plan, date.today()),
        can_manage=principal.can("plans.manage"),
    )


@router.post("/plans/{plan_id}/measure")
def measure_page(plan_id: int, db: Db, principal: Manager) -> Response:
    """Re-count every action's measure from today's data."""
    access.measure(db, principal, plan_id, date.today())
    return RedirectResponse(f"/plans/{plan_id}?measured=1#have-we-done-it", status_code=303)


@router.post("/plans/{plan_id}/status")
def status_page(
    plan_id: int, db: Db, principal: Manager, status: Annotated[str, Form(max_length=16)] = ""
) -> Response:
    """Mark the plan agreed (or back to draft)."""
    access.set_status(db, principal, plan_id, status)
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.get("/plans/{plan_id}/export")
def export_page(plan_id: int, db: Db, principal: Viewer, format: str = "docx") -> Response:
    """The plan as a Word document or a PDF."""
    return _document(access.get_plan(db, principal, plan_id), format)


def _document(plan: Plan, file_format: str) -> Response:
    if file_format not in MEDIA:
        raise InvalidInput(f"'{file_format}' is not a format: use docx or pdf.")
    made = export.docx_bytes if file_format == "docx" else export.pdf_bytes
    return Response(
        made(plan, date.today()),
        media_type=MEDIA[file_format],
        headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.{file_format}"'},
    )


# -- API --------------------------------------------------------------------------------------


class DraftIn(BaseModel):
    """What to draft (all optional)."""

    title: str | None = Field(None, max_length=200)
    months: int = Field(6, ge=1, le=36, description="How long the plan runs.")
    wards: int = Field(3, ge=1, le=service.MAX_WARDS, description="Wards to act in first.")


def plan_out(plan: Plan, as_of: date) -> dict[str, Any]:
    """A plan as the API gives it: the seven headings' content and where each action stands."""
    states = {p.action.id: p for p in service.progress(plan, as_of)}
    return {
        "id": plan.id,
        "title": plan.title,
        "starts": plan.starts,
        "ends": plan.ends,
        "status": plan.status,
        "summary": plan.summary,
        "summary_by": plan.prose_by,
        "drafted_from": plan.drafted_from,
        "measured_at": plan.measured_at,
        "actions": [
            {
                "what": a.what,
                "for_whom": a.for_whom,
                "ward_code": a.ward_code,
                "by_when": a.by_when,
                "owner": a.owner,
                "resources": a.resources,
                "measure": a.measure,
                "rule_id": a.rule_id,
                "baseline": a.baseline,
                "latest": a.latest,
                "target": a.target,
                "state": states[a.id].state,
            }
            for a in plan.actions
        ],
        "risks": [
            {
                "risk": r.risk,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "mitigation": r.mitigation,
                "owner": r.owner,
            }
            for r in plan.risks
        ],
    }


@api_router.get("/plans")
def api_plans(db: Db, principal: As_plans_view) -> list[dict[str, Any]]:
    """The area's plans, newest first (title, period, status)."""
    return [
        {"id": p.id, "title": p.title, "starts": p.starts, "ends": p.ends, "status": p.status}
        for p in access.plans(db, principal)
    ]


@api_router.post("/plans", status_code=201)
def api_draft(body: DraftIn, db: Db, principal: As_plans_manage) -> dict[str, Any]:
    """Draft a plan from today's gaps and place profiles."""
    drafting = service.Drafting(
        title=(body.title or "").strip() or service.default_title(date.today()),
        starts=date.today(),
        months=body.months,
        wards=body.wards,
    )
    return plan_out(access.draft(db, principal, drafting), date.today())


@api_router.get("/plans/{plan_id}")
def api_plan(plan_id: int, db: Db, principal: As_plans_view) -> dict[str, Any]:
    """One plan under its seven headings."""
    return plan_out(access.get_plan(db, principal, plan_id), date.today())


@api_router.post("/plans/{plan_id}/measure")
def api_measure(plan_id: int, db: Db, principal: As_plans_manage) -> dict[str, Any]:
    """Re-count every action's measure from today's data."""
    return plan_out(access.measure(db, principal, plan_id, date.today()), date.today())

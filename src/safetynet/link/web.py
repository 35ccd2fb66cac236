"""Pages for link runs: history, starting one in the background, following its job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts.permissions import Principal
from safetynet.errors import Conflict
from safetynet.link import access
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("link.view"))]


def _runs_page(
    request: Request, db: Db, principal: Principal, status: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "link/runs.html",
        status_code=status,
        title="Link runs",
        runs=access.runs(db, principal),
        jobs=access.run_jobs(db, principal),
        residents=access.resident_count(db, principal),
        **extra,
    )


@router.get("/link-runs")
def runs(request: Request, db: Db, principal: Viewer) -> Response:
    """The area's link runs and any run waiting or in progress."""
    return _runs_page(request, db, principal)


@router.post("/link-runs")
def start(
    request: Request, db: Db, principal: Annotated[Principal, Depends(require("link.run"))]
) -> Response:
    """Queue a link run; the job page shows its progress."""
    try:
        job = access.start_run(db, principal)
    except Conflict as busy:
        return _runs_page(
            request, db, principal, 409, errors=[{"text": busy.message, "href": "#start"}]
        )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/link-runs/{run_id}")
def run_detail(request: Request, run_id: int, db: Db, principal: Viewer) -> Response:
    """One run: counts, thresholds and timings."""
    run = access.get_run(db, principal, run_id)
    return render(request, "link/run.html", title=f"Link run {run.id}", run=run)


@router.get("/jobs/{job_id}")
def job_detail(
    request: Request,
    job_id: int,
    db: Db,
    principal: Annotated[Principal, Depends(require("jobs.view"))],
) -> Response:
    """A background job's status; the page refreshes itself (no script) until it ends."""
    job = access.get_job(db, principal, job_id)
    return render(request, "link/job.html", title=f"Job {job.id}", job=job)

"""Link runs as background jobs: the web page and API start them; a worker does the work."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from safetynet.accounts.models import Tenant
from safetynet.jobs import Job, Report, handler


@handler("link_run")
def link_run_job(session: Session, job: Job, report: Report) -> dict[str, Any]:
    """Link the job's council area, then rank the review queue by the gap rules (as the CLI
    does); the result names the link run, its counts and how many pairs were ranked."""
    from safetynet.gaps.service import rank_after_link_run
    from safetynet.link.runs import run_linkage

    tenant = session.get(Tenant, job.tenant_id)
    assert tenant is not None
    run = run_linkage(session, area=tenant.slug, actor=job.actor, progress=report)
    report(95, "Ranking the review queue by the gap rules")
    ranking = rank_after_link_run(session, run.tenant_id, job.actor)
    extra: dict[str, Any] = {"review_ranked": ranking.ranked}
    if ranking.problem:
        extra["review_ranking_problem"] = ranking.problem
    return {"link_run_id": run.id, **run.counts, **extra}

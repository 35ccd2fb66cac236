"""Big uploads imported in the background: the page queues the job and shows its progress;
a worker imports the kept file as the user who uploaded it, then deletes it."""

from __future__ import annotations

import shutil
from typing import Any

from sqlalchemy.orm import Session

from safetynet.accounts.models import User
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.errors import NotFound, SafetynetError
from safetynet.jobs import Job, Report, handler
from safetynet.sources import access
from safetynet.sources.imports import ImportRefused, ImportRequest


@handler("import")
def import_job(session: Session, job: Job, report: Report) -> dict[str, Any]:
    """Import the job's upload (named by its random folder only) and delete it, whatever
    happens; the result names the import and its counts."""
    folder = get_settings().data_dir / "uploads" / str(job.params["upload"])
    try:
        files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
        if len(files) != 1:
            raise NotFound("The uploaded file is no longer there: upload it again.")
        user = session.get(User, job.user_id)
        if user is None or not user.is_active:
            raise NotFound("The user who uploaded the file can no longer import.")
        report(10, "Reading, checking and loading the file")
        request = ImportRequest(
            path=files[0],
            organisation=job.params["organisation"],
            source=job.params["source"],
            kind=job.params.get("kind") or None,
            skip_invalid_rows=bool(job.params.get("skip_invalid_rows")),
        )
        try:
            outcome = access.import_file(session, Principal.of(user), request)
        except ImportRefused as refused:
            reasons = "; ".join(f"{t} ×{n:,}" for t, n in refused.outcome.top_reasons("error", 5))
            raise SafetynetError(f"{refused.message} Commonest problems: {reasons}.") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "import_id": outcome.import_id,
        "rows_loaded": outcome.rows_loaded,
        "rows_rejected": outcome.rows_rejected,
        "warnings": outcome.warnings,
    }

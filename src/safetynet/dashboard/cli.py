"""`safetynet dashboard`: record gap snapshots (the dashboard's missing-out over time)."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console()
dashboard_app = typer.Typer(no_args_is_help=True, help="The decision dashboard's records.")


@dashboard_app.command("snapshot")
def snapshot(
    as_of: str = typer.Option(None, help="The day to count (YYYY-MM-DD; default today)."),
    area: str = typer.Option(None, "--area", help="Council area (needed when there are several)."),
) -> None:
    """Count who the gap rules find, by programme and ward, and keep it for the trend.

    Run it on a schedule (e.g. monthly from cron) to build missing-out over time.
    """
    from safetynet.dashboard import service
    from safetynet.gaps import service as gaps
    from safetynet.gaps.cli import _as_of, _reading

    day = _as_of(as_of)
    with _reading(area) as (session, reader):
        total = service.record_snapshot(
            session,
            reader,
            gaps.rulebook(session=session, tenant_id=reader.tenant.id),
            as_of=day,
            actor=reader.actor,
        )
    console.print(f"Snapshot of {day}: {total:,} residents probably missing out.")

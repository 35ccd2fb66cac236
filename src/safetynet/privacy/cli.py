"""`safetynet privacy`: retention runs and subject-access exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

console = Console()
privacy_app = typer.Typer(no_args_is_help=True, help="Retention and subject access.")
AREA = typer.Option(None, "--area", help="Council area (needed when there are several).")


@privacy_app.command("retention")
def retention(
    area: str = AREA,
    dry_run: bool = typer.Option(False, help="Report what is past retention; delete nothing."),
    as_of: str = typer.Option(None, help="Judge retention as of this date (YYYY-MM-DD)."),
) -> None:
    """Delete records kept past their data-sharing agreement's retention period, and report.
    Call-backs closed longer ago than SAFETYNET_CALLBACK_RETENTION_DAYS, and forms kept when a
    session ended once expired, are deleted too."""
    from rich.table import Table

    from safetynet.accounts.kept_forms import sweep
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.errors import InvalidInput
    from safetynet.link.runs import tenant_named
    from safetynet.privacy.retention import run_retention

    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise InvalidInput(f"--as-of must be a date like 2026-11-27, not '{as_of}'.") from None
    with open_session() as session:
        tenant = tenant_named(session, area)
        report = run_retention(session, tenant, actor=cli_actor(), as_of=day, dry_run=dry_run)
        swept = 0 if dry_run else sweep(session)
    table = Table("Source", "Agreement", "Retention (days)", "Why", "Records", "Rejected rows")
    for s in report.sources:
        table.add_row(
            s.source,
            s.agreement,
            f"{s.retention_days:,}",
            s.why,
            f"{s.records:,}",
            f"{s.rejected_rows:,}",
        )
    console.print(table)
    verb = "would be deleted (dry run)" if dry_run else "deleted"
    console.print(
        f"{report.records:,} records past retention on {day} {verb}."
        + ("" if dry_run or not report.records else " Run `safetynet link run` to relink.")
    )
    if report.call_backs:
        console.print(
            f"{report.call_backs:,} call-backs closed over {report.call_back_days:,} days "
            + ("ago would be deleted (dry run)." if dry_run else "ago deleted.")
        )
    if swept:
        console.print(f"{swept:,} expired kept forms deleted.")


@privacy_app.command("subject-access")
def subject_access(
    resident: int = typer.Argument(..., help="The resident's id."),
    out: Path = typer.Option(..., help="Where to write: .xlsx (a sheet per section) or .json."),
    reason: str = typer.Option(..., help="Why: the request's reference (kept in the audit log)."),
    area: str = AREA,
) -> None:
    """Export everything held about one resident, across sources, as one readable file."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link.runs import tenant_named
    from safetynet.privacy.subject_access import export

    with open_session() as session:
        tenant = tenant_named(session, area)
        found = export(session, tenant.id, resident, out, actor=cli_actor(), reason=reason)
    parts = ", ".join(f"{name} {len(rows)}" for name, rows in found.sections.items() if rows)
    console.print(f"[green]Written[/] {out}: {parts}.")

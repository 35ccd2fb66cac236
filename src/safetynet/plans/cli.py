"""`safetynet plans`: draft delivery plans from the data, measure them, export them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
plans_app = typer.Typer(no_args_is_help=True, help="Delivery plans under seven headings.")
AREA = typer.Option(None, "--area", help="Council area (needed when there are several).")


@plans_app.command("draft")
def plans_draft(
    title: str = typer.Option(None, help="The plan's title."),
    months: int = typer.Option(6, help="How many months it runs (1-36)."),
    wards: int = typer.Option(3, help="How many wards to act in first (the top of the ranking)."),
    area: str = AREA,
) -> None:
    """Draft a plan from today's gaps and place profiles, with the standard risks."""
    from safetynet.gaps import service as gaps
    from safetynet.gaps.cli import _reading
    from safetynet.plans import service

    today = date.today()
    drafting = service.Drafting(
        title=title or service.default_title(today), starts=today, months=months, wards=wards
    )
    with _reading(area) as (session, reader):
        plan = service.draft(
            session,
            reader,
            gaps.rulebook(session=session, tenant_id=reader.tenant.id),
            drafting,
            actor=reader.actor,
        )
        console.print(
            f"[green]Plan {plan.id}[/] drafted: {plan.title} ({len(plan.actions)} actions, "
            f"{len(plan.risks)} risks). Summary by {plan.prose_by}.",
            highlight=False,
        )
        console.print(plan.summary, highlight=False)


@plans_app.command("list")
def plans_list(area: str = AREA) -> None:
    """The area's plans, newest first."""
    from safetynet.gaps.cli import _reading
    from safetynet.plans import service

    with _reading(area) as (session, reader):
        table = Table("Plan", "Title", "Runs", "Status")
        for plan in service.plans(session, reader.tenant.id):
            table.add_row(str(plan.id), plan.title, f"{plan.starts} to {plan.ends}", plan.status)
    console.print(table)


@plans_app.command("measure")
def plans_measure(plan_id: int = typer.Argument(..., help="The plan."), area: str = AREA) -> None:
    """Re-count each action's measure from today's data and show where it stands."""
    from safetynet.gaps import service as gaps
    from safetynet.gaps.cli import _reading
    from safetynet.plans import service

    with _reading(area) as (session, reader):
        plan = service.get_plan(session, reader.tenant.id, plan_id)
        found = service.measure(
            session,
            reader,
            gaps.rulebook(session=session, tenant_id=reader.tenant.id),
            plan,
            as_of=date.today(),
            actor=reader.actor,
        )
        table = Table("Action", "Baseline", "Now", "Target", "Where it stands")
        for i, p in enumerate(found, start=1):
            table.add_row(
                f"{i}. {p.action.what}",
                *(
                    str(v) if v is not None else "—"
                    for v in (p.action.baseline, p.action.latest, p.action.target)
                ),
                p.state,
            )
    console.print(table)


@plans_app.command("export")
def plans_export(
    plan_id: int = typer.Argument(..., help="The plan."),
    out: Path = typer.Option(..., help="A .docx or .pdf file to write."),
    area: str = AREA,
) -> None:
    """Write the plan under its seven headings as Word or PDF."""
    from safetynet.errors import InvalidInput
    from safetynet.gaps.cli import _reading
    from safetynet.plans import export, service

    suffix = out.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        raise InvalidInput(f"{out.name}: write the plan to a .docx or .pdf file.")
    with _reading(area) as (session, reader):
        plan = service.get_plan(session, reader.tenant.id, plan_id)
        made = export.docx_bytes if suffix == ".docx" else export.pdf_bytes
        out.write_bytes(made(plan, date.today()))
    console.print(f"Plan {plan_id} written to {out}.")

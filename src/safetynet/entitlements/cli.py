"""`safetynet entitlements`: check a household, or screen every linked resident."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

console = Console()
entitlements_app = typer.Typer(
    no_args_is_help=True, help="What residents could claim: benefits and social tariffs."
)


def pounds(pence: int) -> str:
    """Pence as "£1,234.56"."""
    return f"£{pence / 100:,.2f}"


def _schemes(given: list[Any], area: str | None) -> list[Any]:
    """The CTR schemes for a check: those given, then the area's own (with --area), then the
    deployment's folder (those the area's own do not replace)."""
    from safetynet.entitlements import service

    if area is None:
        return service.council_schemes(given)
    from safetynet.db import open_session
    from safetynet.places.service import council_area

    with open_session() as session:
        tenant = council_area(session, area)
        return service.council_schemes(given, session=session, tenant_id=tenant.id)


@entitlements_app.command("check")
def check(
    household_file: Path = typer.Argument(..., help="Household file (JSON or YAML)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: annual pounds per benefit."),
    ctr_scheme: list[Path] = typer.Option(
        [], help="A council's own CTR scheme (YAML) to use; may be repeated."
    ),
    area: str = typer.Option(
        None,
        "--area",
        help="Also use this council area's own CTR schemes (from packs applied there).",
    ),
) -> None:
    """Estimate what a household could claim, a month and a year, and why."""
    from rich.table import Table

    from safetynet.entitlements import service
    from safetynet.entitlements.ctr import load_scheme
    from safetynet.entitlements.schemas import load_household

    household = load_household(household_file)
    schemes = _schemes([load_scheme(path) for path in ctr_scheme], area)
    result = service.check_household(household, schemes=schemes)
    if as_json:
        typer.echo(json.dumps(service.as_json(result), indent=2))
        return
    table = Table(
        "Benefit",
        "£/month",
        "£/year",
        "Why",
        title=f"Financial year {result.year}/{(result.year + 1) % 100:02d}",
    )
    for estimate in result.benefits:
        table.add_row(
            estimate.label,
            pounds(estimate.monthly_pence),
            pounds(estimate.annual_pence),
            estimate.why,
        )
    table.add_row(
        "[bold]Total[/]",
        pounds(round(result.total_annual_pence / 12)),
        f"[bold]{pounds(result.total_annual_pence)}[/]",
        "",
    )
    console.print(table if result.benefits else "No benefits found for this household.")
    for note in result.notes:
        console.print(f"[yellow]Note:[/] {note}")
    if result.tariffs:
        offers = Table("Social tariff", "Kind", "Saves £/year", "Because you get", "Source")
        for offer in result.tariffs:
            t = offer.tariff
            offers.add_row(
                f"{t.provider} {t.name}",
                t.kind,
                pounds(offer.annual_saving_pence),
                offer.because.replace("_", " "),
                f"{t.source} (checked {t.checked:%d %b %Y})",
            )
        console.print(offers)


@entitlements_app.command("screen")
def screen(
    area: str = typer.Option(None, help="Council area to screen (needed when there are several)."),
    ward: str = typer.Option(None, help="Show this ward's residents, most unclaimed first."),
    local_authority: str = typer.Option(
        None, help="Local authority the residents live in (default: the setting)."
    ),
    brma: str = typer.Option(None, help="Broad Rental Market Area for private renters."),
    year: int = typer.Option(2025, help="Financial year (2025 = 2025/26)."),
    council_tax: float = typer.Option(
        1_800.0, help="Annual council tax assumed where no source gives it (pounds)."
    ),
    top: int = typer.Option(10, help="How many residents to list."),
) -> None:
    """Estimate £ a year likely unclaimed for every linked resident, by ward.

    Each resident household is built from what the linked sources say (ages, household,
    tenure, rent, programmes already received), run through the engine, and stored per
    resident with its inputs and their provenance.
    """
    from rich.progress import Progress

    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.entitlements import screening

    setup = screening.assumptions(
        year=year, local_authority=local_authority, brma=brma, council_tax=council_tax
    )
    with open_session() as session:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Screening households", total=None)
            run = screening.screen(
                session,
                area=area,
                actor=cli_actor(),
                setup=setup,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        _print_screening(session, run, ward=ward, top=top)


def _print_screening(session: Any, run: Any, *, ward: str | None, top: int) -> None:
    """A screening run's totals, its wards (or the one asked for) and its top residents."""
    from rich.table import Table

    from safetynet.entitlements import screening

    c = run.counts
    console.print(
        f"[green]Screening {run.id}[/]: {c['residents']:,} residents in "
        f"{c['households']:,} households ({c['households_not_screened']:,} not screened); "
        f"{c['households_with_unclaimed']:,} households likely miss "
        f"{pounds(c['unclaimed_pence'])} a year; engine {run.timings['engine_seconds']} s."
    )
    table = Table("Ward", "Residents", "Households", "With unclaimed", "£/year unclaimed")
    for w in screening.ward_totals(session, run.id):
        if ward and w.ward.lower() != ward.lower():
            continue
        table.add_row(
            w.ward,
            f"{w.residents:,}",
            f"{w.households:,}",
            f"{w.households_with_unclaimed:,}",
            pounds(w.unclaimed_pence),
        )
    console.print(table)
    residents = Table("Resident", "Ward", "£/year unclaimed", "Benefits not received")
    for r in screening.top_residents(session, run.id, ward=ward, limit=top):
        biggest = sorted(r.unclaimed, key=lambda b: -r.unclaimed[b])
        names = ", ".join(b.replace("_", " ") for b in biggest)
        residents.add_row(str(r.resident_id), r.ward or "", pounds(r.unclaimed_pence), names)
    console.print(residents)

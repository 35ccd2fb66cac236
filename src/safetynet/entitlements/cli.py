"""`safetynet entitlements`: check a household, or screen every linked resident."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

console = Console()
entitlements_app = typer.Typer(
    no_args_is_help=True, help="What residents could claim: benefits and social tariffs."
)


def pounds(pence: int) -> str:
    """Pence as "£1,234.56"."""
    return f"£{pence / 100:,.2f}"


@entitlements_app.command("check")
def check(
    household_file: Path = typer.Argument(..., help="Household file (JSON or YAML)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: annual pounds per benefit."),
    ctr_scheme: list[Path] = typer.Option(
        [], help="A council's own CTR scheme (YAML) to use; may be repeated."
    ),
) -> None:
    """Estimate what a household could claim, a month and a year, and why."""
    from rich.table import Table

    from safetynet.entitlements import service
    from safetynet.entitlements.ctr import load_scheme
    from safetynet.entitlements.schemas import load_household

    household = load_household(household_file)
    schemes = service.council_schemes([load_scheme(path) for path in ctr_scheme])
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

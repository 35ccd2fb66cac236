"""`safetynet front-desk`: the desk's weekly report, as a named user (`--as EMAIL`), so the
same permissions and scope apply as on the report page."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

console = Console()
front_desk_app = typer.Typer(no_args_is_help=True, help="The partners' front desk.")
AS = typer.Option(..., "--as", help="Email of the user acting (their role and organisation apply).")


@front_desk_app.command("report")
def report_command(
    as_: str = AS,
    weeks: int = typer.Option(8, help="How many weeks, this one included (1 to 52)."),
    organisation: str | None = typer.Option(
        None, help="A council's staff: one organisation of the area, by slug."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Visits a week, new people, and referrals made with their outcomes."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.frontdesk import reports
    from safetynet.frontdesk.service import OUTCOME_LABELS

    with open_session() as session:
        found = reports.report(
            session, acting_as(session, as_), weeks=weeks, organisation=organisation
        )
    if as_json:
        console.print_json(json.dumps(found.as_dict()))
        return
    table = Table(title=f"Front desk: {found.scope}")
    for heading in ("Week of", "Visits", "Food parcels", "Referrals", "People", "New people"):
        table.add_column(heading, justify="left" if heading == "Week of" else "right")
    for w in found.weeks:
        counts = (w.visits, w.food_parcels, w.referrals, w.people, w.new_people)
        table.add_row(f"{w.starts:%d %b %Y}", *(str(n) for n in counts))
    console.print(table)
    outcomes = ", ".join(f"{OUTCOME_LABELS[k]}: {n}" for k, n in found.outcomes.items())  # type: ignore[index]
    console.print(f"Referrals by outcome: {outcomes}")
    for to, made, took in found.referred_to:
        console.print(f"  {to}: {made} made, {took} taken up", highlight=False)

"""`safetynet residents`: finding residents from the command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

console = Console()
residents_app = typer.Typer(no_args_is_help=True, help="Find residents.")


@residents_app.command("search")
def residents_search(
    name: str = typer.Option("", help="Surname, or first name and surname."),
    dob: str = typer.Option("", help="Date of birth, like 1980-01-31 or 31/01/1980."),
    postcode: str = typer.Option(
        "", help="A full postcode, its first half (district, DB4) or a sector (DB4 7)."
    ),
    reference: str = typer.Option("", help="A list's own reference for the person."),
    organisation: str = typer.Option(
        None, help="Search only what this organisation (short name) may read."
    ),
    area: str = typer.Option(None, "--area", help="Council area (needed when there are several)."),
    page: int = typer.Option(1, min=1, help="Page of results."),
    size: int = typer.Option(20, min=1, max=500, help="Results a page."),
) -> None:
    """Residents with a record matching every criterion given; the search is audited.

    Case, accents, spaces and apostrophes in names do not matter. Without --organisation the
    search covers the whole council area, as the council's staff see it.
    """
    from safetynet.accounts import service as accounts
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.errors import InvalidInput
    from safetynet.link import search
    from safetynet.link.runs import tenant_named
    from safetynet.paging import PageRequest

    query, problems = search.criteria(name=name, dob=dob, postcode=postcode, reference=reference)
    if problems:
        raise InvalidInput("; ".join(f"--{k}: {v}" for k, v in problems.items()) + ".")
    with open_session() as session:
        if organisation:
            org = accounts.get_organisation(session, organisation)
            tenant_id, org_id = org.tenant_id, org.id
        else:
            tenant_id, org_id = tenant_named(session, area).id, None
        found = search.find(
            session,
            query,
            PageRequest(page, size),
            tenant_id=tenant_id,
            organisation_id=org_id,
            actor=cli_actor(),
        )
    table = Table("Resident", "Name", "Date of birth", "Postcode", "On lists from")
    for m in found.items:
        born = m.dob.isoformat() if m.dob else ""
        table.add_row(str(m.resident_id), m.name, born, m.postcode or "", ", ".join(m.supplied_by))
    console.print(table)
    console.print(f"{found.caption('residents')} (page {found.number} of {found.pages}).")

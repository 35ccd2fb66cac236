"""`safetynet places`: reference geography (wards and the postcode lookup)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
places_app = typer.Typer(no_args_is_help=True, help="Wards and other reference geography.")
wards_app = typer.Typer(no_args_is_help=True, help="Wards and the postcode -> ward lookup.")
places_app.add_typer(wards_app, name="wards")


@wards_app.command("import")
def wards_import(
    file: Path = typer.Argument(..., help="CSV of postcode, ward_code, ward_name."),
    geojson: Path = typer.Option(None, help="Ward boundaries (GeoJSON), for the map page."),
    area: str = typer.Option(None, help="Council area (needed when there are several)."),
) -> None:
    """Import the area's postcode -> ward lookup, replacing the one before."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.places import service

    with open_session() as session:
        tenant = service.council_area(session, area)
        done = service.import_wards(
            session, tenant=tenant, lookup=file, boundaries=geojson, actor=cli_actor()
        )
    console.print(
        f"[green]{done.wards:,} wards[/] and {done.postcodes:,} postcodes imported for "
        f"{tenant.name}; {done.boundaries:,} ward boundaries."
    )


@wards_app.command("list")
def wards_list(
    area: str = typer.Option(None, help="Council area (needed when there are several)."),
) -> None:
    """List the area's wards and how many postcodes each has."""
    from safetynet.db import open_session
    from safetynet.places import service

    with open_session() as session:
        tenant = service.council_area(session, area)
        lookup = service.postcode_wards(session, tenant.id)
        counts = dict(lookup.group_by("ward_code").len().iter_rows())
        table = Table("Code", "Ward", "Postcodes", "Boundary")
        for ward in service.wards(session, tenant.id):
            table.add_row(
                ward.code,
                ward.name,
                f"{counts.get(ward.code, 0):,}",
                "yes" if ward.boundary else "—",
            )
    console.print(table)

"""`safetynet directory`: import an ORUK feed (a JSON file, a folder of ORUK CSV files, or
another council's ORUK API), export the area's directory as ORUK JSON, and list services —
as a named user (`--as EMAIL`), so the same permissions and area apply as on the pages."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
directory_app = typer.Typer(no_args_is_help=True, help="The service directory (Open Referral UK).")
AS = typer.Option(..., "--as", help="Email of the user acting (their role and area apply).")


@directory_app.command("import")
def import_command(
    as_: str = AS,
    file: Path | None = typer.Argument(None, help="An ORUK JSON file."),
    csv: Path | None = typer.Option(None, "--csv", help="A folder of ORUK CSV files."),
    api: str | None = typer.Option(None, "--api", help="The address of an ORUK API."),
) -> None:
    """Check an ORUK feed against the standard and add it to your area: all or nothing."""
    from safetynet.accounts.access import acting_as
    from safetynet.config import get_settings
    from safetynet.db import open_session
    from safetynet.directory import feeds, service, tabular
    from safetynet.errors import InvalidInput

    if sum(x is not None for x in (file, csv, api)) != 1:
        raise InvalidInput("Give one of: a JSON file, --csv FOLDER or --api ADDRESS.")
    settings = get_settings()
    with open_session() as session:
        principal = acting_as(session, as_)
        principal.require("directory.manage")
        if api:
            with console.status(f"Reading {api} ({settings.oruk_requests_per_minute}/minute)"):
                feed, requests = feeds.fetch(
                    api,
                    per_minute=settings.oruk_requests_per_minute,
                    timeout=settings.oruk_timeout_seconds,
                )
            console.print(f"{requests:,} requests made.")
        feed = feeds.read_json(file) if file else tabular.read_folder(csv) if csv else feed
        origin = api or str(file or csv)
        with console.status(f"Checking and saving {len(feed.services):,} services"):
            counts = service.import_feed(session, principal, feed, origin=origin)
    console.print(
        f"[green]Imported[/green] {counts.services:,} services, {counts.organisations:,} "
        f"organisations, {counts.locations:,} locations, {counts.taxonomies:,} taxonomies "
        f"and {counts.terms:,} terms."
    )
    if counts.contact_names_left_out:
        console.print(
            f"{counts.contact_names_left_out:,} contact name(s) left out: the directory keeps "
            "contacts as roles and desks, never people's names."
        )


@directory_app.command("export")
def export_command(
    as_: str = AS,
    output: Path = typer.Option(..., "--output", "-o", help="The JSON file to write."),
    public: bool = typer.Option(False, help="Leave out what the public API leaves out."),
    check: bool = typer.Option(False, help="Check every record against the ORUK schemas."),
) -> None:
    """Write your area's directory as ORUK JSON (services, taxonomies, taxonomy_terms)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.directory import service, validation
    from safetynet.errors import InvalidInput

    with open_session() as session:
        principal = acting_as(session, as_)
        principal.require("directory.view")
        found = service.export(session, principal.tenant_id, public=public)
    if check:
        problems = validation.check_all("service", found["services"])
        if problems:
            raise InvalidInput(f"The export breaks the standard: {problems[0]}")
    output.write_text(json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8")
    console.print(f"Wrote {len(found['services']):,} services to {output}.")


@directory_app.command("list")
def list_command(
    as_: str = AS,
    kind: str = typer.Option("", help="service, counsellor or vacancy."),
    text: str = typer.Option("", help="Words in the name or description."),
    limit: int = typer.Option(20, min=1, max=500, help="How many to show."),
) -> None:
    """Services of your area, by name."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.directory import service
    from safetynet.paging import PageRequest, page_of

    with open_session() as session:
        principal = acting_as(session, as_)
        principal.require("directory.view")
        query = service.services_query(
            session, principal.tenant_id, service.Filters(text=text, kind=kind)
        )
        found = page_of(session, query, PageRequest(1, limit))
        table = Table(title=found.caption("services"))
        for heading in ("Name", "Kind", "How", "Status", "ORUK id"):
            table.add_column(heading)
        for s in found.items:
            table.add_row(s.name, s.kind, s.formats, s.status, s.oruk_id)
    console.print(table)

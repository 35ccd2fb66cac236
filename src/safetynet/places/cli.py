"""`safetynet places`: reference geography (wards and the postcode lookup)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
places_app = typer.Typer(
    no_args_is_help=True,
    help="Wards, published files about places (postcodes, deprivation, broadband), profiles.",
)
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


KIND_HELP = (
    "postcodes (ONS postcode directory), deprivation (IoD LSOA file) or connectivity (Ofcom)."
)
PROFILE_COLUMNS = (
    ("rank", "Rank"),
    ("ward_name", "Ward"),
    ("residents", "Residents"),
    ("missing", "Missing out"),
    ("missing_per_1000", "Per 1,000"),
    ("unclaimed_pence", "£ unclaimed a year"),
    ("imd_score", "IMD score"),
    ("imd_decile", "IMD decile (median)"),
    ("rural_pct", "Rural %"),
    ("gigabit_pct", "Gigabit %"),
    ("score", "Score"),
)


@places_app.command("import")
def places_import(
    kind: str = typer.Argument(..., help=KIND_HELP),
    file: Path = typer.Argument(..., help="The published CSV, as downloaded."),
    edition: str = typer.Option(None, help="Which edition it is, e.g. 'NSPL February 2026'."),
    la: list[str] = typer.Option(
        None, "--la", help="Local authority code(s) of the area (postcodes; else its wards)."
    ),
    area: str = typer.Option(None, help="Council area (needed when there are several)."),
) -> None:
    """Import a published file about places as a new version (the newest is used).

    Order: postcodes first (it places LSOAs), then deprivation and connectivity.
    """
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.places import reference, service

    with open_session() as session:
        tenant = service.council_area(session, area)
        with console.status(f"Reading {file.name}"):
            done = reference.import_file(
                session,
                tenant=tenant,
                kind=kind,
                path=file,
                actor=cli_actor(),
                edition=edition,
                la_codes=la,
            )
    if done.already:
        console.print(
            f"{file.name} was imported before (version {done.file_id}, {done.edition}); "
            "nothing changed."
        )
        return
    console.print(
        f"[green]{reference.KIND_NAMES[kind]}[/]: {done.rows_kept:,} rows of {tenant.name} kept "
        f"of {done.rows_read:,} read (version {done.file_id}, {done.edition}).",
        highlight=False,
    )
    for note in done.notes:
        console.print(f"[yellow]Note:[/] {note}", highlight=False)


@places_app.command("files")
def places_files(
    area: str = typer.Option(None, help="Council area (needed when there are several)."),
) -> None:
    """List the published files imported for the area, newest first (* = in use)."""
    from safetynet.db import open_session
    from safetynet.places import reference, service

    with open_session() as session:
        tenant = service.council_area(session, area)
        table = Table("Version", "Kind", "Edition", "File", "Rows kept", "Imported", "By")
        seen: set[str] = set()
        for version in reference.files(session, tenant.id):
            mark = "" if version.kind in seen else " *"
            seen.add(version.kind)
            table.add_row(
                f"{version.id}{mark}",
                reference.KIND_NAMES[version.kind],
                version.edition,
                version.file_name,
                f"{version.rows_kept:,}",
                f"{version.imported_at:%Y-%m-%d %H:%M}",
                version.imported_by,
            )
    console.print(table)


@places_app.command("remove")
def places_remove(
    version: int = typer.Argument(..., help="The version to remove (see `places files`)."),
    area: str = typer.Option(None, help="Council area (needed when there are several)."),
) -> None:
    """Remove one imported version; the one before it is used again."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.places import reference, service

    with open_session() as session:
        tenant = service.council_area(session, area)
        gone = reference.remove_file(session, tenant=tenant, file_id=version, actor=cli_actor())
    console.print(f"Removed version {version} ({gone.edition}).")


@places_app.command("profiles")
def places_profiles(
    by: str = typer.Option("ward", help="ward or lsoa."),
    out: Path = typer.Option(None, help="Write every profile to this CSV or XLSX file."),
    as_of: str = typer.Option(None, help="Gap rules as of this date (YYYY-MM-DD)."),
    area: str = typer.Option(None, help="Council area (needed when there are several)."),
) -> None:
    """Where to act: wards (or LSOAs) ranked by need, deprivation, broadband and rurality."""
    from safetynet.errors import InvalidInput
    from safetynet.exports import write_table
    from safetynet.gaps import service as gaps
    from safetynet.gaps.cli import _as_of, _reading
    from safetynet.places import profiles

    if by not in ("ward", "lsoa"):
        raise InvalidInput(f"--by '{by}': use ward or lsoa.")
    with _reading(area) as (session, reader):
        found = profiles.profiles(
            session,
            reader,
            gaps.rulebook(session=session, tenant_id=reader.tenant.id),
            as_of=_as_of(as_of),
            by=by,
        )
    columns = [(k, h) for k, h in PROFILE_COLUMNS]
    if by == "lsoa":
        columns.insert(1, ("lsoa", "LSOA"))
    if out is not None:
        header = [h for _, h in columns] + ["Why"]
        rows = [
            [_money(r[k]) if k == "unclaimed_pence" else r.get(k) for k, _ in columns]
            + ["; ".join(r["reasons"])]
            for r in found.rows
        ]
        written = write_table(out, header, rows)
        console.print(f"{written:,} profiles written to {out}.")
        return
    table = Table(*(h for _, h in columns), "Why", title="Where to act", title_justify="left")
    for row in found.rows[:25]:
        table.add_row(
            *(_money(row[k]) if k == "unclaimed_pence" else _shown(row.get(k)) for k, _ in columns),
            "; ".join(row["reasons"]),
        )
    console.print(table)
    used = ", ".join(found.measures) or "none (no residents or place files)"
    console.print(f"Ranked on: {used}.", highlight=False)
    for kind, edition in found.editions.items():
        console.print(f"{kind}: {edition}", highlight=False)


def _money(pence: int | None) -> str:
    return "" if pence is None else f"£{pence / 100:,.0f}"


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)

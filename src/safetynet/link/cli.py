"""`safetynet link`: record linkage between partners' lists."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()
link_app = typer.Typer(no_args_is_help=True, help="Link people across partners' lists.")


@link_app.command("files")
def link_files(
    file_a: Path = typer.Argument(..., help="First list (CSV, XLSX or Parquet)."),
    file_b: Path = typer.Argument(..., help="Second list."),
    out: Path = typer.Option(..., help="Where to write the matched pairs (CSV or XLSX)."),
    id_a: str = typer.Option(None, help="Row id column of the first file (default: guessed)."),
    id_b: str = typer.Option(None, help="Row id column of the second file."),
    mapping_a: Path = typer.Option(None, help="YAML mapping file for the first file."),
    mapping_b: Path = typer.Option(None, help="YAML mapping file for the second file."),
    sheet_a: str = typer.Option(None, help="Excel sheet of the first file."),
    sheet_b: str = typer.Option(None, help="Excel sheet of the second file."),
    threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="Match probability at which a pair counts as a match."
    ),
) -> None:
    """Link two spreadsheets without setting anything up: writes the pairs that match.

    The model is trained on the two files themselves (no labelled examples needed). When each
    file holds one row per person, each row is matched at most once.
    """
    from safetynet.exports import write_table
    from safetynet.link.files import FileSide, link_files

    with console.status("Reading, training and scoring"):
        result = link_files(
            FileSide(file_a, id_a, mapping_a, sheet_a),
            FileSide(file_b, id_b, mapping_b, sheet_b),
            threshold=threshold,
        )
    write_table(
        out, ["id_a", "id_b", "match_probability", "match_weight"], result.pairs.iter_rows()
    )
    for side in (result.a, result.b):
        console.print(
            f"{side.name}: {side.rows:,} rows, {side.skipped:,} left out (no row "
            f"id), {side.warnings:,} values blanked as invalid or missing."
        )
        for note in side.notes:
            console.print(f"  [yellow]Note:[/] {note}")
    rule = "each row matched at most once" if result.one_to_one else "rows may match several"
    console.print(
        f"[green]{result.pairs.height:,} matching pairs[/] (probability ≥ "
        f"{threshold}; {rule}) of {result.candidates:,} candidates, written to {out}."
    )


@link_app.command("run")
def link_run(
    area: str = typer.Option(None, help="Council area to link (needed when there are several)."),
    threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="Match probability at which records join a resident."
    ),
) -> None:
    """Link every current record of the area into residents (one per real person)."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import runs

    with open_session() as session, console.status("Training, scoring and clustering"):
        run = runs.run_linkage(session, area=area, actor=cli_actor(), threshold=threshold)
    counts = run.counts
    console.print(
        f"[green]Link run {run.id}[/]: {counts['records']:,} records from "
        f"{counts['sources']} sources -> {counts['residents']:,} residents "
        f"({counts['residents_kept']:,} kept their ids); "
        f"{run.timings['link_seconds']} s."
    )


@link_app.command("runs")
def link_runs() -> None:
    """List link runs, newest first."""
    from rich.table import Table

    from safetynet.db import open_session
    from safetynet.link import runs

    table = Table("Run", "Finished (UTC)", "Records", "Residents", "Ids kept", "Seconds", "By")
    with open_session() as session:
        for run in runs.list_runs(session):
            c = run.counts
            table.add_row(
                str(run.id),
                f"{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else run.status,
                f"{c.get('records', 0):,}",
                f"{c.get('residents', 0):,}",
                f"{c.get('residents_kept', 0):,}",
                str(run.timings.get("link_seconds", "")),
                run.started_by,
            )
    console.print(table)

"""`safetynet import`: load a partner file, list imports, undo one, read an import's report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

console = Console()


class ImportGroup(TyperGroup):
    """`safetynet import FILE ...` loads a file; `import list|undo|issues|rejected` do the rest."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["file", *args]
        return super().parse_args(ctx, args)

    def get_help(self, ctx: Any) -> str:
        """The group's help, saying how to import a file and the kinds a list can be (read
        only when help is asked for, so plain commands do not load the models)."""
        self.help = (
            "Import partners' files (CSV, XLSX, Parquet) and manage imports.\n\n"
            "Import a file: safetynet import FILE --org ORG --source NAME --kind KIND "
            "(and optionally --mapping MAPPING.yaml, --sheet NAME, --skip-invalid-rows, "
            "--dry-run; every option: safetynet import FILE --help).\n\n"
            f"Kinds (--kind, needed when the source is new): {kind_values()}."
        )
        return str(super().get_help(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if cmd_name == "file" and command is not None:
            for param in command.params:
                if param.name == "kind":
                    text = f"What the list holds: {kind_values()}. Needed when the source is new."
                    setattr(param, "help", text)  # noqa: B010  (an Option's help, set lazily)
        return command


def kind_values() -> str:
    """The kinds a source can be, as `--kind` takes them."""
    from safetynet.sources.models import SourceKind

    return ", ".join(kind.value for kind in SourceKind)


import_app = typer.Typer(
    cls=ImportGroup,
    no_args_is_help=True,
    help="Import partners' files (CSV, XLSX, Parquet) and manage imports.",
)


@import_app.command("file", hidden=True)
def import_file(
    file: Path = typer.Argument(..., help="The CSV, XLSX or Parquet file to import."),
    org: str = typer.Option(..., help="Short name of the organisation that supplied it."),
    source: str = typer.Option(..., help="Name of the source (list) it belongs to."),
    kind: str = typer.Option(None, help="What the list holds; needed when the source is new."),
    mode: str = typer.Option(None, help="snapshot or append (default from the kind)."),
    mapping: Path = typer.Option(None, help="YAML mapping file: 'field: column' lines."),
    sheet: str = typer.Option(None, help="Sheet to read from an Excel workbook."),
    skip_invalid_rows: bool = typer.Option(False, help="Load valid rows; keep the rest aside."),
    replace: bool = typer.Option(
        False, help="Load a file identical to an earlier import as a new version."
    ),
    dry_run: bool = typer.Option(False, help="Check everything, write nothing."),
) -> None:
    """Import a partner file: map, standardise, validate, store — all or nothing."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.sources import service

    request = service.ImportRequest(
        file, org, source, kind, mode, mapping, sheet, skip_invalid_rows, replace, dry_run
    )
    with open_session() as session, _progress() as bar:
        task = bar.add_task("Reading rows", total=None)
        try:
            outcome = service.run_import(
                session,
                request,
                actor=cli_actor(),
                on_mapping=show_mapping,
                progress=lambda n: bar.update(task, completed=n, description=f"Read {n:,} rows"),
            )
        except service.ImportRefused as refused:
            bar.stop()
            show_issues(refused.outcome)
            raise
    show_outcome(outcome)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def show_mapping(outcome: Any) -> None:
    """Print which column feeds each field, before anything is loaded."""
    mapping = outcome.mapping
    table = Table(
        "Field",
        "Column(s) in the file",
        title=f"Mapping for {outcome.file_name} ({outcome.file_format}, {mapping.source})",
        title_justify="left",
    )
    for name, columns in mapping.columns.items():
        table.add_row(name, ", ".join(columns))
    if mapping.extras:
        table.add_row("[dim]kept as extras[/]", ", ".join(mapping.extras))
    if mapping.ignored:
        table.add_row("[dim]ignored[/]", ", ".join(mapping.ignored))
    console.print(table)
    for notice in outcome.notices:
        console.print(f"[yellow]Warning:[/] {notice}")


def show_issues(outcome: Any, limit: int | None = None) -> None:
    """Print the first problems by row and column, then how many more there are."""
    from safetynet.config import get_settings

    limit = limit or get_settings().import_max_issues_shown
    if not outcome.sample:
        return
    table = Table(
        "Row",
        "Column",
        "",
        "Problem",
        title=f"Problems in {outcome.file_name}",
        title_justify="left",
    )
    for issue in outcome.sample[:limit]:
        style = "red" if issue["severity"] == "error" else "yellow"
        table.add_row(
            str(issue["row_number"] or ""),
            issue["column"] or "",
            f"[{style}]{issue['severity']}[/]",
            issue["message"],
        )
    console.print(table)
    more = outcome.errors + outcome.warnings - min(limit, len(outcome.sample))
    if more > 0:
        console.print(
            f"… and {more:,} more ({outcome.errors:,} errors, "
            f"{outcome.warnings:,} warnings in all)."
        )


def show_outcome(outcome: Any) -> None:
    """Print what was loaded, rejected and warned about."""
    show_issues(outcome)
    verb = "Checked (dry run, nothing written)" if outcome.dry_run else "Imported"
    where = (
        f" as import {outcome.import_id} (version {outcome.version})" if outcome.import_id else ""
    )
    console.print(
        f"[green]{verb}[/] {outcome.file_name} into {outcome.organisation}/"
        f"{outcome.source}{where}: {outcome.rows_loaded:,} rows loaded, "
        f"{outcome.rows_rejected:,} rejected, {outcome.warnings:,} warnings."
    )


@import_app.command("list")
def import_list(
    source: str = typer.Option(None, help="Only this source."),
    limit: int = typer.Option(50, help="How many to show."),
) -> None:
    """List imports, newest first."""
    from safetynet.db import open_session
    from safetynet.sources import service

    table = Table(
        "ID",
        "Organisation",
        "Source",
        "Kind",
        "Ver.",
        "Status",
        "File",
        "Loaded",
        "Rejected",
        "Warnings",
        "When (UTC)",
        "By",
    )
    with open_session() as session:
        for row in service.list_imports(session, source=source, limit=limit):
            table.add_row(
                str(row.id),
                row.organisation,
                row.source,
                row.kind,
                str(row.version),
                row.status,
                row.file_name,
                f"{row.rows_loaded:,}",
                f"{row.rows_rejected:,}",
                f"{row.warnings:,}",
                f"{row.imported_at:%Y-%m-%d %H:%M}",
                row.imported_by,
            )
    console.print(table)


@import_app.command("undo")
def import_undo(
    import_id: int = typer.Argument(..., help="The import's ID."),
    reason: str = typer.Option("imported by mistake", help="Why (kept in the audit log)."),
) -> None:
    """Withdraw an import whole (its records are deleted; the audit log keeps why).

    Linked records leave their residents: the others keep their ids, and a resident left
    with no records ends."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link.withdraw import withdraw_import

    with open_session() as session:
        undone, released = withdraw_import(session, import_id, reason=reason, actor=cli_actor())
        console.print(f"Withdrew import {undone.id} ({undone.file_name}).")
        if released.links:
            console.print(
                f"{released.links:,} records left their residents; "
                f"{released.residents_ended:,} residents had no other records and ended. "
                "Run `safetynet link run` to link the area's lists again."
            )


@import_app.command("issues")
def import_issues(
    import_id: int = typer.Argument(..., help="The import's ID."),
    errors_only: bool = typer.Option(False, help="Only errors."),
    limit: int = typer.Option(100, help="How many to show."),
) -> None:
    """Show the problems found in an import, by row and column."""
    from safetynet.db import open_session
    from safetynet.sources import service

    table = Table("Row", "Column", "", "Problem")
    with open_session() as session:
        found = service.import_issues(
            session, import_id, limit=limit, severity="error" if errors_only else None
        )
        for issue in found:
            table.add_row(
                str(issue.row_number or ""), issue.column or "", issue.severity, issue.message
            )
    console.print(table)


@import_app.command("rejected")
def import_rejected(
    import_id: int = typer.Argument(..., help="The import's ID."),
    out: Path = typer.Option(..., help="CSV or XLSX file to write."),
    reason: str = typer.Option(..., help="Why you are exporting (audited)."),
) -> None:
    """Export the rows an import left out, with reasons, so the partner can correct them."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.sources import service

    with open_session() as session:
        count = service.export_rejected(session, import_id, out, reason=reason, actor=cli_actor())
    console.print(f"Wrote {count:,} rejected rows to {out}.")

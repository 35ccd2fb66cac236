"""`safetynet link`: record linkage between partners' lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

console = Console()
link_app = typer.Typer(no_args_is_help=True, help="Link people across partners' lists.")


EXCEL = typer.Option(
    False, "--excel", help="Write the CSV for Excel (byte-order mark, CRLF line ends)."
)


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
    compare: list[str] = typer.Option(
        [], "--compare", help="Another column both files have to compare exactly (repeatable)."
    ),
    one_to_one: bool = typer.Option(
        False,
        "--one-to-one",
        help="Both files hold one row per person: match each row at most once.",
    ),
    duplicates: Path = typer.Option(
        None, help="Also write the rows each file repeats (same person, another row) here."
    ),
    excel: bool = EXCEL,
) -> None:
    """Link two spreadsheets without setting anything up: writes the pairs that match.

    Rows are named by the id columns given, else by a column headed like an id ('Ref',
    'rec_id', 'Client ID') holding one value per row, else by their row numbers (from 1).

    The model is trained on the two files themselves (no labelled examples needed). A file
    in which no one appears twice is a register: each row of the other file matches at most
    one of its rows. Between two registers each row is matched at most once; between two
    files that both repeat people every pair above the threshold is kept.
    """
    from safetynet.link.files import FileSide, link_files

    with console.status("Reading, training and scoring"):
        result = link_files(
            FileSide(file_a, id_a, mapping_a, sheet_a, tuple(compare)),
            FileSide(file_b, id_b, mapping_b, sheet_b, tuple(compare)),
            threshold=threshold,
            one_to_one=one_to_one,
        )
    _write_linked(result, out, duplicates, threshold=threshold, excel=excel)


def _write_linked(
    result: Any, out: Path, duplicates: Path | None, *, threshold: float, excel: bool
) -> None:
    """Write the matched pairs (and the repeated rows, if asked) and say what was found."""
    from safetynet.exports import write_table

    columns = ["id_a", "id_b", "match_probability"]
    write_table(out, columns, result.pairs.select(columns).iter_rows(), excel=excel)
    for side in (result.a, result.b):
        _describe(side)
    if duplicates:
        repeats = _with_file_names(result)
        write_table(duplicates, repeats.columns, repeats.iter_rows(), excel=excel)
        console.print(f"{repeats.height:,} pairs of rows of one person written to {duplicates}.")
    console.print(
        f"[green]{result.pairs.height:,} matching pairs[/] (probability ≥ "
        f"{threshold}; {_RULES[result.rule]}) of {result.candidates:,} candidates, "
        f"written to {out}."
    )
    if result.pairs.is_empty():
        console.print("No pairs matched: these files seem to have no one in common.")


_RULES = {
    "one to one": "each row matched at most once",
    "one per register": "each row matched at most once in the register, which may match many",
    "every pair": "both files repeat people: rows may match several",
}


def _with_file_names(result: Any) -> Any:
    """The repeated rows with each file's name in `list` (rather than a or b)."""
    import polars as pl

    names = {"a": result.a.name, "b": result.b.name}
    named = pl.col("list").replace_strict(names, return_dtype=pl.String)
    return result.duplicates.with_columns(named).select(
        "list", "id", "same_as", "match_probability"
    )


def _describe(side: Any) -> None:
    console.print(
        f"{side.name}: {side.rows:,} rows, {side.skipped:,} left out (no row "
        f"id), {side.warnings:,} values blanked as invalid or missing (compared as empty)."
    )
    if side.mapping is not None:
        used = "; ".join(
            f"{name} <- {', '.join(repr(c) for c in cols)}"
            for name, cols in side.mapping.columns.items()
        )
        console.print(f"  Columns: {used}.", highlight=False)
        if side.mapping.extras:
            carried = ", ".join(repr(c) for c in side.mapping.extras)
            console.print(f"  Not compared: {carried}.", highlight=False)
    if side.repeated:
        register = "" if side.one_per_person else ": not one row per person"
        console.print(f"  {side.repeated:,} rows repeat a person found on another row{register}.")
    for note in side.notes:
        console.print(f"  [yellow]Note:[/] {note}", highlight=False)


@link_app.command("dedupe")
def link_dedupe(
    file: Path = typer.Argument(..., help="A list (CSV, XLSX or Parquet) that may repeat people."),
    out: Path = typer.Option(..., help="Where to write each row's person (CSV or XLSX)."),
    id_column: str = typer.Option(None, "--id", help="Row id column (default: guessed)."),
    mapping: Path = typer.Option(None, help="YAML mapping file for the list."),
    sheet: str = typer.Option(None, help="Excel sheet."),
    threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="Match probability at which two rows are one person."
    ),
    compare: list[str] = typer.Option(
        [], "--compare", help="Another column to compare exactly (repeatable)."
    ),
    excel: bool = EXCEL,
) -> None:
    """Group a list's rows into people: writes id, cluster (the person's smallest row id)
    and cluster_size for every row. Rows sharing a client number are always one person."""
    from safetynet.exports import write_table
    from safetynet.link.files import FileSide, dedupe_file

    with console.status("Reading, training, scoring and clustering"):
        result = dedupe_file(
            FileSide(file, id_column, mapping, sheet, tuple(compare)), threshold=threshold
        )
    columns = ["id", "cluster", "cluster_size"]
    write_table(out, columns, result.clusters.select(columns).iter_rows(), excel=excel)
    _describe(result.read)
    people = result.clusters.get_column("cluster").n_unique()
    console.print(
        f"[green]{result.clusters.height:,} rows are {people:,} people[/] "
        f"({result.pairs:,} matching pairs at probability ≥ {threshold}); written to {out}."
    )


@link_app.command("run")
def link_run(
    area: str = typer.Option(None, help="Council area to link (needed when there are several)."),
    threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="Match probability at which records join a resident."
    ),
    review_from: float = typer.Option(
        0.2, min=0.0, max=1.0, help="Pairs scored from here up to --review-to are queued."
    ),
    review_to: float = typer.Option(
        0.9, min=0.0, max=1.0, help="Pairs scored at or above this are not queued for review."
    ),
) -> None:
    """Link every current record of the area into residents (one per real person).

    Pairs the model is unsure of go to the review queue (`safetynet link review`); people's
    rulings there, and merges and splits, override the model in this and every later run.
    """
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import runs

    with open_session() as session, console.status("Training, scoring and clustering"):
        run = runs.run_linkage(
            session,
            area=area,
            actor=cli_actor(),
            threshold=threshold,
            review_band=(review_from, review_to),
        )
        ranked = _rank_by_gaps(session, run.tenant_id)
    counts = run.counts
    console.print(
        f"[green]Link run {run.id}[/]: {counts['records']:,} records from "
        f"{counts['sources']} sources -> {counts['residents']:,} residents "
        f"({counts['residents_kept']:,} kept their ids); "
        f"{run.timings['link_seconds']} s."
    )
    console.print(
        f"{counts['kept_apart_as_relatives']:,} likely relatives kept apart; "
        f"{counts['rulings_applied']:,} people's rulings applied; "
        f"{counts['review_queued']:,} pairs queued for review"
        + (", ranked by the gap results each decision would change." if ranked else ".")
    )
    for name in counts.get("sources_left_out", []):
        console.print(
            f"[yellow]Left out:[/] source '{name}' holds only names (no date of birth, "
            "postcode, address, phone or email): its records were not linked."
        )


def _rank_by_gaps(session: Any, tenant_id: int) -> bool:
    """Rank the review queue by the gap-rule results each decision would change (shared with
    the web's link-run job: `gaps.service.rank_after_link_run`)."""
    from safetynet.audit import cli_actor
    from safetynet.gaps.service import rank_after_link_run

    outcome = rank_after_link_run(session, tenant_id, cli_actor())
    if outcome.problem:
        console.print(
            f"[yellow]Gap rules not read, queue ranked without them:[/] {outcome.problem}"
        )
    return outcome.ranked > 0


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


AREA = typer.Option(None, "--area", help="Council area (needed when there are several).")
REASON = typer.Option(..., "--reason", help="Why: kept with the ruling and in the audit log.")


def _print_steps(steps: list[dict]) -> None:
    """A waterfall as a table: each comparison's level and its part in the match weight."""
    from rich.table import Table

    table = Table("Comparison", "What was seen", "Weight", "Running total")
    total = 0.0
    for step in steps:
        final = step["comparison"] == "Final score"
        total = step["weight"] if final else total + step["weight"]
        colour = "green" if step["weight"] > 0 else "red"
        table.add_row(
            step["comparison"],
            step["level"],
            "" if final else f"[{colour}]{step['weight']:+.2f}[/]",
            f"[bold]{total:+.2f}[/]" if final else f"{total:+.2f}",
        )
    console.print(table)


@link_app.command("explain")
def link_explain(
    record_a: int = typer.Argument(..., help="A record id (as in `link review`)."),
    record_b: int = typer.Argument(..., help="Another record id."),
    area: str = AREA,
) -> None:
    """Show why the latest model scores two records as it does (each comparison's weight)."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import service

    with open_session() as session, console.status("Scoring the pair"):
        tenant = service.tenant_named(session, area)
        found = service.explain_records(session, tenant.id, record_a, record_b, actor=cli_actor())
    _print_steps(found.steps)
    console.print(
        f"Match probability {found.match_probability:.3f} under the model of link run "
        f"{found.run_id}. Weights are log2 Bayes factors: +1 doubles the odds of a match."
    )


review_app = typer.Typer(help="Work through the pairs the model was unsure of.")
link_app.add_typer(review_app, name="review")


@review_app.callback(invoke_without_command=True)
def review_list(
    ctx: typer.Context,
    area: str = AREA,
    limit: int = typer.Option(20, min=1, help="How many pairs to list."),
) -> None:
    """List the review queue, most useful first (uncertainty × programmes it would move)."""
    if ctx.invoked_subcommand:
        return
    from rich.table import Table

    from safetynet.db import open_session
    from safetynet.link import service

    with open_session() as session:
        tenant = service.tenant_named(session, area)
        pairs = service.queue(session, tenant.id, limit=limit)
        waiting = service.open_count(session, tenant.id)
    table = Table("Pair", "Records", "Probability", "Gap results moved", "Priority", "Status")
    for pair in pairs:
        table.add_row(
            str(pair.id),
            f"{pair.record_id_l} & {pair.record_id_r}",
            f"{pair.match_probability:.3f}",
            str(pair.impact),
            f"{pair.priority:.2f}",
            pair.status,
        )
    console.print(table)
    console.print(
        f"{waiting:,} pair(s) waiting. `safetynet link review show PAIR` shows one; then "
        "`accept`, `reject` or `skip` it."
    )


@review_app.command("show")
def review_show(pair_id: int = typer.Argument(..., help="Pair number."), area: str = AREA) -> None:
    """Show a pair's two records side by side and why the model scored them as it did."""
    from rich.table import Table

    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import service

    with open_session() as session:
        tenant = service.tenant_named(session, area)
        pair = service.get_pair(session, tenant.id, pair_id)
        shown = service.records_side_by_side(session, tenant.id, pair, actor=cli_actor())
        steps, probability = pair.explanation, pair.match_probability
    table = Table("", *(f"Record {r['record']}" for r in shown))
    for field in [f for f in shown[0] if f != "record"] if shown else []:
        values = [str(r[field] or "") for r in shown]
        style = "" if len(set(values)) == 1 else "yellow"
        table.add_row(field, *values, style=style)
    console.print(table)
    _print_steps(steps)
    console.print(f"Match probability {probability:.3f}.")


def _verdict(verdict: str, pair_id: int, area: str | None, reason: str) -> None:
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import service

    with open_session() as session:
        tenant = service.tenant_named(session, area)
        service.decide_pair(
            session, tenant.id, pair_id, verdict=verdict, actor=cli_actor(), reason=reason
        )
    said = {
        "accept": "the same person: their residents are merged",
        "reject": "different people: kept apart",
        "skip": "skipped: it moves to the back of the queue",
    }[verdict]
    console.print(f"[green]Pair {pair_id}[/]: {said}. Later link runs keep to this.")


@review_app.command("accept")
def review_accept(
    pair_id: int = typer.Argument(...), area: str = AREA, reason: str = REASON
) -> None:
    """The two records are the same person."""
    _verdict("accept", pair_id, area, reason)


@review_app.command("reject")
def review_reject(
    pair_id: int = typer.Argument(...), area: str = AREA, reason: str = REASON
) -> None:
    """The two records are different people."""
    _verdict("reject", pair_id, area, reason)


@review_app.command("skip")
def review_skip(pair_id: int = typer.Argument(...), area: str = AREA) -> None:
    """Leave the pair for later (it goes to the back of the queue)."""
    _verdict("skip", pair_id, area, "")


@link_app.command("merge")
def link_merge(
    resident_a: int = typer.Argument(..., help="A resident id."),
    resident_b: int = typer.Argument(..., help="Another resident id: the same person."),
    area: str = AREA,
    reason: str = REASON,
) -> None:
    """Join two residents who are one person; the older id survives and the other redirects."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import service

    with open_session() as session:
        tenant = service.tenant_named(session, area)
        kept = service.merge_residents(
            session, tenant.id, resident_a, resident_b, actor=cli_actor(), reason=reason
        )
    console.print(f"[green]Merged[/] into resident {kept.id}; later link runs keep them together.")


@link_app.command("split")
def link_split(
    resident: int = typer.Argument(..., help="The resident wrongly joining two people."),
    record: list[int] = typer.Option(..., "--record", help="A record to move out (repeatable)."),
    area: str = AREA,
    reason: str = REASON,
) -> None:
    """Move some of a resident's records to a new resident; later runs keep them apart."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.link import service

    with open_session() as session:
        tenant = service.tenant_named(session, area)
        new = service.split_resident(
            session, tenant.id, resident, record, actor=cli_actor(), reason=reason
        )
    console.print(f"[green]Split[/]: {len(record)} record(s) now make up resident {new.id}.")

"""`safetynet gaps`: who is missing, outreach lists, contact status, do-not-contact, take-up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
gaps_app = typer.Typer(no_args_is_help=True, help="Who is missing out, and reaching them.")
dnc_app = typer.Typer(no_args_is_help=True, help="Residents who must not be contacted.")
gaps_app.add_typer(dnc_app, name="do-not-contact")

AREA = typer.Option(None, "--area", help="Council area (needed when there are several).")
RULES = typer.Option(None, "--rules", help="A council's own gap rules file (repeatable).")


def _as_of(text: str | None) -> date:
    from safetynet.errors import InvalidInput

    if not text:
        return date.today()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"--as-of '{text}' is not a date like 2026-11-27.") from None


@contextmanager
def _reading(area: str | None) -> Iterator[tuple[Any, Any]]:
    """A session and a whole-area reader for the person at the command line."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.gaps import service

    with open_session() as session:
        yield session, service.reader_for(session, area, cli_actor())


@gaps_app.command("rules")
def gaps_rules(
    rules: list[Path] = RULES,
    area: str = typer.Option(
        None, "--area", help="That council area's rules: the deployment's with its own over them."
    ),
) -> None:
    """List the programmes and gap rules in force: the deployment's (default pack, the rules
    folder, --rules), or with --area a council area's (its own, from packs, laid over them)."""
    from safetynet.gaps import service

    own: set[str] = set()
    if area is None:
        book = service.rulebook(rules)
        where = ", ".join(book.files)
    else:
        book, own, where = _area_rules(area, rules)
    table = Table("Rule", "Missing", "Who", title=f"Gap rules ({where})")
    for rule_id, rule in book.rules.items():
        state = "" if rule.enabled else " [dim](off)[/]"
        mine = " [cyan](this area's own)[/]" if rule_id in own else ""
        table.add_row(rule_id + state + mine, book.programmes[rule.programme].heading, rule.title)
    console.print(table)


def _area_rules(area: str, rules: list[Path]) -> tuple[Any, set[str], str]:
    """A council area's rulebook, the ids of the rules it holds itself, and a caption."""
    from safetynet.areaconfig import service as own
    from safetynet.db import open_session
    from safetynet.gaps import service
    from safetynet.places.service import council_area

    with open_session() as session:
        tenant = council_area(session, area)
        book = service.rulebook(rules, session=session, tenant_id=tenant.id)
        held = set(own.items(session, tenant.id, "gap_rule"))
    files = [f for f in book.files if not f.startswith("area ")]
    return book, held, ", ".join([*files, f"{tenant.name}'s own: {len(held)} rule(s)"])


def gap_table(counts: Any, book: Any, title: str) -> Table:
    """Residents missing each programme, by ward, as a rich table."""
    table = Table(title=title, title_justify="left")
    table.add_column("Ward", overflow="fold")
    special = {"any": "Any", "unclaimed_pence": "£/yr unclaimed"}
    for column in counts.columns[1:]:
        heading = special.get(column) or book.programmes[column].heading
        table.add_column(heading, justify="right")

    def cells(row: tuple) -> list[str]:
        return [
            f"£{v / 100:,.0f}" if c == "unclaimed_pence" else f"{v:,}"
            for c, v in zip(counts.columns[1:], row, strict=True)
        ]

    for row in counts.iter_rows():
        table.add_row(row[0], *cells(row[1:]))
    if counts.height:
        totals = counts.select(counts.columns[1:]).sum().row(0)
        table.add_row("[bold]All wards[/]", *(f"[bold]{c}[/]" for c in cells(totals)))
    return table


def print_report(result: Any, book: Any) -> None:
    """The programme x ward table and the rules behind it."""
    from safetynet.gaps import service

    counts = service.ward_counts(result, book)
    console.print(gap_table(counts, book, f"Residents probably missing out, {result.as_of}"))
    for rule_id, ids in result.found.items():
        console.print(f"  {rule_id}: {len(ids):,} — {book.rules[rule_id].title}", highlight=False)
    if result.residents.get_column("ward_code").is_null().all():
        console.print(
            "  [yellow]No ward lookup[/]: import one with `safetynet places wards import FILE`.",
            highlight=False,
        )
    for rule_id, missing in result.not_run.items():
        console.print(
            f"  [yellow]{rule_id} not run[/]: no list says who is on {', '.join(missing)}.",
            highlight=False,
        )


@gaps_app.command("report")
def gaps_report(
    as_of: str = typer.Option(None, help="Evaluate the rules as of this date (YYYY-MM-DD)."),
    area: str = AREA,
    rules: list[Path] = RULES,
) -> None:
    """How many residents each programme is probably missing, by ward."""
    from safetynet.gaps import service

    with _reading(area) as (session, reader):
        book = service.rulebook(rules, session=session, tenant_id=reader.tenant.id)
        result = service.find_gaps(
            session, reader, book, as_of=_as_of(as_of), purpose="gap report by ward"
        )
    print_report(result, book)


@gaps_app.command("export")
def gaps_export(
    rule: str = typer.Argument(..., help="Id of the gap rule (see `safetynet gaps rules`)."),
    out: Path = typer.Option(..., help="File to write: .csv or .xlsx."),
    reason: str = typer.Option(..., help="Why the list is needed (kept in the audit log)."),
    ward: str = typer.Option(None, help="Only this ward (code or name; 'unknown' for none)."),
    as_of: str = typer.Option(None, help="Evaluate the rule as of this date (YYYY-MM-DD)."),
    area: str = AREA,
    rules: list[Path] = RULES,
) -> None:
    """Make an outreach list of the residents a rule finds, with their contact details."""
    from safetynet.gaps import outreach, service

    with _reading(area) as (session, reader):
        book = service.rulebook(rules, session=session, tenant_id=reader.tenant.id)
        done = outreach.export_outreach(
            session, reader, book, rule_id=rule, out=out, reason=reason, ward=ward,
            as_of=_as_of(as_of),
        )  # fmt: skip
    console.print(
        f"[green]Outreach list {done.outreach.id}[/]: {done.rows:,} residents written to "
        f"{out}; {done.excluded_do_not_contact:,} left out as do-not-contact.",
        highlight=False,
    )


@gaps_app.command("lists")
def gaps_lists(area: str = AREA) -> None:
    """Outreach lists, newest first, with how many people are at each status."""
    from safetynet.gaps import outreach

    table = Table("List", "Made", "Rule", "Ward", "People", "By status")
    for column in table.columns:
        column.overflow = "fold"
    table.columns[2].no_wrap = True
    table.columns[4].justify = "right"
    with _reading(area) as (session, reader):
        for item, statuses in outreach.lists(session, reader):
            table.add_row(
                str(item.id),
                f"{item.created_at:%Y-%m-%d}",
                item.rule_id,
                item.ward_code or "all",
                f"{sum(statuses.values()):,}",
                ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())),
            )
    console.print(table)


@gaps_app.command("status")
def gaps_status(
    list_id: int = typer.Argument(..., help="Outreach list id."),
    resident_id: int = typer.Argument(..., help="Resident id (a column of the export)."),
    status: str = typer.Argument(
        ..., help="to_contact, contacted, claimed, declined or unreachable."
    ),
    note: str = typer.Option(None, help="A short note (no more personal data than needed)."),
    area: str = AREA,
) -> None:
    """Record where contact with one person on an outreach list stands."""
    from safetynet.gaps import outreach

    with _reading(area) as (session, reader):
        entry = outreach.set_status(
            session, reader, list_id=list_id, resident_id=resident_id, status=status, note=note
        )
    console.print(f"Resident {resident_id} on list {list_id}: [bold]{entry.status}[/].")


@dnc_app.command("add")
def dnc_add(
    resident_id: int = typer.Argument(..., help="Resident id."),
    reason: str = typer.Option(..., help="Why (e.g. 'asked not to be contacted')."),
    area: str = AREA,
) -> None:
    """Never contact this resident: they are left out of every outreach list from now on."""
    from safetynet.gaps import outreach

    with _reading(area) as (session, reader):
        added = outreach.add_do_not_contact(session, reader, resident_id, reason)
    console.print(
        f"Resident {resident_id} "
        + ("added to the do-not-contact list." if added else "is already on it.")
    )


@dnc_app.command("list")
def dnc_list(area: str = AREA) -> None:
    """The do-not-contact list."""
    from safetynet.gaps import outreach

    table = Table("Resident", "Added (UTC)", "By", "Reason")
    with _reading(area) as (session, reader):
        for wish in outreach.list_do_not_contact(session, reader):
            table.add_row(
                str(wish.resident_id), f"{wish.added_at:%Y-%m-%d}", wish.added_by, wish.reason
            )
    console.print(table)


@gaps_app.command("takeup")
def gaps_takeup(
    by: str = typer.Option("month", help="week or month."),
    list_id: int = typer.Option(None, "--list", help="Only this outreach list."),
    area: str = AREA,
    rules: list[Path] = RULES,
) -> None:
    """Take-up among people contacted against those not yet contacted, over time."""
    from safetynet.errors import InvalidInput
    from safetynet.gaps import service, takeup

    if by not in ("week", "month"):
        raise InvalidInput(f"--by '{by}': use week or month.")
    with _reading(area) as (session, reader):
        book = service.rulebook(rules, session=session, tenant_id=reader.tenant.id)
        table = takeup.takeup_report(session, reader, book, period=by, list_id=list_id)  # type: ignore[arg-type]
    out = Table("Period", "Contacted", "Taken up", "%", "Not yet", "Taken up", "%")
    for column in out.columns[1:]:
        column.justify = "right"
    for row in table.iter_rows(named=True):
        out.add_row(
            row["period"],
            f"{row['contacted']:,}",
            f"{row['contacted_taken_up']:,}",
            _share(row["contacted_taken_up"], row["contacted"]),
            f"{row['not_contacted']:,}",
            f"{row['not_contacted_taken_up']:,}",
            _share(row["not_contacted_taken_up"], row["not_contacted"]),
        )
    console.print(out)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"

"""`safetynet demo`: generate a synthetic borough, or build the whole demo end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
demo_app = typer.Typer(no_args_is_help=True, help="The synthetic demo borough.")


@demo_app.command("generate")
def demo_generate(
    people: int = typer.Option(50_000, help="How many residents the borough has."),
    seed: int = typer.Option(1, help="Random seed: the same seed gives the same files."),
    out: Path = typer.Option(None, help="Folder to write to (default: <data dir>/demo)."),
) -> None:
    """Write the borough's partner lists, ward lookup and boundaries, and ground truth."""
    from safetynet.config import get_settings
    from safetynet.demo.generate import generate_borough

    target = out or get_settings().data_dir / "demo"
    with console.status(f"Generating a borough of {people:,} people"):
        manifest = generate_borough(target, people=people, seed=seed)
    table = Table("File", "Organisation", "Source", "Kind")
    for item in manifest.lists:
        table.add_row(item.path.name, item.org, item.source, item.kind)
    console.print(table)
    console.print(f"Written to {target} (ward lookup, ward boundaries and ground truth beside).")


@demo_app.command("run")
def demo_run(
    people: int = typer.Option(50_000, help="How many residents the borough has."),
    seed: int = typer.Option(1, help="Random seed."),
    link: bool = typer.Option(True, help="Link the lists and print the gap summary."),
    screen: bool = typer.Option(
        True, help="Estimate £ unclaimed per household with the benefits engine (slower)."
    ),
    payments: bool = typer.Option(
        True, help="Set up a crisis-support scheme paid through two partners, with a round."
    ),
    counsellors: int = typer.Option(
        20_000, min=0, help="How many counsellors the borough's service directory lists."
    ),
) -> None:
    """Build everything: store, accounts, agreements, borough, imports, wards, linkage, gaps.

    An earlier demo in the embedded store is replaced; a store with real data is refused.
    """
    from safetynet.config import get_settings
    from safetynet.db import get_engine, open_session
    from safetynet.demo import service
    from safetynet.demo.front_desk import record_week
    from safetynet.demo.generate import ORGANISATIONS, generate_borough

    settings = get_settings()
    service.reset_store(get_engine())
    with console.status(f"Generating a borough of {people:,} people"):
        manifest = generate_borough(settings.data_dir / "demo", people=people, seed=seed)
    with open_session() as session:
        logins = service.create_accounts(session, ORGANISATIONS)
        shared = service.neighbours_pack(session)
        with console.status("Importing partners' lists"):
            imports = service.import_lists(session, manifest)
        with console.status("Recording a week at the partners' front desks"):
            desks = record_week(session, seed=seed)
        names = service.organisation_names(session)
        with console.status(f"Building the service directory ({counsellors:,} counsellors)"):
            listed = service.build_directory(session, seed=seed, counsellors=counsellors)
        service.import_wards(session, manifest)
        service.import_place_files(session, manifest, seed)
        linked = _link_and_use(session, seed=seed, screen=screen) if link else None
    paid = _payments(ORGANISATIONS[0][0]) if payments else None
    _summary(imports, names)
    _pack_summary(shared)
    _desk_summary(desks)
    _directory_summary(listed)
    if linked is not None:
        found, triages, referred, allocated = linked
        _gap_summary(*found)
        _triage_summary(triages)
        _referral_summary(referred)
        _allocation_summary(allocated)
    if paid is not None:
        _payments_summary(paid)
    _logins(logins)


def _link_and_use(session: Any, *, seed: int, screen: bool) -> tuple[Any, Any, Any, Any]:
    """Link, find gaps (with a plan and snapshots), then triage, refer and allocate."""
    from safetynet.demo import service
    from safetynet.demo.referrals import demo_allocation, demo_referrals
    from safetynet.demo.triage import take_triages

    with console.status("Linking residents, estimating entitlements, finding gaps"):
        found = service.link_and_find_gaps(session, screen=screen)
        service.draft_plan(session)
        service.record_snapshots(session)
    with console.status("Taking digital inclusion triages"):
        triages = take_triages(session, seed=seed)
    with console.status("Recording referrals with outcomes, training the ranker"):
        referred = demo_referrals(session, seed=seed)
    with console.status("Proposing an allocation of the triage needs list"):
        allocated = demo_allocation(session)
    return found, triages, referred, allocated


def _payments(council: str) -> Any:
    """A payments scheme with awards through two partners and a reconciled round."""
    from safetynet.db import open_session
    from safetynet.demo.payments import set_up_payments

    with (
        console.status("Setting up a payments scheme, awards and a reconciled round"),
        open_session() as own,  # its refusals roll back its own session only
    ):
        return set_up_payments(own, council=council)


def _pack_summary(shared: Any) -> None:
    from safetynet.demo.service import NEIGHBOUR_RULE

    console.print(
        f"\n[bold]A neighbouring council's pack[/]: {shared.manifest.source_council} shared its "
        f"configuration; applying it changed {shared.changes} item(s) here (gap rule "
        f"{NEIGHBOUR_RULE} counts food bank use over a year). Council admins see and can "
        "revert it at /configuration (or `safetynet pack config`).",
        highlight=False,
    )


def _referral_summary(referred: Any) -> None:
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(referred.outcomes.items()))
    ranker = (f"{referred.ranker_id}. {referred.ranker_verdict}" if referred.ranker_id
              else "not trained (too few outcomes).")
    console.print(f"\n[bold]Referrals[/]: {referred.referrals} recorded with outcomes "
                  f"({outcomes}); ranker {ranker} Exposure: `safetynet match exposure --as "
                  "EMAIL`.", highlight=False)


def _allocation_summary(allocated: Any) -> None:
    if allocated is None:
        console.print("\n[bold]Allocation[/]: no one on the triage needs list to allocate.")
        return
    console.print(f"\n[bold]Allocation[/]: {allocated.id} proposed for the {allocated.seekers} "
                  f"residents whose latest triage found needs ({allocated.placed} given a "
                  "provider), not yet confirmed: sign in as the council's caseworker and open "
                  f"/match/allocations/{allocated.id} (Allocate).", highlight=False)


def _triage_summary(triages: Any) -> None:
    from safetynet.triage.forms import NEEDS

    needs = ", ".join(f"{NEEDS[n]}: {triages.by_need.get(n, 0)}" for n in NEEDS)
    console.print(
        f"\n[bold]Triage[/]: {triages.kept} digital inclusion triages kept ({needs}). "
        "Isolation risk: `safetynet triage isolation --as EMAIL`.",
        highlight=False,
    )


def _payments_summary(paid: Any) -> None:
    console.print(
        f"\n[bold]Payments[/]: scheme {paid.scheme_id} (Crisis support), {paid.enrolments} people "
        f"enrolled by two food banks, {paid.awards} awards approved; Bacs round {paid.round_id} "
        f"sent {paid.sent} payments and the bank's statement reconciled them "
        f"({', '.join(f'{n} {k}' for k, n in sorted(paid.reconciled.items()))}); "
        f"{paid.flagged} person(s) flagged as enrolled by both partners.",
        highlight=False,
    )


def _gap_summary(run: Any, result: Any, book: Any) -> None:
    from safetynet.gaps.cli import gap_table
    from safetynet.gaps.service import ward_counts

    counts = run.counts
    console.print(
        f"\n[bold]Linked[/] {counts['records']:,} records from {counts['sources']} lists into "
        f"{counts['residents']:,} residents in {run.timings['link_seconds']} s.",
        highlight=False,
    )
    table = gap_table(ward_counts(result, book), book, "Residents probably missing out")
    console.print(table)
    rules = Table.grid(padding=(0, 1))
    rules.add_column(justify="right")
    rules.add_column(overflow="fold")
    for rule_id, ids in result.found.items():
        rules.add_row(f"{len(ids):,}", f"[bold]{rule_id}[/]: {book.rules[rule_id].title}")
    console.print(rules)
    console.print(
        "Outreach lists: `safetynet gaps export RULE --out FILE.csv --reason TEXT` "
        "(rules: `safetynet gaps rules`).",
        highlight=False,
    )


def _summary(imports: list, names: dict[str, str]) -> None:
    table = Table(title="What was imported", title_justify="left")
    table.add_column("Partner and list", overflow="fold")
    for heading in ("Loaded", "Rejected"):
        table.add_column(heading, justify="right")
    table.add_column("Rejected because", overflow="fold")
    table.add_column("Warnings", justify="right")
    table.add_column("Warned about", overflow="fold")
    for item, outcome in imports:
        table.add_row(
            f"{names.get(item.org, item.org)}\n[dim]{item.path.name}[/]",
            f"{outcome.rows_loaded:,}",
            f"{outcome.rows_rejected:,}",
            _reasons(outcome.top_reasons("error")),
            f"{outcome.warnings:,}",
            _reasons(outcome.top_reasons("warning", 2)),
        )
    console.print(table)
    console.print(
        "Rejected rows are kept aside: `safetynet import list`, then "
        "`safetynet import issues ID` or `safetynet import rejected ID --out FILE`."
    )


def _directory_summary(listed: Any) -> None:
    from safetynet.demo.service import DEMO_AREA_SLUG

    console.print(
        f"Service directory: {listed.services:,} services, counsellors and vacancies from "
        f"{listed.organisations:,} organisations; ORUK API at /api/oruk/{DEMO_AREA_SLUG}/"
    )


def _desk_summary(desks: Any) -> None:
    table = Table(title="A week at the front desks", title_justify="left")
    table.add_column("Partner")
    table.add_column("Recorded", justify="right")
    for name, n in desks.events.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(
        f"{desks.new_people:,} of them were new to the desk. Each desk's report: "
        "/front-desk/report, or `safetynet front-desk report --as EMAIL`."
    )


def _reasons(reasons: list[tuple[str, int]]) -> str:
    return "\n".join(f"{text} ×{n:,}" for text, n in reasons) or "—"


def _logins(logins: list) -> None:
    console.print("\n[bold]Demo logins[/] (random passwords for this demo store, shown once):")
    for login in logins:
        console.print(
            f"  {login.role:<10} {login.organisation:<17} {login.email}  "
            f"password: {login.password}",
            highlight=False,
            soft_wrap=True,
        )

"""`safetynet payments`: funds, schemes, enrolments, awards and decisions, rounds, statements,
balances, and the provider simulator. Commands act as a named user (`--as EMAIL`), so the
same permissions, scoping, four eyes and audit apply as on the pages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
payments_app = typer.Typer(no_args_is_help=True, help="Safety-net schemes, awards and payments.")
AS = typer.Option(..., "--as", help="Email of the user acting (their role and organisation apply).")


def _day(text: str) -> date:
    from safetynet.errors import InvalidInput

    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date like 2026-11-30.") from None


def _acting(session: Any, email: str) -> Any:
    from sqlalchemy import select

    from safetynet.accounts.models import User
    from safetynet.accounts.permissions import Principal
    from safetynet.errors import NotFound

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        raise NotFound(f"--as: there is no active user {email}.")
    return Principal.of(user)


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


@payments_app.command("fund")
def fund(name: str, add: float = typer.Option(0.0, help="Pounds to add."), as_: str = AS) -> None:
    """Make a fund (if new) and add money to it."""
    from safetynet.db import open_session
    from safetynet.errors import NotFound
    from safetynet.payments import schemes

    with open_session() as session:
        who = _acting(session, as_)
        try:
            schemes.fund_named(session, who.tenant_id, name)
        except NotFound:
            schemes.create_fund(session, who, name)
        if add:
            balance = schemes.add_money(session, who, name, round(add * 100), "added at the CLI")
            console.print(f"{name}: {_pounds(balance)} available.")


@payments_app.command("scheme")
def scheme(
    slug: str, name: str = typer.Option(...), fund: str = typer.Option(...),
    budget: float = typer.Option(..., help="Budget in pounds."),
    amount: float = typer.Option(..., help="Usual award per instalment, in pounds."),
    starts: str = typer.Option(..., help="First day, YYYY-MM-DD."),
    partner: list[str] = typer.Option([], help="Partner organisation slug (repeatable)."),
    max_instalments: int | None = None, cap_week: float | None = None,
    cap_period: float | None = None, cap_period_days: int | None = None,
    method: list[str] = typer.Option(["provider", "cash"], help="provider, bacs or cash."),
    as_: str = AS,
) -> None:  # fmt: skip
    """Set up a scheme drawing on a fund."""
    from safetynet.db import open_session
    from safetynet.payments import schemes

    def pence(value: float | None) -> int | None:
        return None if value is None else round(value * 100)

    terms = schemes.SchemeTerms(
        slug=slug, name=name, fund=fund, budget_pence=round(budget * 100),
        amount_pence=round(amount * 100), starts_on=_day(starts), partners=partner,
        max_instalments=max_instalments, cap_week_pence=pence(cap_week),
        cap_period_pence=pence(cap_period), cap_period_days=cap_period_days, methods=method,
    )  # fmt: skip
    with open_session() as session:
        made = schemes.create_scheme(session, _acting(session, as_), terms)
        console.print(f"Scheme {made.id} ({made.slug}) set up.")


@payments_app.command("enrol")
def enrol(
    scheme_id: int, name: str = typer.Option(...), method: str = typer.Option("provider"),
    reference: str | None = None, postcode: str | None = None,
    consent: bool = typer.Option(False, "--consent", help="The person has agreed."),
    as_: str = AS,
) -> None:  # fmt: skip
    """Enrol a person for your organisation (their consent is required)."""
    from safetynet.db import open_session
    from safetynet.payments import schemes

    person = schemes.Person(name=name, consent=consent, method=method, partner_ref=reference,
                            postcode=postcode)  # fmt: skip
    with open_session() as session:
        made = schemes.enrol(session, _acting(session, as_), scheme_id, person)
        linked = " (linked to a resident)" if made.resident_id else ""
        console.print(f"Enrolment {made.id}{linked}.")


@payments_app.command("request")
def request(
    enrolment_id: int, amount: float = typer.Option(...), first_due: str = typer.Option(...),
    instalments: int = 1, note: str | None = None, key: str | None = None, as_: str = AS,
) -> None:  # fmt: skip
    """Ask for an award for an enrolled person."""
    from safetynet.db import open_session
    from safetynet.payments import awards

    ask = awards.AwardRequest(enrolment_id, round(amount * 100), _day(first_due), instalments, note)
    with open_session() as session:
        made = awards.request_award(session, _acting(session, as_), ask, key=key)
        console.print(f"Award {made.id}: {_pounds(made.total_pence)}, waiting for approval.")


@payments_app.command("decide")
def decide(
    award_id: int, approve: bool = typer.Option(..., "--approve/--reject"),
    note: str | None = None, as_: str = AS,
) -> None:  # fmt: skip
    """Approve or reject an award (someone other than who asked for it)."""
    from safetynet.db import open_session
    from safetynet.payments import awards

    with open_session() as session:
        made = awards.decide(session, _acting(session, as_), award_id, approve=approve, note=note)
        console.print(f"Award {made.id}: {made.status}.")


@payments_app.command("cancel-award")
def cancel_award(
    award_id: int, reason: str = typer.Option(..., help="Why it is cancelled (kept, audited)."),
    as_: str = AS,
) -> None:  # fmt: skip
    """Cancel a requested or approved award: its unsent payments stop, their money goes back."""
    from safetynet.db import open_session
    from safetynet.payments import cancellations

    with open_session() as session:
        made = cancellations.cancel_award(session, _acting(session, as_), award_id, reason)
        console.print(f"Award {made.id}: {made.status}.")


@payments_app.command("round")
def run_round(
    scheme_id: int, method: str = typer.Option("provider"), due_by: str = typer.Option(...),
    retry_failed: bool = False,
    bacs_out: Path | None = typer.Option(None, help="Write the Bacs file here."),
    as_: str = AS,
) -> None:  # fmt: skip
    """Run a payment round (one at a time per scheme; resumes one a dead process left)."""
    from rich.progress import Progress

    from safetynet.db import open_session
    from safetynet.payments import rounds

    with open_session() as session, Progress(console=console, transient=True) as bar:
        task = bar.add_task("Starting the round", total=100)

        def report(percent: int, stage: str) -> None:
            bar.update(task, completed=percent, description=stage)

        done = rounds.disburse(session, _acting(session, as_), scheme_id, method=method,
                               due_by=_day(due_by), retry_failed=retry_failed,
                               progress=report)  # fmt: skip
    console.print(
        f"Round {done.round.id}: {done.sent} sent, {done.resent} resent, {done.taken} taken."
    )
    if done.file is not None and bacs_out is not None:
        bacs_out.write_bytes(done.file)
        console.print(f"Bacs Standard 18 file written to {bacs_out}.")


@payments_app.command("statement")
def statement(path: Path, as_: str = AS) -> None:
    """Reconcile a bank or provider statement (CSV); the same file twice changes nothing."""
    from safetynet.db import open_session
    from safetynet.payments import reconcile

    with open_session() as session:
        found, fresh = reconcile.import_statement(
            session, _acting(session, as_), path.name, path.read_bytes()
        )
    if not fresh:
        console.print(f"{path.name} was imported before (import {found.id}): nothing changed.")
        return
    table = Table("Outcome", "Lines", title=f"Statement import {found.id}")
    for outcome, count in sorted(found.counts.items()):
        table.add_row(outcome.replace("_", " "), f"{count:,}")
    console.print(table)


@payments_app.command("spend")
def spend(scheme_id: int, as_: str = AS) -> None:
    """Spend against budget, by partner, from the running balances."""
    from safetynet.db import open_session
    from safetynet.payments import reports

    with open_session() as session:
        found = reports.spend(session, _acting(session, as_), scheme_id)
    console.print(f"{found.scheme.name}: budget {_pounds(found.budget)}, committed "
                  f"{_pounds(found.committed)}, paid {_pounds(found.paid)}.")  # fmt: skip
    table = Table("Organisation", "Committed", "Paid")
    for name, committed, paid in found.by_partner:
        table.add_row(name, _pounds(committed), _pounds(paid))
    console.print(table)


@payments_app.command("simulator")
def simulator_command(
    port: int = typer.Option(8200, help="Port to listen on (127.0.0.1)."),
    fail: float = typer.Option(0.0, help="Share of transfers that fail (0-1)."),
    timeout: float = typer.Option(0.0, help="Share of submissions answered too late (0-1)."),
    duplicate: float = typer.Option(0.0, help="Share of callbacks sent twice (0-1)."),
    reorder: bool = typer.Option(False, help="Shuffle each batch of callbacks."),
    seed: int | None = None,
) -> None:
    """Run the payment provider simulator (for the demo and trying rounds out)."""
    import time

    from safetynet.config import get_settings
    from safetynet.payments.simulator import Faults, Provider, Simulator

    faults = Faults(timeout=timeout, fail=fail, duplicate=duplicate, reorder=reorder)
    sim = Simulator(
        Provider(get_settings().payments_provider_secret, faults, seed), port=port
    ).start()
    console.print(f"Payment provider simulator on [bold]{sim.url}[/] (Ctrl+C to stop)")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        sim.stop()

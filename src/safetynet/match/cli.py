"""`safetynet match`: a resident's referrals, moving one on, and training the area's ranker,
as a named user (`--as EMAIL`), so the same permissions, scope and audit apply as on the
pages."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

console = Console()
match_app = typer.Typer(no_args_is_help=True, help="Matching people to services, with reasons.")
AS = typer.Option(..., "--as", help="Email of the user acting (their role and organisation apply).")


@match_app.command("referrals")
def referrals_command(
    resident: int = typer.Option(..., help="The resident's id."), as_: str = AS
) -> None:
    """A resident's referrals, newest first, with where each stands."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import referrals

    with open_session() as session:
        found = referrals.referrals_for(session, acting_as(session, as_), resident)
        table = Table(title=f"Referrals of resident {resident}")
        for heading in ("Id", "Made", "Service", "Position", "Status", "Why"):
            table.add_column(heading)
        for r in found:
            table.add_row(str(r.id), f"{r.made_at:%d %b %Y}", r.service_name, str(r.position),
                          referrals.STATUS_LABELS[r.status], "; ".join(r.reasons[:3]))  # type: ignore[index]
    console.print(table)


@match_app.command("status")
def status_command(
    referral: int = typer.Argument(..., help="The referral's id."),
    status: str = typer.Argument(..., help="accepted, attended, declined or no_show"),
    outcome: str | None = typer.Option(None, help="What came of it, in a few words."),
    as_: str = AS,
) -> None:
    """Move a referral on: made → accepted → attended, declined or no_show."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import referrals

    with open_session() as session:
        moved = referrals.set_status(session, acting_as(session, as_), referral, status, outcome)
        console.print(f"Referral {moved.id} is now {moved.status}.")


@match_app.command("train")
def train_command(
    as_: str = AS, seed: int = typer.Option(7, help="Seed (the same outcomes and seed give "
                                                   "the same ranker).")
) -> None:
    """Learn the area's ranking from its referral outcomes, once there are enough."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import training

    with open_session() as session:
        principal = acting_as(session, as_)
        kept = training.train_ranker(session, principal, seed=seed)
        outcomes, informative, _ = training.outcome_counts(session, principal.tenant_id)
        if kept is None:
            console.print(f"Not enough outcomes yet ({outcomes} outcomes, {informative} "
                          "sittings that differ): matching keeps to the weighted score.")
            return
        console.print(f"Ranker {kept.id} trained on {kept.outcomes} outcomes from "
                      f"{kept.groups} sittings; matching now uses it.")

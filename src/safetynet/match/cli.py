"""`safetynet match`: a resident's referrals, moving one on, and training the area's ranker,
as a named user (`--as EMAIL`), so the same permissions, scope and audit apply as on the
pages."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
match_app = typer.Typer(no_args_is_help=True, help="Matching people to services, with reasons.")
AS = typer.Option(..., "--as", help="Email of the user acting (their role and organisation apply).")
RESIDENT = typer.Option(..., "--resident", help="The resident's id.")
NEED = typer.Option([], "--need", help="A need to help with (repeat for several).")
KIND = typer.Option(None, help="service, counsellor or vacancy (any if left out).")
LANGUAGE = typer.Option(["en"], "--language", help="A language code, preferred first (repeat).")
FORMAT = typer.Option([], "--format", help="in_person, phone or video (repeat; any if none).")
MAX_COST = typer.Option(None, help="Most they can pay, in pounds (no limit if left out).")
LOW_INCOME = typer.Option(False, "--low-income", help="Concession prices apply.")
DISTANCE = typer.Option(None, "--max-distance", help="Furthest they can travel, in km.")
AGE = typer.Option(None, help="Their age (services with an age limit need it).")
LAT = typer.Option(None, help="Where they travel from: latitude.")
LON = typer.Option(None, help="Where they travel from: longitude.")


def _need(needs: list[str], kind: str | None, languages: list[str], formats: list[str],
          max_cost: float | None, low_income: bool, distance: float | None, age: int | None,
          lat: float | None, lon: float | None) -> Any:
    """The need as the pages and the API take it (the same checks)."""
    from pydantic import ValidationError

    from safetynet.errors import InvalidInput
    from safetynet.match.schemas import SeekerIn

    values = {"needs": needs, "kind": kind, "languages": languages, "formats": formats or None,
              "max_cost_pence": None if max_cost is None else round(max_cost * 100),
              "low_income": low_income, "max_distance_km": distance, "age": age, "lat": lat,
              "lon": lon}
    try:
        return SeekerIn(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as refused:
        first = refused.errors()[0]
        raise InvalidInput(f"{first['loc'][0]}: {first['msg']}") from None


@match_app.command("query")
def query_command(
    resident: int = RESIDENT, need: list[str] = NEED, kind: str | None = KIND,
    language: list[str] = LANGUAGE, format_: list[str] = FORMAT,
    max_cost: float | None = MAX_COST,
    low_income: bool = LOW_INCOME, max_distance: float | None = DISTANCE, age: int | None = AGE,
    lat: float | None = LAT, lon: float | None = LON, limit: int = typer.Option(10),
    as_: str = AS,
) -> None:
    """A resident's best matches for a need, with the reasons for each (audited)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import referrals, training
    from safetynet.match.area import area_columns

    asked = _need(need, kind, language, format_, max_cost, low_income, max_distance, age, lat,
                  lon)
    with open_session() as session:
        principal = acting_as(session, as_)
        ranking = referrals.resident_matches(
            session, principal, resident_id=resident, seeker=asked.seeker(resident),
            cols=area_columns(session, principal.tenant_id),
            ranker=training.current_ranker(session, principal.tenant_id), limit=limit,
        )
    table = Table(title=f"{len(ranking.matches)} best of {ranking.candidates} that fit "
                        f"(ranked by {ranking.method})")
    for heading in ("#", "Service id", "Name", "Score", "Why"):
        table.add_column(heading)
    for m in ranking.matches:
        table.add_row(str(m.position), str(m.provider.id), m.provider.name, f"{m.score:.3f}",
                      "; ".join(m.reasons[:4]))
    console.print(table)


@match_app.command("refer")
def refer_command(
    resident: int = RESIDENT,
    service: list[int] = typer.Option(..., "--service", help="A service id to refer to "
                                                             "(repeat for several)."),
    need: list[str] = NEED, kind: str | None = KIND, language: list[str] = LANGUAGE,
    format_: list[str] = FORMAT, max_cost: float | None = MAX_COST,
    low_income: bool = LOW_INCOME, max_distance: float | None = DISTANCE, age: int | None = AGE,
    lat: float | None = LAT, lon: float | None = LON, as_: str = AS,
) -> None:
    """Refer a resident to some of their matches for a need (worked out again; audited)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import referrals, training
    from safetynet.match.area import area_columns

    asked = _need(need, kind, language, format_, max_cost, low_income, max_distance, age, lat,
                  lon)
    with open_session() as session:
        principal = acting_as(session, as_)
        made = referrals.refer(
            session, principal, resident_id=resident, seeker=asked.seeker(resident),
            service_ids=service, cols=area_columns(session, principal.tenant_id),
            ranker=training.current_ranker(session, principal.tenant_id),
        )
        for r in made:
            console.print(f"Referral {r.id}: {r.service_name} (position {r.position}).",
                          highlight=False)


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

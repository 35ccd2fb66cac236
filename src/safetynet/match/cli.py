"""`safetynet match`: a resident's referrals, moving one on, allocating a waiting list
(proposals, then confirming them), exposure, and training the area's ranker,
as a named user (`--as EMAIL`), so the same permissions, scope and audit apply as on the
pages."""

from __future__ import annotations

from pathlib import Path
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
POSTCODE = typer.Option(None, help="Where they travel from: a postcode of the area (placed by "
                                   "its postcode directory), instead of --lat and --lon.")


def _need(needs: list[str], kind: str | None, languages: list[str], formats: list[str],
          max_cost: float | None, low_income: bool, distance: float | None, age: int | None,
          lat: float | None, lon: float | None, postcode: str | None = None) -> Any:
    """The need as the pages and the API take it (the same checks)."""
    from pydantic import ValidationError

    from safetynet.errors import InvalidInput
    from safetynet.match.schemas import SeekerIn

    values = {"needs": needs, "kind": kind, "languages": languages, "formats": formats or None,
              "max_cost_pence": None if max_cost is None else round(max_cost * 100),
              "low_income": low_income, "max_distance_km": distance, "age": age, "lat": lat,
              "lon": lon, "postcode": postcode}
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
    lat: float | None = LAT, lon: float | None = LON, postcode: str | None = POSTCODE,
    limit: int = typer.Option(10), as_: str = AS,
) -> None:
    """A resident's best matches for a need, with the reasons for each (audited)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import referrals, training
    from safetynet.match.area import area_columns, located

    asked = _need(need, kind, language, format_, max_cost, low_income, max_distance, age, lat,
                  lon, postcode)
    with open_session() as session:
        principal = acting_as(session, as_)
        asked = located(session, principal.tenant_id, asked)
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
    lat: float | None = LAT, lon: float | None = LON, postcode: str | None = POSTCODE,
    as_: str = AS,
) -> None:
    """Refer a resident to some of their matches for a need (worked out again; audited)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import referrals, training
    from safetynet.match.area import area_columns, located

    asked = _need(need, kind, language, format_, max_cost, low_income, max_distance, age, lat,
                  lon, postcode)
    with open_session() as session:
        principal = acting_as(session, as_)
        asked = located(session, principal.tenant_id, asked)
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
                      f"{kept.groups} sittings. {training.verdict(kept)}")


@match_app.command("allocate")
def allocate_command(
    out: Path = typer.Option(..., "--out", help="Where to write the proposals (CSV)."),
    seekers: Path | None = typer.Option(None, "--seekers", exists=True, dir_okay=False,
                                        help="A CSV of seekers: resident_id, needs (split by ;)"
                                             " and any of kind, languages, formats, max_cost, "
                                             "low_income, max_distance_km, age, postcode, lat, "
                                             "lon."),
    from_list: str | None = typer.Option(None, "--list", help="Or a triage list: needs or "
                                                              "isolation."),
    exposure: float | None = typer.Option(None, help="How strongly to share referrals among "
                                                     "providers, 0 to 1 (default: the setting)."),
    as_: str = AS,
) -> None:
    """Propose one provider per resident within free places, with fair exposure; writes the
    proposals with their reasons. Nothing is referred until `safetynet match confirm`."""
    from datetime import date

    from safetynet.accounts.access import acting_as
    from safetynet.config import get_settings
    from safetynet.db import open_session
    from safetynet.errors import InvalidInput
    from safetynet.exports import write_table
    from safetynet.match import batch
    from safetynet.match.area import area_columns

    if (seekers is None) == (from_list is None):
        raise InvalidInput("Give either --seekers FILE or --list needs|isolation.")
    strength = get_settings().match_exposure_strength if exposure is None else exposure
    with open_session() as session:
        principal = acting_as(session, as_)
        cols = area_columns(session, principal.tenant_id)
        asked = (batch.seekers_from_csv(seekers) if seekers is not None else
                 batch.seekers_from_list(session, principal, str(from_list), date.today(), cols))
        proposals = batch.propose(session, principal, asked, cols, strength=strength)
    write_table(out, batch.PROPOSAL_HEADER, batch.proposal_rows(proposals), excel=False)
    given = sum(p.service_id is not None for p in proposals)
    console.print(f"{given} of {len(proposals)} residents given a provider with room "
                  f"(exposure strength {strength}); proposals written to {out}. Nothing is "
                  f"referred until `safetynet match confirm {out.name} --as EMAIL`.",
                  highlight=False)


@match_app.command("confirm")
def confirm_command(
    proposals: Path = typer.Argument(..., exists=True, dir_okay=False,
                                     help="The proposals `allocate` wrote (rows removed are "
                                          "not referred)."),
    as_: str = AS,
) -> None:
    """Refer the proposals, all or none (each checked again against the resident's rules)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import batch
    from safetynet.match.area import area_columns

    found = batch.read_proposals(proposals)
    with open_session() as session:
        principal = acting_as(session, as_)
        made = batch.confirm(session, principal, found,
                             area_columns(session, principal.tenant_id))
    console.print(f"{made} referral(s) made.")


@match_app.command("exposure")
def exposure_command(as_: str = AS) -> None:
    """How fairly the area's referrals shared attention among its providers (Gini)."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.match import batch
    from safetynet.match.area import area_columns

    with open_session() as session:
        principal = acting_as(session, as_)
        found = batch.exposure_report(session, principal,
                                      area_columns(session, principal.tenant_id))
    console.print(f"{found.referrals} referrals reached {found.referred_to} of {found.providers} "
                  f"providers. Exposure Gini {found.gini:.3f} (0 equal, near 1 all on one); the "
                  f"most exposed tenth of providers had {found.top_tenth_share:.0%} of it.",
                  highlight=False)

"""The front desk's own simple report: visits a week, new people, referrals made and how they
turned out. Counts only, no names: a partner reads its own desk's, a council its area's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.accounts.models import Organisation
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound
from safetynet.frontdesk.models import EventKind, FrontDeskEvent, Outcome

MOST_WEEKS = 52


@dataclass(frozen=True)
class Week:
    """One week (Monday to Sunday) at the desk."""

    starts: date
    visits: int
    food_parcels: int
    referrals: int
    people: int
    new_people: int

    @property
    def events(self) -> int:
        """Everything recorded that week: each is someone at the desk."""
        return self.visits + self.food_parcels + self.referrals


@dataclass
class Report:
    """The weeks, newest first, and the referrals made in them by outcome and by service."""

    scope: str
    first_day: date
    last_day: date
    weeks: list[Week] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    referred_to: list[tuple[str, int, int]] = field(default_factory=list)  # (to, made, took up)

    def as_dict(self) -> dict:
        """The report as plain data (the API's and the CLI's JSON)."""
        return {
            "scope": self.scope,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "weeks": [
                {
                    "week_starting": w.starts.isoformat(),
                    "visits": w.visits,
                    "food_parcels": w.food_parcels,
                    "referrals": w.referrals,
                    "people": w.people,
                    "new_people": w.new_people,
                }
                for w in self.weeks
            ],
            "referral_outcomes": self.outcomes,
            "referred_to": [
                {"to": to, "made": made, "took_up": took} for to, made, took in self.referred_to
            ],
        }


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def report(
    session: Session,
    principal: Principal,
    *,
    weeks: int = 8,
    today: date | None = None,
    organisation: str | None = None,
) -> Report:
    """The desk report for the last `weeks` weeks up to `today` (this week included). A
    council's staff may narrow it to one organisation of their area by its slug."""
    principal.require("frontdesk.report")
    if not 1 <= weeks <= MOST_WEEKS:
        raise InvalidInput(f"Ask for 1 to {MOST_WEEKS} weeks, not {weeks}.")
    last = today or date.today()
    first = week_start(last) - timedelta(weeks=weeks - 1)
    scope = principal.scope(FrontDeskEvent.tenant_id, FrontDeskEvent.organisation_id)
    label = principal.organisation_name if not principal.council else "the council area"
    if organisation:
        org = _organisation(session, principal, organisation)
        scope = scope & (FrontDeskEvent.organisation_id == org.id)
        label = org.name
    events = list(
        session.scalars(
            select(FrontDeskEvent).where(
                scope, FrontDeskEvent.occurred_on >= first, FrontDeskEvent.occurred_on <= last
            )
        )
    )
    firsts = {
        f"{org_id}:{ref}": day
        for org_id, ref, day in session.execute(
            select(
                FrontDeskEvent.organisation_id,
                FrontDeskEvent.person_ref,
                func.min(FrontDeskEvent.occurred_on),
            )
            .where(scope)
            .group_by(FrontDeskEvent.organisation_id, FrontDeskEvent.person_ref)
        ).all()
    }
    found = Report(label, first, last)
    found.weeks = _weeks(events, firsts, first, weeks)
    _referrals(found, events)
    return found


def _organisation(session: Session, principal: Principal, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None or not principal.sees(tenant_id=org.tenant_id, organisation_id=org.id):
        raise NotFound(f"There is no organisation '{slug}' in your scope.")
    return org


def _weeks(
    events: list[FrontDeskEvent], firsts: dict[str, date], first: date, weeks: int
) -> list[Week]:
    by_week: dict[date, list[FrontDeskEvent]] = {}
    for event in events:
        by_week.setdefault(week_start(event.occurred_on), []).append(event)
    rows = []
    for n in range(weeks):
        starts = first + timedelta(weeks=n)
        these = by_week.get(starts, [])
        kinds = Counter(e.kind for e in these)
        people = {f"{e.organisation_id}:{e.person_ref}" for e in these}
        new = {p for p in people if week_start(firsts[p]) == starts}
        rows.append(
            Week(
                starts,
                kinds[EventKind.VISIT],
                kinds[EventKind.FOOD_PARCEL],
                kinds[EventKind.REFERRAL],
                len(people),
                len(new),
            )
        )
    return list(reversed(rows))


def _referrals(found: Report, events: list[FrontDeskEvent]) -> None:
    referrals = [e for e in events if e.kind == EventKind.REFERRAL]
    outcomes = Counter(e.outcome or Outcome.AWAITING for e in referrals)
    found.outcomes = {str(o): outcomes[o] for o in Outcome}
    made = Counter(e.referred_to or "" for e in referrals)
    took = Counter(e.referred_to or "" for e in referrals if e.outcome == Outcome.TOOK_UP)
    found.referred_to = [(to, n, took[to]) for to, n in made.most_common()]

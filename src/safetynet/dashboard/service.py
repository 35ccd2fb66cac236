"""The decision dashboard's figures, each computed by the same function as the page behind it
(so they agree), and the gap snapshots that show missing-out over time.

Figures: residents probably missing out (now, by programme, over time); where to act first;
take-up after outreach; £ a year unclaimed and £ secured; the latest plan's progress; payments
against budget. A partner's staff see their own clients' figures, as on each page behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.dashboard.models import GapSnapshot
from safetynet.errors import InvalidInput
from safetynet.gaps import access as gaps_access
from safetynet.gaps import charts, recent
from safetynet.gaps import service as gaps
from safetynet.gaps.models import ContactStatus, OutreachEntry, OutreachList
from safetynet.gaps.rules import RuleBook
from safetynet.versions import Recent, data_version, store_of

TOP_WARDS = 3
# The dashboard's figures by organisation, role, day, rules and data version (see decisions).
_figures: Recent[Decisions] = Recent(keep=32, max_age=60)


# -- snapshots ---------------------------------------------------------------------------------


def record_snapshot(
    session: Session, reader: gaps.Reader, book: RuleBook, *, as_of: date, actor: str
) -> int:
    """Count who the rules find by programme and ward on `as_of` and keep it (replacing an
    earlier snapshot of that day); returns the residents missing any programme."""
    if reader.clients_of is not None:
        raise InvalidInput("Snapshots are of the whole area: record them as the council.")
    result = recent.gaps_as_of(session, reader, book, as_of=as_of, purpose="gap snapshot")
    counts = gaps.ward_counts(result, book).drop("unclaimed_pence", strict=False)
    rows = [
        {
            "tenant_id": reader.tenant.id,
            "as_of": as_of,
            "ward_name": ward,
            "programme": programme,
            "residents": int(count),
            "recorded_by": actor,
        }
        for ward, *values in counts.iter_rows()
        for programme, count in zip(counts.columns[1:], values, strict=True)
    ]
    session.execute(
        delete(GapSnapshot).where(
            GapSnapshot.tenant_id == reader.tenant.id, GapSnapshot.as_of == as_of
        )
    )
    if rows:
        session.execute(insert(GapSnapshot), rows)
    total = sum(r["residents"] for r in rows if r["programme"] == "any")
    audit.record(
        session,
        actor=actor,
        action="dashboard.snapshot",
        entity_type="tenant",
        entity_id=reader.tenant.id,
        tenant_id=reader.tenant.id,
        detail={"as_of": as_of.isoformat(), "missing_any": total},
    )
    session.commit()
    return total


def trend(session: Session, tenant_id: int) -> list[tuple[date, int]]:
    """(day, residents missing any programme) for every snapshot of the area, oldest first."""
    rows = session.execute(
        select(GapSnapshot.as_of, func.sum(GapSnapshot.residents))
        .where(GapSnapshot.tenant_id == tenant_id, GapSnapshot.programme == "any")
        .group_by(GapSnapshot.as_of)
        .order_by(GapSnapshot.as_of)
    ).all()
    return [(day, int(total)) for day, total in rows]


# -- the figures -------------------------------------------------------------------------------


@dataclass
class Figure:
    """One figure: what it is, its value as shown, and the list behind it."""

    label: str
    value: str
    href: str
    detail: str = ""


@dataclass
class Decisions:
    """Everything the dashboard shows."""

    as_of: date
    problem: str | None = None
    figures: list[Figure] = field(default_factory=list)
    programmes: list[tuple[str, int]] = field(default_factory=list)
    bars: list[Any] = field(default_factory=list)
    trend: list[tuple[date, int]] = field(default_factory=list)
    line: dict[str, Any] = field(default_factory=dict)
    wards: list[dict[str, Any]] = field(default_factory=list)
    shapes: list[Any] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    takeup: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    payments: list[dict[str, Any]] = field(default_factory=list)
    clients_only: bool = False
    digital: list[dict[str, Any]] | None = None  # needs by ward from triages (council staff)
    rendered: dict[str, Any] = field(default_factory=dict)  # HTML made from it, kept with it


def decisions(session: Session, principal: Principal, as_of: date) -> Decisions:
    """The dashboard's figures for the caller, as of `as_of`. Who is missing is read (and
    audited) on every view; the rest — where to act, take-up, money, the plan, payments — is
    made once per organisation, role, day, rules and data version, and at most a minute (for
    outreach statuses, plans and payments, which the data version does not see), as the home
    dashboard is. It holds counts and money only."""
    principal.require("gaps.view")
    report = gaps_access.report(session, principal, as_of)
    if report.problem:
        return Decisions(as_of, problem=report.problem)
    key = (
        store_of(session),
        principal.tenant_id,
        principal.organisation_id,
        principal.role,
        as_of,
        recent.book_fingerprint(report.book),
        data_version(session, principal.tenant_id),
    )
    return _figures.get(key, lambda: _figures_for(session, principal, report, as_of))[0]


def _figures_for(session: Session, principal: Principal, report: Any, as_of: date) -> Decisions:
    found = Decisions(as_of)
    reader = gaps_access.reader(session, principal)
    found.clients_only = reader.clients_of is not None
    _missing(found, report, session, reader)
    _where(found, session, reader, as_of)
    _money(found, report, session, reader)
    _takeup(found, session, principal)
    _plan(found, session, principal, as_of)
    _payments(found, session, principal)
    _digital(found, session, principal, as_of)
    return found


def _missing(found: Decisions, report: Any, session: Session, reader: gaps.Reader) -> None:
    total = report.totals.get("any", 0)
    found.figures.append(
        Figure(
            "Residents probably missing out",
            f"{total:,}",
            f"/gaps?as_of={found.as_of}",
            f"on {len(report.programmes)} programmes, {found.as_of:%-d %B %Y}",
        )
    )
    found.programmes = [(heading, report.totals.get(pid, 0)) for pid, heading in report.programmes]
    found.bars = charts.bar_chart(found.programmes, width=380, row=36)
    if reader.clients_of is None:
        points = [p for p in trend(session, reader.tenant.id) if p[0] < found.as_of]
        found.trend = points + [(found.as_of, total)]
        found.line = line_chart(found.trend)


def _where(found: Decisions, session: Session, reader: gaps.Reader, as_of: date) -> None:
    from safetynet.places import profiles
    from safetynet.places import service as places

    result = recent.gaps_as_of(
        session,
        reader,
        gaps.rulebook(session=session, tenant_id=reader.tenant.id),
        as_of=as_of,
        purpose="dashboard",
    )
    ranked = profiles.ward_profiles(session, reader.tenant.id, result)
    found.wards = ranked.rows[:TOP_WARDS]
    scores = {r["ward_code"]: round(100 * (r["score"] or 0)) for r in ranked.rows}
    shapes = [(w.code, w.name, w.boundary) for w in places.wards(session, reader.tenant.id)]
    found.shapes = charts.choropleth(shapes, scores)
    found.legend = charts.legend(max(scores.values(), default=0))


def _money(found: Decisions, report: Any, session: Session, reader: gaps.Reader) -> None:
    unclaimed = report.totals.get("unclaimed_pence")
    if unclaimed is None:
        return
    found.figures.append(
        Figure(
            "£ a year probably unclaimed",
            f"£{unclaimed / 100:,.0f}",
            f"/gaps?as_of={found.as_of}",
            "by the households of the residents missing out (latest screening)",
        )
    )
    secured, claimed = secured_pence(session, reader)
    found.figures.append(
        Figure(
            "£ a year secured",
            f"£{secured / 100:,.0f}",
            "/outreach",
            f"by {claimed:,} residents marked as claimed on outreach lists",
        )
    )


def secured_pence(session: Session, reader: gaps.Reader) -> tuple[int, int]:
    """£ a year (pence) the households of residents marked "claimed" on the lists the reader
    may see were estimated to be missing (each household once), and how many residents."""
    from safetynet.entitlements.screening import unclaimed_households
    from safetynet.gaps import outreach

    lists = outreach.readable_lists(reader).with_only_columns(OutreachList.id)
    claimed = set(
        session.scalars(
            select(OutreachEntry.resident_id).where(
                OutreachEntry.list_id.in_(lists.scalar_subquery()),
                OutreachEntry.status == ContactStatus.CLAIMED,
            )
        )
    )
    money = unclaimed_households(session, reader.tenant.id)
    ids = pl.Series(sorted(claimed), dtype=pl.Int64).implode()
    households = money.filter(pl.col("resident_id").is_in(ids)).unique("household_key")
    return int(households.get_column("unclaimed_pence").sum() or 0), len(claimed)


def _takeup(found: Decisions, session: Session, principal: Principal) -> None:
    table = gaps_access.takeup_report(session, principal, period="month")
    if table.is_empty():
        return
    last = table.row(-1, named=True)
    found.takeup = last | {
        "contacted_pct": _pct(last["contacted_taken_up"], last["contacted"]),
        "not_contacted_pct": _pct(last["not_contacted_taken_up"], last["not_contacted"]),
    }


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _plan(found: Decisions, session: Session, principal: Principal, as_of: date) -> None:
    if not principal.can("plans.view"):
        return
    from safetynet.plans import service as plans

    latest = plans.plans(session, principal.tenant_id)
    if not latest:
        return
    plan = latest[0]
    states = [p.state for p in plans.progress(plan, as_of)]
    found.plan = {
        "id": plan.id,
        "title": plan.title,
        "states": {s: states.count(s) for s in ("done", "on track", "behind", "not measured")},
        "measured_at": plan.measured_at,
    }


def _payments(found: Decisions, session: Session, principal: Principal) -> None:
    if not principal.can("payments.view"):
        return
    from safetynet.payments import access, reports
    from safetynet.payments.models import Scheme

    for scheme in session.scalars(access.readable_schemes(principal).order_by(Scheme.id)):
        spend = reports.spend(session, principal, scheme.id)
        found.payments.append(
            {
                "id": scheme.id,
                "name": scheme.name,
                "budget": spend.budget,
                "committed": spend.committed,
                "paid": spend.paid,
                "used_pct": _pct(spend.committed, spend.budget),
            }
        )


def _digital(found: Decisions, session: Session, principal: Principal, as_of: date) -> None:
    """Residents whose latest triage found a digital inclusion need, by ward: the same
    function as the list behind it (`/triage/needs`)."""
    if not principal.can("triage.isolation"):
        return
    from safetynet.triage import service as triage
    from safetynet.triage.forms import NEEDS

    counts = triage.needs_by_ward(session, principal.tenant_id, as_of)
    found.digital = [
        {"ward_name": ward, "any": c["any"],
         "top": [(n, NEEDS[n], c[n]) for n, _ in c.most_common() if n != "any"][:3]}
        for ward, c in sorted(counts.items(), key=lambda kv: (-kv[1]["any"], kv[0]))
    ]  # fmt: skip


def line_chart(points: list[tuple[date, int]], *, width: int = 420, height: int = 160) -> dict:
    """An SVG polyline of (day, count) points, with its axis labels (server-drawn, no script)."""
    if not points:
        return {}
    top = max(count for _, count in points) or 1
    left, bottom, pad = 40, height - 24, 10
    span = max(len(points) - 1, 1)
    coords = [
        (
            round(left + (width - left - pad) * i / span, 1),
            round(bottom - (bottom - pad) * count / top, 1),
            day,
            count,
        )
        for i, (day, count) in enumerate(points)
    ]
    return {
        "width": width,
        "height": height,
        "polyline": " ".join(f"{x},{y}" for x, y, _, _ in coords),
        "points": coords,
        "top": top,
        "bottom": bottom,
        "left": left,
    }

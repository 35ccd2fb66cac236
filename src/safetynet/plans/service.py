"""Delivery plans: drafted from who is missing and the place profiles, measured from the data.

A drafted plan acts first in the wards the where-to-act ranking puts at the top. In each, the
gap rule that finds most residents there becomes an action: contact them and help them claim,
measured by how many that rule still finds in that ward (the baseline is today's count, the
target a share fewer by the action's date). Wards with poor broadband get a digital-support
action measured by hand. Risks come from the standard register (`risks.yaml`). The plan holds
counts only; "have we done it" is re-measured from the data whenever asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.config import get_settings
from safetynet.errors import InvalidInput, NotFound
from safetynet.gaps import recent
from safetynet.gaps import service as gaps
from safetynet.gaps.rules import RuleBook
from safetynet.places import profiles
from safetynet.plans import prose
from safetynet.plans.models import Plan, PlanAction, PlanRisk

RISKS = Path(__file__).with_name("risks.yaml")
HEADINGS = (
    "What we will do",
    "For whom and where",
    "By when",
    "Who",
    "With what resources",
    "Risks",
    "Have we done it",
)
REDUCTION = 0.4  # an outreach action aims to leave 40% fewer residents missing out
HOURS_PER_CONTACT = 1.5
POOR_BROADBAND_PCT = 60.0
MAX_WARDS = 12


@dataclass
class Drafting:
    """What to draft: the plan's title and period, and how many wards to act in first."""

    title: str
    starts: date
    months: int = 6
    wards: int = 3
    owner: str = "Welfare rights team"


class RiskEntry(BaseModel):
    """One risk of the register a drafted plan starts from (`risks.yaml` and the council's
    own files); the key names it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    risk: str = Field(min_length=3, max_length=500)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    mitigation: str = Field(min_length=3, max_length=1000)
    owner: str = Field(min_length=2, max_length=120, description="A role, not a person.")
    when: str = Field("always", pattern=r"^[a-z][a-z_]{0,31}$")


def _council_risks(path: Path) -> list[dict[str, Any]]:
    """One council risk file's entries, each checked (errors name the file, key and field)."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and "key" in e for e in entries
    ):
        raise InvalidInput(f"{path.name}: expected a list of risks, each with a key.")
    for entry in entries:
        try:
            RiskEntry.model_validate({k: v for k, v in entry.items() if k != "key"})
        except ValidationError as error:
            where = f"{path.name}, risk '{entry['key']}'"
            problems = [
                f"{where}, field '{'.'.join(map(str, e['loc']))}': {e['msg']}."
                for e in error.errors()
            ]
            raise InvalidInput(f"{where} is not valid.", details=problems) from None
    return entries


def standard_risks(
    session: Session | None = None, tenant_id: int | None = None
) -> list[dict[str, Any]]:
    """The standard risk register, overlaid by the deployment's files in
    SAFETYNET_PLAN_RISKS_DIR, then (given a council area) by the area's own risks from a pack
    applied there (by `key`: a known key replaces that risk, a new one is added)."""
    register = {r["key"]: r for r in yaml.safe_load(RISKS.read_text(encoding="utf-8"))}
    folder = get_settings().plan_risks_dir
    for path in sorted(folder.glob("*.y*ml")) if folder and folder.is_dir() else []:
        register |= {e["key"]: e for e in _council_risks(path)}
    if session is not None and tenant_id is not None:
        from safetynet.areaconfig import service as area

        own = area.items(session, tenant_id, "plan_risk")
        register |= {key: {"key": key, **body} for key, body in own.items()}
    return list(register.values())


def _count_in_ward(result: gaps.GapResult, rule_id: str, ward_code: str) -> int:
    """Residents `rule_id` finds in one ward."""
    import polars as pl

    ids = pl.Series(result.found.get(rule_id, []), dtype=pl.Int64).implode()
    return result.residents.filter(
        (pl.col("ward_code") == ward_code) & pl.col("resident_id").is_in(ids)
    ).height


def _top_rule(result: gaps.GapResult, ward_code: str) -> tuple[str, int] | None:
    counts = [(_count_in_ward(result, rule, ward_code), rule) for rule in result.found]
    counts = [(n, rule) for n, rule in counts if n > 0]
    if not counts:
        return None
    n, rule = max(counts)
    return rule, n


def _check(drafting: Drafting) -> None:
    if not drafting.title.strip():
        raise InvalidInput("Give the plan a title.")
    if not 1 <= drafting.months <= 36:
        raise InvalidInput("A plan runs for 1 to 36 months.")
    if not 1 <= drafting.wards <= MAX_WARDS:
        raise InvalidInput(f"Act first in 1 to {MAX_WARDS} wards.")


def draft(
    session: Session, reader: gaps.Reader, book: RuleBook, drafting: Drafting, *, actor: str
) -> Plan:
    """Draft a plan from today's gaps and the place profiles, and store it."""
    _check(drafting)
    as_of = drafting.starts
    result = recent.gaps_as_of(session, reader, book, as_of=as_of, purpose="drafting a plan")
    ranked = profiles.ward_profiles(session, reader.tenant.id, result)
    ends = add_months(drafting.starts, drafting.months)
    plan = Plan(
        tenant_id=reader.tenant.id,
        title=drafting.title.strip()[:200],
        starts=drafting.starts,
        ends=ends,
        created_by=actor,
        drafted_from={
            "as_of": as_of.isoformat(),
            "rules": sorted(result.found),
            "ranked_on": ranked.measures,
            "editions": ranked.editions,
        },
    )
    chosen = [row for row in ranked.rows if row["missing"]][: drafting.wards]
    if not chosen:
        raise InvalidInput(
            f"No ward has residents missing out on {as_of:%-d %B %Y}: there is nothing to plan "
            "from yet. Import lists and run linkage first."
        )
    for position, row in enumerate(chosen):
        _outreach_action(plan, result, book, row, drafting, position)
    digital = [r for r in chosen if (r.get("gigabit_pct") or 100.0) < POOR_BROADBAND_PCT]
    for row in digital:
        plan.actions.append(_digital_action(row, drafting, ends, len(plan.actions)))
    _add_risks(session, reader.tenant.id, plan, {"outreach"} | ({"digital"} if digital else set()))
    written, by = prose.draft_summary(get_settings(), plan_facts(plan, chosen))
    plan.summary = written or template_summary(plan, chosen)
    plan.prose_by = by
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="plans.draft",
        entity_type="plan",
        entity_id=plan.id,
        tenant_id=reader.tenant.id,
        detail={"wards": [r["ward_code"] for r in chosen], "actions": len(plan.actions)},
    )
    session.commit()
    return plan


def _add_risks(session: Session, tenant_id: int, plan: Plan, kinds: set[str]) -> None:
    """The area's risks that apply to always, or to a kind of action the plan has."""
    register = standard_risks(session, tenant_id)
    chosen = [r for r in register if r["when"] in {"always", *kinds}]
    for position, risk in enumerate(chosen):
        plan.risks.append(
            PlanRisk(
                position=position,
                key=risk["key"],
                risk=risk["risk"],
                likelihood=risk["likelihood"],
                impact=risk["impact"],
                mitigation=risk["mitigation"],
                owner=risk["owner"],
            )
        )


def _outreach_action(
    plan: Plan,
    result: gaps.GapResult,
    book: RuleBook,
    row: dict[str, Any],
    drafting: Drafting,
    position: int,
) -> None:
    top = _top_rule(result, row["ward_code"])
    if top is None:
        return
    rule_id, count = top
    rule = book.rules[rule_id]
    programme = book.programmes[rule.programme].name
    # The first ward by half-way, the rest by the end: act first where the need is greatest.
    by_when = (
        add_months(drafting.starts, max(1, drafting.months // 2)) if position == 0 else plan.ends
    )
    target = math.floor(count * (1 - REDUCTION))
    hours = math.ceil(count * HOURS_PER_CONTACT)
    money = ""
    if row.get("unclaimed_pence"):
        money = f"; up to £{row['unclaimed_pence'] / 100:,.0f} a year unclaimed in the ward"
    plan.actions.append(
        PlanAction(
            position=len(plan.actions),
            what=f"Contact the residents of {row['ward_name']} who are probably missing "
            f"{programme}, and help them claim.",
            for_whom=f"{count:,} residents in {row['ward_name']}: {rule.title}",
            ward_code=row["ward_code"],
            ward_name=row["ward_name"],
            by_when=by_when,
            owner=drafting.owner,
            resources=f"About {hours:,} caseworker hours ({count:,} contacts at about "
            f"{HOURS_PER_CONTACT:g} hours each), with partners' help{money}.",
            measure=f"Residents in {row['ward_name']} that the rule '{rule_id}' finds missing "
            f"{programme}: {count:,} on {drafting.starts:%-d %B %Y}; target {target:,} or "
            f"fewer by {by_when:%-d %B %Y}.",
            rule_id=rule_id,
            baseline=count,
            target=target,
            latest=count,
        )
    )


def _digital_action(
    row: dict[str, Any], drafting: Drafting, ends: date, position: int
) -> PlanAction:
    return PlanAction(
        position=position,
        what=f"Run digital support sessions in {row['ward_name']}: devices, data and help to "
        "claim online, with phone and face-to-face help for those who cannot.",
        for_whom=f"Residents of {row['ward_name']}, where {row['gigabit_pct']:.0f}% of premises "
        "can get gigabit broadband",
        ward_code=row["ward_code"],
        ward_name=row["ward_name"],
        by_when=ends,
        owner="Digital inclusion lead",
        resources="Partner venues, loan devices and data, volunteer digital champions.",
        measure="Sessions held and residents helped, recorded by hand.",
    )


def plan_facts(plan: Plan, chosen: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan's figures for prose: places, counts and money, never a resident."""
    return {
        "title": plan.title,
        "period": f"{plan.starts:%-d %B %Y} to {plan.ends:%-d %B %Y}",
        "wards": [
            {
                "ward": r["ward_name"],
                "residents_missing_out": r["missing"],
                "per_1000_residents": r["missing_per_1000"],
                "unclaimed_pounds_a_year": (
                    round(r["unclaimed_pence"] / 100) if r.get("unclaimed_pence") else None
                ),
                "deprivation_score": r.get("imd_score"),
                "gigabit_pct": r.get("gigabit_pct"),
                "why": r["reasons"],
            }
            for r in chosen
        ],
        "actions": [
            {
                "what": a.what,
                "for_whom": a.for_whom,
                "by": a.by_when.isoformat(),
                "measure": a.measure,
            }
            for a in plan.actions
        ],
    }


def template_summary(plan: Plan, chosen: list[dict[str, Any]]) -> str:
    """A summary in plain words from the figures."""
    names = [r["ward_name"] for r in chosen]
    wards = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    missing = sum(r["missing"] for r in chosen)
    money = sum(r.get("unclaimed_pence") or 0 for r in chosen)
    reasons = sorted({why for r in chosen for why in r["reasons"]})
    text = (
        f"From {plan.starts:%-d %B %Y} to {plan.ends:%-d %B %Y} we will act first in {wards}, "
        f"where {missing:,} residents are probably missing out on support"
    )
    text += f" and up to £{money / 100:,.0f} a year goes unclaimed." if money else "."
    if reasons:
        text += f" These wards rank highest on the measures that matter: {', '.join(reasons)}."
    text += (
        f" The plan has {len(plan.actions)} actions and {len(plan.risks)} risks. Each outreach "
        "action is measured from the data: how many residents its gap rule still finds in the "
        "ward, against a target of 40% fewer."
    )
    return text


@dataclass
class Progress:
    """Where an action stands."""

    action: PlanAction
    state: str  # done | on track | behind | not measured
    expected: int | None


def measure(
    session: Session, reader: gaps.Reader, book: RuleBook, plan: Plan, *, as_of: date, actor: str
) -> list[Progress]:
    """Re-count each action's measure from the data as of `as_of`, store it, and say where
    each action stands against the straight line from baseline to target."""
    result = recent.gaps_as_of(session, reader, book, as_of=as_of, purpose="measuring a plan")
    for action in plan.actions:
        if action.rule_id and action.ward_code:
            if action.rule_id in result.found:
                action.latest = _count_in_ward(result, action.rule_id, action.ward_code)
    plan.measured_at = _now()
    audit.record(
        session,
        actor=actor,
        action="plans.measure",
        entity_type="plan",
        entity_id=plan.id,
        tenant_id=plan.tenant_id,
        detail={"as_of": as_of.isoformat()},
    )
    session.commit()
    return progress(plan, as_of)


def progress(plan: Plan, as_of: date) -> list[Progress]:
    """Where each action stands on `as_of`, from its last measure."""
    found = []
    for action in plan.actions:
        if action.baseline is None or action.target is None or action.latest is None:
            found.append(Progress(action, "not measured", None))
            continue
        span = max((action.by_when - plan.starts).days, 1)
        elapsed = min(max((as_of - plan.starts).days, 0), span) / span
        expected = round(action.baseline - (action.baseline - action.target) * elapsed)
        if action.latest <= action.target:
            state = "done"
        elif action.latest <= expected:
            state = "on track"
        else:
            state = "behind"
        found.append(Progress(action, state, expected))
    return found


def _now() -> Any:
    from safetynet.db import utcnow

    return utcnow()


def plans(session: Session, tenant_id: int) -> list[Plan]:
    """The area's plans, newest first."""
    return list(
        session.scalars(select(Plan).where(Plan.tenant_id == tenant_id).order_by(Plan.id.desc()))
    )


def get_plan(session: Session, tenant_id: int, plan_id: int) -> Plan:
    """One plan of the area (another area's plan is not found)."""
    plan = session.scalar(select(Plan).where(Plan.id == plan_id, Plan.tenant_id == tenant_id))
    if plan is None:
        raise NotFound(f"There is no plan {plan_id}.")
    return plan


def set_status(session: Session, plan: Plan, status: str, *, actor: str) -> Plan:
    """Mark a plan agreed (or back to draft)."""
    if status not in ("draft", "agreed"):
        raise InvalidInput(f"'{status}' is not a plan status: use draft or agreed.")
    plan.status = status
    audit.record(
        session,
        actor=actor,
        action="plans.status",
        entity_type="plan",
        entity_id=plan.id,
        tenant_id=plan.tenant_id,
        detail={"status": status},
    )
    session.commit()
    return plan


def default_title(today: date) -> str:
    """A plan's title when none is given."""
    return f"Reaching residents missing out: plan from {today:%B %Y}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter)."""
    result: date = day + relativedelta(months=months)
    return result

"""Allocating a waiting list: many residents at once, within each provider's free places and
with fair exposure, as proposals a caseworker confirms; and how fairly the area's referrals
have shared attention among its providers.

Who is allocated comes from a CSV of seekers (one resident and their need a row) or from one
of the triage lists (residents whose latest triage found needs, or the isolation-risk list),
their needs mapped to the directory's by `triage_needs`. Nothing is referred by allocating:
the proposals (with the reasons for each) are written out, and `confirm` refers them, each
checked again against the resident's hard rules at that moment.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, SafetynetError
from safetynet.match.allocate import exposure_gini, position_exposure
from safetynet.match.area import located
from safetynet.match.columns import ProviderColumns
from safetynet.match.models import Referral
from safetynet.match.schemas import SeekerIn
from safetynet.match.service import allocate_batch

MAX_SEEKERS = 5_000
LISTS = ("needs", "isolation")
SEEKER_COLUMNS = ("resident_id", "needs", "kind", "languages", "formats", "max_cost",
                  "low_income", "max_distance_km", "age", "postcode", "lat", "lon")
PROPOSAL_HEADER = ("resident_id", "service_id", "service_name", "score", "reasons", "need")
YES = {"yes", "y", "true", "1"}


@dataclass(frozen=True)
class Asked:
    """One resident of a batch and their need; `where` names its origin in errors."""

    resident_id: int
    need: SeekerIn
    where: str
    strict: bool = True  # an unknown postcode is an error (False: the person is not placed)


@dataclass(frozen=True)
class Proposal:
    """A proposed referral (no provider: nothing with room fits the resident)."""

    resident_id: int
    need: SeekerIn
    service_id: int | None
    service_name: str
    score: float | None
    reasons: tuple[str, ...]


# -- who is asking ---------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [v for v in value.replace(",", ";").replace(" ", ";").split(";") if v]


def _cell_need(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row's need in SeekerIn's terms (numbers still text: pydantic checks them)."""
    text = {k: (row.get(k) or "").strip() for k in SEEKER_COLUMNS}
    values: dict[str, Any] = {
        "needs": [n.strip() for n in text["needs"].split(";") if n.strip()],
        "kind": text["kind"] or None, "languages": _split(text["languages"]) or None,
        "formats": _split(text["formats"]) or None,
        "low_income": text["low_income"].lower() in YES,
        "max_distance_km": text["max_distance_km"] or None, "age": text["age"] or None,
        "postcode": text["postcode"] or None, "lat": text["lat"] or None,
        "lon": text["lon"] or None,
    }
    if not text["max_cost"]:
        values["max_cost_pence"] = None  # blank: no limit, as on the page
    else:
        try:
            values["max_cost_pence"] = round(float(text["max_cost"]) * 100)
        except ValueError:
            values["max_cost_pence"] = text["max_cost"]
    return {k: v for k, v in values.items() if v is not None or k == "max_cost_pence"}


def seekers_from_csv(path: Path) -> list[Asked]:
    """The seekers of a CSV (a row per resident: `resident_id`, `needs` separated by `;`, and
    any of kind, languages, formats, max_cost in pounds, low_income, max_distance_km, age,
    postcode or lat and lon). Every problem is reported at once, naming its row and column."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return seekers_from_rows(path.name, handle)


def seekers_from_text(name: str, data: bytes) -> list[Asked]:
    """The seekers of an uploaded CSV (as `seekers_from_csv`); `name` is the file's name."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: save the file as CSV in UTF-8 and upload it again.") from None
    return seekers_from_rows(name, io.StringIO(text, newline=""))


def seekers_from_rows(name: str, handle: Iterable[str]) -> list[Asked]:
    """The seekers of CSV lines; every problem reported at once by row and column."""
    reader = csv.DictReader(handle)
    if not reader.fieldnames or "resident_id" not in reader.fieldnames:
        raise InvalidInput(f"{name}: the first row must name the columns, "
                           "with resident_id among them.")
    rows = list(reader)
    if len(rows) > MAX_SEEKERS:
        raise InvalidInput(f"{name}: at most {MAX_SEEKERS:,} seekers at once.")
    found, problems = [], []
    for line, row in enumerate(rows, start=2):
        rid = (row.get("resident_id") or "").strip()
        if not rid.isdigit():
            problems.append(f"{name} row {line}, column resident_id: '{rid[:20]}' is not "
                            "a resident's id.")
            continue
        try:
            need = SeekerIn(**_cell_need(row))
        except ValidationError as refused:
            problems += [f"{name} row {line}, column {_column(e['loc'])}: {e['msg']}."
                         for e in refused.errors()]
            continue
        found.append(Asked(int(rid), need, f"{name} row {line}"))
    if problems:
        raise InvalidInput(f"{name} has {len(problems)} problem(s); nothing was allocated.",
                           details=problems[:50])
    return found


def with_kind(asked: Sequence[Asked], kind: str | None) -> list[Asked]:
    """The seekers, each looking for `kind` unless their own row already says what."""
    if kind is None:
        return list(asked)
    return [a if a.need.kind else replace(a, need=a.need.model_copy(update={"kind": kind}))
            for a in asked]


def _column(loc: tuple[Any, ...]) -> str:
    name = str(loc[0]) if loc else "needs"
    return {"max_cost_pence": "max_cost"}.get(name, name)


def seekers_from_list(session: Session, principal: Principal, which: str, as_of: date,
                      cols: ProviderColumns, kind: str | None = None) -> list[Asked]:
    """The residents of a triage list as seekers: `needs` (their latest triage's needs) or
    `isolation` (the isolation-risk list), the needs mapped to the directory's terms, their
    age from the date of birth and where they travel from from their postcode."""
    from safetynet.match.triage_needs import directory_needs
    from safetynet.triage import isolation, needs

    principal.require("triage.isolation")
    if which not in LISTS:
        raise InvalidInput(f"Choose the list: {' or '.join(LISTS)}.")
    if which == "needs":
        listed = needs.with_needs(session, principal.tenant_id, as_of)
    else:
        listed = isolation.at_risk(session, principal.tenant_id, as_of)
    asked = []
    for person in listed:
        wanted = person.needs if which == "needs" else ["isolation"]
        terms = directory_needs(wanted, cols.categories.codes).terms
        if not terms:
            continue
        need = SeekerIn(needs=terms, kind=kind, age=person.age(as_of), max_cost_pence=None,
                        postcode=person.postcode or None)
        asked.append(Asked(person.resident_id, need, f"resident {person.resident_id}", False))
    return asked


# -- proposing and confirming ------------------------------------------------------------------


def area_exposure(session: Session, principal: Principal) -> dict[int, float]:
    """Service id -> the attention the caller's referrals gave it: each referral counts as
    much as its position in the list it was chosen from (1/log2(position + 1))."""
    rows = session.execute(
        select(Referral.service_id, Referral.position, func.count())
        .where(principal.scope(Referral.tenant_id, Referral.organisation_id))
        .group_by(Referral.service_id, Referral.position)
    ).all()
    found: dict[int, float] = {}
    for service_id, position, count in rows:
        seen = float(position_exposure(max(position, 1))[-1])
        found[service_id] = found.get(service_id, 0.0) + seen * count
    return found


def _placed(session: Session, principal: Principal, asked: Sequence[Asked]) -> list[Asked]:
    """Each resident readable by the caller (following merges), each postcode placed; every
    problem reported at once."""
    from safetynet.link import resident_access

    placed, problems = [], []
    for a in asked:
        try:
            rid = resident_access.current(session, principal, a.resident_id).id
            need = _locate(session, principal.tenant_id, a.need, a.strict)
            placed.append(Asked(rid, need, a.where))
        except SafetynetError as refused:
            problems.append(f"{a.where}: {refused.message}")
    if problems:
        raise InvalidInput(f"{len(problems)} seeker(s) cannot be allocated; nothing was.",
                           details=problems[:50])
    return placed


def _locate(session: Session, tenant_id: int, need: SeekerIn, strict: bool) -> SeekerIn:
    try:
        return located(session, tenant_id, need)
    except InvalidInput:
        if strict:
            raise
        return need.model_copy(update={"postcode": None})  # listed, but not placed


def propose(session: Session, principal: Principal, asked: Sequence[Asked],
            cols: ProviderColumns, *, strength: float) -> list[Proposal]:
    """Capacity-aware allocation of the batch, lowering over-exposed providers by `strength`
    (0 to 1); nothing is referred. Audited (how many, not who)."""
    proposals = proposals_for(session, principal, asked, cols, strength=strength)
    session.commit()
    return proposals


def proposals_for(session: Session, principal: Principal, asked: Sequence[Asked],
                  cols: ProviderColumns, *, strength: float) -> list[Proposal]:
    """As `propose`, without committing (the allocation page keeps them in the same unit)."""
    principal.require("match.refer")
    if not 0 <= strength <= 1:
        raise InvalidInput("The exposure strength must be between 0 and 1.")
    if not asked:
        raise InvalidInput("There is no one to allocate.")
    placed = _placed(session, principal, asked)
    given = allocate_batch(cols, [a.need.seeker(a.resident_id) for a in placed],
                           exposure=area_exposure(session, principal), strength=strength)
    proposals = [
        Proposal(a.resident_id, a.need, g.provider.id if g.provider else None,
                 g.provider.name if g.provider else "", g.score, g.reasons)
        for a, g in zip(placed, given, strict=True)
    ]
    audit.record(session, actor=principal.actor, action="match.allocate", entity_type="tenant",
                 entity_id=principal.tenant_id, tenant_id=principal.tenant_id,
                 user_id=principal.user_id,
                 detail={"seekers": len(proposals), "strength": strength,
                         "proposed": sum(p.service_id is not None for p in proposals)})
    return proposals


def proposal_rows(proposals: Sequence[Proposal]) -> list[tuple[Any, ...]]:
    """The proposals as the CSV's rows (the need as JSON, so `confirm` reads it back)."""
    return [
        (p.resident_id, p.service_id or "", p.service_name,
         "" if p.score is None else f"{p.score:.4f}", "; ".join(p.reasons[:5]),
         p.need.model_dump_json(exclude_none=True))
        for p in proposals
    ]


def read_proposals(path: Path) -> list[tuple[int, int, SeekerIn]]:
    """The proposals of a CSV `propose` wrote (rows without a service are skipped)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != PROPOSAL_HEADER:
            raise InvalidInput(f"{path.name} is not a file of proposals: its columns must be "
                               f"{', '.join(PROPOSAL_HEADER)}.")
        rows = list(reader)
    found, problems = [], []
    for line, row in enumerate(rows, start=2):
        if not row["service_id"].strip():
            continue
        try:
            need = SeekerIn(**json.loads(row["need"]))
            found.append((int(row["resident_id"]), int(row["service_id"]), need))
        except (ValueError, ValidationError) as refused:
            problems.append(f"{path.name} row {line}: {str(refused).splitlines()[0]}")
    if problems:
        raise InvalidInput(f"{path.name} has {len(problems)} problem(s); nothing was referred.",
                           details=problems[:50])
    return found


def confirm(session: Session, principal: Principal, proposals: Sequence[tuple[int, int, SeekerIn]],
            cols: ProviderColumns) -> int:
    """Refer each proposal, all or none: every resident must still be readable and every
    service still fit them (its hard rules, places free) before any is referred; one
    transaction. Returns how many referrals were made."""
    made = refer_all(session, principal, proposals, cols)
    session.commit()
    return made


def refer_all(session: Session, principal: Principal,
              proposals: Sequence[tuple[int, int, SeekerIn]], cols: ProviderColumns) -> int:
    """As `confirm`, without committing; on any refusal nothing is left in the session."""
    from safetynet.match import referrals, training

    principal.require("match.refer")
    _check_proposals(session, principal, proposals, cols)
    ranker = training.current_ranker(session, principal.tenant_id)
    try:
        return sum(
            len(referrals.add_referrals(
                session, principal, resident_id=rid, service_ids=[sid], cols=cols,
                seeker=_locate(session, principal.tenant_id, need, True).seeker(rid),
                ranker=ranker))
            for rid, sid, need in proposals
        )
    except SafetynetError:
        session.rollback()
        raise


def _check_proposals(session: Session, principal: Principal,
                     proposals: Sequence[tuple[int, int, SeekerIn]], cols: ProviderColumns) -> None:
    """Refuse the lot, naming each, if any resident is no longer readable or any service no
    longer fits its resident."""
    from safetynet.link import resident_access
    from safetynet.match.rules import broken_rules

    known = {p.id: p for p in cols.providers}
    problems = []
    for resident_id, service_id, need in proposals:
        try:
            resident_access.current(session, principal, resident_id)
            seeker = _locate(session, principal.tenant_id, need, True).seeker(resident_id)
        except SafetynetError as refused:
            problems.append(f"resident {resident_id}: {refused.message}")
            continue
        broken = broken_rules(known[service_id], seeker) if service_id in known else [
            "it is no longer in the directory"]
        if broken:
            problems.append(f"resident {resident_id}, service {service_id}: {'; '.join(broken)}")
    if problems:
        raise InvalidInput(f"{len(problems)} proposal(s) no longer hold; nothing was referred.",
                           details=problems[:50])


# -- how fair ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExposureReport:
    """How the area's referrals shared attention among its providers."""

    providers: int
    referred_to: int
    referrals: int
    gini: float
    top_tenth_share: float  # the share of all exposure the most exposed tenth of providers had


def exposure_report(session: Session, principal: Principal,
                    cols: ProviderColumns) -> ExposureReport:
    """Exposure Gini over every provider of the area (those never referred to count as 0)."""
    principal.require("match.train")
    had = area_exposure(session, principal)
    values = sorted((had.get(int(i), 0.0) for i in cols.ids), reverse=True)
    total = sum(values)
    tenth = max(1, len(values) // 10)
    referrals = session.scalar(select(func.count()).select_from(Referral).where(
        principal.scope(Referral.tenant_id, Referral.organisation_id))) or 0
    audit.record(session, actor=principal.actor, action="match.exposure", entity_type="tenant",
                 entity_id=principal.tenant_id, tenant_id=principal.tenant_id,
                 user_id=principal.user_id, detail={"referrals": referrals})
    session.commit()
    return ExposureReport(len(values), sum(v > 0 for v in values), referrals,
                          exposure_gini(values), sum(values[:tenth]) / total if total else 0.0)

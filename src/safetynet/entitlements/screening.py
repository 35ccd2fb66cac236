"""Batch screening: every linked resident household through the engine, stored per resident.

"Unclaimed" is an estimated entitlement to a benefit the resident is not known to receive
(the programme sources say what they receive). Amounts belong to the household: each of its
residents carries the household's figure, and ward totals count each household once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.db import refresh_statistics, utcnow
from safetynet.entitlements import engine, service
from safetynet.entitlements.ctr import Scheme
from safetynet.entitlements.models import EntitlementScreening, ScreeningResult
from safetynet.entitlements.residents import Assumptions, ScreenedHousehold, households
from safetynet.entitlements.schemas import engine_places, resolve_place
from safetynet.errors import InvalidInput
from safetynet.link.models import LinkRun
from safetynet.link.runs import tenant_named

Progress = Callable[[int, int], None]


def ward_of(postcode: str | None, wards: dict[str, str] | None = None) -> str | None:
    """The ward results are grouped by: from the area's ward lookup where it has the
    postcode, else the postcode district ("DB1" of "DB1 2AB") so nothing goes ungrouped."""
    if not postcode:
        return None
    if wards and postcode in wards:
        return wards[postcode]
    compact = postcode.replace(" ", "").upper()
    return compact[:-3] if len(compact) > 3 else compact


def ward_names(session: Session, tenant_id: int) -> dict[str, str]:
    """Postcode -> ward name from the area's imported ward lookup (empty without one)."""
    from safetynet.places.service import postcode_wards

    lookup = postcode_wards(session, tenant_id)
    return dict(zip(lookup["postcode"], lookup["ward_name"], strict=True))


def assumptions(
    *, year: int, local_authority: str | None, brma: str | None, council_tax: float
) -> Assumptions:
    """Validated screening assumptions; private renters need a rental area."""
    from safetynet.config import get_settings

    settings = get_settings()
    council = local_authority or settings.screening_local_authority
    if not council:
        raise InvalidInput(
            "Name the local authority residents live in: --local-authority (e.g. Sheffield) "
            "or the SAFETYNET_SCREENING_LOCAL_AUTHORITY setting."
        )
    try:
        council = resolve_place(council, "local_authorities", "local_authority")
        area = brma or settings.screening_brma
        area = resolve_place(area, "brmas", "brma") if area else None
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    if area is None and council in engine_places()["brmas"]:
        area = council
    if area is None:
        raise InvalidInput(
            f"{council.title()} is not itself a Broad Rental Market Area: give --brma for its "
            "private renters (or set SAFETYNET_SCREENING_BRMA)."
        )
    # Ages as at the start of the financial year the engine calculates.
    return Assumptions(year, council, area, council_tax, date(year, 4, 6))


def _rows(
    screening: EntitlementScreening,
    found: ScreenedHousehold,
    check: service.Check | None,
    wards: dict[str, str],
) -> list[dict]:
    benefits = {e.benefit: e.annual_pence for e in check.benefits} if check else {}
    unclaimed = {b: p for b, p in benefits.items() if b not in found.receives}
    inputs = found.household.model_dump(mode="json") if found.household else {}
    return [
        {
            "screening_id": screening.id,
            "tenant_id": screening.tenant_id,
            "resident_id": resident_id,
            "household_key": found.key,
            "ward": ward_of(found.postcode, wards),
            "inputs": inputs,
            "provenance": found.provenance,
            "receives": sorted(found.receives),
            "benefits": benefits,
            "unclaimed": unclaimed,
            "unclaimed_pence": sum(unclaimed.values()),
            "error": found.error,
        }
        for resident_id in found.resident_ids
    ]


def _checks(
    found: Sequence[ScreenedHousehold], progress: Progress | None, schemes: list[Scheme]
) -> list[service.Check | None]:
    from safetynet.config import get_settings

    ready = [h for h in found if h.household is not None]
    workers = get_settings().screening_workers
    checks: dict[str, service.Check] = {}
    for start in range(0, len(ready), engine.CHUNK_SIZE * 10):
        part = ready[start : start + engine.CHUNK_SIZE * 10]
        files = [h.household for h in part if h.household is not None]
        for h, check in zip(
            part, service.check_households(files, schemes=schemes, workers=workers), strict=True
        ):
            checks[h.key] = check
        if progress:
            progress(min(start + len(part), len(ready)), len(ready))
    return [checks.get(h.key) for h in found]


def screen(
    session: Session,
    *,
    area: str | None,
    actor: str,
    setup: Assumptions,
    progress: Progress | None = None,
) -> EntitlementScreening:
    """Screen every current resident household of the area and store the results whole."""
    tenant = tenant_named(session, area)
    started = time.perf_counter()
    found = households(session, tenant.id, setup)
    if not found:
        raise InvalidInput(f"{tenant.name} has no linked residents: run `safetynet link run`.")
    built = time.perf_counter()
    schemes = service.council_schemes(session=session, tenant_id=tenant.id)
    checks = _checks(found, progress, schemes)
    calculated = time.perf_counter()
    last_run = session.scalar(select(func.max(LinkRun.id)).where(LinkRun.tenant_id == tenant.id))
    screening = EntitlementScreening(
        tenant_id=tenant.id,
        link_run_id=last_run,
        status="finished",
        year=setup.year,
        local_authority=setup.local_authority,
        started_by=actor,
        assumptions=setup.as_dict(),
    )
    try:
        session.add(screening)
        session.flush()
        wards = ward_names(session, tenant.id)
        rows = [
            row for h, c in zip(found, checks, strict=True) for row in _rows(screening, h, c, wards)
        ]
        session.execute(insert(ScreeningResult), rows)
        screening.counts = _counts(found, rows)
        screening.timings = {
            "build_seconds": round(built - started, 1),
            "engine_seconds": round(calculated - built, 1),
        }
        screening.finished_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="entitlements.screen",
            entity_type="entitlement_screening",
            entity_id=screening.id,
            tenant_id=tenant.id,
            detail=screening.counts,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    refresh_statistics(session, "screening_results")
    return screening


def _counts(found: Sequence[ScreenedHousehold], rows: list[dict]) -> dict[str, int]:
    flagged = {r["household_key"] for r in rows if r["unclaimed_pence"] > 0}
    per_household = {r["household_key"]: r["unclaimed_pence"] for r in rows}
    return {
        "residents": len(rows),
        "households": len(found),
        "households_not_screened": sum(1 for h in found if h.household is None),
        "households_with_unclaimed": len(flagged),
        "unclaimed_pence": sum(per_household.values()),
    }


def latest_screening(session: Session, tenant_id: int) -> EntitlementScreening | None:
    """The area's most recent finished screening."""
    return session.scalar(
        select(EntitlementScreening)
        .where(
            EntitlementScreening.tenant_id == tenant_id, EntitlementScreening.status == "finished"
        )
        .order_by(EntitlementScreening.id.desc())
        .limit(1)
    )


def unclaimed_by_resident(session: Session, tenant_id: int) -> dict[int, int]:
    """Pence a year likely unclaimed per resident, from the latest screening (for gaps and
    outreach lists to sort by). Residents with nothing unclaimed are left out."""
    screening = latest_screening(session, tenant_id)
    if screening is None:
        return {}
    rows = session.execute(
        select(ScreeningResult.resident_id, ScreeningResult.unclaimed_pence).where(
            ScreeningResult.screening_id == screening.id, ScreeningResult.unclaimed_pence > 0
        )
    )
    return {int(row[0]): int(row[1]) for row in rows}


def unclaimed_households(session: Session, tenant_id: int) -> pl.DataFrame:
    """resident_id, household_key, unclaimed_pence from the latest screening, for reports
    that sum money by ward (each household's figure counted once)."""
    schema = {"resident_id": pl.Int64, "household_key": pl.String, "unclaimed_pence": pl.Int64}
    screening = latest_screening(session, tenant_id)
    if screening is None:
        return pl.DataFrame(schema=schema)
    rows = session.execute(
        select(
            ScreeningResult.resident_id,
            ScreeningResult.household_key,
            ScreeningResult.unclaimed_pence,
        ).where(ScreeningResult.screening_id == screening.id)
    ).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


@dataclass
class WardTotal:
    """Unclaimed money in one ward (households counted once)."""

    ward: str
    residents: int
    households: int
    households_with_unclaimed: int
    unclaimed_pence: int


def ward_totals(session: Session, screening_id: int) -> list[WardTotal]:
    """Per ward: residents, households, and £ a year likely unclaimed; biggest first."""
    rows = session.execute(
        select(
            ScreeningResult.ward,
            ScreeningResult.household_key,
            func.count(),
            func.max(ScreeningResult.unclaimed_pence),
        )
        .where(ScreeningResult.screening_id == screening_id)
        .group_by(ScreeningResult.ward, ScreeningResult.household_key)
    ).all()
    wards: dict[str, WardTotal] = {}
    for ward, _key, residents, unclaimed in rows:
        total = wards.setdefault(ward or "unknown", WardTotal(ward or "unknown", 0, 0, 0, 0))
        total.residents += residents
        total.households += 1
        total.households_with_unclaimed += unclaimed > 0
        total.unclaimed_pence += unclaimed
    return sorted(wards.values(), key=lambda w: -w.unclaimed_pence)


def top_residents(
    session: Session, screening_id: int, *, ward: str | None = None, limit: int = 20
) -> list[ScreeningResult]:
    """Residents with the most likely unclaimed, optionally in one ward."""
    query = select(ScreeningResult).where(
        ScreeningResult.screening_id == screening_id, ScreeningResult.unclaimed_pence > 0
    )
    if ward:
        query = query.where(ScreeningResult.ward == ward.replace(" ", "").upper())
    return list(
        session.scalars(
            query.order_by(
                ScreeningResult.unclaimed_pence.desc(), ScreeningResult.resident_id
            ).limit(limit)
        )
    )

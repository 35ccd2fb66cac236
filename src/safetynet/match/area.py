"""An area's providers for matching: the directory's services, counsellors and vacancies as
the engine's `Provider`s, in a column store kept until the directory changes.

The directory is read only through its public read function (`directory.service.providers`);
this module translates its rows (ORUK vocabulary: `in-person`, language names, concession
conditions) into the engine's terms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from safetynet.errors import InvalidInput
from safetynet.match.columns import ProviderColumns
from safetynet.match.model import Provider
from safetynet.match.schemas import SeekerIn
from safetynet.match.service import provider_columns
from safetynet.versions import store_of
from safetynet.web.deps import Db

UNSTATED_CAPACITY = 1  # a service that does not say how many places it has is open, modestly
AREA_ONLY = "area"


def area_code(tenant_id: int) -> str:
    """The residency code of a council area (`residency: area` services serve only it)."""
    return f"area:{tenant_id}"


def from_directory(row: Any, extras: Any, tenant_id: int) -> Provider:
    """One directory provider (and its matching extras) in the engine's terms."""
    places = row.available if row.available is not None else row.capacity
    full = row.cost_pence or 0
    low = extras.low_income_pence if extras is not None else None
    return Provider(
        id=row.service_id, name=row.name, kind=row.kind,
        categories=frozenset(n.strip().lower() for n in (extras.needs if extras else ())),
        languages=frozenset(extras.language_codes if extras else ()) or frozenset({"en"}),
        formats=frozenset(f.replace("-", "_") for f in row.formats),
        gender=row.gender, cost_pence=full, concessions=low is not None and low < full,
        concession_cost_pence=low if low is not None else full,
        capacity=UNSTATED_CAPACITY if places is None else int(places),
        min_age=row.minimum_age, max_age=row.maximum_age,
        areas=frozenset({area_code(tenant_id)}) if row.residency == AREA_ONLY else frozenset(),
        lat=row.latitude, lon=row.longitude,
        hours_per_week=row.hours_per_week, pay_pence_per_hour=row.pay_pence_per_hour,
        sector=row.sector,
    )


def area_providers(session: Session, tenant_id: int) -> list[Provider]:
    """Every active provider of the area, from the directory."""
    from safetynet.directory import service as directory

    extras = directory.matching_extras(session, tenant_id)
    return [from_directory(row, extras.get(row.service_id), tenant_id)
            for row in directory.providers(session, tenant_id)]


def located(session: Session, tenant_id: int, need: SeekerIn) -> SeekerIn:
    """The need with where the person travels from placed, when it was given as a postcode
    (the area's postcode directory's coordinates); InvalidInput names what is wrong."""
    from safetynet.places.reference import postcode_location

    if not need.postcode or not need.postcode.strip():
        return need
    if need.lat is not None or need.lon is not None:
        raise InvalidInput("Give where they travel from as a postcode or as latitude and "
                           "longitude, not both.")
    lat, lon = postcode_location(session, tenant_id, need.postcode)
    return need.model_copy(update={"lat": lat, "lon": lon, "postcode": None})


def area_loader(db: Db) -> Callable[[int], ProviderColumns]:
    """How the doors get an area's providers (a FastAPI dependency, so a test can give a world
    of its own); called only once the caller and the resident are known to be in scope."""
    return lambda tenant_id: area_columns(db, tenant_id)


def area_columns(session: Session, tenant_id: int) -> ProviderColumns:
    """The area's providers as columns, rebuilt only when the directory has changed."""
    from safetynet.directory import service as directory

    version = directory.version(session, tenant_id)
    return provider_columns((store_of(session), tenant_id), version,
                            lambda: area_providers(session, tenant_id))

"""The Open Referral UK 3.0 read API of each council area's directory: public, read-only, and
holding no personal data (counsellors are services of their practice; the practitioner's
gender is left out).

Mounted at `/api/oruk/{area}` (the area's slug), with the standard's root information
endpoint, paged lists (`page`, `per_page`; answers carry `total_items`, `total_pages`,
`page_number`, `size`, `first_page`, `last_page`, `empty` and `contents`) and their filters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.directory import nearby, records, service
from safetynet.directory.models import (
    DirectoryLocation,
    DirectoryService,
    DirectoryServiceAtLocation,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
)
from safetynet.errors import InvalidInput, NotFound
from safetynet.paging import Page, PageRequest, page_of
from safetynet.web.deps import Db, public

router = APIRouter(prefix="/api/oruk/{area}", tags=["oruk"])
Anyone = Annotated[Principal | None, Depends(public())]
PROFILE = "https://github.com/openreferral/uk-profile"
OPENAPI = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
Text = Annotated[str, Query(max_length=100)]
Id = Annotated[str, Query(max_length=36)]
Number = Annotated[str | None, Query(max_length=12)]
Postcode = Annotated[str, Query(max_length=10)]


def _paging(page: str | None, per_page: str | None) -> PageRequest:
    try:
        return PageRequest.parse(page, per_page)
    except InvalidInput as refused:
        raise InvalidInput(refused.message.replace("Size", "per_page")) from refused


def oruk_page(found: Page[Any], contents: list[dict[str, Any]]) -> dict[str, Any]:
    """A page in the standard's shape."""
    return {
        "total_items": found.total,
        "total_pages": found.pages,
        "page_number": found.number,
        "size": len(contents),
        "first_page": found.number == 1,
        "last_page": found.number >= found.pages,
        "empty": not contents,
        "contents": contents,
    }


@router.get("/")
def about(area: str, db: Db, caller: Anyone) -> dict[str, Any]:
    """What this API is: its HSDS version, the profile and the OpenAPI description."""
    service.area(db, area)
    return {"version": "3.0", "profile": PROFILE, "openapi_url": OPENAPI}


@dataclass(frozen=True)
class Listing:
    """What a list request asks for: the services' filters and the page."""

    filters: service.Filters
    paging: PageRequest


def listing(
    text: Text = "", search: Text = "", taxonomy_term_id: Id = "", taxonomy_id: Id = "",
    minimum_age: Number = None, maximum_age: Number = None, page: Number = None,
    per_page: Number = None, postcode: Postcode = "", proximity: Number = None,
) -> Listing:  # fmt: skip
    """The standard's filters (`text` or `search`, terms, taxonomies, ages, `postcode` and
    `proximity` in metres) and paging."""
    filters = service.Filters(
        text=text or search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        minimum_age=service.parse_age(minimum_age, "minimum_age"),
        maximum_age=service.parse_age(maximum_age, "maximum_age"),
        postcode=postcode,
        proximity=nearby.parse_proximity(proximity, postcode),
    )
    return Listing(filters, _paging(page, per_page))


Listed = Annotated[Listing, Depends(listing)]


@router.get("/services")
def services(area: str, db: Db, caller: Anyone, asked: Listed) -> dict[str, Any]:
    """Services of the area (one-to-one fields), filtered and paged."""
    tenant = service.area(db, area)
    found = page_of(db, service.services_query(db, tenant.id, asked.filters), asked.paging)
    return oruk_page(found, [records.service_summary(s) for s in found.items])


@router.get("/services/{service_id}")
def one_service(area: str, service_id: str, db: Db, caller: Anyone) -> dict[str, Any]:
    """One fully nested service."""
    tenant = service.area(db, area)
    found = service.service_by_oruk_id(db, tenant.id, service_id)
    return service.full_service(db, found, public=True)


def _sal_query(db: Session, tenant_id: int, filters: service.Filters) -> Any:
    """Services at locations, of the services the filters keep; `proximity` measured to the
    row's own location (not the service's nearest)."""
    sal, loc = DirectoryServiceAtLocation, DirectoryLocation
    of_services = replace(filters, proximity=None)
    wanted = service.services_query(db, tenant_id, of_services).with_only_columns(
        DirectoryService.id
    )
    query = (
        select(sal, loc, DirectoryService.oruk_id, DirectoryService.url)
        .join(loc, loc.id == sal.location_id)
        .join(DirectoryService, DirectoryService.id == sal.service_id)
        .where(sal.tenant_id == tenant_id, sal.service_id.in_(wanted.order_by(None)))
        .order_by(sal.id)
    )
    if filters.proximity is not None:
        centre = nearby.place(db, tenant_id, filters.postcode)
        query = query.where(nearby.within(loc.latitude, loc.longitude, centre, filters.proximity))
    return query


@router.get("/service_at_locations")
def service_at_locations(area: str, db: Db, caller: Anyone, asked: Listed) -> dict[str, Any]:
    """Services at their locations, filtered by the service's fields, and paged."""
    tenant = service.area(db, area)
    query = _sal_query(db, tenant.id, asked.filters)
    found = page_of(db, query, asked.paging, scalars=False)
    return oruk_page(found, [records.sal_record(s, loc, sid) for s, loc, sid, _ in found.items])


@router.get("/service_at_locations/{sal_id}")
def one_service_at_location(area: str, sal_id: str, db: Db, caller: Anyone) -> dict[str, Any]:
    """One service at a location, with the location and the fully nested service."""
    tenant = service.area(db, area)
    query = _sal_query(db, tenant.id, service.Filters()).where(
        DirectoryServiceAtLocation.oruk_id == sal_id[:36]
    )
    row = db.execute(query).first()
    if row is None:
        raise NotFound("There is no service at a location with that id in this directory.")
    sal, loc, sid, url = row
    one = db.get_one(DirectoryService, sal.service_id)
    kids = records.load_children(db, [one])
    record = records.sal_record(sal, loc, sid, kids.parts, url)
    record["service"] = records.service_record(one, kids, public=True)
    return record


@router.get("/taxonomies")
def taxonomies(
    area: str, db: Db, caller: Anyone, page: Number = None, per_page: Number = None
) -> dict[str, Any]:
    """The area's taxonomies, paged."""
    tenant = service.area(db, area)
    query = select(DirectoryTaxonomy).where(DirectoryTaxonomy.tenant_id == tenant.id)
    found = page_of(db, query.order_by(DirectoryTaxonomy.name, DirectoryTaxonomy.id),
                    _paging(page, per_page))  # fmt: skip
    return oruk_page(found, [records.taxonomy_record(t) for t in found.items])


@router.get("/taxonomies/{taxonomy_id}")
def one_taxonomy(area: str, taxonomy_id: str, db: Db, caller: Anyone) -> dict[str, Any]:
    """One taxonomy."""
    tenant = service.area(db, area)
    found = db.scalar(
        select(DirectoryTaxonomy).where(
            DirectoryTaxonomy.tenant_id == tenant.id, DirectoryTaxonomy.oruk_id == taxonomy_id[:36]
        )
    )
    if found is None:
        raise NotFound("There is no taxonomy with that id in this directory.")
    return records.taxonomy_record(found)


@router.get("/taxonomy_terms")
def taxonomy_terms(
    area: str, db: Db, caller: Anyone, taxonomy_id: Id = "", page: Number = None,
    per_page: Number = None,
) -> dict[str, Any]:  # fmt: skip
    """The area's taxonomy terms (of one taxonomy, if asked), paged."""
    tenant = service.area(db, area)
    query = service.terms_query(tenant.id)
    if taxonomy_id:
        query = query.where(DirectoryTaxonomy.oruk_id == taxonomy_id)
    found = page_of(db, query, _paging(page, per_page), scalars=False)
    return oruk_page(found, [records.term_record(t, x) for t, x in found.items])


@router.get("/taxonomy_terms/{term_id}")
def one_taxonomy_term(area: str, term_id: str, db: Db, caller: Anyone) -> dict[str, Any]:
    """One taxonomy term."""
    tenant = service.area(db, area)
    row = db.execute(
        service.terms_query(tenant.id).where(DirectoryTaxonomyTerm.oruk_id == term_id[:36])
    ).first()
    if row is None:
        raise NotFound("There is no taxonomy term with that id in this directory.")
    return records.term_record(row[0], row[1])

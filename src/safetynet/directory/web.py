"""The directory's pages for staff: search and browse the area's services, counsellors and
vacancies, and read one in full. The same service functions serve the public ORUK API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.directory import records, service
from safetynet.directory import taxonomies as tx
from safetynet.directory.models import DirectoryService
from safetynet.errors import InvalidInput, NotFound
from safetynet.paging import PageRequest, page_of
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/directory", tags=["v1"])
Reader = Annotated[Principal, Depends(require("directory.view"))]
KIND_LABELS = {"service": "Services", "counsellor": "Counsellors", "vacancy": "Job vacancies"}


@router.get("/directory")
def search(
    request: Request,
    db: Db,
    principal: Reader,
    text: Annotated[str, Query(max_length=100)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    """Find services of the area by words and kind."""
    form = {"text": text, "kind": kind}
    errors = []
    if kind and kind not in tx.KINDS:
        errors.append({"text": "Choose a kind from the list", "href": "#kind"})
        kind = ""
    try:
        paging = PageRequest.parse(page)
    except InvalidInput as refused:
        errors.append({"text": refused.message, "href": "#results"})
        paging = PageRequest()
    filters = service.Filters(text=text, kind=kind)
    found = page_of(db, service.services_query(db, principal.tenant_id, filters), paging)
    return render(
        request,
        "directory/index.html",
        400 if errors else 200,
        title="Service directory",
        errors=errors,
        form=form,
        results=found,
        pages=found.links("/directory", form),
        counts=service.counts(db, principal.tenant_id),
        kinds=KIND_LABELS,
    )


@router.get("/directory/services/{service_id}")
def one(request: Request, db: Db, principal: Reader, service_id: int) -> Response:
    """One service, counsellor or vacancy in full, as its ORUK record holds it."""
    found = db.scalar(
        select(DirectoryService).where(
            DirectoryService.id == service_id, DirectoryService.tenant_id == principal.tenant_id
        )
    )
    if found is None:
        raise NotFound("There is no such service in your area's directory.")
    record = service.full_service(db, found, public=False)
    profile: dict[str, list[str]] = {}
    for a in records.our_attributes(found, public=False):
        term = a["taxonomy_term"]
        shown = f"{term['term']}: {a['value']}" if "value" in a else term["term"]
        profile.setdefault(term["taxonomy"], []).append(shown)
    return render(
        request, "directory/service.html", title=found.name, service=found, record=record,
        profile=profile, kinds=KIND_LABELS,
    )  # fmt: skip


class FeedIn(BaseModel):
    """ORUK records to import: nested services, and any taxonomies and terms beside them."""

    services: list[dict[str, Any]] = Field(default_factory=list, max_length=50_000)
    taxonomies: list[dict[str, Any]] = Field(default_factory=list, max_length=1_000)
    taxonomy_terms: list[dict[str, Any]] = Field(default_factory=list, max_length=100_000)


@api_router.post("/imports")
def import_feed(
    body: FeedIn, db: Db, principal: Annotated[Principal, Depends(api_require("directory.manage"))]
) -> dict[str, int]:
    """Check ORUK records against the standard and add them to the caller's area: all of
    them, or (422, naming each record and field) none."""
    feed = service.Feed(services=body.services, taxonomies=body.taxonomies,
                        terms=body.taxonomy_terms)  # fmt: skip
    counts = service.import_feed(db, principal, feed, origin="api")
    return asdict(counts)

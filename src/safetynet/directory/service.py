"""The service directory's public face: import and export ORUK records, find services, and the
read function the matching engine uses (`providers`).

Imports check every record against the ORUK 3.0 schemas, then write all or nothing into the
caller's council area. Reads are by area: the public ORUK API names the area by its slug;
staff read their own area.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Tenant
from safetynet.accounts.permissions import Principal
from safetynet.directory import nearby, parse, records, store
from safetynet.directory import taxonomies as tx
from safetynet.directory.models import (
    DirectoryAttribute,
    DirectoryCostOption,
    DirectoryLanguage,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceAtLocation,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
)
from safetynet.directory.validation import check_all, fill_profile_quirks
from safetynet.errors import InvalidInput, NotFound

Counts = store.Counts
ImportRefused = store.ImportRefused


def area(session: Session, slug: str) -> Tenant:
    """The council area with this slug (the public API's `{area}`)."""
    found = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if found is None:
        raise NotFound(f"There is no council area '{slug[:64]}' in this directory.")
    return found


@dataclass(frozen=True)
class Feed:
    """ORUK records to import: nested services, and taxonomies and terms sent beside them."""

    services: list[dict[str, Any]]
    taxonomies: list[dict[str, Any]]
    terms: list[dict[str, Any]]


def check(feed: Feed) -> parse.Batch:
    """The feed's rows, or every problem with it (schema first, then our own checks)."""
    problems = check_all("taxonomy", feed.taxonomies) + check_all("taxonomy_term", feed.terms)
    problems += check_all("service", [fill_profile_quirks(s) for s in feed.services])
    batch = parse.Batch(problems=problems)
    if problems:
        return batch
    parse.add_taxonomies(batch, feed.taxonomies)
    parse.add_terms(batch, feed.terms)
    parse.add_services(batch, feed.services)
    seen: set[str] = set()
    for row in batch.services:
        if row["oruk_id"] in seen:
            batch.refuse(row["oruk_id"], "id", "appears twice in this import")
        seen.add(row["oruk_id"])
    return batch


def import_feed(session: Session, principal: Principal, feed: Feed, *, origin: str) -> Counts:
    """Check and write a feed into the caller's area: all of it, or nothing."""
    principal.require("directory.manage")
    batch = check(feed)
    try:
        counts = store.write(session, principal.tenant_id, batch)
        audit.record(
            session,
            actor=principal.actor,
            action="directory.import",
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            detail={"origin": origin[:200], "services": counts.services},
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    store.refresh_statistics(session)
    return counts


def export(session: Session, tenant_id: int, *, public: bool = False) -> dict[str, Any]:
    """The area's whole directory as ORUK records: services, taxonomies and terms."""
    services = list(
        session.execute(
            select(*records.columns(DirectoryService))
            .where(DirectoryService.tenant_id == tenant_id)
            .order_by(DirectoryService.id)
        ).all()
    )
    kids = records.load_children(session, services)
    return {
        "services": [records.service_record(s, kids, public=public) for s in services],
        "taxonomies": [records.taxonomy_record(t) for t in taxonomies(session, tenant_id)],
        "taxonomy_terms": [records.term_record(t, x) for t, x in terms(session, tenant_id)],
    }


def taxonomies(session: Session, tenant_id: int) -> list[DirectoryTaxonomy]:
    """The area's taxonomies, by name."""
    query = select(DirectoryTaxonomy).where(DirectoryTaxonomy.tenant_id == tenant_id)
    return list(session.scalars(query.order_by(DirectoryTaxonomy.name, DirectoryTaxonomy.id)))


def terms_query(tenant_id: int) -> Select[Any]:
    """The area's taxonomy terms, each with its taxonomy's ORUK id."""
    t, x = DirectoryTaxonomyTerm, DirectoryTaxonomy
    query = (
        select(t, x.oruk_id)
        .outerjoin(x, x.id == t.taxonomy_id)
        .where(t.tenant_id == tenant_id)
        .order_by(t.taxonomy, t.term, t.id)
    )
    return cast("Select[Any]", query)


def terms(session: Session, tenant_id: int) -> list[tuple[DirectoryTaxonomyTerm, str | None]]:
    """The area's taxonomy terms, with their taxonomies' ORUK ids."""
    return list(session.execute(terms_query(tenant_id)).all())


@dataclass(frozen=True)
class Filters:
    """What a directory search asks for; every field optional."""

    text: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    kind: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    postcode: str = ""  # covered by the service's areas (see `nearby`)
    proximity: int | None = None  # metres from the postcode to one of its locations


def services_query(session: Session, tenant_id: int, filters: Filters) -> Select[Any]:
    """The area's services matching the filters, by name."""
    s = DirectoryService
    query = select(s).where(s.tenant_id == tenant_id)
    if filters.text.strip():
        like = f"%{filters.text.strip().lower()[:100]}%"
        query = query.where(
            or_(func.lower(s.name).like(like), func.lower(s.description).like(like))
        )
    if filters.kind:
        query = query.where(s.kind == filters.kind)
    if filters.minimum_age is not None:
        query = query.where(s.minimum_age >= filters.minimum_age)
    if filters.maximum_age is not None:
        query = query.where(s.maximum_age <= filters.maximum_age)
    if filters.taxonomy_term_id:
        query = query.where(_has_term(session, tenant_id, filters.taxonomy_term_id))
    if filters.taxonomy_id:
        query = query.where(_has_taxonomy(tenant_id, filters.taxonomy_id))
    if filters.postcode.strip():
        centre = nearby.place(session, tenant_id, filters.postcode)
        query = query.where(nearby.services_covering(session, tenant_id, centre))
        if filters.proximity is not None:
            query = query.where(nearby.services_near(tenant_id, centre, filters.proximity))
    return query.order_by(s.name, s.id)


def _profile_condition(term: tx.Term) -> Any:
    s = DirectoryService
    if term.taxonomy == tx.FORMAT:
        return s.formats.like(f"%{term.term}%")
    if term.taxonomy == tx.MEASURE:
        return getattr(s, tx.MEASURE_COLUMNS[term.term]).is_not(None)
    column = {tx.KIND: s.kind, tx.GENDER: s.gender, tx.SECTOR: s.sector}.get(
        term.taxonomy, s.residency
    )
    return column == term.term


def _has_term(session: Session, tenant_id: int, term_oruk_id: str) -> Any:
    ours = tx.BY_ID.get(term_oruk_id)
    if ours is None:
        held = session.execute(
            select(DirectoryTaxonomyTerm.taxonomy, DirectoryTaxonomyTerm.term).where(
                DirectoryTaxonomyTerm.tenant_id == tenant_id,
                DirectoryTaxonomyTerm.oruk_id == term_oruk_id,
            )
        ).first()
        if held is not None and tx.is_ours(held[0]):
            ours = tx.Term(held[0], held[1])
    if ours is not None:
        return _profile_condition(ours)
    a, t = DirectoryAttribute, DirectoryTaxonomyTerm
    linked = select(a.service_id).join(t, t.id == a.term_id)
    return DirectoryService.id.in_(
        linked.where(t.tenant_id == tenant_id, t.oruk_id == term_oruk_id)
    )


def _has_taxonomy(tenant_id: int, taxonomy_oruk_id: str) -> Any:
    s = DirectoryService
    ours = {tx.taxonomy_id(name): name for name in tx.TERMS}.get(taxonomy_oruk_id)
    if ours == tx.KIND:
        return s.kind.is_not(None)
    if ours == tx.FORMAT:
        return s.formats != ""
    if ours == tx.MEASURE:
        return or_(*(getattr(s, c).is_not(None) for c in tx.MEASURE_COLUMNS.values()))
    if ours is not None:
        column = {tx.GENDER: s.gender, tx.SECTOR: s.sector}.get(ours, s.residency)
        return column.is_not(None)
    a, t, x = DirectoryAttribute, DirectoryTaxonomyTerm, DirectoryTaxonomy
    linked = select(a.service_id).join(t, t.id == a.term_id).join(x, x.id == t.taxonomy_id)
    return s.id.in_(linked.where(x.tenant_id == tenant_id, x.oruk_id == taxonomy_oruk_id))


def service_by_oruk_id(session: Session, tenant_id: int, oruk_id: str) -> DirectoryService:
    """One service of the area, by its ORUK id."""
    found = session.scalar(
        select(DirectoryService).where(
            DirectoryService.tenant_id == tenant_id, DirectoryService.oruk_id == oruk_id[:36]
        )
    )
    if found is None:
        raise NotFound("There is no service with that id in this directory.")
    return found


def full_service(session: Session, service: DirectoryService, *, public: bool) -> dict:
    """One service as a fully nested ORUK record."""
    return records.service_record(service, records.load_children(session, [service]), public=public)


def parse_age(value: str | None, name: str) -> int | None:
    """An age filter from a query string (blank: no filter)."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) > 150:
        raise InvalidInput(f"{name} must be a whole number of years from 0 to 150.")
    return int(text)


@dataclass(frozen=True)
class Provider:
    """What the matching engine reads about one service, counsellor or vacancy.

    Money in pence; ages in years (None: no limit); formats and languages as tuples; the
    location is the service's first place (None when it has none, e.g. phone-only).
    """

    service_id: int
    oruk_id: str
    name: str
    organisation: str | None
    kind: str
    status: str
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    gender: str | None
    cost_pence: int | None  # the full price; 0 or None: free
    concessions: tuple[str, ...]  # conditions of reduced prices, e.g. "Students"
    capacity: int | None
    available: int | None
    minimum_age: int | None
    maximum_age: int | None
    residency: str | None  # "any" or "area"
    latitude: float | None
    longitude: float | None
    postcode: str | None
    hours_per_week: int | None
    pay_pence_per_hour: int | None
    sector: str | None


PROVIDER_COLUMNS = ("id", "oruk_id", "name", "kind", "status", "formats", "gender", "capacity",
                    "available", "minimum_age", "maximum_age", "residency", "hours_per_week",
                    "pay_pence_per_hour", "sector")  # fmt: skip


def providers(session: Session, area_id: int, kind: str | None = None) -> list[Provider]:
    """Every active service of an area (of one kind: service, counsellor or vacancy), with
    the fields matching ranks on. A few bulk queries of plain columns, whatever the count."""
    if kind is not None and kind not in tx.KINDS:
        raise InvalidInput(f"Kind must be one of {', '.join(tx.KINDS)}.")
    s, o = DirectoryService, DirectoryOrganisation
    columns = [getattr(s, c) for c in PROVIDER_COLUMNS]
    query = (
        select(*columns, o.name.label("organisation"))
        .outerjoin(o, o.id == s.organisation_id)
        .where(s.tenant_id == area_id, s.status == "active")
        .order_by(s.id)
    )
    if kind:
        query = query.where(s.kind == kind)
    rows = session.execute(query).all()
    languages, costs, places = _provider_parts(session, area_id, [r.id for r in rows])
    return [_provider(row, languages, costs, places) for row in rows]


def _provider_parts(session: Session, area_id: int, ids: list[int]) -> tuple[dict, dict, dict]:
    wanted = set(ids)
    languages: dict[int, list[str]] = defaultdict(list)
    lang = DirectoryLanguage
    for sid, name in session.execute(
        select(lang.service_id, lang.name).where(lang.tenant_id == area_id).order_by(lang.id)
    ):
        if sid in wanted:
            languages[sid].append(name)
    costs: dict[int, list[tuple[int | None, str | None]]] = defaultdict(list)
    c = DirectoryCostOption
    for sid, pence, option in session.execute(
        select(c.service_id, c.amount_pence, c.option).where(c.tenant_id == area_id)
    ):
        if sid in wanted:
            costs[sid].append((pence, option))
    places: dict[int, tuple] = {}
    sal, loc = DirectoryServiceAtLocation, DirectoryLocation
    for sid, lat, lon, postcode in session.execute(
        select(sal.service_id, loc.latitude, loc.longitude, loc.postal_code)
        .join(loc, loc.id == sal.location_id)
        .where(sal.tenant_id == area_id)
        .order_by(sal.id)
    ):
        if sid in wanted:
            places.setdefault(sid, (lat, lon, postcode))
    return languages, costs, places


def _provider(row: Any, languages: dict, costs: dict, places: dict) -> Provider:
    prices = costs.get(row.id, [])
    full = max((p for p, _ in prices if p is not None), default=None)
    concessions = tuple(o for p, o in prices if o and p is not None and full and p < full)
    lat, lon, postcode = places.get(row.id, (None, None, None))
    return Provider(
        service_id=row.id, oruk_id=row.oruk_id, name=row.name, organisation=row.organisation,
        kind=row.kind, status=row.status, languages=tuple(languages.get(row.id, ())),
        formats=tuple(f for f in row.formats.split(",") if f), gender=row.gender,
        cost_pence=full, concessions=concessions, capacity=row.capacity,
        available=row.available, minimum_age=row.minimum_age, maximum_age=row.maximum_age,
        residency=row.residency, latitude=lat, longitude=lon, postcode=postcode,
        hours_per_week=row.hours_per_week, pay_pence_per_hour=row.pay_pence_per_hour,
        sector=row.sector,
    )  # fmt: skip


def counts(session: Session, tenant_id: int) -> dict[str, int]:
    """How many services of each kind the area holds."""
    s = DirectoryService
    rows = session.execute(
        select(s.kind, func.count()).where(s.tenant_id == tenant_id).group_by(s.kind)
    )
    return {row[0]: row[1] for row in rows}


def write_made_here(session: Session, tenant_id: int, feed: Feed, *, actor: str) -> Counts:
    """Write a feed Safety Net made itself (the demo's synthetic directory) into an area.

    The schema check is skipped for speed (tests check the generator's records against the
    schemas); our own checks still run, and the write is all or nothing.
    """
    batch = parse.Batch()
    parse.add_taxonomies(batch, feed.taxonomies)
    parse.add_terms(batch, feed.terms)
    parse.add_services(batch, feed.services)
    try:
        counts = store.write(session, tenant_id, batch)
        audit.record(
            session,
            actor=actor,
            action="directory.import",
            tenant_id=tenant_id,
            detail={"origin": "synthetic", "services": counts.services},
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    store.refresh_statistics(session)
    return counts


# What matching needs beyond `providers` (match/area.py reads it): when an area's directory
# changed, each service's needs and language codes, and what people on a low income pay.
LOW_INCOME = ("low income", "universal credit", "benefit", "unwaged", "concession", "free")


def version(session: Session, tenant_id: int) -> tuple[Any, ...]:
    """A cheap fingerprint of an area's directory: it changes whenever an import writes
    services (they are replaced, so their ids move on) or places free change."""
    s = DirectoryService
    return tuple(
        session.execute(
            select(
                func.count(s.id),
                func.max(s.id),
                func.max(s.last_modified),
                func.coalesce(func.sum(s.available), 0),
            ).where(s.tenant_id == tenant_id)
        ).one()
    )


@dataclass(frozen=True)
class MatchingExtras:
    """One service's needs (terms of taxonomies other than Safety Net's own), languages as
    codes where the feed gave them, and the lowest price for people on a low income."""

    needs: tuple[str, ...] = ()
    language_codes: tuple[str, ...] = ()
    low_income_pence: int | None = None


def matching_extras(session: Session, tenant_id: int) -> dict[int, MatchingExtras]:
    """`MatchingExtras` of every service of an area that has any, by service id."""
    needs: dict[int, list[str]] = defaultdict(list)
    a, t = DirectoryAttribute, DirectoryTaxonomyTerm
    for sid, taxonomy, term in session.execute(
        select(a.service_id, t.taxonomy, t.term)
        .join(t, t.id == a.term_id)
        .where(a.tenant_id == tenant_id)
        .order_by(a.id)
    ):
        if not tx.is_ours(taxonomy):
            needs[sid].append(term)
    codes: dict[int, list[str]] = defaultdict(list)
    lang = DirectoryLanguage
    for sid, name, code in session.execute(
        select(lang.service_id, lang.name, lang.code).where(lang.tenant_id == tenant_id)
    ):
        codes[sid].append((code or name).strip().lower())
    cheapest: dict[int, int] = {}
    c = DirectoryCostOption
    for sid, pence, option in session.execute(
        select(c.service_id, c.amount_pence, c.option).where(c.tenant_id == tenant_id)
    ):
        if pence is not None and option and any(w in option.lower() for w in LOW_INCOME):
            cheapest[sid] = min(pence, cheapest.get(sid, pence))
    return {
        sid: MatchingExtras(tuple(needs[sid]), tuple(codes[sid]), cheapest.get(sid))
        for sid in set(needs) | set(codes) | set(cheapest)
    }

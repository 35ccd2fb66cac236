"""The service directory, in Open Referral UK (ORUK 3.0) terms: organisations, services,
locations and the links between them, taxonomies and their terms, and each service's
schedules, costs, languages and classifying attributes.

Every row belongs to one council area (tenant) and carries its ORUK identifier (`oruk_id`, a
UUID, unique within the area) beside our integer key. The directory holds no personal data:
counsellors are listed as services of their practice, never by a person's name or contacts.
Contacts are kept as roles or desks ("Duty adviser", "Helpline") with their phones and email;
a contact's `name` is never stored (the import leaves it out and says so).

A service's provider profile — what the matching engine reads (kind, formats, gender of the
practitioner, sector, residency rule, capacity, hours, pay) — is kept in columns of the
service, and travels in ORUK as attributes of Safety Net's own taxonomies (see
`directory.taxonomies`). Other taxonomies' attributes are rows of `directory_attributes`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, UTCDateTime, utcnow

ORUK_ID = 36  # a UUID's text form


def _oruk_unique(table: str) -> UniqueConstraint:
    return UniqueConstraint("tenant_id", "oruk_id", name=f"uq_{table}_tenant_id_oruk_id")


class DirectoryOrganisation(Base):
    """An organisation that delivers services (a charity, practice, employer, the council)."""

    __tablename__ = "directory_organisations"
    __table_args__ = (_oruk_unique("directory_organisations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))


class DirectoryService(Base):
    """A service, a counsellor's practice or a job vacancy, with its provider profile."""

    __tablename__ = "directory_services"
    __table_args__ = (
        _oruk_unique("directory_services"),
        Index("ix_directory_services_tenant_id_kind", "tenant_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(32), default="active")
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    assured_date: Mapped[date | None] = mapped_column(Date)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The provider profile (Safety Net's taxonomies); see the module docstring.
    kind: Mapped[str] = mapped_column(String(16), default="service")
    formats: Mapped[str] = mapped_column(String(64), default="")  # comma-separated
    gender: Mapped[str | None] = mapped_column(String(32))
    sector: Mapped[str | None] = mapped_column(String(64))
    residency: Mapped[str | None] = mapped_column(String(32))
    capacity: Mapped[int | None] = mapped_column(Integer)
    available: Mapped[int | None] = mapped_column(Integer)
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    pay_pence_per_hour: Mapped[int | None] = mapped_column(Integer)


class DirectoryLocation(Base):
    """A place where services are delivered, with its one physical address."""

    __tablename__ = "directory_locations"
    __table_args__ = (_oruk_unique("directory_locations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address_1: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(16))


class DirectoryServiceAtLocation(Base):
    """A service offered at a location."""

    __tablename__ = "directory_service_at_locations"
    __table_args__ = (_oruk_unique("directory_service_at_locations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("directory_locations.id", ondelete="CASCADE"), index=True
    )


class DirectoryTaxonomy(Base):
    """A taxonomy that terms come from (e.g. the LGA's service types, or Safety Net's own)."""

    __tablename__ = "directory_taxonomies"
    __table_args__ = (_oruk_unique("directory_taxonomies"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[str | None] = mapped_column(String(50))


class DirectoryTaxonomyTerm(Base):
    """One term of a taxonomy; `parent_oruk_id` places it in a hierarchy."""

    __tablename__ = "directory_taxonomy_terms"
    __table_args__ = (_oruk_unique("directory_taxonomy_terms"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    taxonomy_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_taxonomies.id", ondelete="CASCADE"), index=True
    )
    taxonomy: Mapped[str] = mapped_column(String(300))
    term: Mapped[str] = mapped_column(String(300))
    parent_oruk_id: Mapped[str | None] = mapped_column(String(ORUK_ID))
    term_uri: Mapped[str | None] = mapped_column(String(500))


class DirectoryAttribute(Base):
    """A service classified by a term of another taxonomy than Safety Net's own."""

    __tablename__ = "directory_attributes"
    __table_args__ = (_oruk_unique("directory_attributes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[int] = mapped_column(
        ForeignKey("directory_taxonomy_terms.id", ondelete="CASCADE"), index=True
    )
    link_type: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(String(200))


class DirectorySchedule(Base):
    """When a service runs, as an RFC 5545 recurrence (weekly or monthly)."""

    __tablename__ = "directory_schedules"
    __table_args__ = (_oruk_unique("directory_schedules"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    freq: Mapped[str | None] = mapped_column(String(16))
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(String(64))
    opens_at: Mapped[str | None] = mapped_column(String(16))
    closes_at: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class DirectoryCostOption(Base):
    """What a service costs under a condition (a concession, a session length); pence."""

    __tablename__ = "directory_cost_options"
    __table_args__ = (_oruk_unique("directory_cost_options"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    option: Mapped[str | None] = mapped_column(String(300))
    amount_pence: Mapped[int | None] = mapped_column(Integer)
    amount_description: Mapped[str | None] = mapped_column(String(300))


class DirectoryLanguage(Base):
    """A language a service is delivered in (without an interpreter)."""

    __tablename__ = "directory_languages"
    __table_args__ = (_oruk_unique("directory_languages"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(16))


def _owner(table: str) -> Any:
    """A cascading link to the service, organisation, location or contact a part belongs to."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True, nullable=True)


class DirectoryContact(Base):
    """A way to reach a service, organisation or location: a role or desk, never a person's
    name. Exactly one of `service_id`, `organisation_id`, `location_id` is set."""

    __tablename__ = "directory_contacts"
    __table_args__ = (_oruk_unique("directory_contacts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int | None] = _owner("directory_services")
    organisation_id: Mapped[int | None] = _owner("directory_organisations")
    location_id: Mapped[int | None] = _owner("directory_locations")
    title: Mapped[str | None] = mapped_column(String(300))
    department: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))


class DirectoryPhone(Base):
    """A phone number of a service, organisation, location or contact (one of them)."""

    __tablename__ = "directory_phones"
    __table_args__ = (_oruk_unique("directory_phones"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int | None] = _owner("directory_services")
    organisation_id: Mapped[int | None] = _owner("directory_organisations")
    location_id: Mapped[int | None] = _owner("directory_locations")
    contact_id: Mapped[int | None] = _owner("directory_contacts")
    number: Mapped[str] = mapped_column(String(40))
    type: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)


class DirectoryServiceArea(Base):
    """Where a service is available. A GeoJSON extent's bounding box is kept beside it, so
    the `postcode` filter parses only the extents that could hold the postcode."""

    __tablename__ = "directory_service_areas"
    __table_args__ = (_oruk_unique("directory_service_areas"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(String(16))
    uri: Mapped[str | None] = mapped_column(String(500))
    south: Mapped[float | None] = mapped_column(Float)
    north: Mapped[float | None] = mapped_column(Float)
    west: Mapped[float | None] = mapped_column(Float)
    east: Mapped[float | None] = mapped_column(Float)


class DirectoryFunding(Base):
    """Where a service's money comes from, in the feed's words."""

    __tablename__ = "directory_funding"
    __table_args__ = (_oruk_unique("directory_funding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("directory_services.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str | None] = mapped_column(Text)


class DirectoryAccessibility(Base):
    """How a location can be reached and used by disabled people."""

    __tablename__ = "directory_accessibility"
    __table_args__ = (_oruk_unique("directory_accessibility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    location_id: Mapped[int] = mapped_column(
        ForeignKey("directory_locations.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))


class DirectoryOrganisationIdentifier(Base):
    """An organisation's identifier in another register (a charity or company number)."""

    __tablename__ = "directory_organisation_identifiers"
    __table_args__ = (_oruk_unique("directory_organisation_identifiers"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    oruk_id: Mapped[str] = mapped_column(String(ORUK_ID))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("directory_organisations.id", ondelete="CASCADE"), index=True
    )
    identifier_scheme: Mapped[str | None] = mapped_column(String(64))
    identifier_type: Mapped[str] = mapped_column(String(100))
    identifier: Mapped[str] = mapped_column(String(100))

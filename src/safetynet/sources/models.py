"""Sources (one partner's list of a kind), their imports, the records they hold, households."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safetynet.accounts.models import Organisation
from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class SourceKind(StrEnum):
    """What a partner's list is about."""

    FOODBANK_ATTENDANCE = "foodbank_attendance"
    ADVICE_CLIENTS = "advice_clients"
    COUNCIL_TAX_REDUCTION = "council_tax_reduction"
    HOUSING_BENEFIT = "housing_benefit"
    UNIVERSAL_CREDIT = "universal_credit"
    FREE_SCHOOL_MEALS = "free_school_meals"
    HOUSEHOLD_SUPPORT_FUND = "household_support_fund"
    # Visits, food parcels and referral vouchers typed at a partner's front desk (front_desk/):
    # one source per organisation, written a record at a time, never imported from a file.
    FRONT_DESK = "front_desk"
    OTHER = "other"


# Attendance logs grow with each import; caseload extracts are replaced whole.
APPEND_KINDS = {
    SourceKind.FOODBANK_ATTENDANCE,
    SourceKind.HOUSEHOLD_SUPPORT_FUND,
    SourceKind.FRONT_DESK,
}


class SourceMode(StrEnum):
    """How a new import relates to the last one."""

    SNAPSHOT = "snapshot"
    APPEND = "append"


class ImportStatus(StrEnum):
    """Where an import stands. Only `active` imports' records are current."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class Source(Base):
    """One partner's list of one kind, loaded again and again over time."""

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        # One front-desk source per organisation (see SourceKind.FRONT_DESK).
        Index(
            "uq_sources_front_desk",
            "organisation_id",
            unique=True,
            sqlite_where=text("kind = 'front_desk'"),
            postgresql_where=text("kind = 'front_desk'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class SourceImport(Base):
    """One file loaded into a source: what was read, kept, rejected, and under which agreement."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(16))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_bytes: Mapped[int] = mapped_column(BigInteger)
    sheet: Mapped[str | None] = mapped_column(String(100))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(200))
    ended_reason: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship()


class Household(Base):
    """People sharing a home: keyed by UPRN, else address + postcode, else a source's reference."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    key: Mapped[str] = mapped_column(String(400))
    key_kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Record(Base):
    """One row of a partner's list: one record about one person, raw and standardised."""

    __tablename__ = "records"
    # Row ids are unique per import (the importer checks before writing); a unique index
    # would only repeat that check at a cost of ~20% of a million-row PostgreSQL import.
    # The postcode index serves exact postcodes and, read as a prefix range, districts and
    # sectors ("DB4 ", "DB4 7"): SQLite compares bytes; on PostgreSQL the pattern operator
    # class lets `LIKE 'DB4 %'` use it whatever the database's collation.
    __table_args__ = (
        Index(
            "ix_records_postcode", "postcode", postgresql_ops={"postcode": "varchar_pattern_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Only the indexes and foreign keys lookups need: each costs bulk imports dearly (see
    # docs/benchmarks.md). tenant_id and source_id copy the import's, which the import_id
    # foreign key guards.
    tenant_id: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    row_id: Mapped[str] = mapped_column(String(100))
    person_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    forename: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200))
    # Search keys (`standardise.search_keys`): the names in lower case without accents,
    # spaces or punctuation, so "José O'Brien" is found by "jose obrien". Resident search
    # looks people up by surname key, date of birth, postcode or the partner's reference.
    forename_key: Mapped[str | None] = mapped_column(String(200))
    surname_key: Mapped[str | None] = mapped_column(String(200), index=True)
    dob: Mapped[date | None] = mapped_column(Date, index=True)
    postcode: Mapped[str | None] = mapped_column(String(8))  # "DB4 7QT": see the index above
    address: Mapped[str | None] = mapped_column(Text)
    uprn: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    name_raw: Mapped[str | None] = mapped_column(Text)
    dob_raw: Mapped[str | None] = mapped_column(String(100))
    postcode_raw: Mapped[str | None] = mapped_column(String(100))
    address_raw: Mapped[str | None] = mapped_column(Text)
    uprn_raw: Mapped[str | None] = mapped_column(String(100))
    phone_raw: Mapped[str | None] = mapped_column(String(100))
    email_raw: Mapped[str | None] = mapped_column(String(300))
    visit_date: Mapped[date | None] = mapped_column(Date)
    household_ref: Mapped[str | None] = mapped_column(String(100))
    tenure: Mapped[str | None] = mapped_column(String(32))
    rent_pence: Mapped[int | None] = mapped_column(BigInteger)
    rent_period: Mapped[str | None] = mapped_column(String(16))
    children_count: Mapped[int | None] = mapped_column(Integer)
    award_start: Mapped[date | None] = mapped_column(Date)
    award_end: Mapped[date | None] = mapped_column(Date)
    amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    extras: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class ImportIssue(Base):
    """A problem found in one cell or row of an import: an error (row refused) or a warning."""

    __tablename__ = "import_issues"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)


class RejectedRow(Base):
    """A row left out by `--skip-invalid-rows`, kept with its raw values so it can be fixed."""

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType)

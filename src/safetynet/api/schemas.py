"""What the API reads and returns: pydantic models, documented in the OpenAPI spec."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Models read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Me(Out):
    user_id: int
    email: str
    full_name: str
    role: str
    organisation_id: int
    organisation_name: str
    tenant_id: int


class OrganisationOut(Out):
    id: int
    slug: str
    name: str
    kind: str
    tenant_id: int


class UserOut(Out):
    id: int
    email: str
    full_name: str
    role: str
    organisation_id: int
    is_active: bool
    last_login_at: datetime | None


class UserIn(BaseModel):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    full_name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=64, description="Organisation short name.")
    role: str = Field(pattern="^(admin|analyst|caseworker|partner)$")


class UserCreated(BaseModel):
    user: UserOut
    password: str = Field(description="The first password: shown once, not stored.")


class AgreementOut(Out):
    id: int
    reference: str
    title: str
    purpose: str
    lawful_basis: str
    special_category: bool
    art9_condition: str | None
    fields_allowed: list[str]
    see_back: list[str]
    retention_days: int
    start_date: date
    end_date: date | None
    ended_at: datetime | None


class SourceOut(BaseModel):
    id: int
    organisation: str
    name: str
    kind: str
    mode: str
    current_records: int
    versions: int


class ImportOut(Out):
    id: int
    source_id: int
    version: int
    status: str
    file_name: str
    file_format: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    warnings: int
    imported_at: datetime
    imported_by: str


class IssueOut(Out):
    row_number: int | None
    column: str | None
    field: str | None
    severity: str
    code: str
    message: str


class LinkRunOut(Out):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    started_by: str
    thresholds: dict[str, Any]
    counts: dict[str, Any]
    timings: dict[str, Any]


class JobOut(Out):
    id: int
    kind: str
    status: str
    progress: int
    stage: str
    result: dict[str, Any]
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class AuditEventOut(Out):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str | None
    entity_id: int | None
    reason: str | None

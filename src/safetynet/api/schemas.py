"""What the API reads and returns: pydantic models, documented in the OpenAPI spec."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from safetynet.entitlements.schemas import HouseholdFile


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


class ReviewPairOut(Out):
    id: int
    run_id: int
    record_id_l: int
    record_id_r: int
    match_probability: float
    match_weight: float
    impact: int = Field(description="How many gap-rule results deciding the pair could change.")
    priority: float
    status: str


class ReviewQueueOut(BaseModel):
    counts: dict[str, int] = Field(description="Pairs pending, skipped and decided.")
    pairs: list[ReviewPairOut]


class ReviewPairDetail(BaseModel):
    pair: ReviewPairOut
    records: list[dict[str, Any]] = Field(description="The two records, who supplied each.")
    differs: list[str] = Field(description="Fields on which the two records differ.")
    explanation: list[dict[str, Any]] = Field(description="Match-weight steps (waterfall).")


class DecisionIn(BaseModel):
    verdict: str = Field(pattern="^(accept|reject|skip)$")
    reason: str = Field(default="", max_length=2000, description="Needed to accept or reject.")


class DecisionOut(BaseModel):
    pair: ReviewPairOut
    next_pair_id: int | None


class OutreachStatusOut(BaseModel):
    list_id: int
    rule_title: str
    status: str
    status_at: datetime


class ResidentOut(BaseModel):
    id: int
    records: list[dict[str, Any]] = Field(description="Linked records the caller may read.")
    outreach: list[OutreachStatusOut] | None = Field(
        description="Outreach statuses; null when the caller's agreements do not allow them."
    )
    do_not_contact: bool
    programmes: list[str] | None = Field(
        None,
        description="A partner seeing linked programmes back: the kinds of list the resident "
        "is on across the area (not the records); null otherwise.",
    )


class GapRuleOut(BaseModel):
    id: str
    title: str
    programme: str
    residents: int


class GapReportOut(BaseModel):
    as_of: date
    programmes: dict[str, str] = Field(description="Programme id -> heading, table order.")
    wards: list[dict[str, Any]] = Field(description="ward_name, ward_code, counts, any.")
    totals: dict[str, int]
    rules: list[GapRuleOut]
    not_run: dict[str, list[str]]


class OutreachListOut(Out):
    id: int
    rule_id: str
    rule_title: str
    programme: str
    ward_code: str | None
    as_of: date
    reason: str
    created_at: datetime
    created_by: str
    counts: dict[str, Any]


class OutreachListSummary(BaseModel):
    outreach_list: OutreachListOut
    statuses: dict[str, int]


class OutreachEntryOut(BaseModel):
    resident_id: int
    ward_code: str | None
    status: str
    status_at: datetime
    name: str | None = None
    phone: str | None = None


class OutreachListDetail(BaseModel):
    outreach_list: OutreachListOut
    entries: list[OutreachEntryOut]


class StatusIn(BaseModel):
    resident_id: int
    status: str = Field(pattern="^(to_contact|contacted|claimed|declined|unreachable)$")
    note: str | None = Field(default=None, max_length=500)


# Privacy operations, exports and entitlement checks.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class RetentionSourceOut(BaseModel):
    source: str
    agreement: str = Field(description="The data-sharing agreement's reference.")
    retention_days: int
    reason: str = Field(description="ended | stale | visits: what started the clock.")
    why: str
    records: int
    rejected_rows: int
    links: int = Field(description="The records' places in residents.")
    review_pairs: int


class RetentionPeriodOut(BaseModel):
    reference: str
    title: str
    retention_days: int


class RetentionReportOut(BaseModel):
    as_of: date
    dry_run: bool = Field(description="True: what would be deleted; false: what was.")
    tables: dict[str, int] = Field(description="Rows by table: records, resident_records…")
    call_backs: int = Field(
        0, description="Closed call-backs past SAFETYNET_CALLBACK_RETENTION_DAYS (with history)."
    )
    sources: list[RetentionSourceOut]
    periods: list[RetentionPeriodOut] = Field(description="Every agreement's period.")


class RetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(default=None, description="Today (default) or earlier.")


class SubjectAccessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: int = Field(ge=1)
    reason: Reason = Field(description="Why: the request's reference (kept in the audit log).")
    format: Literal["json", "xlsx"] = "json"


class OutreachExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why you need the list (kept in the audit log).")
    ward: str | None = Field(default=None, max_length=20, description="A ward code, or all.")
    format: Literal["csv", "xlsx"] = "csv"
    as_of: date | None = None


class EntitlementCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household: HouseholdFile = Field(description="The household, as the check page takes it.")
    save: bool = Field(default=False, description="Keep the check on the resident's record.")


class SavedCheckOut(Out):
    id: int
    kind: str
    year: int
    inputs: dict[str, Any]
    benefits: dict[str, int] = Field(description="Benefit -> pence a year.")
    total_pence: int
    tariffs: list[dict[str, Any]]
    provenance: dict[str, Any] | None
    created_at: datetime
    created_by: str


CallBackStatus = Literal["new", "no_answer", "called_back", "closed"]


class CallBackItemOut(BaseModel):
    id: int
    shared_at: datetime
    total_pence: int = Field(description="What the check estimated, pence a year.")
    status: CallBackStatus
    status_at: datetime | None = Field(description="When the status last changed.")


class CallBackListOut(BaseModel):
    counts: dict[str, int] = Field(description="The area's call-backs by status.")
    status: CallBackStatus | None = Field(description="The status filtered on, if any.")
    more: bool = Field(description="True when more matched than the list holds.")
    call_backs: list[CallBackItemOut]


class CallBackEventOut(Out):
    status: CallBackStatus
    note: str | None
    recorded_at: datetime
    recorded_by: str


class CallBackOut(CallBackItemOut):
    year: int
    contact: dict[str, str] = Field(description="The phone and email the resident gave.")
    consent: dict[str, Any] = Field(description="The words they agreed to, and when.")
    household: dict[str, Any] = Field(description="The household file from their answers.")
    benefits: list[dict[str, Any]] = Field(description="Each benefit: pence a month and year.")
    tariffs: list[dict[str, Any]]
    history: list[CallBackEventOut] = Field(description="Outcomes recorded, oldest first.")


class CallBackStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["no_answer", "called_back", "closed"]
    note: str | None = Field(default=None, max_length=2_000)
    seen: int | None = Field(
        default=None,
        ge=0,
        description="How many outcomes the caller had seen: when more are recorded now and the "
        "latest is this same one, the request is a repeat and records nothing.",
    )


class CallBackRecordedOut(CallBackOut):
    recorded: bool = Field(description="False when the request repeated the latest outcome.")


class CheckResultOut(BaseModel):
    year: int
    total_annual_pence: int
    total_monthly_pence: int
    benefits: list[dict[str, Any]] = Field(description="Each benefit: pence, why, how to claim.")
    notes: list[str]
    tariffs: list[dict[str, Any]]


class EntitlementCheckOut(BaseModel):
    result: CheckResultOut
    saved: SavedCheckOut | None = Field(description="The saved check, when `save` was true.")


# Changes to residents and users, twins of the resident and user pages' forms.
class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    other_id: int = Field(ge=1, description="The resident who is the same person.")
    reason: Reason = Field(description="Why they are one person (kept with the ruling).")


class MergedOut(BaseModel):
    resident_id: int = Field(description="The resident that remains (the older id).")
    merged_id: int = Field(description="The resident joined into it: its id now redirects.")


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_ids: list[Annotated[int, Field(ge=1)]] = Field(
        min_length=1, max_length=1000, description="Some, not all, of the resident's records."
    )
    reason: Reason = Field(description="Why they are different people (kept with the ruling).")


class SplitOut(BaseModel):
    resident_id: int = Field(description="The resident split from, keeping the other records.")
    new_resident_id: int = Field(description="The new resident holding the records moved.")
    record_ids: list[int]


class DoNotContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why they are not to be contacted (kept in the log).")


class DoNotContactOut(BaseModel):
    resident_id: int
    do_not_contact: bool
    added: bool = Field(description="False when the resident was on the list already.")


class PasswordReset(BaseModel):
    user: UserOut
    password: str = Field(description="The new password: shown once, not stored.")


class SessionsRevoked(BaseModel):
    user_id: int
    sessions_ended: int


class RejectedRowsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why you need the rejected rows (kept in the audit log).")


class PageInfo(BaseModel):
    """Where a page of results stands (the same for every paged answer)."""

    page: int = Field(description="This page's number, from 1.")
    size: int = Field(description="Rows a page.")
    total: int = Field(description="Rows in all.")
    pages: int = Field(description="Pages in all (at least 1).")


class ResidentSearchIn(BaseModel):
    """Any of name, date of birth, postcode and reference; all must match one record."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=100, description="Surname, or first name and surname.")
    dob: date | None = Field(None, description="Date of birth, YYYY-MM-DD.")
    postcode: str = Field("", max_length=10, description="A full postcode, or its first half.")
    reference: str = Field("", max_length=100, description="A list's own reference for them.")
    page: int = Field(1, ge=1, le=1_000_000)
    size: int = Field(20, ge=1, le=500)


class ResidentMatchOut(BaseModel):
    resident_id: int
    name: str = Field(description="The name most matching records give.")
    dob: date | None
    postcode: str | None
    supplied_by: list[str] = Field(description="Organisations whose matching records these are.")
    records: int = Field(description="Matching records the caller may read.")


class ResidentSearchOut(PageInfo):
    items: list[ResidentMatchOut]

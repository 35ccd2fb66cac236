"""REST API `/api/v1/payments`: schemes, enrolments, awards and decisions, rounds, cash
hand-overs, statements, and the provider's callbacks — over the same scoped service functions
as the pages. Every change accepts an `Idempotency-Key` header where repeating it could pay
twice."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.payments import awards, callbacks, reconcile, reports, rounds, schemes
from safetynet.payments.models import Award, Enrolment, Payment, Scheme
from safetynet.web.deps import PUBLIC, Db

router = APIRouter(prefix="/api/v1/payments", tags=["v1"])
As_view = Annotated[Principal, Depends(api_require("payments.view"))]
As_enrol = Annotated[Principal, Depends(api_require("payments.enrol"))]
As_request = Annotated[Principal, Depends(api_require("payments.request"))]
As_approve = Annotated[Principal, Depends(api_require("payments.approve"))]
As_disburse = Annotated[Principal, Depends(api_require("payments.disburse"))]
As_handover = Annotated[Principal, Depends(api_require("payments.handover"))]
As_reconcile = Annotated[Principal, Depends(api_require("payments.reconcile"))]
As_schemes = Annotated[Principal, Depends(api_require("payments.schemes"))]
Key = Annotated[str | None, Header(alias="Idempotency-Key")]


class FundIn(BaseModel):
    """A fund, or money added to one (made when it does not exist yet)."""

    name: str = Field(max_length=200)
    add_pence: int = Field(0, ge=0)
    memo: str = Field("grant", max_length=200)


class SchemeIn(BaseModel):
    """A new scheme's terms (see `payments.schemes.SchemeTerms`)."""

    slug: str
    name: str = Field(max_length=200)
    fund: str
    budget_pence: int
    amount_pence: int
    starts_on: date
    partners: list[str] = []
    eligibility: str = ""
    max_instalments: int | None = None
    frequency_days: int = 7
    cap_week_pence: int | None = None
    cap_period_pence: int | None = None
    cap_period_days: int | None = None
    approval_limits: dict[str, int] = Field(default_factory=lambda: dict(schemes.DEFAULT_LIMITS))
    methods: list[str] = ["provider", "cash"]
    ends_on: date | None = None


class PersonIn(BaseModel):
    """An enrolment: the least needed, and the person's consent."""

    name: str = Field(max_length=200)
    consent: bool
    method: str
    partner_ref: str | None = Field(None, max_length=100)
    resident_id: int | None = None
    postcode: str | None = Field(None, max_length=10)
    phone: str | None = Field(None, max_length=32)
    bank_sort_code: str | None = Field(None, max_length=8)
    bank_account: str | None = Field(None, max_length=10)
    bank_name: str | None = Field(None, max_length=18)


class AwardIn(BaseModel):
    """An award asked for."""

    enrolment_id: int
    amount_pence: int
    first_due: date
    instalments: int = 1
    note: str | None = Field(None, max_length=2_000)


class DecisionIn(BaseModel):
    """Approve or reject."""

    approve: bool
    note: str | None = Field(None, max_length=2_000)


class CancelIn(BaseModel):
    """Why an award is cancelled."""

    reason: str = Field(max_length=500)


class RoundIn(BaseModel):
    """A payment round."""

    method: str
    due_by: date
    retry_failed: bool = False


class HandOverIn(BaseModel):
    """A cash hand-over."""

    receipt: str = Field(max_length=200)


def _scheme(s: Scheme) -> dict[str, Any]:
    keys = ("id", "slug", "name", "eligibility", "amount_pence", "max_instalments",
            "frequency_days", "cap_week_pence", "cap_period_pence", "cap_period_days",
            "budget_pence", "methods", "starts_on", "ends_on")  # fmt: skip
    return {k: getattr(s, k) for k in keys}


def _enrolment(e: Enrolment) -> dict[str, Any]:
    keys = ("id", "scheme_id", "organisation_id", "resident_id", "name", "partner_ref",
            "postcode", "method", "consent_text", "consent_at", "enrolled_at")  # fmt: skip
    return {k: getattr(e, k) for k in keys}


def _award(a: Award) -> dict[str, Any]:
    keys = ("id", "scheme_id", "enrolment_id", "amount_pence", "instalments", "first_due",
            "total_pence", "status", "requested_at", "decided_at")  # fmt: skip
    return {k: getattr(a, k) for k in keys}


def _payment(p: Payment) -> dict[str, Any]:
    keys = ("id", "award_id", "instalment", "due_on", "amount_pence", "method", "status",
            "reconciled_at")  # fmt: skip
    return {k: getattr(p, k) for k in keys}


@router.post("/funds")
def fund(body: FundIn, db: Db, principal: As_schemes) -> object:
    """Make a fund (if new) and add money to it; the fund's balance."""
    from safetynet.errors import NotFound

    try:
        schemes.fund_named(db, principal.tenant_id, body.name)
    except NotFound:
        schemes.create_fund(db, principal, body.name)
    balance = (
        schemes.add_money(db, principal, body.name, body.add_pence, body.memo)
        if body.add_pence
        else None
    )
    return {"name": body.name, "balance_pence": balance}


@router.post("/schemes", status_code=201)
def create_scheme(body: SchemeIn, db: Db, principal: As_schemes) -> object:
    """Set up a scheme drawing on one of the area's funds."""
    return _scheme(schemes.create_scheme(db, principal, schemes.SchemeTerms(**body.model_dump())))


@router.get("/schemes")
def list_schemes(db: Db, principal: As_view) -> list[dict[str, Any]]:
    """The schemes the caller may read."""
    return [_scheme(s) for s in schemes.schemes(db, principal)]


@router.get("/schemes/{scheme_id}")
def scheme(scheme_id: int, db: Db, principal: As_view) -> dict[str, Any]:
    """A scheme with spend against budget (by partner and ward) and duplicate flags."""
    found = reports.spend(db, principal, scheme_id)
    flags = reports.duplicates(db, principal, scheme_id)
    return _scheme(found.scheme) | {
        "committed_pence": found.committed, "paid_pence": found.paid,
        "fund_left_pence": found.fund_left, "by_status": found.by_status,
        "by_partner": [{"organisation": n, "committed_pence": c, "paid_pence": p}
                       for n, c, p in found.by_partner],
        "by_ward": [{"ward": w, "pence": p} for w, p in found.by_ward],
        "duplicates": [{"resident_id": d.resident_id, "enrolment_ids": d.enrolment_ids,
                        "organisations": d.organisations} for d in flags],
    }  # fmt: skip


@router.post("/schemes/{scheme_id}/enrolments", status_code=201)
def enrol(scheme_id: int, body: PersonIn, db: Db, principal: As_enrol, key: Key = None) -> object:
    """Enrol a person (with their consent) for the caller's organisation."""
    person = schemes.Person(**body.model_dump())
    return _enrolment(schemes.enrol(db, principal, scheme_id, person, key=key))


@router.get("/enrolments/{enrolment_id}")
def payee(enrolment_id: int, db: Db, principal: As_view) -> dict[str, Any]:
    """A payee's enrolment, awards and payments with their attempts (audited)."""
    found = reports.payee(db, principal, enrolment_id)
    return _enrolment(found.enrolment) | {
        "awards": [_award(a) for a in found.awards],
        "payments": [
            _payment(p) | {"attempts": [{"number": a.number, "reference": a.reference,
                                         "status": a.status} for a in found.attempts.get(p.id, [])]}
            for p in found.payments
        ],
        "also_enrolled_elsewhere": found.also_enrolled_by,
    }  # fmt: skip


@router.post("/awards", status_code=201)
def request_award(body: AwardIn, db: Db, principal: As_request, key: Key = None) -> object:
    """Ask for an award for an enrolled person (caps checked across partners)."""
    ask = awards.AwardRequest(**body.model_dump())
    return _award(awards.request_award(db, principal, ask, key=key))


@router.post("/awards/{award_id}/decision")
def decide(award_id: int, body: DecisionIn, db: Db, principal: As_approve) -> object:
    """Approve or reject an award (someone other than who asked, within their limit)."""
    return _award(awards.decide(db, principal, award_id, approve=body.approve, note=body.note))


@router.post("/awards/{award_id}/cancel")
def cancel_award(award_id: int, body: CancelIn, db: Db, principal: As_request) -> object:
    """Cancel a requested or approved award: its unsent payments stop, their money returns
    to the fund; payments already sent or paid are not changed. A repeat changes nothing."""
    from safetynet.payments import cancellations

    return _award(cancellations.cancel_award(db, principal, award_id, body.reason))


@router.post("/schemes/{scheme_id}/rounds")
def run_round(scheme_id: int, body: RoundIn, db: Db, principal: As_disburse) -> object:
    """Run a payment round (one at a time per scheme; 409 while one is in progress). A round
    with more payments due than `SAFETYNET_PAYMENTS_ROUND_INLINE_MAX` is queued as a job:
    202, with the job to follow at `/api/v1/jobs/{id}`."""
    from safetynet.payments import jobs

    done = jobs.start_round(
        db, principal, scheme_id, method=body.method, due_by=body.due_by,
        retry_failed=body.retry_failed,
    )  # fmt: skip
    if not isinstance(done, rounds.Outcome):
        href = f"/api/v1/jobs/{done.id}"
        body_out = {"job_id": done.id, "status": done.status, "href": href}
        return JSONResponse(body_out, status_code=202, headers={"Location": href})
    return {"round_id": done.round.id, "sent": done.sent, "resent": done.resent,
            "taken": done.taken}  # fmt: skip


@router.post("/payments/{payment_id}/hand-over")
def hand_over(payment_id: int, body: HandOverIn, db: Db, principal: As_handover) -> object:
    """Record cash handed to the person (sent and confirmed at once)."""
    return _payment(rounds.hand_over(db, principal, payment_id, body.receipt))


@router.post("/statements")
def statement(db: Db, principal: As_reconcile, file: Annotated[UploadFile, File()]) -> object:
    """Reconcile a statement CSV; the same file again changes nothing."""
    found, fresh = reconcile.import_statement(
        db, principal, file.filename or "statement.csv", file.file.read()
    )
    return {"import_id": found.id, "new": fresh, "counts": found.counts}


def signed_by_provider() -> Any:
    """A dependency for the provider's callbacks: no sign-in and no form token (the provider
    is not a browser); `callbacks.receive` refuses any body not signed with the secret."""

    async def dependency() -> None:
        return None

    dependency.permission = PUBLIC  # type: ignore[attr-defined]
    return dependency


@router.post("/provider-events", dependencies=[Depends(signed_by_provider())])
async def provider_events(
    request: Request, db: Db, events: dict[str, list[dict[str, Any]]]
) -> object:
    """The payment provider's callbacks: signed with the shared secret (header
    `X-Provider-Signature`), applied once each, in any order."""
    from starlette.concurrency import run_in_threadpool

    body = await request.body()
    signature = request.headers.get("X-Provider-Signature")
    return await run_in_threadpool(callbacks.receive, db, body, signature)

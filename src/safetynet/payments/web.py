"""Payments pages: schemes with spend against budget, enrolling a person, a payee's history,
asking for and deciding awards, payment rounds, cash hand-overs and statements.

Each form carries a fresh idempotency key, so a form sent twice (a double click, a resend
after a timeout) acts once. The service functions check the caller's scope and audit views.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, SafetynetError
from safetynet.payments import awards, reconcile, reports, rounds, schemes, states
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("payments.view"))]
Enroller = Annotated[Principal, Depends(require("payments.enrol"))]
Requester = Annotated[Principal, Depends(require("payments.request"))]
Approver = Annotated[Principal, Depends(require("payments.approve"))]
Disburser = Annotated[Principal, Depends(require("payments.disburse"))]
HandingOver = Annotated[Principal, Depends(require("payments.handover"))]
Reconciler = Annotated[Principal, Depends(require("payments.reconcile"))]
TAGS = {
    "requested": "govuk-tag--blue", "approved": "govuk-tag--turquoise", "sent": "govuk-tag--purple",
    "confirmed": "govuk-tag--green", "failed": "govuk-tag--red", "reversed": "govuk-tag--orange",
    "cancelled": "govuk-tag--grey", "rejected": "govuk-tag--grey",
}  # fmt: skip


def errors_of(error: SafetynetError) -> list[dict[str, str]]:
    """GOV.UK error summary items from an error's details ('field: message')."""
    found = []
    for message in error.details or [error.message]:
        field, _, text = message.partition(": ")
        ok = text and field.isidentifier()
        found.append(
            {"text": text if ok else message, "href": f"#{field if ok else 'main-content'}"}
        )
    return found


def _key() -> str:
    return uuid.uuid4().hex


def _day(text: str, field: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"{field}: write the date like 2026-11-30.") from None


def _pence(text: str, field: str) -> int:
    try:
        value = round(float(text.replace("£", "").replace(",", "").strip()) * 100)
    except ValueError:
        raise InvalidInput(f"{field}: write an amount in pounds, like 50 or 12.50.") from None
    return value


@router.get("/payments")
def index(request: Request, db: Db, principal: Viewer) -> Response:
    """The schemes the caller may read, with spend against budget; awards waiting."""
    found = [reports.spend(db, principal, s.id) for s in schemes.schemes(db, principal)]
    return render(request, "payments/index.html", title="Payments", spends=found,
                  waiting=reports.waiting(db, principal), pounds=awards.pounds)  # fmt: skip


def _scheme_page(
    request: Request, db: Session, principal: Principal, scheme_id: int, **extra: Any
) -> Response:
    spend = reports.spend(db, principal, scheme_id)
    return render(
        request, "payments/scheme.html", status_code=400 if extra.get("errors") else 200,
        title=spend.scheme.name, spend=spend, pounds=awards.pounds,
        enrolments=schemes.enrolments(db, principal, scheme_id),
        duplicates=reports.duplicates(db, principal, scheme_id),
        rounds=rounds.rounds(db, principal, scheme_id), statuses=states.STATUSES,
        methods=schemes.METHODS, today=date.today().isoformat(), **extra,
    )  # fmt: skip


@router.get("/payments/schemes/{scheme_id}")
def scheme_page(request: Request, db: Db, principal: Viewer, scheme_id: int) -> Response:
    """A scheme: spend against budget by partner and ward, enrolments, duplicates, rounds."""
    return _scheme_page(request, db, principal, scheme_id)


def _enrol_page(request: Request, db: Session, principal: Principal, scheme_id: int, **extra):
    from safetynet.payments import access

    found = access.scheme(db, principal, scheme_id)
    extra.setdefault("form", {"key": _key(), "method": found.methods[0]})
    return render(
        request, "payments/enrol.html", status_code=400 if extra.get("errors") else 200,
        title=f"Enrol a person in {found.name}", scheme=found,
        method_items=[
            {"value": m, "text": schemes.METHODS[m], "checked": extra["form"].get("method") == m}
            for m in found.methods
        ],
        consent=schemes.CONSENT_TEXT.format(organisation=principal.organisation_name,
                                            scheme=found.name), **extra,
    )  # fmt: skip


@router.get("/payments/schemes/{scheme_id}/enrol")
def enrol_page(request: Request, db: Db, principal: Enroller, scheme_id: int) -> Response:
    """The enrolment form: the least needed, and the person's consent."""
    return _enrol_page(request, db, principal, scheme_id)


@router.post("/payments/schemes/{scheme_id}/enrol")
async def enrol(request: Request, db: Db, principal: Enroller, scheme_id: int) -> Response:
    """Enrol the person; the form's key makes a second send harmless."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    person = schemes.Person(
        name=form.get("name", ""), consent=form.get("consent") == "yes",
        method=form.get("method", ""), partner_ref=form.get("partner_ref") or None,
        postcode=form.get("postcode") or None, phone=form.get("phone") or None,
        bank_sort_code=form.get("bank_sort_code"), bank_account=form.get("bank_account"),
        bank_name=form.get("bank_name"),
    )  # fmt: skip
    from starlette.concurrency import run_in_threadpool

    try:
        done = await run_in_threadpool(
            schemes.enrol, db, principal, scheme_id, person, key=form.get("key") or None
        )
    except InvalidInput as error:
        return await run_in_threadpool(
            _enrol_page, request, db, principal, scheme_id, errors=errors_of(error), form=form
        )
    return RedirectResponse(f"/payments/enrolments/{done.id}?enrolled=1", status_code=303)


def _payee_page(request: Request, db: Session, principal: Principal, enrolment_id: int, **extra):
    history = reports.payee(db, principal, enrolment_id)
    extra.setdefault(
        "form", {"key": _key(), "first_due": date.today().isoformat(), "instalments": "1"}
    )
    return render(
        request, "payments/payee.html", status_code=400 if extra.get("errors") else 200,
        title=history.enrolment.name, history=history, pounds=awards.pounds,
        statuses=states.STATUSES, tags=TAGS, methods=schemes.METHODS, **extra,
    )  # fmt: skip


@router.get("/payments/enrolments/{enrolment_id}")
def payee_page(
    request: Request, db: Db, principal: Viewer, enrolment_id: int, enrolled: str = "",
    asked: str = "",
) -> Response:  # fmt: skip
    """A payee's enrolment and every payment to them (the view is audited)."""
    notice = (
        "Enrolled."
        if enrolled
        else ("Award requested: someone else must approve it." if asked else None)
    )
    return _payee_page(request, db, principal, enrolment_id, notice=notice)


@router.post("/payments/enrolments/{enrolment_id}/awards")
def ask_award(
    request: Request, db: Db, principal: Requester, enrolment_id: int,
    amount: Annotated[str, Form()] = "", first_due: Annotated[str, Form()] = "",
    instalments: Annotated[str, Form()] = "1", note: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Ask for an award (caps checked across partners); a second send acts once."""
    form = {"amount": amount, "first_due": first_due, "instalments": instalments, "note": note,
            "key": key}  # fmt: skip
    try:
        count = int(instalments) if instalments.strip().isdigit() else 0
        ask = awards.AwardRequest(
            enrolment_id, _pence(amount, "amount"), _day(first_due, "first_due"), count, note
        )
        awards.request_award(db, principal, ask, key=key or None)
    except InvalidInput as error:
        return _payee_page(request, db, principal, enrolment_id, errors=errors_of(error), form=form)
    return RedirectResponse(f"/payments/enrolments/{enrolment_id}?asked=1", status_code=303)


def _award_page(request: Request, db: Session, principal: Principal, award_id: int, **extra):
    from safetynet.payments import access
    from safetynet.payments.models import Award, Enrolment

    award = access.one(db, principal, Award, award_id)
    enrolment = access.one(db, principal, Enrolment, award.enrolment_id)
    return render(
        request, "payments/award.html", status_code=extra.pop("status", 200),
        title=f"Award {award.id}", award=award, enrolment=enrolment, pounds=awards.pounds,
        decisions=awards.approvals(db, award), tags=TAGS, **extra,
    )  # fmt: skip


@router.get("/payments/awards/{award_id}")
def award_page(request: Request, db: Db, principal: Viewer, award_id: int) -> Response:
    """An award with its decisions, and the approve/reject form."""
    return _award_page(request, db, principal, award_id)


@router.post("/payments/awards/{award_id}")
def decide(
    request: Request, db: Db, principal: Approver, award_id: int,
    decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Approve or reject (four eyes, delegated limits, budget hard stop)."""
    if decision not in ("approve", "reject"):
        errors = [{"text": "Choose approve or reject", "href": "#decision"}]
        return _award_page(request, db, principal, award_id, errors=errors, status=400)
    try:
        awards.decide(db, principal, award_id, approve=decision == "approve", note=note)
    except SafetynetError as error:
        if error.status == 404:
            raise
        return _award_page(request, db, principal, award_id, errors=errors_of(error),
                           status=error.status)  # fmt: skip
    return RedirectResponse(f"/payments/awards/{award_id}", status_code=303)


@router.post("/payments/awards/{award_id}/cancel")
def cancel_award(
    request: Request, db: Db, principal: Requester, award_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Cancel a requested or approved award; its unsent payments' money goes back."""
    from safetynet.payments import cancellations

    try:
        cancellations.cancel_award(db, principal, award_id, reason)
    except SafetynetError as error:
        if error.status == 404:
            raise
        return _award_page(request, db, principal, award_id, errors=errors_of(error),
                           status=error.status, reason=reason)  # fmt: skip
    return RedirectResponse(f"/payments/awards/{award_id}", status_code=303)


@router.post("/payments/schemes/{scheme_id}/rounds")
def run_round(
    request: Request, db: Db, principal: Disburser, scheme_id: int,
    method: Annotated[str, Form()] = "", due_by: Annotated[str, Form()] = "",
    retry_failed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Run a payment round (a big one as a background job); one at a time per scheme."""
    from safetynet.payments import jobs

    try:
        done = jobs.start_round(
            db,
            principal,
            scheme_id,
            method=method,
            due_by=_day(due_by, "due_by"),
            retry_failed=retry_failed == "yes",
        )
    except SafetynetError as error:
        if error.status == 404:
            raise
        return _scheme_page(request, db, principal, scheme_id, errors=errors_of(error))
    if not isinstance(done, rounds.Outcome):
        return RedirectResponse(f"/jobs/{done.id}", status_code=303)
    notice = f"Round {done.round.id}: {done.sent} payment(s) sent, {done.resent} resent."
    return _scheme_page(request, db, principal, scheme_id, notice=notice, done=done)


@router.get("/payments/rounds/{round_id}/bacs")
def bacs_file(db: Db, principal: Disburser, round_id: int) -> Response:
    """A Bacs round's Standard 18 file (the same bytes each time; audited)."""
    data = rounds.round_file(db, principal, round_id)
    headers = {"Content-Disposition": f'attachment; filename="bacs-round-{round_id}.txt"'}
    return Response(data, media_type="text/plain", headers=headers)


@router.post("/payments/payments/{payment_id}/hand-over")
def hand_over(
    request: Request, db: Db, principal: HandingOver, payment_id: int,
    receipt: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Record cash handed over to the person."""
    from safetynet.payments import access
    from safetynet.payments.models import Payment

    payment = access.one(db, principal, Payment, payment_id)
    try:
        rounds.hand_over(db, principal, payment_id, receipt)
    except SafetynetError as error:
        if error.status == 404:
            raise
        return _payee_page(request, db, principal, payment.enrolment_id, errors=errors_of(error))
    return RedirectResponse(f"/payments/enrolments/{payment.enrolment_id}", status_code=303)


def _statements_page(request: Request, db: Session, principal: Principal, **extra) -> Response:
    return render(
        request, "payments/statements.html", status_code=400 if extra.get("errors") else 200,
        title="Statements", imports=reconcile.imports(db, principal), **extra,
    )  # fmt: skip


@router.get("/payments/statements")
def statements_page(request: Request, db: Db, principal: Reconciler) -> Response:
    """Statement imports, and the upload form."""
    return _statements_page(request, db, principal)


@router.post("/payments/statements")
def upload_statement(
    request: Request, db: Db, principal: Reconciler,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:  # fmt: skip
    """Reconcile a statement; the same file again changes nothing."""
    if file is None or not file.filename:
        errors = [{"text": "Choose a statement file (CSV)", "href": "#file"}]
        return _statements_page(request, db, principal, errors=errors)
    try:
        found, fresh = reconcile.import_statement(db, principal, file.filename, file.file.read())
    except SafetynetError as error:
        return _statements_page(request, db, principal, errors=errors_of(error))
    lines = reconcile.exceptions(db, principal, found.id)
    notice = "Reconciled." if fresh else "This file was imported before: nothing changed."
    return _statements_page(request, db, principal, notice=notice, result=found, lines=lines)

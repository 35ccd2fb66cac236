"""Triage's public face: upload and read forms, take a triage for a resident question by
question (the pages) or all at once (the CLI's --answers, the API, the demo), and read the
results back. Isolation-risk lists and the needs by ward live in `triage.isolation` and
`triage.needs`; `needs_by_ward` is re-exported here for the dashboard.

Every function takes the signed-in caller. Forms are the council's shared configuration;
triages are personal data: a council's staff see their area's, a partner's staff those their
organisation took, and only for residents they may read. Every view is audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound
from safetynet.triage import questionnaire as qn
from safetynet.triage.forms import Form, FormRefused, Question, default_form, read_form
from safetynet.triage.models import TriageForm, TriageOutcome
from safetynet.triage.needs import needs_by_ward

__all__ = [
    "AnswerRefused",
    "complete",
    "forms",
    "get_form",
    "needs_by_ward",
    "outcome",
    "record_answer",
    "resident_outcomes",
    "start",
    "take",
    "upload_form",
]
IN_PROGRESS = "in_progress"
COMPLETE = "complete"


class AnswerRefused(InvalidInput):
    """An answer the question does not accept; `field` is the question's name."""

    def __init__(self, message: str, field: str, details: list[str] | None = None) -> None:
        super().__init__(message, details=details)
        self.field = field


# -- forms ------------------------------------------------------------------------------------


def upload_form(
    session: Session, principal: Principal, content: bytes, filename: str
) -> TriageForm:
    """Check and store an XLSForm as the next version of its form (same form_id); the same
    file uploaded again is the version already held."""
    principal.require("triage.forms")
    return store_form(session, principal.tenant_id, content, filename, principal.actor)


def store_form(
    session: Session, tenant_id: int, content: bytes, filename: str, actor: str
) -> TriageForm:
    """Store a form for an area (the doors check permission; the demo calls this directly)."""
    row = add_form(session, tenant_id, content, filename, actor)
    session.commit()
    return row


def add_form(
    session: Session, tenant_id: int, content: bytes, filename: str, actor: str,
    detail: dict[str, Any] | None = None,
) -> TriageForm:
    """`store_form` without the commit: a pack applies its forms in its own transaction."""
    limit = get_settings().triage_form_max_bytes
    if len(content) > limit:
        raise FormRefused(
            f"{filename} is {len(content):,} bytes, more than the {limit:,} a triage form may "
            "be (SAFETYNET_TRIAGE_FORM_MAX_BYTES)."
        )
    form = read_form(content, filename)
    digest = hashlib.sha256(content).hexdigest()
    latest = _latest(session, tenant_id, form.form_id)
    if latest is not None and latest.sha256 == digest:
        return latest
    row = TriageForm(
        tenant_id=tenant_id,
        form_id=form.form_id,
        version=(latest.version + 1) if latest else 1,
        title=form.title,
        definition=form.as_dict(),
        filename=filename[:200],
        content=content,
        sha256=digest,
        uploaded_by=actor,
    )
    session.add(row)
    session.flush()
    about = {"form_id": row.form_id, "version": row.version} | (detail or {})
    audit.record(session, actor=actor, action="triage.form_upload", entity_type="triage_form",
                 entity_id=row.id, tenant_id=tenant_id, detail=about)  # fmt: skip
    return row


def ensure_default_form(session: Session, tenant_id: int, actor: str) -> TriageForm:
    """The area's newest form, storing the shipped one first if the area has none."""
    found = _latest(session, tenant_id, None)
    return found if found is not None else store_form(session, tenant_id, *default_form(), actor)


def _latest(session: Session, tenant_id: int, form_id: str | None) -> TriageForm | None:
    query = select(TriageForm).where(TriageForm.tenant_id == tenant_id)
    if form_id is not None:
        query = query.where(TriageForm.form_id == form_id)
    return session.scalar(query.order_by(TriageForm.id.desc()).limit(1))


@dataclass
class FormSummary:
    """One version of a form, with how many triages were completed with it."""

    form: TriageForm
    completed: int
    current: bool


def forms(session: Session, principal: Principal) -> list[FormSummary]:
    """Every version of the area's forms, newest first."""
    principal.require("triage.forms")
    done = (
        select(TriageOutcome.form_id, func.count())
        .where(TriageOutcome.status == COMPLETE, TriageOutcome.tenant_id == principal.tenant_id)
        .group_by(TriageOutcome.form_id)
    )
    counts: dict[int, int] = dict(session.execute(done).all())
    rows = session.scalars(
        select(TriageForm)
        .where(TriageForm.tenant_id == principal.tenant_id)
        .order_by(TriageForm.form_id, TriageForm.version.desc())
    ).all()
    seen: set[str] = set()
    found = []
    for row in rows:
        found.append(FormSummary(row, counts.get(row.id, 0), row.form_id not in seen))
        seen.add(row.form_id)
    return found


def get_form(session: Session, principal: Principal, form_row_id: int) -> TriageForm:
    """One version of one of the area's forms."""
    principal.require("triage.forms")
    row = session.get(TriageForm, form_row_id)
    if row is None or row.tenant_id != principal.tenant_id:
        raise NotFound("There is no triage form with that id.")
    return row


def form_of(row: TriageForm) -> Form:
    """The questions of a stored form version."""
    return Form.from_dict(row.definition)


# -- taking a triage --------------------------------------------------------------------------


def _resident(session: Session, principal: Principal, resident_id: int) -> int:
    """The current id of a resident the caller may read (NotFound otherwise)."""
    from safetynet.link.resident_access import current

    return current(session, principal, resident_id).id


def start(
    session: Session, principal: Principal, resident_id: int, *, channel: str = "staff"
) -> TriageOutcome:
    """Begin a triage for a resident with the area's current form (the shipped one if the
    area has uploaded none)."""
    principal.require("triage.take")
    rid = _resident(session, principal, resident_id)
    row = ensure_default_form(session, principal.tenant_id, principal.actor)
    found = TriageOutcome(
        tenant_id=principal.tenant_id,
        organisation_id=principal.organisation_id,
        form_id=row.id,
        resident_id=rid,
        status=IN_PROGRESS,
        channel=channel,
        answers={},
        scores={},
        needs=[],
        started_by=principal.actor,
    )
    session.add(found)
    session.flush()
    _audit(session, principal, found, "triage.start")
    session.commit()
    return found


def _audit(session: Session, principal: Principal, found: TriageOutcome, action: str) -> None:
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        entity_type="resident",
        entity_id=found.resident_id,
        tenant_id=found.tenant_id,
        user_id=principal.user_id,
        detail={"triage_id": found.id, "needs": list(found.needs)},
    )


def outcome(
    session: Session, principal: Principal, outcome_id: int, *, audited: bool = False
) -> tuple[TriageOutcome, Form]:
    """A triage the caller may see, with its form version; `audited` records the view."""
    principal.require("triage.take")
    found = session.get(TriageOutcome, outcome_id)
    if found is None or not principal.sees(
        tenant_id=found.tenant_id, organisation_id=found.organisation_id
    ):
        raise NotFound("There is no triage with that id.")
    if audited:
        _audit(session, principal, found, "triage.view")
        session.commit()
    return found, form_of(session.get_one(TriageForm, found.form_id))


def record_answer(
    session: Session, principal: Principal, outcome_id: int, name: str, raw: Any
) -> Question | None:
    """Keep one answer (checked against the question's type and rules) and return the next
    question shown (None: on to checking the answers)."""
    found, form = outcome(session, principal, outcome_id)
    if found.status != IN_PROGRESS:
        raise Conflict("This triage is finished: start a new one to change its answers.")
    q = shown(form, found.answers, name)
    value = _value(q, found.answers, _raw(raw))
    answers = {k: v for k, v in found.answers.items() if k != q.name}
    if not qn.empty(value):
        answers[q.name] = value
    found.answers = qn.clean(form, answers)
    session.commit()
    return qn.next_question(form, found.answers, after=q.name)


def shown(form: Form, answers: dict[str, Any], name: str) -> Question:
    try:
        q = form.question(name)
    except KeyError:
        raise NotFound(f"This form has no question called '{name}'.") from None
    if not qn.relevant(q, answers):
        raise Conflict("That question is not asked, given the answers so far.")
    return q


def _value(q: Question, answers: dict[str, Any], raw: Any) -> Any:
    try:
        value = qn.coerce(q, raw)
    except qn.AnswerProblem as problem:
        raise AnswerRefused(str(problem), q.name) from None
    why = qn.check(q, answers, value)
    if why:
        raise AnswerRefused(why, q.name)
    return value


def complete(session: Session, principal: Principal, outcome_id: int) -> TriageOutcome:
    """Score a triage whose answers are all given and allowed, and keep the result."""
    found, form = outcome(session, principal, outcome_id)
    if found.status == COMPLETE:
        return found
    missing = qn.unfinished(form, found.answers)
    if missing is not None:
        raise AnswerRefused(f"Answer '{missing.label}' before saving.", missing.name)
    _finish(found, form)
    _audit(session, principal, found, "triage.complete")
    session.commit()
    return found


def _finish(found: TriageOutcome, form: Form) -> None:
    result = qn.score(form, found.answers)
    found.scores, found.needs = result.scores, result.needs
    found.status, found.completed_at = COMPLETE, utcnow()


def take(
    session: Session,
    principal: Principal,
    resident_id: int,
    answers: dict[str, Any],
    *,
    channel: str = "api",
) -> TriageOutcome:
    """Take a whole triage at once: every answer is checked and every problem reported
    together; nothing is stored unless all are allowed."""
    principal.require("triage.take")
    rid = _resident(session, principal, resident_id)
    row = ensure_default_form(session, principal.tenant_id, principal.actor)
    form = form_of(row)
    kept = check_answers(form, answers)
    found = TriageOutcome(tenant_id=principal.tenant_id, organisation_id=principal.organisation_id,
                          form_id=row.id, resident_id=rid, status=IN_PROGRESS, channel=channel,
                          answers=kept, started_by=principal.actor)  # fmt: skip
    _finish(found, form)
    session.add(found)
    session.flush()
    _audit(session, principal, found, "triage.complete")
    session.commit()
    return found


def store_triages(
    session: Session,
    tenant_id: int,
    organisation_id: int,
    actor: str,
    items: list[tuple[int, dict[str, Any]]],
    *,
    channel: str,
) -> list[TriageOutcome]:
    """Keep many whole triages at once, each checked and scored as `take` does (the demo's
    synthetic borough; the doors take one at a time). All or nothing; audited once."""
    form_row = ensure_default_form(session, tenant_id, actor)
    form = form_of(form_row)
    kept = []
    for resident_id, answers in items:
        found = TriageOutcome(tenant_id=tenant_id, organisation_id=organisation_id,
                              form_id=form_row.id, resident_id=resident_id, status=IN_PROGRESS,
                              channel=channel, answers=check_answers(form, answers),
                              started_by=actor)  # fmt: skip
        _finish(found, form)
        kept.append(found)
    session.add_all(kept)
    audit.record(session, actor=actor, action="triage.bulk", entity_type="tenant",
                 entity_id=tenant_id, tenant_id=tenant_id,
                 detail={"triages": len(kept), "channel": channel})  # fmt: skip
    session.commit()
    return kept


def check_answers(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers typed and checked question by question, in form order; every problem is
    raised at once (AnswerRefused naming the first question, `details` all of them)."""
    unknown = sorted(set(answers) - {q.name for q in form.questions})
    problems = [f"{n}: this form has no such question." for n in unknown]
    kept: dict[str, Any] = {}
    first = unknown[0] if unknown else ""
    for q in form.questions:
        if not q.asks or not qn.relevant(q, kept):
            continue
        try:
            value = _value(q, kept, _raw(answers.get(q.name)))
        except AnswerRefused as refused:
            problems.append(f"{q.name} ({q.label}): {refused.message}")
            first = first or q.name
            continue
        if not qn.empty(value):
            kept[q.name] = value
    if problems:
        raise AnswerRefused(f"{len(problems)} answer(s) need changing.", first, problems)
    return kept


def _raw(value: Any) -> str | list[str] | None:
    """A JSON answer as typed text (numbers and dates as written)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return None if value is None else str(value)


def resident_outcomes(
    session: Session, principal: Principal, resident_id: int
) -> list[TriageOutcome]:
    """The resident's triages the caller may see, newest first; the view is audited."""
    principal.require("triage.take")
    from safetynet.link.residents import same_person

    rid = _resident(session, principal, resident_id)
    ids = same_person(session, principal.tenant_id, rid)  # triages taken before a merge too
    rows = session.scalars(
        select(TriageOutcome)
        .where(
            TriageOutcome.resident_id.in_(ids),
            principal.scope(TriageOutcome.tenant_id, TriageOutcome.organisation_id),
        )
        .order_by(TriageOutcome.started_at.desc(), TriageOutcome.id.desc())
    ).all()
    audit.record(session, actor=principal.actor, action="triage.list", entity_type="resident",
                 entity_id=rid, tenant_id=principal.tenant_id, user_id=principal.user_id,
                 detail={"triages": len(rows)})  # fmt: skip
    session.commit()
    return list(rows)

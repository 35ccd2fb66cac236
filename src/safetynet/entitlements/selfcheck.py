"""A resident's self-check: answers held server-side only while they answer, the result, and
sharing it with the council for a call back (explicit consent) — or deleting everything.

The browser holds a random token; the store holds its SHA-256, the answers and the result.
The row is deleted when the resident finishes or shares, and when it has been idle for
`SAFETYNET_SELF_CHECK_IDLE_MINUTES` (checked on every visit and swept when a check starts).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from safetynet.accounts.models import Tenant
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.entitlements import answers, checks, councils, questions, service
from safetynet.entitlements.claiming import how_to_claim
from safetynet.entitlements.ctr import Scheme
from safetynet.entitlements.models import EntitlementCheck, SelfCheckSession

PENDING = "_pending"  # a refused page's typed values and problems, until it is saved
CONSENT_TEXT = (
    "I agree that the council may keep my answers and these results, and contact me about "
    "the benefits and discounts I could get."
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle() -> timedelta:
    return timedelta(minutes=get_settings().self_check_idle_minutes)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sweep(session: Session, now: datetime | None = None) -> int:
    """Delete every self-check idle for longer than the limit; how many went."""
    cutoff = (now or utcnow()) - _idle()
    result = session.execute(delete(SelfCheckSession).where(SelfCheckSession.last_seen_at < cutoff))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def start(
    session: Session, local_authority: str | None = None, *, replacing: str | None = None
) -> str:
    """A new, empty self-check; returns the token for the browser's cookie. The browser's
    earlier self-check, if any, is deleted."""
    sweep(session)
    if replacing:
        session.execute(
            delete(SelfCheckSession).where(SelfCheckSession.token_hash == _digest(replacing))
        )
    token = secrets.token_urlsafe(32)
    answers: dict[str, Any] = {"_answered": []}
    if local_authority:
        answers["local_authority"] = local_authority
    session.add(SelfCheckSession(token_hash=_digest(token), answers=answers))
    session.commit()
    return token


def find(session: Session, token: str | None) -> tuple[SelfCheckSession | None, bool]:
    """The live self-check for a cookie, and whether one had expired (and was deleted)."""
    if not token:
        return None, False
    row = session.scalar(
        select(SelfCheckSession).where(SelfCheckSession.token_hash == _digest(token))
    )
    if row is None:
        return None, True  # finished, shared or swept: the cookie outlived it
    now = utcnow()
    if now - _aware(row.last_seen_at) > _idle():
        session.delete(row)
        session.commit()
        return None, True
    row.last_seen_at = now
    session.commit()
    return row, False


def save_answers(session: Session, row: SelfCheckSession, step: str, given: dict[str, Any]) -> None:
    """Keep one page's answers; an earlier result, and problems held for a page, no longer
    hold."""
    answers = {k: v for k, v in row.answers.items() if k != PENDING} | given
    stale = questions.changed_pages(row.answers, answers)
    answers["_answered"] = sorted((set(answers.get("_answered", [])) - stale) | {step})
    row.answers, row.result = answers, None
    flag_modified(row, "answers")
    session.commit()


def hold_problems(
    session: Session, row: SelfCheckSession, page: str, values: dict[str, Any], problems: dict
) -> None:
    """Keep what was typed on a page and what is wrong with it, for the page to show after
    the redirect (post/redirect/get: the back button then works)."""
    row.answers = row.answers | {PENDING: {"page": page, "values": values, "problems": problems}}
    flag_modified(row, "answers")
    session.commit()


def held_problems(row: SelfCheckSession, page: str) -> tuple[dict[str, Any], dict[str, str]]:
    """What was typed on `page` and its problems, when the last try there was refused."""
    pending = row.answers.get(PENDING) or {}
    if pending.get("page") != page:
        return {}, {}
    return dict(pending.get("values") or {}), dict(pending.get("problems") or {})


def run_check(session: Session, row: SelfCheckSession) -> dict[str, Any]:
    """Check the household the answers describe and keep the result with the answers."""
    household = answers.parse(row.answers)
    check = service.check_household(household, schemes=_schemes(session, row))
    row.result = result_view(check)
    session.commit()
    return row.result


def _schemes(session: Session, row: SelfCheckSession) -> list[Scheme]:
    """The CTR schemes of the council area serving the council the resident named (its own
    over the deployment's); the deployment's when no area here serves it."""
    area = sharing_area(session, row)
    tenant_id = area.id if area is not None else None
    return service.council_schemes(session=session, tenant_id=tenant_id)


def result_view(check: service.Check) -> dict[str, Any]:
    """The check as the result page shows it: what the household could claim (£ a month and
    a year, why, how to claim), apart from what it said it already gets; and social tariffs
    with the date their prices were last checked."""
    claim = check.to_claim
    checked = [o.tariff.checked for o in check.tariffs]
    return {
        "year": check.year,
        "total_annual_pence": check.to_claim_annual_pence,
        "total_monthly_pence": round(check.to_claim_annual_pence / 12),
        "benefits": [_benefit_view(e) for e in claim],
        "already": [_benefit_view(e) for e in check.already_received],
        "notes": check.notes,
        "tariffs": [
            {
                "kind": o.tariff.kind,
                "provider": o.tariff.provider,
                "name": o.tariff.name,
                "annual_saving_pence": o.annual_saving_pence,
                "source": str(o.tariff.source),
                "checked": o.tariff.checked.isoformat(),
            }
            for o in check.tariffs
        ],
        "tariffs_checked": _day(min(checked)) if checked else None,
    }


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _benefit_view(e: service.Estimate) -> dict[str, Any]:
    return {
        "benefit": e.benefit,
        "label": e.label,
        "annual_pence": e.annual_pence,
        "monthly_pence": e.monthly_pence,
        "why": e.why,
        "claim": how_to_claim(e.benefit),
    }


def end(session: Session, row: SelfCheckSession) -> None:
    """Delete the answers and result: the resident has finished."""
    session.delete(row)
    session.commit()


def sharing_area(session: Session, row: SelfCheckSession) -> Tenant | None:
    """The council area that would call this resident back: the one serving the council
    they named; None when the self-check does not serve it."""
    return councils.receiving_area(session, str(row.answers.get("local_authority") or ""))


def share(
    session: Session, row: SelfCheckSession, *, name: str, phone: str, email: str
) -> EntitlementCheck:
    """Keep the check for a call back, with the consent given, then delete the session."""
    area = sharing_area(session, row)
    assert area is not None, "sharing is offered only when a council area receives it"
    household = answers.parse(row.answers)
    check = service.check_household(household, schemes=_schemes(session, row))
    contact = {
        "name": name.strip()[:100],
        "phone": phone.strip()[:40],
        "email": email.strip()[:254],
    }
    saved = checks.share_self_check(
        session, area.id, household, check, contact=contact, consent_text=CONSENT_TEXT
    )
    end(session, row)
    return saved

"""The resident self-check pages: public, one question a page, answers held server-side only.

Every form is a plain POST with a CSRF token (bound to the pre-session cookie for a
signed-out browser) and is rate-limited per IP address, since anyone may use these pages.
A refused form redirects to its page, which shows the problems (post/redirect/get), so the
browser's back button never offers to send a form again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safetynet.accounts import ratelimit
from safetynet.accounts.permissions import Principal
from safetynet.config import get_settings
from safetynet.entitlements import answers, questions, selfcheck
from safetynet.entitlements.models import SelfCheckSession
from safetynet.entitlements.selfcheck_info_web import resident_page
from safetynet.entitlements.selfcheck_widgets import widget
from safetynet.errors import NotFound
from safetynet.web.deps import Db, public
from safetynet.web.security import set_cookie

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal | None, Depends(public())]
COOKIE = "sn_check"
START = "/check"


def _limited(request: Request, db: Db) -> Response | None:
    """A 429 page once this IP address has sent too many self-check forms this minute."""
    ip = request.client.host if request.client else "unknown"
    limit = get_settings().self_check_requests_per_minute
    if ratelimit.allow(db, f"self-check:{ip}", limit):
        return None
    response = resident_page(
        request, db, "entitlements/too_many.html", status_code=429, title="Too many requests"
    )
    response.headers["Retry-After"] = "60"
    return response


def _current(request: Request, db: Db) -> tuple[SelfCheckSession | None, Response | None]:
    """The browser's self-check, or where to send it: expired, or not started."""
    row, expired = selfcheck.find(db, request.cookies.get(COOKIE))
    if row is not None:
        return row, None
    target = f"{START}/expired" if expired else START
    return None, RedirectResponse(target, status_code=303)


def _forget(request: Request, response: Response) -> Response:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response


def _see(target: str) -> Response:
    return RedirectResponse(target, status_code=303)


@router.get("/check")
def start_page(request: Request, db: Db, _: Anyone) -> Response:
    """What the check is, who runs it, what happens to the answers, and the start button."""
    return resident_page(request, db, "entitlements/start.html", title="Check what you could get")


@router.post("/check/start")
def start(request: Request, db: Db, _: Anyone) -> Response:
    """Begin a self-check: a new server-side session holding no answers yet."""
    if (limited := _limited(request, db)) is not None:
        return limited
    token = selfcheck.start(
        db, get_settings().screening_local_authority, replacing=request.cookies.get(COOKIE)
    )
    response = _see(f"{START}/{questions.QUESTIONS[0].name}")
    set_cookie(request, response, COOKIE, token)
    return response


@router.get("/check/expired")
def expired(request: Request, db: Db, _: Anyone) -> Response:
    """The answers were deleted after the idle limit."""
    response = resident_page(
        request, db, "entitlements/expired.html", title="Your answers have been deleted"
    )
    return _forget(request, response)


@router.get("/check/answers")
def answers_page(request: Request, db: Db, _: Anyone) -> Response:
    """Check your answers: each one with a link to change it, and any problem among them
    linked to the question it belongs to."""
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    a = row.answers
    missing = questions.next_step(a, None)
    if missing is not None:
        return _see(f"{START}/{missing.name}")
    pages = {f.name: q.name for q in questions.steps(a) for f in questions.fields_of(q, a)}
    errors = [
        {"text": text, "href": f"{START}/{pages.get(name, 'age')}#{name}"}
        for name, text in answers.household_problems(a).items()
    ]
    rows = [_answer_row(q, a) for q in questions.steps(a)]
    back = questions.steps(a)[-1].name
    return resident_page(
        request,
        db,
        "entitlements/answers.html",
        title="Check your answers",
        rows=rows,
        errors=errors,
        back=f"{START}/{back}",
    )


def _answer_row(q: questions.Question, a: dict[str, Any]) -> dict[str, Any]:
    key = q.summary or q.title
    change = {"href": f"{START}/{q.name}?change=1", "text": "Change"}
    return {
        "key": {"text": key},
        "value": {"text": answers.answer_text(q, a)},
        "actions": {"items": [change | {"visuallyHiddenText": key.lower()}]},
    }


@router.post("/check/answers")
def submit_answers(request: Request, db: Db, _: Anyone) -> Response:
    """Run the check on the answers and show the result (or the answers' problems)."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    if questions.next_step(row.answers, None) or answers.household_problems(row.answers):
        return _see(f"{START}/answers")
    selfcheck.run_check(db, row)
    return _see(f"{START}/result")


@router.get("/check/result")
def result_page(request: Request, db: Db, _: Anyone) -> Response:
    """What the household could get, why and how to claim; share for a call back (when the
    council they named is served here), or finish."""
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    if row.result is None:
        return _see(f"{START}/answers")
    form, problems = selfcheck.held_problems(row, "share")
    return resident_page(
        request,
        db,
        "entitlements/result.html",
        title="What you could get",
        result=row.result,
        area=selfcheck.sharing_area(db, row),
        their_council=row.answers.get("local_authority") or "",
        consent_text=selfcheck.CONSENT_TEXT,
        errors=[{"text": text, "href": f"#{name}"} for name, text in problems.items()],
        problems=problems,
        form=form,
    )


@router.post("/check/share")
def share(
    request: Request,
    db: Db,
    _: Anyone,
    consent: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> Response:
    """Keep the check for a call back, only with consent ticked, a name to ask for and a way
    to call back."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    if row.result is None or selfcheck.sharing_area(db, row) is None:
        return _see(f"{START}/result")
    problems = _share_problems(consent, name, phone, email)
    if problems:
        typed = {"name": name[:100], "phone": phone[:40], "email": email[:254]}
        selfcheck.hold_problems(db, row, "share", typed, problems)
        return _see(f"{START}/result#call-back")
    saved = selfcheck.share(db, row, name=name, phone=phone, email=email)
    response = resident_page(
        request, db, "entitlements/done.html", title="Your answers have been sent", shared=saved.id
    )
    return _forget(request, response)


def _share_problems(consent: str, name: str, phone: str, email: str) -> dict[str, str]:
    problems = {}
    if not name.strip():
        problems["name"] = "Enter a name for us to ask for when we call"
    if not phone.strip() and not email.strip():
        problems["phone"] = "Enter a phone number or an email address for the call back"
    if consent != "yes":
        problems["consent"] = "Select the box to agree to the council keeping your answers"
    return problems


@router.post("/check/finish")
def finish(request: Request, db: Db, _: Anyone) -> Response:
    """Delete the answers and result now."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, _away = _current(request, db)
    if row is not None:
        selfcheck.end(db, row)
    response = resident_page(
        request, db, "entitlements/done.html", title="Your answers have been deleted", shared=None
    )
    return _forget(request, response)


@router.get("/check/{question_id}")
def question_page(
    request: Request, db: Db, _: Anyone, question_id: str, change: str = ""
) -> Response:
    """One question, with the answer given before (or, after a refused try, what was typed
    and what is wrong with it)."""
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    question = _question(row, question_id)
    typed, problems = selfcheck.held_problems(row, question.name)
    values = dict(row.answers) | typed
    return _question_page(request, db, row, question, values, problems, bool(change))


def _question(row: SelfCheckSession, name: str) -> questions.Question:
    question = questions.BY_NAME.get(name)
    if question is None or not question.applies(row.answers):
        raise NotFound("There is no such question.")
    return question


def _question_page(
    request: Request,
    db: Db,
    row: SelfCheckSession,
    question: questions.Question,
    values: dict,
    problems: dict[str, str],
    change: bool,
) -> Response:
    previous = questions.previous_step(row.answers, question.name)
    back = f"{START}/answers" if change else (f"{START}/{previous.name}" if previous else START)
    fields = question.fields(values)
    single = len(fields) == 1
    heading, hint = (question.title, question.hint) if single else (None, "")
    widgets = [widget(f, values, problems, heading, hint) for f in fields]
    errors = [{"text": text, "href": f"#{name}"} for name, text in problems.items()]
    return resident_page(
        request,
        db,
        "entitlements/question.html",
        title=question.title,
        question=question,
        single=single,
        widgets=widgets,
        errors=errors,
        back=back,
        change=change,
    )


@router.post("/check/{question_id}")
async def answer(request: Request, db: Db, _: Anyone, question_id: str) -> Response:
    """Keep a page's answers when they make sense; else back to the page, which shows the
    problems against the answers as typed."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    question = _question(row, question_id)
    form = await request.form()
    change = form.get("change") == "1"
    given, problems = questions.read_form(question, row.answers, form)
    values = dict(row.answers) | given
    if not problems:
        mine = {f.name for f in questions.fields_of(question, values)}
        problems = {k: v for k, v in answers.household_problems(values).items() if k in mine}
    if problems:
        selfcheck.hold_problems(db, row, question.name, given, problems)
        return _see(f"{START}/{question.name}" + ("?change=1" if change else ""))
    selfcheck.save_answers(db, row, question.name, given)
    following = questions.next_step(row.answers, None if change else question.name)
    if change and following is None:
        return _see(f"{START}/answers")
    return _see(f"{START}/{following.name}" if following else f"{START}/answers")

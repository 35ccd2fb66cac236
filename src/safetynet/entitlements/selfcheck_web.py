"""The resident self-check pages: public, one question a page, answers held server-side only.

Every form is a plain POST with a CSRF token (bound to the pre-session cookie for a
signed-out browser) and is rate-limited per IP address, since anyone may use these pages.
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
from safetynet.web.deps import Db, public
from safetynet.web.security import set_cookie
from safetynet.web.templating import render

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
    response = render(
        request, "entitlements/too_many.html", status_code=429, title="Too many requests"
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


@router.get("/check")
def start_page(request: Request, _: Anyone) -> Response:
    """What the check is, what happens to the answers, and the start button."""
    return render(
        request,
        "entitlements/start.html",
        title="Check what you could get",
        minutes=get_settings().self_check_idle_minutes,
    )


@router.post("/check/start")
def start(request: Request, db: Db, _: Anyone) -> Response:
    """Begin a self-check: a new server-side session holding no answers yet."""
    if (limited := _limited(request, db)) is not None:
        return limited
    token = selfcheck.start(
        db, get_settings().screening_local_authority, replacing=request.cookies.get(COOKIE)
    )
    response = RedirectResponse(f"{START}/{questions.QUESTIONS[0].name}", status_code=303)
    set_cookie(request, response, COOKIE, token)
    return response


@router.get("/check/expired")
def expired(request: Request, _: Anyone) -> Response:
    """The answers were deleted after the idle limit."""
    response = render(
        request,
        "entitlements/expired.html",
        title="Your answers have been deleted",
        minutes=get_settings().self_check_idle_minutes,
    )
    return _forget(request, response)


@router.get("/check/answers")
def answers_page(request: Request, db: Db, _: Anyone) -> Response:
    """Check your answers: each one with a link to change it."""
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    return _answers(request, row)


def _answers(request: Request, row: SelfCheckSession, status_code: int = 200) -> Response:
    a = row.answers
    missing = questions.next_step(a, None)
    if missing is not None:
        return RedirectResponse(f"{START}/{missing.name}", status_code=303)
    problems = answers.household_problems(a)
    pages = {f.name: q.name for q in questions.steps(a) for f in q.fields(a)}
    errors = [
        {"text": text, "href": f"{START}/{pages.get(name, 'age')}#{name}"}
        for name, text in problems.items()
    ]
    rows = [
        {
            "key": {"text": q.summary or q.title},
            "value": {"text": answers.answer_text(q, a)},
            "actions": {
                "items": [
                    {
                        "href": f"{START}/{q.name}?change=1",
                        "text": "Change",
                        "visuallyHiddenText": (q.summary or q.title).lower(),
                    }
                ]
            },
        }
        for q in questions.steps(a)
    ]
    back = questions.steps(a)[-1].name
    return render(
        request,
        "entitlements/answers.html",
        status_code=400 if errors else status_code,
        title="Check your answers",
        rows=rows,
        errors=errors,
        back=f"{START}/{back}",
    )


@router.post("/check/answers")
def submit_answers(request: Request, db: Db, _: Anyone) -> Response:
    """Run the check on the answers and show the result."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    if questions.next_step(row.answers, None) or answers.household_problems(row.answers):
        return _answers(request, row)
    selfcheck.run_check(db, row)
    return RedirectResponse(f"{START}/result", status_code=303)


@router.get("/check/result")
def result_page(request: Request, db: Db, _: Anyone) -> Response:
    """What the household could get, why and how to claim; share for a call back, or finish."""
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    if row.result is None:
        return RedirectResponse(f"{START}/answers", status_code=303)
    return _result(request, db, row)


def _result(
    request: Request,
    db: Db,
    row: SelfCheckSession,
    errors: list | None = None,
    form: dict | None = None,
) -> Response:
    area = selfcheck.sharing_area(db)
    return render(
        request,
        "entitlements/result.html",
        status_code=400 if errors else 200,
        title="What you could get",
        result=row.result,
        area=area,
        consent_text=selfcheck.CONSENT_TEXT,
        errors=errors or [],
        form=form or {},
    )


@router.post("/check/share")
def share(
    request: Request,
    db: Db,
    _: Anyone,
    consent: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> Response:
    """Keep the check for a call back, only with consent ticked and a way to call back."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    if row.result is None or selfcheck.sharing_area(db) is None:
        return RedirectResponse(f"{START}/result", status_code=303)
    errors = []
    if consent != "yes":
        errors.append(
            {
                "text": "Select the box to agree to the council keeping your answers",
                "href": "#consent",
            }
        )
    if not phone.strip() and not email.strip():
        errors.append(
            {"text": "Enter a phone number or an email address for the call back", "href": "#phone"}
        )
    if errors:
        return _result(request, db, row, errors, {"phone": phone, "email": email})
    saved = selfcheck.share(db, row, phone=phone, email=email)
    response = render(
        request, "entitlements/done.html", title="Your answers have been sent", shared=saved.id
    )
    return _forget(request, response)


@router.post("/check/finish")
def finish(request: Request, db: Db, _: Anyone) -> Response:
    """Delete the answers and result now."""
    if (limited := _limited(request, db)) is not None:
        return limited
    row, _away = _current(request, db)
    if row is not None:
        selfcheck.end(db, row)
    response = render(
        request, "entitlements/done.html", title="Your answers have been deleted", shared=None
    )
    return _forget(request, response)


@router.get("/check/{question_id}")
def question_page(
    request: Request, db: Db, _: Anyone, question_id: str, change: str = ""
) -> Response:
    """One question, with the answer given before."""
    row, away = _current(request, db)
    if row is None:
        return away  # type: ignore[return-value]
    question = _question(row, question_id)
    return _question_page(request, row, question, dict(row.answers), {}, bool(change))


def _question(row: SelfCheckSession, name: str) -> questions.Question:
    from safetynet.errors import NotFound

    question = questions.BY_NAME.get(name)
    if question is None or not question.applies(row.answers):
        raise NotFound("There is no such question.")
    return question


def widget(
    f: questions.Field, values: dict, problems: dict[str, str], heading: str | None, hint: str
) -> dict[str, Any]:
    """The GOV.UK component and its parameters for one field; with `heading`, the field's
    label or legend is the page's heading (a one-field page)."""
    error = {"text": problems[f.name]} if f.name in problems else None
    hint_text = hint or f.hint
    params: dict[str, Any] = {"name": f.name, "errorMessage": error}
    params["hint"] = {"text": hint_text} if hint_text else None
    if f.kind in ("radios", "checkboxes"):
        chosen = values.get(f.name)
        picked = set(chosen) if isinstance(chosen, list) else {chosen}
        legend = {"text": heading or f.label, "isPageHeading": bool(heading)}
        legend["classes"] = "govuk-fieldset__legend--l" if heading else "govuk-fieldset__legend--s"
        params |= {"idPrefix": f.name, "fieldset": {"legend": legend}}
        params["items"] = [{"value": v, "text": t, "checked": v in picked} for v, t in f.options]
        return {"kind": f.kind, "params": params}
    label = {"text": heading or f.label, "isPageHeading": bool(heading)}
    label["classes"] = "govuk-label--l" if heading else "govuk-label--s"
    params |= {"id": f.name, "label": label}
    if f.kind == "select":
        params["items"] = [{"value": "", "text": "Choose an area"}] + [
            {"value": v, "text": t, "selected": values.get(f.name) == v} for v, t in f.options
        ]
        return {"kind": "select", "params": params}
    params["value"] = values.get(f.name) or ""
    params["spellcheck"] = False
    if f.kind == "money":
        params |= {
            "prefix": {"text": "£"},
            "inputmode": "decimal",
            "classes": "govuk-input--width-10",
        }
    elif f.kind == "whole":
        params |= {"inputmode": "numeric", "classes": "govuk-input--width-3"}
    else:
        params |= {"classes": "govuk-input--width-20"}
    return {"kind": "input", "params": params}


def _question_page(
    request: Request,
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
    widgets = [
        widget(
            f, values, problems, question.title if single else None, question.hint if single else ""
        )
        for f in fields
    ]
    errors = [{"text": text, "href": f"#{name}"} for name, text in problems.items()]
    return render(
        request,
        "entitlements/question.html",
        status_code=400 if errors else 200,
        title=question.title,
        question=question,
        single=single,
        widgets=widgets,
        errors=errors,
        back=back,
        change=change,
        minutes=get_settings().self_check_idle_minutes,
    )


@router.post("/check/{question_id}")
async def answer(request: Request, db: Db, _: Anyone, question_id: str) -> Response:
    """Keep a page's answers when they make sense; else show the page again with the problems."""
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
        mine = {f.name for f in question.fields(values)}
        problems = {k: v for k, v in answers.household_problems(values).items() if k in mine}
    if problems:
        return _question_page(request, row, question, values, problems, change)
    selfcheck.save_answers(db, row, question.name, given)
    following = None if change else questions.next_step(row.answers, question.name)
    if change:
        following = questions.next_step(row.answers, None)
    target = f"{START}/{following.name}" if following else f"{START}/answers"
    return RedirectResponse(target, status_code=303)

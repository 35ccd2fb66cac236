"""The resident self-check pages: one question a page, the result with real amounts (what is
already received apart), answers kept only in a server-side session (expiring, deleted at the
end), sharing only with consent and only with the council the resident named, rate limiting,
CSRF, GOV.UK error messages that name the field and keep the answers after a redirect, and
the pages telling residents who runs the service and what it does with their answers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.accounts import ratelimit
from safetynet.accounts.models import Tenant
from safetynet.audit import AuditEvent
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.entitlements.models import EntitlementCheck, SelfCheckSession
from safetynet.entitlements.service import benefit_year, current_benefit_year
from tests import factories
from tests.web.conftest import csrf_of

# Lone parent 30, child 5, council rent £500 a month, no earnings, at 2026 to 2027 rates
# (GOV.UK "Benefit and pension rates 2026 to 2027", which policyengine-uk 2.162 carries):
# UC = (424.90 standard + 303.94 child + 500.00 housing) = £1,228.84 a month, £14,746.08 a
# year; Child Benefit = 27.05 × 52 = £1,406.60 a year, £117.22 a month. Together £16,152.68 a
# year, £1,346.06 a month: "About £1,346 a month", "£16,153 a year" in whole pounds.
LONE_PARENT = [
    ("council", {"local_authority": "Sheffield"}),
    ("age", {"age": "30"}),
    ("partner", {"partner": "no"}),
    ("children", {"children": "1"}),
    ("children-ages", {"child_age_1": "5"}),
    ("work", {"you_employment": "", "you_self_employment": ""}),
    ("pensions", {"you_state_pension": "", "you_private_pension": ""}),
    ("housing", {"tenure": "social_rent", "rent_social_rent": "£500"}),
    ("council-tax", {"council_tax": "1,500"}),
    ("savings", {"savings": "0"}),
    ("disability", {"disabled": "none"}),
    ("benefits", {"receives": "none"}),
]


@pytest.fixture(autouse=True)
def year_2026_to_2027(monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures below are 2026 to 2027's, whatever the date the tests run."""
    monkeypatch.setenv("SAFETYNET_SELF_CHECK_YEAR", "2026")
    get_settings.cache_clear()


def count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def start(client: TestClient) -> str:
    """Open the start page and press Start now; returns the form token."""
    token = csrf_of(client.get("/check").text)
    response = client.post("/check/start", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/check/council"
    return token


def answer(client: TestClient, token: str, page: str, data: dict[str, str]) -> Any:
    return client.post(f"/check/{page}", data=data | {"csrf_token": token})


def walk(client: TestClient, pages: list[tuple[str, dict[str, str]]] = LONE_PARENT) -> str:
    token = start(client)
    for page, data in pages:
        response = answer(client, token, page, data)
        assert response.status_code == 303, (page, response.text[:3000])
        assert response.headers["location"] != f"/check/{page}", client.get(f"/check/{page}").text
    assert response.headers["location"] == "/check/answers"
    return token


def refused(client: TestClient, token: str, page: str, data: dict[str, str]) -> Any:
    """Send a page that is refused: it redirects back to itself (post/redirect/get); the
    page then shown."""
    response = answer(client, token, page, data)
    assert response.status_code == 303 and response.headers["location"] == f"/check/{page}"
    return client.get(f"/check/{page}")


def test_a_resident_answers_one_question_a_page_and_sees_what_they_could_get(client, db):
    token = start(client)
    expected_next = [p for p, _ in LONE_PARENT[1:]] + ["answers"]
    previous = "/check"
    for (page, data), following in zip(LONE_PARENT, expected_next, strict=True):
        shown = client.get(f"/check/{page}")
        assert shown.status_code == 200
        assert f'href="{previous}"' in shown.text and "govuk-back-link" in shown.text
        assert shown.text.count("<h1") == 1
        response = answer(client, token, page, data)
        assert response.headers["location"] == f"/check/{following}"
        previous = f"/check/{page}"
    answers = client.get("/check/answers")
    assert answers.status_code == 200 and "Check your answers" in answers.text
    assert "Sheffield" in answers.text and 'href="/check/housing?change=1"' in answers.text
    assert "I rent from the council or a housing association; Rent a month: £500" in answers.text
    chosen = re.findall(r"__value\">\s*(None of these|No one)\s*<", answers.text)
    assert sorted(chosen) == ["No one", "None of these"]
    assert "Council tax a year" not in answers.text and "£1,500" in answers.text
    result = client.post("/check/answers", data={"csrf_token": token})
    assert result.headers["location"] == "/check/result"
    page = client.get("/check/result").text
    assert "About £1,346 a month" in page and "£16,153 a year" in page  # whole pounds
    assert "at 2026 to 2027 rates" in page
    uc = page[page.index('id="benefit-universal_credit"') :]
    assert "£1,228.84" in uc[:800] and "£14,746.08" in uc[:1200]
    assert "https://www.gov.uk/universal-credit/how-to-claim" in uc
    child_benefit = page[page.index('id="benefit-child_benefit"') :]
    assert "£117.22" in child_benefit[:800] and "£1,406.60" in child_benefit[:1200]
    assert 'id="tariffs"' in page  # UC qualifies the household for social tariffs
    assert "These prices were last checked on 1 June 2025" in page
    assert 'id="already"' not in page
    # Only the session holds anything; nothing is kept as a check.
    assert count(db, SelfCheckSession) == 1 and count(db, EntitlementCheck) == 0
    stored = db.scalars(select(SelfCheckSession)).one()
    assert stored.answers["child_age_1"] == "5" and stored.result is not None
    assert stored.result["total_annual_pence"] == 1_615_268 and stored.result["year"] == 2026


def test_finishing_deletes_the_answers_and_keeps_nothing(client, db):
    token = walk(client)
    client.post("/check/answers", data={"csrf_token": token})
    done = client.post("/check/finish", data={"csrf_token": token})
    assert done.status_code == 200 and "Your answers have been deleted" in done.text
    assert 'sn_check=""' in done.headers["set-cookie"] or "Max-Age=0" in done.headers["set-cookie"]
    assert count(db, SelfCheckSession) == 0 and count(db, EntitlementCheck) == 0
    client.cookies.clear()
    assert client.get("/check/result").headers["location"] == "/check"


def test_answers_are_deleted_after_30_idle_minutes(client, db):
    token = start(client)
    answer(client, token, "council", {"local_authority": "Leeds"})
    assert get_settings().self_check_idle_minutes == 30
    db.execute(
        SelfCheckSession.__table__.update().values(last_seen_at=utcnow() - timedelta(minutes=31))
    )
    db.commit()
    response = client.get("/check/age")
    assert response.headers["location"] == "/check/expired"
    assert count(db, SelfCheckSession) == 0
    page = client.get("/check/expired")
    assert "did not use the service for 30 minutes" in page.text


def test_starting_a_check_sweeps_away_other_idle_ones(client, db):
    start(client)
    db.execute(
        SelfCheckSession.__table__.update().values(last_seen_at=utcnow() - timedelta(minutes=45))
    )
    db.commit()
    other = TestClient(client.app, follow_redirects=False)
    start(other)
    assert count(db, SelfCheckSession) == 1


def serve(monkeypatch: pytest.MonkeyPatch, councils: str, **more: str) -> None:
    """Settings for the self-check's councils (JSON list), and any more (name: value)."""
    monkeypatch.setenv("SAFETYNET_SELF_CHECK_COUNCILS", councils)
    for name, value in more.items():
        monkeypatch.setenv(f"SAFETYNET_SELF_CHECK_{name.upper()}", value)
    get_settings.cache_clear()


def test_a_self_check_is_kept_only_with_consent_a_name_and_a_way_to_call_back(
    client, db, monkeypatch
):
    factories.organisation(db, slug="tc", name="Testshire Council", kind="council")
    serve(monkeypatch, '["Sheffield"]')
    token = walk(client)
    client.post("/check/answers", data={"csrf_token": token})
    page = client.get("/check/result").text
    assert "Ask Testshire to call you back" in page and 'id="name"' in page
    sent = client.post(
        "/check/share", data={"csrf_token": token, "phone": "0114 496 0000", "email": ""}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/check/result#call-back"
    refused_page = client.get("/check/result")
    assert refused_page.status_code == 200 and "There is a problem" in refused_page.text
    assert 'href="#consent"' in refused_page.text and 'href="#name"' in refused_page.text
    assert "Enter a name for us to ask for when we call" in refused_page.text
    assert 'value="0114 496 0000"' in refused_page.text  # kept across the redirect
    client.post("/check/share", data={"csrf_token": token, "consent": "yes", "name": "Sam"})
    assert "Enter a phone number or an email" in client.get("/check/result").text
    assert count(db, EntitlementCheck) == 0
    shared = client.post(
        "/check/share",
        data={"csrf_token": token, "consent": "yes", "name": " Sam ", "phone": "0114 496 0000"},
    )
    assert shared.status_code == 200 and "Your answers have been sent" in shared.text
    saved = db.scalars(select(EntitlementCheck)).one()
    assert saved.kind == "self_check" and saved.resident_id is None
    assert saved.contact == {"name": "Sam", "phone": "0114 496 0000", "email": ""}
    assert saved.consent and saved.consent["text"].startswith("I agree that the council")
    assert saved.benefits == {"universal_credit": 1_474_608, "child_benefit": 140_660}
    assert saved.inputs["people"][1]["age"] == 5 and saved.inputs["tenure"] == "social_rent"
    assert saved.year == 2026
    assert count(db, SelfCheckSession) == 0
    assert "entitlements.self_check.share" in set(db.scalars(select(AuditEvent.action)))


def test_the_call_back_goes_to_the_council_the_resident_named(client, db, monkeypatch):
    factories.organisation(db, slug="a", name="Aland Council", kind="council", area="Aland")
    factories.organisation(db, slug="b", name="Bland Council", kind="council", area="Bland")
    serve(monkeypatch, '["Sheffield=aland", "Leeds=bland"]', area="aland")
    leeds = [("council", {"local_authority": "Leeds City Council"}), *LONE_PARENT[1:]]
    token = walk(client, leeds)
    client.post("/check/answers", data={"csrf_token": token})
    assert "Ask Bland to call you back" in client.get("/check/result").text
    data = {"csrf_token": token, "consent": "yes", "name": "Sam", "phone": "0113 496 0000"}
    assert client.post("/check/share", data=data).status_code == 200
    saved = db.scalars(select(EntitlementCheck)).one()
    bland = db.scalars(select(Tenant).where(Tenant.slug == "bland")).one()
    assert saved.tenant_id == bland.id and saved.inputs["local_authority"] == "LEEDS"


def test_a_resident_of_a_council_not_served_is_told_so_and_not_offered_a_call_back(
    client, db, monkeypatch
):
    factories.organisation(db, slug="tc", name="Testshire Council", kind="council")
    serve(monkeypatch, '["Sheffield", "Rotherham"]', council_name="Testshire City Council")
    york = [("council", {"local_authority": "york"}), *LONE_PARENT[1:]]
    token = walk(client, york)
    client.post("/check/answers", data={"csrf_token": token})
    page = client.get("/check/result").text
    assert 'id="call-back"' not in page and 'action="/check/share"' not in page
    assert (
        "This service is run by Testshire City Council and can only pass answers to an adviser "
        "for residents of Sheffield, Rotherham. You told us you pay council tax to York" in page
    )
    assert "About £1,346 a month" in page  # the result itself is still shown
    data = {"csrf_token": token, "consent": "yes", "name": "Sam", "phone": "01904 496000"}
    assert client.post("/check/share", data=data).headers["location"] == "/check/result"
    assert count(db, EntitlementCheck) == 0


def test_sharing_is_not_offered_when_no_council_area_would_receive_it(client, db, monkeypatch):
    factories.organisation(db, slug="a", kind="council", area="Aland")
    factories.organisation(db, slug="b", kind="council", area="Bland")
    serve(monkeypatch, '["Sheffield"]')  # served, but neither area is named to receive it
    token = walk(client)
    client.post("/check/answers", data={"csrf_token": token})
    page = client.get("/check/result").text
    assert 'id="call-back"' not in page and "cannot pass your answers to a council" in page
    data = {"csrf_token": token, "consent": "yes", "name": "Sam", "phone": "0114"}
    client.post("/check/share", data=data)
    assert count(db, EntitlementCheck) == 0


def test_benefits_already_received_are_shown_apart_and_not_counted(client, db):
    getting = [*LONE_PARENT[:-1], ("benefits", {"receives": "child_benefit"})]
    token = walk(client, getting)
    client.post("/check/answers", data={"csrf_token": token})
    page = client.get("/check/result").text
    # UC alone: £14,746.08 a year, £1,228.84 a month; Child Benefit apart.
    assert "About £1,229 a month" in page and "£14,746 a year on top of what you" in page
    assert 'id="benefit-child_benefit"' not in page
    already = page[page.index('id="already-received"') :]
    assert 'id="already-child_benefit"' in already and "£117.22" in already[:1500]
    stored = db.scalars(select(SelfCheckSession)).one().result
    assert [b["benefit"] for b in stored["already"]] == ["child_benefit"]
    assert stored["total_annual_pence"] == 1_474_608


def test_already_getting_everything_says_there_is_nothing_more_to_claim(client, db):
    both = {"receives": ["universal_credit", "child_benefit"]}
    token = walk(client, [*LONE_PARENT[:-1], ("benefits", both)])  # type: ignore[list-item]
    client.post("/check/answers", data={"csrf_token": token})
    page = client.get("/check/result").text
    assert "you already get the benefits you are likely to be entitled to" in page
    assert "About £" not in page and 'id="already-universal_credit"' in page


def _error_page(response: Any, field: str, message: str) -> None:
    assert response.status_code == 200  # shown by the GET after the redirect
    assert "There is a problem" in response.text and f'href="#{field}"' in response.text
    assert message in response.text, re.findall(r"govuk-error-message.*?</p>", response.text, re.S)
    assert "<title>Error:" in response.text
    summary = response.text[response.text.index("govuk-error-summary") :]
    shown = re.sub(r"<[^>]+>", " ", summary[: summary.index("</ul>")])
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), shown  # no internal names


@pytest.mark.parametrize(
    ("page", "data", "field", "message", "kept"),
    [
        ("age", {"age": "thirty"}, "age", "Your age must be a number, like 34", "thirty"),
        ("age", {"age": "130"}, "age", "Your age must be 120 or less", "130"),
        ("age", {"age": "15"}, "age", "You must be 16 or over to use this check", "15"),
        ("age", {"age": ""}, "age", "Enter your age", ""),
        (
            "council",
            {"local_authority": ""},
            "local_authority",
            "Enter the name of your council",
            "",
        ),
        (
            "council",
            {"local_authority": "Shefield"},
            "local_authority",
            "Check the name of your council – did you mean Sheffield?",
            "Shefield",
        ),
        (
            "council",
            {"local_authority": "Atlantis"},
            "local_authority",
            "Enter the name of a council in the UK, like Sheffield or Leeds",
            "Atlantis",
        ),
        ("partner", {}, "partner", "Select yes if you live with a partner", ""),
        ("partner", {"partner": "yes"}, "partner_age", "Enter your partner&#39;s age", ""),
        (
            "work",
            {"you_employment": "-100", "you_self_employment": ""},
            "you_employment",
            "Your pay from a job, a year must be £0 or more",
            "-100",
        ),
        (
            "work",
            {"you_employment": "", "you_self_employment": "9000000"},
            "you_self_employment",
            "must be £5,000,000 or less",
            "9000000",
        ),
        ("housing", {}, "tenure", "Select whether you rent or own your home", ""),
        (
            "housing",
            {"tenure": "private_rent", "rent_private_rent": ""},
            "rent_private_rent",
            "Enter how much rent you pay a month",
            "",
        ),
        (
            "housing",
            {"tenure": "social_rent", "rent_social_rent": "30000"},
            "rent_social_rent",
            "Rent a month must be £25,000 or less",
            "30000",
        ),
        ("children", {"children": "1.5"}, "children", "must be a whole number", "1.5"),
        (
            "disability",
            {},
            "disabled",
            "Select who has a disability or long-term health condition, or select ‘No one’",
            "",
        ),
    ],
)
def test_bad_answers_show_the_problem_against_the_field_and_keep_the_answer(
    client, db, page, data, field, message, kept
):
    token = start(client)
    for name, given in LONE_PARENT:
        if name == page:
            break
        assert answer(client, token, name, given).status_code == 303
    response = refused(client, token, page, data)
    _error_page(response, field, message)
    if kept:
        assert f'value="{kept}"' in response.text
    stored = db.scalars(select(SelfCheckSession)).one()
    assert page not in stored.answers["_answered"]


def test_a_refused_page_redirects_so_back_and_reload_never_resend_it(client, db):
    token = start(client)
    answer(client, token, "council", {"local_authority": "Leeds"})
    shown = refused(client, token, "age", {"age": "thirty"})
    assert 'value="thirty"' in shown.text
    again = client.get("/check/age")  # a reload shows the same problem, nothing resent
    assert "Your age must be a number" in again.text and 'value="thirty"' in again.text
    assert client.get("/check/council").status_code == 200  # back: a plain page
    assert answer(client, token, "age", {"age": "40"}).headers["location"] == "/check/partner"
    stored = db.scalars(select(SelfCheckSession)).one().answers
    assert stored["age"] == "40" and "_pending" not in stored
    assert "There is a problem" not in client.get("/check/age").text


def test_a_council_is_found_by_the_name_residents_use_for_it(client, db):
    token = start(client)
    sent = answer(client, token, "council", {"local_authority": "sheffield city council"})
    assert sent.headers["location"] == "/check/age"
    assert db.scalars(select(SelfCheckSession)).one().answers["local_authority"] == "Sheffield"
    answer(client, token, "council", {"local_authority": "Bristol"})
    assert db.scalars(select(SelfCheckSession)).one().answers["local_authority"] == (
        "City of Bristol"
    )
    several = refused(client, token, "council", {"local_authority": "Kingston"})
    assert "did you mean City of Kingston upon Hull or Kingston upon Thames?" in several.text


def test_follow_up_questions_are_revealed_only_under_their_answer(client, db):
    token = start(client)
    for name, given in LONE_PARENT[:2]:
        answer(client, token, name, given)
    page = client.get("/check/partner").text
    conditional = page[page.index('id="conditional-partner"') :]
    assert 'id="partner_age"' in conditional[:1500]  # inside the "Yes" option's reveal
    assert 'data-aria-controls="conditional-partner"' in page
    answer(client, token, "partner", {"partner": "no", "partner_age": "41"})
    stored = db.scalars(select(SelfCheckSession)).one().answers
    assert stored["partner"] == "no" and stored["partner_age"] == ""  # not asked: not kept
    for name, given in LONE_PARENT[3:7]:
        answer(client, token, name, given)
    housing = client.get("/check/housing").text
    for tenure in ("social_rent", "private_rent", "other"):
        assert f'id="rent_{tenure}"' in housing
    assert housing.count('id="conditional-tenure') == 3  # none under the owners' options
    owner = {"tenure": "owner_outright", "rent_social_rent": "400"}
    assert answer(client, token, "housing", owner).headers["location"] == "/check/council-tax"
    stored = db.scalars(select(SelfCheckSession)).one().answers
    assert stored["rent_social_rent"] == "" and "council-tax" not in stored["_answered"]


def test_none_of_these_is_exclusive(client, db):
    token = start(client)
    for name, given in LONE_PARENT[:10]:
        answer(client, token, name, given)
    page = client.get("/check/disability").text
    assert 'value="none"' in page and 'data-behaviour="exclusive"' in page
    assert "govuk-checkboxes__divider" in page
    both = refused(client, token, "disability", {"disabled": ["you", "none"]})
    assert "Select ‘No one’ or the options that apply, not both" in both.text
    assert answer(client, token, "disability", {"disabled": "child_1"}).status_code == 303
    assert db.scalars(select(SelfCheckSession)).one().answers["disabled"] == ["child_1"]


def test_the_benefit_year_is_the_financial_year_the_day_falls_in(monkeypatch):
    assert benefit_year(date(2026, 3, 31)) == 2025
    assert benefit_year(date(2026, 4, 1)) == 2026
    assert benefit_year(date(2026, 12, 5)) == 2026
    assert benefit_year(date(2027, 1, 15)) == 2026
    monkeypatch.delenv("SAFETYNET_SELF_CHECK_YEAR")
    get_settings.cache_clear()
    assert current_benefit_year() == benefit_year(datetime.now(ZoneInfo("Europe/London")).date())


def test_resident_pages_name_the_council_and_link_privacy_cookies_and_accessibility(
    client, db, monkeypatch
):
    serve(
        monkeypatch,
        '["Sheffield"]',
        council_name="Testshire City Council",
        contact="0114 496 0999",
        privacy_contact="dpo@testshire.example",
    )
    start_page = client.get("/check").text
    assert "This service is run by Testshire City Council" in start_page
    assert "An adviser can call you back if you live in Sheffield" in start_page
    for path in ("/check/privacy", "/check/cookies", "/check/accessibility"):
        assert f'href="{path}"' in start_page
    assert 'href="/sources"' not in start_page and "Sign out" not in start_page
    privacy = client.get("/check/privacy").text
    assert "Testshire City Council runs this service and is the data controller" in privacy
    assert "dpo@testshire.example" in privacy and "after 30 minutes without using" in privacy
    assert "deletes them 365 days after it is closed" in privacy and "Article 9(2)(a)" in privacy
    cookies = client.get("/check/cookies").text
    assert "sn_check" in cookies and "sn_pre" in cookies and "do not track you" in cookies
    statement = client.get("/check/accessibility").text
    assert "run by Testshire City Council" in statement and "0114 496 0999" in statement
    assert "Enforcement procedure" in statement and "WCAG" not in statement[:200]
    token = start(client)
    question = client.get("/check/council").text
    assert 'id="run-by"' in question and 'href="/check/privacy"' in question
    assert answer(client, token, "council", {"local_authority": "Leeds"}).status_code == 303


def test_a_child_aged_over_19_is_refused_on_the_childrens_ages_page(client, db):
    token = start(client)
    for name, given in LONE_PARENT[:4]:
        answer(client, token, name, given)
    response = refused(client, token, "children-ages", {"child_age_1": "22"})
    _error_page(response, "child_age_1", "Age of child 1")


def test_the_public_pages_are_rate_limited_per_ip(client, db, monkeypatch):
    monkeypatch.setenv("SAFETYNET_SELF_CHECK_REQUESTS_PER_MINUTE", "3")
    get_settings.cache_clear()
    token = start(client)
    assert answer(client, token, "council", {"local_authority": "Leeds"}).status_code == 303
    assert answer(client, token, "age", {"age": "40"}).status_code == 303
    refused = answer(client, token, "partner", {"partner": "no"})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "Too many requests" in refused.text
    stored = db.scalars(select(SelfCheckSession)).one()
    assert "partner" not in stored.answers  # refused unseen
    assert client.get("/check/partner").status_code == 200  # reading a page is not limited


def test_the_rate_limit_window_starts_again_after_a_minute(db):
    now = utcnow()
    assert [ratelimit.allow(db, "k", 2, now=now) for _ in range(3)] == [True, True, False]
    assert ratelimit.allow(db, "other", 2, now=now)
    assert ratelimit.allow(db, "k", 2, now=now + timedelta(seconds=61))


def test_a_form_without_this_browsers_token_is_refused(client, db):
    client.get("/check")
    assert client.post("/check/start", data={}).status_code == 403
    assert client.post("/check/start", data={"csrf_token": "forged"}).status_code == 403
    assert count(db, SelfCheckSession) == 0
    token = start(client)
    refused = client.post("/check/council", data={"local_authority": "Leeds", "csrf_token": "x"})
    assert refused.status_code == 403
    assert "local_authority" not in db.scalars(select(SelfCheckSession)).one().answers
    other = TestClient(client.app, follow_redirects=False)  # another browser's token
    other.cookies.set("sn_check", client.cookies.get("sn_check") or "")
    assert other.post("/check/council", data={"csrf_token": token}).status_code == 403


def test_a_question_that_does_not_apply_is_not_found(client, db):
    token = start(client)
    for name, given in LONE_PARENT[:8]:
        answer(client, token, name, given)
    assert client.get("/check/rental-area").status_code == 404  # social renters are not asked
    assert client.get("/check/no-such-page").status_code == 404


def test_a_private_renter_in_a_council_that_is_not_a_rental_area_is_asked_for_one(client, db):
    pages = [("council", {"local_authority": "Newham"})] + LONE_PARENT[1:7]
    token = start(client)
    for name, given in pages:
        answer(client, token, name, given)
    private = {"tenure": "private_rent", "rent_private_rent": "1200"}
    response = answer(client, token, "housing", private)
    assert response.headers["location"] == "/check/rental-area"
    page = client.get("/check/rental-area")
    assert "Outer East London" in page.text and 'href="/check/housing"' in page.text
    missing = refused(client, token, "rental-area", {"brma": ""})
    _error_page(missing, "brma", "Select your rental area")
    chosen = answer(client, token, "rental-area", {"brma": "OUTER_EAST_LONDON"})
    assert chosen.headers["location"] == "/check/council-tax"


def test_changing_an_answer_returns_to_check_your_answers_or_asks_what_is_new(client, db):
    token = walk(client)
    again = client.post(
        "/check/savings", data={"csrf_token": token, "savings": "100", "change": "1"}
    )
    assert again.headers["location"] == "/check/answers"
    assert 'href="/check/answers"' in client.get("/check/savings?change=1").text
    more = client.post(
        "/check/children", data={"csrf_token": token, "children": "2", "change": "1"}
    )
    assert more.headers["location"] == "/check/children-ages"  # child 2's age is new


def test_starting_again_deletes_the_browsers_earlier_answers(client, db):
    token = start(client)
    answer(client, token, "council", {"local_authority": "Leeds"})
    start(client)
    stored = db.scalars(select(SelfCheckSession)).one()
    assert "local_authority" not in stored.answers


def test_check_your_answers_links_a_problem_to_the_question_it_belongs_to(client, db):
    token = walk(client)
    row = db.scalars(select(SelfCheckSession)).one()
    row.answers = row.answers | {"age": "15"}  # as if a change elsewhere made it wrong
    db.commit()
    page = client.get("/check/answers")
    assert "There is a problem" in page.text and 'href="/check/age#age"' in page.text
    assert "You must be 16 or over to use this check" in page.text
    sent = client.post("/check/answers", data={"csrf_token": token})
    assert sent.status_code == 303 and sent.headers["location"] == "/check/answers"
    assert db.scalars(select(SelfCheckSession)).one().result is None

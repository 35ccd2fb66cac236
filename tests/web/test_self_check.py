"""The resident self-check pages: one question a page, the result with real amounts, answers
kept only in a server-side session (expiring, deleted at the end), sharing only with consent,
rate limiting, CSRF, and GOV.UK error messages that name the field and keep the answers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.accounts import ratelimit
from safetynet.audit import AuditEvent
from safetynet.config import get_settings
from safetynet.db import utcnow
from safetynet.entitlements.models import EntitlementCheck, SelfCheckSession
from tests import factories
from tests.web.conftest import csrf_of

# Lone parent 30, child 5, council rent £500 a month, no earnings (tests/entitlements/
# test_rates_2025.py): UC = (400.14 standard + 292.81 child + 500.00 housing) = £1,192.95 a
# month, £14,315.40 a year; Child Benefit = 26.05 × 52 = £1,354.60 a year, £112.88 a month.
# Together £15,670.00 a year, £1,305.83 a month.
LONE_PARENT = [
    ("council", {"local_authority": "Sheffield"}),
    ("age", {"age": "30"}),
    ("partner", {"partner": "no", "partner_age": ""}),
    ("children", {"children": "1"}),
    ("children-ages", {"child_age_1": "5"}),
    ("work", {"you_employment": "", "you_self_employment": ""}),
    ("pensions", {"you_state_pension": "", "you_private_pension": ""}),
    ("housing", {"tenure": "social_rent", "rent": "£500"}),
    ("council-tax", {"council_tax": "1,500"}),
    ("savings", {"savings": "0"}),
    ("disability", {}),
    ("benefits", {}),
]


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
    assert response.headers["location"] == "/check/answers"
    return token


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
    assert "Council tax a year" not in answers.text and "£1,500" in answers.text
    result = client.post("/check/answers", data={"csrf_token": token})
    assert result.headers["location"] == "/check/result"
    page = client.get("/check/result").text
    assert "About £1,305.83 a month" in page and "£15,670.00 a year" in page
    uc = page[page.index('id="benefit-universal_credit"') :]
    assert "£1,192.95" in uc[:800] and "£14,315.40" in uc[:1200]
    assert "https://www.gov.uk/universal-credit/how-to-claim" in uc
    child_benefit = page[page.index('id="benefit-child_benefit"') :]
    assert "£112.88" in child_benefit[:800] and "£1,354.60" in child_benefit[:1200]
    assert 'id="tariffs"' in page  # UC qualifies the household for social tariffs
    # Only the session holds anything; nothing is kept as a check.
    assert count(db, SelfCheckSession) == 1 and count(db, EntitlementCheck) == 0
    stored = db.scalars(select(SelfCheckSession)).one()
    assert stored.answers["child_age_1"] == "5" and stored.result is not None
    assert stored.result["total_annual_pence"] == 1_567_000


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


def test_a_self_check_is_kept_only_with_consent_and_a_way_to_call_back(client, db):
    factories.organisation(db, slug="tc", name="Testshire Council", kind="council")
    token = walk(client)
    client.post("/check/answers", data={"csrf_token": token})
    page = client.get("/check/result").text
    assert "Ask Testshire to call you back" in page
    refused = client.post(
        "/check/share", data={"csrf_token": token, "phone": "0114 496 0000", "email": ""}
    )
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert 'href="#consent"' in refused.text and 'value="0114 496 0000"' in refused.text
    no_contact = client.post("/check/share", data={"csrf_token": token, "consent": "yes"})
    assert no_contact.status_code == 400 and "Enter a phone number or an email" in no_contact.text
    assert count(db, EntitlementCheck) == 0
    shared = client.post(
        "/check/share", data={"csrf_token": token, "consent": "yes", "phone": "0114 496 0000"}
    )
    assert shared.status_code == 200 and "Your answers have been sent" in shared.text
    saved = db.scalars(select(EntitlementCheck)).one()
    assert saved.kind == "self_check" and saved.resident_id is None
    assert saved.contact == {"phone": "0114 496 0000", "email": ""}
    assert saved.consent and saved.consent["text"].startswith("I agree that the council")
    assert saved.benefits == {"universal_credit": 1_431_540, "child_benefit": 135_460}
    assert saved.inputs["people"][1]["age"] == 5 and saved.inputs["tenure"] == "social_rent"
    assert count(db, SelfCheckSession) == 0
    assert "entitlements.self_check.share" in set(db.scalars(select(AuditEvent.action)))


def test_sharing_is_not_offered_when_no_council_area_would_receive_it(client, db):
    factories.organisation(db, slug="a", kind="council", area="Aland")
    factories.organisation(db, slug="b", kind="council", area="Bland")
    token = walk(client)
    client.post("/check/answers", data={"csrf_token": token})
    assert "call you back" not in client.get("/check/result").text
    client.post("/check/share", data={"csrf_token": token, "consent": "yes", "phone": "0114"})
    assert count(db, EntitlementCheck) == 0


def _error_page(response: Any, field: str, message: str) -> None:
    assert response.status_code == 400
    assert "There is a problem" in response.text and f'href="#{field}"' in response.text
    assert message in response.text, re.findall(r"govuk-error-message.*?</p>", response.text, re.S)
    assert "<title>Error:" in response.text


@pytest.mark.parametrize(
    ("page", "data", "field", "message", "kept"),
    [
        ("age", {"age": "thirty"}, "age", "Your age must be a number, like 34", "thirty"),
        ("age", {"age": "130"}, "age", "Your age must be 120 or less", "130"),
        ("age", {"age": "15"}, "age", "needs at least one adult (16 or over)", "15"),
        ("age", {"age": ""}, "age", "Enter your age", ""),
        ("council", {"local_authority": "Shefield"}, "local_authority", "Did you mean", "Shefield"),
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
        (
            "housing",
            {"tenure": "owner_outright", "rent": "400"},
            "rent",
            "an owner-occupier (owner_outright) pays no rent",
            "400",
        ),
        ("children", {"children": "1.5"}, "children", "must be a whole number", "1.5"),
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
    response = answer(client, token, page, data)
    _error_page(response, field, message)
    if kept:
        assert f'value="{kept}"' in response.text
    stored = db.scalars(select(SelfCheckSession)).one()
    assert page not in stored.answers["_answered"]


def test_a_child_aged_over_19_is_refused_on_the_childrens_ages_page(client, db):
    token = start(client)
    for name, given in LONE_PARENT[:4]:
        answer(client, token, name, given)
    response = answer(client, token, "children-ages", {"child_age_1": "22"})
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
    response = answer(client, token, "housing", {"tenure": "private_rent", "rent": "1200"})
    assert response.headers["location"] == "/check/rental-area"
    page = client.get("/check/rental-area")
    assert "Outer East London" in page.text and 'href="/check/housing"' in page.text
    missing = answer(client, token, "rental-area", {"brma": ""})
    _error_page(missing, "brma", "Select rental area")
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
    assert page.status_code == 400 and 'href="/check/age#age"' in page.text
    assert "needs at least one adult" in page.text
    refused = client.post("/check/answers", data={"csrf_token": token})
    assert refused.status_code == 400 and db.scalars(select(SelfCheckSession)).one().result is None

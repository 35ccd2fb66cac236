"""The award page: the payee's name is a link (and escaped), and cancelling from the page
asks for a reason, then cancels and shows it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from safetynet.payments import awards, schemes
from tests.payments.conftest import PASSWORD, START, person
from tests.web.conftest import form_token, sign_in


def test_an_award_page_links_its_payee_and_cancels_with_a_reason(db, pw):
    from safetynet.web.app import create_app

    enrolment = schemes.enrol(db, pw["north"], pw.scheme.id, person("<b>Jo</b> & Co"))
    award = awards.request_award(db, pw["north"], awards.AwardRequest(enrolment.id, 5_000, START))
    browser = TestClient(create_app())
    sign_in(browser, "north@north.example", PASSWORD)
    path = f"/payments/awards/{award.id}"
    page = browser.get(path).text
    link = f'<a class="govuk-link" href="/payments/enrolments/{enrolment.id}">'
    assert f"{link}&lt;b&gt;Jo&lt;/b&gt; &amp; Co</a>" in page
    assert 'action="/payments/awards/' in page and "Cancel this award" in page
    token = form_token(browser, path)
    refused = browser.post(f"{path}/cancel", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422 and "say why the award is cancelled" in refused.text
    done = browser.post(f"{path}/cancel", data={"csrf_token": token, "reason": "Moved away"},
                        follow_redirects=False)  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (303, path)
    page = browser.get(path).text
    assert 'id="status">Cancelled<' in page and "Moved away" in page
    assert "Cancel this award" not in page

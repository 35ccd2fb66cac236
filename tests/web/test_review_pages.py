"""The review queue pages: the queue with counts, a pair side by side with its explanation,
accept / reject / skip with a reason, then on to the next pair; scope, CSRF and audit."""

from __future__ import annotations

from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.link import review
from safetynet.link.models import LinkDecision, ReviewPair
from tests.web.linkage_world import act_as


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_queue_lists_open_pairs_most_useful_first_with_counts(lw, client, db):
    act_as(client, db, lw.users["analyst"])
    page = client.get("/review")
    assert page.status_code == 200
    html = page.text
    assert 'id="count-pending">2<' in html and 'id="count-decided">0<' in html
    # D~E (probability 0.55) is less certain than A~B (0.2): it comes first.
    assert html.index(f'href="/review/{lw.pairs["D~E"]}"') < html.index(
        f'href="/review/{lw.pairs["A~B"]}"'
    )
    assert "55.0%" in html and "20.0%" in html


def test_a_pair_shows_both_records_differences_and_the_explanation_and_is_audited(lw, client, db):
    act_as(client, db, lw.users["analyst"])
    page = client.get(f"/review/{lw.pairs['D~E']}")
    assert page.status_code == 200
    html = page.text
    assert "Dan" in html and "Eve" in html and "Dean" in html
    # forename, date of birth and phone (one has none) differ; surname, address, postcode agree.
    assert html.count("app-diff__tag") == 3 * 2
    assert "surname" in html and "+8.25" in html and "Final score" in html
    assert html.count("<rect") == 5  # one waterfall bar per step
    assert 'accesskey="a"' in html and 'accesskey="r"' in html and 'accesskey="s"' in html
    seen = events(db, "link.review.view")
    assert [e.entity_id for e in seen] == [lw.pairs["D~E"]]


def test_accept_needs_a_reason_and_says_so_in_an_error_summary(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    page = client.post(
        f"/review/{lw.pairs['D~E']}", data={"csrf_token": token, "verdict": "accept"}
    )
    assert page.status_code == 400
    assert "There is a problem" in page.text and "Enter why you made this decision" in page.text
    db.expire_all()
    assert db.get(ReviewPair, lw.pairs["D~E"]).status == "pending"
    assert db.scalar(select(LinkDecision)) is None


def test_accepting_merges_the_residents_keeps_the_ruling_and_opens_the_next_pair(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    reply = client.post(
        f"/review/{lw.pairs['D~E']}",
        data={"csrf_token": token, "verdict": "accept", "reason": "same household record"},
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == f"/review/{lw.pairs['A~B']}?last=accept"
    db.expire_all()
    assert db.get(ReviewPair, lw.pairs["D~E"]).status == "decided"
    ruling = db.scalar(select(LinkDecision))
    assert ruling.same_person and ruling.reason == "same household record"
    d, e = lw.residents["D"], lw.residents["E"]
    tenant = db.get(ReviewPair, lw.pairs["D~E"]).tenant_id
    assert review.current_resident(db, tenant, e).id == review.current_resident(db, tenant, d).id
    assert [x.reason for x in events(db, "link.review.accept")] == ["same household record"]
    # A second click on the same form changes nothing and still moves on.
    again = client.post(
        f"/review/{lw.pairs['D~E']}",
        data={"csrf_token": token, "verdict": "accept", "reason": "same household record"},
    )
    assert again.status_code == 303 and len(events(db, "link.review.accept")) == 1
    assert "Accepted: same person." in client.get(again.headers["location"]).text


def test_reject_and_skip_then_the_queue_is_empty(lw, client, db):
    token = act_as(client, db, lw.users["admin"])
    skip = client.post(f"/review/{lw.pairs['A~B']}", data={"csrf_token": token, "verdict": "skip"})
    assert skip.status_code == 303 and skip.headers["location"].startswith(
        f"/review/{lw.pairs['D~E']}"
    )
    reject = client.post(
        f"/review/{lw.pairs['D~E']}",
        data={"csrf_token": token, "verdict": "reject", "reason": "different dates of birth"},
    )
    assert reject.headers["location"].startswith(f"/review/{lw.pairs['A~B']}")
    done = client.post(
        f"/review/{lw.pairs['A~B']}",
        data={"csrf_token": token, "verdict": "reject", "reason": "different people"},
    )
    assert done.headers["location"] == "/review?done=1"
    page = client.get("/review")
    assert 'id="count-pending">0<' in page.text and 'id="count-decided">2<' in page.text
    assert "No pairs are waiting for review." in page.text
    rulings = list(db.scalars(select(LinkDecision)))
    assert len(rulings) == 2 and not any(r.same_person for r in rulings)


def test_a_decision_without_the_form_token_is_refused(lw, client, db):
    act_as(client, db, lw.users["analyst"])
    reply = client.post(
        f"/review/{lw.pairs['D~E']}", data={"verdict": "accept", "reason": "x", "csrf_token": "no"}
    )
    assert reply.status_code == 403
    db.expire_all()
    assert db.get(ReviewPair, lw.pairs["D~E"]).status == "pending"


def test_another_areas_pair_is_not_found(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    assert client.get(f"/review/{lw.other['pair']}").status_code == 404
    reply = client.post(
        f"/review/{lw.other['pair']}", data={"csrf_token": token, "verdict": "skip"}
    )
    assert reply.status_code == 404
    act_as(client, db, lw.users["otheradmin"])
    assert client.get(f"/review/{lw.pairs['D~E']}").status_code == 404
    assert client.get(f"/review/{lw.other['pair']}").status_code == 200


def test_caseworkers_and_partners_cannot_review(lw, client, db):
    for name in ("caseworker", "partner"):
        act_as(client, db, lw.users[name])
        assert client.get("/review").status_code == 403


def test_after_a_link_run_both_doors_rank_the_queue_with_one_shared_function(
    lw, db, tmp_path, monkeypatch
):
    from safetynet.config import get_settings
    from safetynet.gaps.service import rank_after_link_run

    tenant_id = db.get(ReviewPair, lw.pairs["D~E"]).tenant_id
    outcome = rank_after_link_run(db, tenant_id, "test")
    assert (outcome.ranked, outcome.problem) == (2, None)
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "residents.read")).all()
    assert [r.reason for r in reads] == ["rank the linkage review queue"]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text("rules: [not, a, mapping]\n")
    monkeypatch.setenv("SAFETYNET_GAP_RULES_DIR", str(tmp_path / "rules"))
    get_settings.cache_clear()
    try:
        broken = rank_after_link_run(db, tenant_id, "test")
    finally:
        monkeypatch.delenv("SAFETYNET_GAP_RULES_DIR")
        get_settings.cache_clear()
    assert broken.ranked == 0 and "bad.yaml" in (broken.problem or "")

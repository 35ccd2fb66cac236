"""Triage in the store: forms are versioned per area, triages are taken question by question
or at once, scoped to who may read the resident, audited; the isolation-risk list and the
needs by ward read the linked data."""

from datetime import date

import pytest
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.errors import NotFound, PermissionDenied
from safetynet.paging import PageRequest
from safetynet.triage import isolation, needs, service
from safetynet.triage.forms import FormRefused, default_form

ALL = {
    "age": 86, "lives_alone": "yes", "contact_days": 0, "devices": ["smartphone"],
    "device_works": "yes", "internet": "mobile_only", "internet_cost": 15, "cut_back": "no",
    "foundation": "yes", "communicating": "yes", "handling_information": "with_help",
    "transacting": "no", "being_safe": "no", "problem_solving": "no", "confidence": "fairly",
    "access": ["none"],
}  # fmt: skip


def actions(db):
    return [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_new_upload_of_a_form_is_its_next_version_and_the_same_file_is_not(db, area):
    analyst = area.people["analyst"]
    content, name = default_form()
    first = service.upload_form(db, analyst, content, name)
    again = service.upload_form(db, analyst, content, name)
    changed = service.upload_form(db, analyst, content.replace(b"How old are you?", b"Age?"), name)
    assert (first.version, again.id, changed.version) == (1, first.id, 2)
    listed = service.forms(db, analyst)
    assert [(f.form.version, f.current) for f in listed] == [(2, True), (1, False)]
    with pytest.raises(PermissionDenied):
        service.upload_form(db, area.people["caseworker"], content, name)


def test_an_unusable_form_is_refused_whole(db, area):
    bad = default_form()[0].replace(b". >= 16 and . <= 120", b". >= 16 and regex(., 'x')")
    with pytest.raises(FormRefused) as refused:
        service.upload_form(db, area.people["analyst"], bad, "mine.md")
    assert refused.value.details == [
        "survey sheet, row 3, column constraint: in `. >= 16 and regex(., 'x')`, this function "
        "or name is not supported: 'regex'."
    ]
    assert service.forms(db, area.people["analyst"]) == []


def test_a_caseworker_walks_a_triage_to_its_needs(db, area):
    caseworker = area.people["caseworker"]
    started = service.start(db, caseworker, area.residents["A"])
    name = "age"
    while name is not None:
        value = ALL.get(name)
        value = [str(v) for v in value] if isinstance(value, list) else value
        q = service.record_answer(db, caseworker, started.id, name, value)
        name = q.name if q else None
    done = service.complete(db, caseworker, started.id)
    assert done.needs == ["skills_transacting", "skills_being_safe", "skills_problem_solving",
                          "isolation"]  # fmt: skip
    assert done.scores["isolation"] == 1 + 3 and done.scores["connectivity"] == 1
    assert actions(db)[-1] == "triage.complete" and "triage.start" in actions(db)


def test_a_refused_answer_names_the_question_and_keeps_nothing(db, area):
    caseworker = area.people["caseworker"]
    started = service.start(db, caseworker, area.residents["A"])
    with pytest.raises(service.AnswerRefused) as refused:
        service.record_answer(db, caseworker, started.id, "age", "200")
    assert (refused.value.field, refused.value.message) == (
        "age",
        "Enter an age between 16 and 120",
    )
    assert service.outcome(db, caseworker, started.id)[0].answers == {}
    with pytest.raises(service.AnswerRefused, match="How old are you"):
        service.complete(db, caseworker, started.id)


def test_taking_a_whole_triage_reports_every_problem_at_once(db, area):
    caseworker = area.people["caseworker"]
    wrong = {**ALL, "age": "old", "contact_days": 9, "colour": "blue"}
    with pytest.raises(service.AnswerRefused) as refused:
        service.take(db, caseworker, area.residents["A"], wrong)
    assert refused.value.details == [
        "colour: this form has no such question.",
        "age (How old are you?): Enter a whole number, like 3.",
        "contact_days (On how many days last week did you talk with family, friends or "
        "neighbours?): Enter a number of days from 0 to 7",
    ]
    done = service.take(db, caseworker, area.residents["A"], ALL, channel="cli")
    assert done.status == "complete" and "isolation" in done.needs


def test_a_partner_takes_triages_only_for_residents_it_may_read(db, area):
    partner = area.people["partner"]
    done = service.take(db, partner, area.residents["G"], ALL)
    assert done.organisation_id == partner.organisation_id
    with pytest.raises(NotFound):
        service.take(db, partner, area.residents["A"], ALL)
    with pytest.raises(NotFound):
        service.outcome(db, area.people["other"], done.id)
    council = service.resident_outcomes(db, area.people["caseworker"], area.residents["G"])
    assert [o.id for o in council] == [done.id]
    assert actions(db)[-1] == "triage.list"


def test_the_isolation_list_finds_older_residents_alone_across_sources_and_triage(db, area):
    today = date.today()  # read when the test runs, not at import (midnight)
    service.take(db, area.people["caseworker"], area.residents["D"], ALL)
    listed = isolation.at_risk(db, area.tenant_id, today)
    by_letter = {v: k for k, v in area.residents.items()}
    found = {by_letter[p.resident_id]: p.reasons for p in listed}
    alone = "75 or over, the only resident at their address"
    assert found == {"A": [alone], "D": ["Triage found an isolation need"]}
    assert isolation.at_risk(db, area.tenant_id, today, age=60).__len__() == 2
    wider = {by_letter[p.resident_id] for p in isolation.at_risk(db, area.tenant_id, today, 40)}
    assert wider == {"A", "D"}  # Dan is 36: listed for his triage only


def test_the_isolation_list_is_the_councils_and_its_export_is_audited_with_a_reason(db, area):
    today = date.today()  # read when the test runs, not at import (midnight)
    with pytest.raises(PermissionDenied):
        isolation.isolation_page(db, area.people["partner"], today, PageRequest())
    page = isolation.isolation_page(db, area.people["caseworker"], today, PageRequest())
    assert [p.name for p in page.items] == ["Ada Older"]
    path, count = isolation.export_isolation(db, area.people["analyst"], today, " befriending ")
    assert count == 1
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "resident_id,name,age,postcode,ward,reasons"
    assert lines[1].split(",")[1:5] == ["Ada Older", str(today.year - 1940), "DB1 1AA", "Northgate"]
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.reason) == ("triage.isolation_export", "befriending")


def test_needs_by_ward_counts_what_the_needs_list_shows(db, area):
    today = date.today()  # read when the test runs, not at import (midnight)
    caseworker = area.people["caseworker"]
    for letter in ("A", "B", "D"):
        service.take(db, caseworker, area.residents[letter], ALL)
    calm = {
        **ALL,
        "lives_alone": "no",
        "contact_days": 7,
        "transacting": "yes",
        "being_safe": "yes",
        "problem_solving": "yes",
        "handling_information": "yes",
    }
    service.take(db, caseworker, area.residents["B"], calm)  # B's latest: no needs
    counts = needs.needs_by_ward(db, "Testshire", today)
    assert counts["Northgate"]["any"] == 1 and counts["Old Town"]["isolation"] == 1
    listed = needs.needs_list(db, caseworker, today, PageRequest(), ward="Old Town",
                              need="isolation")  # fmt: skip
    assert listed.total == counts["Old Town"]["isolation"]
    assert needs.needs_by_ward(db, area.tenant_id, date(2000, 1, 1)) == {}


def test_the_dashboards_digital_inclusion_figures_equal_the_lists_behind_them(db, area):
    today = date.today()  # read when the test runs, not at import (midnight)
    from safetynet.dashboard import service as dashboard

    caseworker = area.people["caseworker"]
    for letter in ("A", "D", "F"):
        service.take(db, caseworker, area.residents[letter], ALL)
    found = dashboard.decisions(db, caseworker, today)
    assert [(w["ward_name"], w["any"]) for w in found.digital] == [
        ("Old Town", 2),
        ("Northgate", 1),
    ]
    for row in found.digital:
        listed = needs.needs_list(db, caseworker, today, PageRequest(), ward=row["ward_name"])
        assert listed.total == row["any"]
        for key, _, count in row["top"]:
            by_need = needs.needs_list(db, caseworker, today, PageRequest(), ward=row["ward_name"],
                                       need=key)  # fmt: skip
            assert by_need.total == count
    analyst_view = dashboard.decisions(db, area.people["analyst"], today)
    assert analyst_view.digital == found.digital


def test_the_demos_triages_are_checked_scored_and_the_same_for_a_seed(db, area):
    from safetynet.demo.triage import _answers, take_triages
    from safetynet.triage.models import TriageOutcome

    done = take_triages(db, seed=5, count=20, area="Testshire")
    kept = db.scalars(select(TriageOutcome)).all()
    assert done.kept == len(kept) == len({o.resident_id for o in kept}) <= len(area.residents)
    assert all(o.status == "complete" and o.channel == "demo" for o in kept)
    assert sum(done.by_need.values()) == sum(len(o.needs) for o in kept)
    import random

    assert _answers(random.Random(1), 80) == _answers(random.Random(1), 80)


def test_a_triage_taken_before_a_merge_follows_the_resident(db, area):
    today = date.today()  # read when the test runs, not at import (midnight)
    from safetynet.link.review import merge_residents
    from safetynet.triage.people import latest_needs

    caseworker = area.people["caseworker"]
    done = service.take(db, caseworker, area.residents["C"], ALL)
    merge_residents(db, area.tenant_id, area.residents["B"], area.residents["C"], actor="test",
                    reason="one person")  # fmt: skip
    db.commit()
    seen = service.resident_outcomes(db, caseworker, area.residents["B"])
    assert [o.id for o in seen] == [done.id]
    assert latest_needs(db, area.tenant_id, today) == {area.residents["B"]: done.needs}


def test_subject_access_includes_the_residents_triages(db, area):
    from safetynet.privacy import subject_access

    done = service.take(db, area.people["caseworker"], area.residents["A"], ALL)
    found = subject_access.collect(db, area.tenant_id, area.residents["A"])
    rows = found.sections["triage_outcomes"]
    assert [(r["id"], r["needs"], r["answers"]["age"]) for r in rows] == [(done.id, done.needs, 86)]

"""The resident page: linked records with who supplied them (partners see only what their
agreements allow), outreach statuses, merge / split / do-not-contact forms; audit and scope."""

from __future__ import annotations

from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.gaps.models import DoNotContact
from safetynet.link.models import LinkDecision, Resident
from tests.web.linkage_world import act_as


def records(page) -> str:
    """The linked-records table of a resident page."""
    return page.text.split('id="records"')[1].split("</table>")[0]


def test_staff_see_every_linked_record_with_who_supplied_it_and_the_view_is_audited(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/residents/{lw.residents['C']}")
    assert page.status_code == 200
    # Carol Cook: on the council's CTR list and the north food bank's visits.
    assert "Testshire Council" in records(page) and "North Food Bank" in records(page)
    assert records(page).count("Carol Cook") == 2 and "3 High Street" in page.text
    assert "Not on any outreach list." in page.text
    views = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "resident.view")))
    assert [(v.entity_id, v.detail["records_shown"]) for v in views] == [(lw.residents["C"], 2)]


def test_a_partner_sees_only_their_own_records_and_no_one_elses_residents(lw, client, db):
    act_as(client, db, lw.users["partner"])
    page = client.get(f"/residents/{lw.residents['C']}")
    assert page.status_code == 200
    assert "North Food Bank" in records(page) and "Testshire Council" not in records(page)
    assert records(page).count("Carol Cook") == 1
    # No see-back of contact status in north's agreement: no outreach section.
    assert "Outreach" not in page.text.split("<main")[1].split("Linked records")[0]
    assert 'id="statuses"' not in page.text and "Not on any outreach list." not in page.text
    # Eve is only on the council's list: for the food bank she is not there.
    assert client.get(f"/residents/{lw.residents['E']}").status_code == 404


def test_another_areas_resident_is_not_found(lw, client, db):
    act_as(client, db, lw.users["admin"])
    assert client.get(f"/residents/{lw.other['resident']}").status_code == 404
    assert client.get("/residents/999999").status_code == 404


def test_merge_needs_a_reason_then_joins_the_two_and_the_old_id_redirects(lw, client, db):
    token = act_as(client, db, lw.users["analyst"])
    d, e = lw.residents["D"], lw.residents["E"]
    refused = client.post(
        f"/residents/{e}/merge", data={"csrf_token": token, "other": str(d), "reason": ""}
    )
    assert refused.status_code == 400 and "Enter why they are one person" in refused.text
    done = client.post(
        f"/residents/{e}/merge", data={"csrf_token": token, "other": str(d), "reason": "couple"}
    )
    keep, gone = sorted((d, e))
    assert done.status_code == 303 and done.headers["location"] == f"/residents/{keep}?done=merged"
    moved = client.get(f"/residents/{gone}")
    assert moved.status_code == 303 and moved.headers["location"] == f"/residents/{keep}"
    page = client.get(f"/residents/{keep}")
    assert "Dan Dean" in records(page) and "Eve Dean" in records(page)
    assert db.scalar(select(LinkDecision)).origin == "merge"


def test_split_moves_the_ticked_records_to_a_new_resident(lw, client, db):
    token = act_as(client, db, lw.users["admin"])
    c = lw.residents["C"]
    refused = client.post(f"/residents/{c}/split", data={"csrf_token": token, "reason": "x"})
    assert refused.status_code == 400 and "Tick the records to split off" in refused.text
    done = client.post(
        f"/residents/{c}/split",
        data={"csrf_token": token, "records": [str(lw.records["C-2"])], "reason": "not her"},
    )
    assert done.status_code == 303
    db.expire_all()
    newest = db.scalar(select(Resident).order_by(Resident.id.desc()).limit(1))
    page = client.get(f"/residents/{newest.id}")
    assert "North Food Bank" in records(page) and "Testshire Council" not in records(page)
    assert "Testshire Council" in records(client.get(f"/residents/{c}"))
    assert "North Food Bank" not in records(client.get(f"/residents/{c}"))
    assert [r.same_person for r in db.scalars(select(LinkDecision))] == [False]


def test_do_not_contact_by_form_and_the_page_then_warns(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    a = lw.residents["A"]
    refused = client.post(f"/residents/{a}/do-not-contact", data={"csrf_token": token})
    assert refused.status_code == 400
    done = client.post(
        f"/residents/{a}/do-not-contact", data={"csrf_token": token, "reason": "asked"}
    )
    assert done.status_code == 303
    assert db.scalar(select(DoNotContact.resident_id)) == a
    assert "Do not contact" in client.get(f"/residents/{a}").text


def test_the_forms_refuse_a_post_without_the_token(lw, client, db):
    act_as(client, db, lw.users["admin"])
    d, e = lw.residents["D"], lw.residents["E"]
    for path, data in (
        (f"/residents/{e}/merge", {"other": str(d), "reason": "x"}),
        (f"/residents/{e}/split", {"records": "1", "reason": "x"}),
        (f"/residents/{e}/do-not-contact", {"reason": "x"}),
    ):
        assert client.post(path, data=data).status_code == 403
    assert db.scalar(select(LinkDecision)) is None and db.scalar(select(DoNotContact)) is None


def test_a_partner_whose_agreement_lets_them_see_contact_status_back_sees_it(lw, client, db):
    from datetime import date

    from safetynet.accounts import service as accounts
    from safetynet.gaps.models import OutreachEntry, OutreachList
    from tests import factories

    accounts.create_agreement(
        db,
        accounts.AgreementTerms(
            reference="DSA-NORTH-BACK", title="See back", purpose="Outreach",
            lawful_basis="public_task", suppliers=["north"], recipients=["council"],
            fields_allowed=factories.ALL_FIELDS, retention_days=30,
            start_date=date(2026, 1, 1), see_back=("own_records", "contact_status"),
        ),
        actor="test",
    )  # fmt: skip
    c = lw.residents["C"]
    tenant_id = db.get(Resident, c).tenant_id
    made = OutreachList(
        tenant_id=tenant_id, rule_id="foodbank-no-ctr", rule_title="Food bank, no CTR",
        programme="ctr", as_of=date(2026, 11, 27), reason="r", created_by="test",
    )  # fmt: skip
    db.add(made)
    db.flush()
    db.add(OutreachEntry(list_id=made.id, resident_id=c, status="contacted"))
    db.commit()
    act_as(client, db, lw.users["partner"])
    page = client.get(f"/residents/{c}")
    statuses = page.text.split('id="statuses"')[1].split("</ul>")[0]
    assert f"List {made.id}" in statuses and "contacted" in statuses
    assert f'href="/outreach/{made.id}"' not in statuses  # partners cannot open the list

"""The front desk's pages and API: find one's own clients (by POST, never in a URL), add a
person, record a visit, a food parcel or a referral, note the outcome, read the report;
refusals shown by field, every view audited, another organisation's clients not found."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from safetynet.audit import AuditEvent
from safetynet.frontdesk.models import FrontDeskEvent
from safetynet.sources.models import Record, Source
from tests.web.linkage_world import act_as, bearer


def _find(client, token: str, text: str):
    return client.post("/front-desk", data={"csrf_token": token, "q": text})


def _first_client(page) -> int:
    return int(page.text.split('href="/front-desk/people/')[1].split('"')[0])


def test_a_partner_finds_a_client_and_records_a_food_parcel(world, client, db):
    token = act_as(client, db, world.users["partner"])
    start = client.get("/front-desk")
    assert start.status_code == 200 and 'action="/front-desk"' in start.text
    found = _find(client, token, "smith db4")
    assert (
        found.status_code == 200 and "1 client found" in found.text and "John Smith" in found.text
    )
    record_id = _first_client(found)
    page = client.get(f"/front-desk/people/{record_id}")
    assert page.status_code == 200 and "1 February 1980" in page.text
    done = client.post(
        f"/front-desk/people/{record_id}", data={"csrf_token": token, "kind": "food_parcel"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/front-desk?done=food_parcel"
    assert "Food parcel recorded." in client.get(done.headers["location"]).text
    event = db.scalar(select(FrontDeskEvent))
    record = db.get(Record, event.record_id)
    assert (record.surname, record.visit_date, event.kind) == ("Smith", date.today(), "food_parcel")
    assert db.get(Source, record.source_id).kind == "front_desk"
    actions = list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("front_desk%"))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["front_desk.search", "front_desk.view_person", "front_desk.record"]


def test_a_new_person_with_a_bad_postcode_is_refused_by_field_and_their_input_kept(
    world, client, db
):
    token = act_as(client, db, world.users["partner"])
    assert 'name="dob-day"' in client.get("/front-desk/new").text
    form = {
        "csrf_token": token, "forename": "Ada", "surname": "Lovelace", "dob-day": "10",
        "dob-month": "12", "dob-year": "1990", "postcode": "nowhere", "kind": "referral",
        "referred_to": "",
    }  # fmt: skip
    refused = client.post("/front-desk/new", data=form)
    assert refused.status_code == 400
    assert 'href="#postcode"' in refused.text and 'href="#referred_to"' in refused.text
    assert 'value="Lovelace"' in refused.text
    no_service = client.post("/front-desk/new", data=form | {"postcode": "DB4 7QT"})
    assert 'href="#referred_to"' in no_service.text and 'href="#postcode"' not in no_service.text
    bad_date = client.post("/front-desk/new", data=form | {"dob-month": "13"})
    assert 'href="#dob-day"' in bad_date.text and "real date" in bad_date.text
    assert db.scalar(select(func.count(FrontDeskEvent.id))) == 0
    ok = client.post(
        "/front-desk/new", data=form | {"postcode": "db47qt", "referred_to": "Debt advice"}
    )
    assert ok.status_code == 303
    event = db.scalar(select(FrontDeskEvent))
    assert (event.kind, event.referred_to, event.outcome) == ("referral", "Debt advice", "awaiting")
    page = client.get(f"/front-desk/people/{event.record_id}")
    assert "Debt advice" in page.text and "Waiting to hear" in page.text
    saved = client.post(
        f"/front-desk/events/{event.id}/outcome", data={"csrf_token": token, "outcome": "took_up"}
    )
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(FrontDeskEvent, event.id).outcome == "took_up"
    report = client.get("/front-desk/report")
    assert report.status_code == 200 and "Debt advice" in report.text


def test_south_finds_none_of_norths_clients_and_cannot_open_them(world, client, db):
    token = act_as(client, db, world.users["partner"])
    record_id = _first_client(_find(client, token, "smith"))
    token = act_as(client, db, world.users["southpartner"])
    # south imported the same list: it finds its own John Smith, never north's record
    assert _first_client(_find(client, token, "smith")) != record_id
    assert client.get(f"/front-desk/people/{record_id}").status_code == 404
    refused = client.post(
        f"/front-desk/people/{record_id}", data={"csrf_token": token, "kind": "visit"}
    )
    assert refused.status_code == 404


def test_a_form_without_its_token_is_refused(world, client, db):
    act_as(client, db, world.users["partner"])
    assert client.post("/front-desk", data={"q": "smith"}).status_code == 403


def test_the_api_records_a_visit_and_reports_it(world, client, db):
    headers = bearer(db, world.users["partner"])
    found = client.post("/api/v1/front-desk/search", headers=headers, json={"text": "jones"})
    assert found.status_code == 200 and [c["surname"] for c in found.json()] == ["Jones"]
    made = client.post(
        "/api/v1/front-desk/events",
        headers=headers,
        json={"kind": "visit", "record_id": found.json()[0]["record_id"]},
    )
    assert made.status_code == 201 and made.json()["kind"] == "visit"
    refused = client.post(
        "/api/v1/front-desk/events",
        headers=headers,
        json={"kind": "visit", "person": {"forename": "A", "surname": "B", "postcode": "zz"}},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    report = client.get("/api/v1/front-desk/report?weeks=2", headers=headers).json()
    assert report["weeks"][0]["visits"] == 1 and report["weeks"][0]["new_people"] == 1
    assert report["scope"] == "North Org"


def test_a_new_person_typed_as_the_session_ended_is_filled_in_again_after_sign_in(
    world, client, db
):
    from tests.web.conftest import sign_in
    from tests.web.test_form_keep import BANNER, post_after_expiry

    sign_in(client, "partner@north.example")
    typed = {"forename": "Ada", "surname": "Lovelace", "dob-day": "10", "dob-month": "12",
             "dob-year": "1990", "postcode": "DB1 1AA", "kind": "food_parcel"}  # fmt: skip
    sent = post_after_expiry(client, db, "/front-desk/new", typed)
    assert sent.headers["location"] == "/login?next=/front-desk/new"
    sign_in(client, "partner@north.example")
    page = client.get("/front-desk/new")
    assert BANNER in page.text and 'value="Lovelace"' in page.text
    assert 'value="1990"' in page.text
    assert 'value="food_parcel" checked' in page.text
    assert db.scalar(select(func.count(FrontDeskEvent.id))) == 0


def test_the_dashboard_counts_a_desks_record_at_once(world, client, db):
    from tests.web.test_pages import _figure

    token = act_as(client, db, world.users["partner"])
    assert _figure(client.get("/").text, "records") == "3"
    record_id = _first_client(_find(client, token, "jones"))
    client.post(f"/front-desk/people/{record_id}", data={"csrf_token": token, "kind": "visit"})
    assert _figure(client.get("/").text, "records") == "4"
    client.post(f"/front-desk/people/{record_id}", data={"csrf_token": token, "kind": "visit"})
    assert _figure(client.get("/").text, "records") == "5"  # the same day's import, one more row

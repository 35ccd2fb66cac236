"""Resident search: by name (whatever the case, accents or punctuation), date of birth,
postcode and a partner's reference; scoped like the resident page; paged; audited; from the
page, the API and the command line. And the resident page it leads to: headed by the
person's name, with a summary and the way to the entitlement check."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.audit import AuditEvent
from safetynet.link import search_web
from safetynet.link.models import LinkRun, Resident, ResidentRecord
from safetynet.link.search import criteria
from safetynet.sources.imports import ImportRequest, run_import
from safetynet.sources.models import Record
from safetynet.sources.standardise import search_key
from tests import factories
from tests.web.linkage_world import act_as, bearer

SEARCH = "/api/v1/residents/search"


def found_names(response) -> list[str]:
    """The names in a page of results, in order."""
    return [m["name"] for m in response.json()["items"]]


def add_accented_client(db, tmp_path, lw) -> int:
    """North's second list holds José Núñez-O'Brien; a resident of his own, as a run makes."""
    text = "Visit ID,First name,Surname,DOB,Postcode\nZ-1,José,Núñez-O'Brien,09/09/1999,DB1 1AA\n"
    path = factories.csv_file(tmp_path, text, name="clients.csv")
    request = ImportRequest(path=path, organisation="north", source="clients", kind="other")
    run_import(db, request, actor="test")
    record = db.scalar(select(Record).where(Record.row_id == "Z-1"))
    run = db.scalar(select(LinkRun))
    resident = Resident(tenant_id=record.tenant_id, created_by_run_id=run.id)
    db.add(resident)
    db.flush()
    db.add(ResidentRecord(record_id=record.id, resident_id=resident.id, run_id=run.id))
    db.commit()
    return resident.id


def test_names_are_keyed_without_case_accents_or_punctuation(lw, db, tmp_path):
    assert search_key("  José ") == "jose" and search_key("O'Brien-Smith") == "obriensmith"
    jose = add_accented_client(db, tmp_path, lw)
    record = db.scalar(select(Record).where(Record.row_id == "Z-1"))
    assert (record.forename_key, record.surname_key) == ("jose", "nunezobrien")
    query, problems = criteria(name="JOSE nunez o'brien")
    assert problems == {} and query.name_keys == ("jose", "nunez", "obrien")
    assert jose


def test_a_caseworker_finds_a_resident_by_name_in_any_case_order_or_accent(
    lw, client, db, tmp_path
):
    jose = add_accented_client(db, tmp_path, lw)
    headers = bearer(db, lw.users["caseworker"])
    for typed in ("carol cook", "COOK", "Cook, Carol", "cóok carol", "car cook"):
        response = client.post(SEARCH, headers=headers, json={"name": typed})
        assert response.status_code == 200, typed
        assert found_names(response) == ["Carol Cook"], typed
        assert response.json()["items"][0]["resident_id"] == lw.residents["C"]
    for typed in ("jose nunez o'brien", "Núñez-O'Brien", "JOSE NUNEZOBRIEN"):
        response = client.post(SEARCH, headers=headers, json={"name": typed})
        assert [m["resident_id"] for m in response.json()["items"]] == [jose], typed
    # A forename alone is not a surname; a wrong forename with the right surname is not her.
    assert client.post(SEARCH, headers=headers, json={"name": "carol"}).json()["total"] == 0
    assert client.post(SEARCH, headers=headers, json={"name": "ann cook"}).json()["total"] == 0


def test_date_of_birth_postcode_and_reference_each_find_and_all_must_match_one_record(
    lw, client, db
):
    headers = bearer(db, lw.users["caseworker"])

    def ids(**body) -> list[int]:
        response = client.post(SEARCH, headers=headers, json=body)
        assert response.status_code == 200, response.text
        return [m["resident_id"] for m in response.json()["items"]]

    r = lw.residents
    assert ids(dob="1970-02-02") == [r["C"]]
    # Ince, Ince, King, Long, Dean (Eve, and Dan on the food bank's list): all of DB1 2BB.
    assert set(ids(postcode="db12bb")) == {r["D"], r["E"], r["I"], r["J"], r["K"], r["L"]}
    assert set(ids(postcode="DB9")) == {r["F"]}  # the district: Fred Ford in DB9 9ZZ
    assert set(ids(postcode="db1 2")) == set(ids(postcode="DB1 2BB"))  # the sector DB1 2
    assert ids(postcode="DB9 8") == []  # a sector no one lives in
    assert ids(name="ince", dob="1986-10-10") == [r["J"]]
    assert ids(name="cook", postcode="DB9 9ZZ") == []
    assert ids(reference="4") == [r["D"]]  # the food bank's client number for Dan Dean
    assert ids(reference="K-2") == []  # a row id, not a person reference


def test_a_partner_finds_only_residents_whose_records_it_may_read(lw, client, db):
    partner = bearer(db, lw.users["partner"])
    council = bearer(db, lw.users["caseworker"])
    dean = {"name": "dean"}
    assert set(found_names(client.post(SEARCH, headers=council, json=dean))) == {
        "Dan Dean",
        "Eve Dean",
    }
    assert found_names(client.post(SEARCH, headers=partner, json=dean)) == ["Dan Dean"]
    # Carol is on both lists: the food bank sees only its own record of her.
    carol = client.post(SEARCH, headers=partner, json={"name": "cook"}).json()["items"]
    assert [(m["supplied_by"], m["records"]) for m in carol] == [(["North Food Bank"], 1)]
    other = bearer(db, lw.users["otheradmin"])
    assert client.post(SEARCH, headers=other, json={"name": "cook"}).json()["total"] == 0


def test_results_come_a_page_at_a_time_with_the_total(lw, client, db):
    headers = bearer(db, lw.users["caseworker"])
    first = client.post(SEARCH, headers=headers, json={"postcode": "DB1", "size": 4}).json()
    second = client.post(
        SEARCH, headers=headers, json={"postcode": "DB1", "size": 4, "page": 2}
    ).json()
    assert (first["total"], first["pages"], len(first["items"])) == (11, 3, 4)
    assert second["page"] == 2 and len(second["items"]) == 4
    everyone = {m["resident_id"] for m in first["items"]} | {
        m["resident_id"] for m in second["items"]
    }
    assert len(everyone) == 8  # no one twice across pages
    assert client.post(SEARCH, headers=headers, json={"name": "x", "size": 501}).status_code == 422


def test_every_page_of_results_is_audited_without_what_was_typed(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    page = client.post(
        "/residents", data={"csrf_token": token, "name": "Cook", "postcode": "DB1 1AA"}
    )
    assert page.status_code == 200 and "Carol Cook" in page.text
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "resident.search"))
    assert event.actor == "user:caseworker@council.example"
    assert event.detail == {
        "fields": ["name", "postcode"],
        "results": 1,
        "page": 1,
        "residents_shown": [lw.residents["C"]],
    }
    assert "cook" not in str(event.detail).lower() and "DB1" not in str(event.detail)


def test_the_search_page_shows_a_form_then_results_linking_to_each_resident(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    form = client.get("/residents")
    assert (
        form.status_code == 200 and 'id="search"' in form.text and 'id="results"' not in form.text
    )
    page = client.post(
        "/residents",
        data={"csrf_token": token, "dob-day": "2", "dob-month": "2", "dob-year": "1970"},
    )
    assert page.status_code == 200
    assert f'href="/residents/{lw.residents["C"]}">Carol Cook</a>' in page.text
    assert "Showing 1 to 1 of 1 residents" in page.text
    assert "North Food Bank, Testshire Council" in page.text
    refused = client.post("/residents", data={"name": "Cook"})  # no form token
    assert refused.status_code == 403


def test_the_search_page_pages_by_sending_the_search_again(lw, client, db, monkeypatch):
    token = act_as(client, db, lw.users["caseworker"])
    first = client.post("/residents", data={"csrf_token": token, "postcode": "DB1"})
    # 11 residents, 20 a page: one page, no pager.
    assert "Showing 1 to 11 of 11 residents" in first.text and 'id="pages"' not in first.text
    monkeypatch.setattr(search_web, "PAGE_SIZE", 4)
    first = client.post("/residents", data={"csrf_token": token, "postcode": "db1 "})
    assert "Showing 1 to 4 of 11 residents" in first.text and "Page 1 of 3" in first.text
    pager = first.text.split('id="pages"')[1].split("</nav>")[0]
    assert "Previous page" not in pager and ">Next page</button>" in pager
    assert 'name="postcode" value="db1 "' in pager and 'name="page" value="2"' in pager
    assert f'name="csrf_token" value="{token}"' in pager
    second = client.post("/residents", data={"csrf_token": token, "postcode": "db1 ", "page": "2"})
    assert "Showing 5 to 8 of 11 residents" in second.text
    pager = second.text.split('id="pages"')[1].split("</nav>")[0]
    assert 'name="page" value="1"' in pager and 'name="page" value="3"' in pager
    firsts = set(re.findall(r'href="/residents/(\d+)"', first.text.split('id="results"')[1]))
    seconds = set(re.findall(r'href="/residents/(\d+)"', second.text.split('id="results"')[1]))
    assert len(firsts) == len(seconds) == 4 and not firsts & seconds
    beyond = client.post("/residents", data={"csrf_token": token, "postcode": "DB1", "page": "9"})
    assert beyond.status_code == 200 and 'id="results"' not in beyond.text


def test_search_mistakes_are_shown_against_their_fields(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    empty = client.post("/residents", data={"csrf_token": token})
    assert empty.status_code == 400
    assert "Enter a name, date of birth, postcode or reference to search for" in empty.text
    assert 'href="#name"' in empty.text
    wrong = client.post(
        "/residents",
        data={"csrf_token": token, "dob-day": "31", "dob-month": "2", "postcode": "banana"},
    )
    assert wrong.status_code == 400
    assert "Date of birth must include a year" in wrong.text and 'href="#dob-day"' in wrong.text
    assert "Enter a full postcode, like DB4 7QT, or its first half" in wrong.text
    assert 'value="banana"' in wrong.text  # what was typed is kept
    impossible = client.post(
        "/residents",
        data={"csrf_token": token, "dob-day": "31", "dob-month": "2", "dob-year": "1980"},
    )
    assert "Date of birth must be a real date" in impossible.text
    api = client.post(
        SEARCH, headers=bearer(db, lw.users["caseworker"]), json={"postcode": "banana"}
    )
    assert api.status_code == 422
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "postcode" in api.text


def test_the_command_line_searches_the_whole_area_or_one_organisations_view(lw, db):
    from safetynet.cli import app

    runner = CliRunner()
    whole = runner.invoke(app, ["residents", "search", "--name", "dean", "--area", "Testshire"])
    assert whole.exit_code == 0, whole.output
    assert "Dan Dean" in whole.output and "Eve Dean" in whole.output
    assert "Showing 1 to 2 of 2 residents" in whole.output
    north = runner.invoke(app, ["residents", "search", "--name", "dean", "--organisation", "north"])
    assert "Dan Dean" in north.output and "Eve Dean" not in north.output
    wrong = runner.invoke(app, ["residents", "search", "--dob", "banana"])
    assert wrong.exit_code == 2 and "--dob" in wrong.output
    events = db.scalars(select(AuditEvent.actor).where(AuditEvent.action == "resident.search"))
    assert all(actor.startswith("cli:") for actor in events)


def test_the_resident_page_is_headed_by_their_name_with_a_summary_and_the_check(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/residents/{lw.residents['C']}")
    assert "<title>Carol Cook – Safety Net</title>" in page.text
    assert '<h1 class="govuk-heading-l" id="resident-name">Carol Cook</h1>' in page.text
    summary = page.text.split('id="summary"')[1].split("</dl>")[0]
    assert "2 February 1970" in summary and "3 High Street DB1 1AA" in summary
    assert f'href="/residents/{lw.residents["C"]}/entitlements"' in page.text
    act_as(client, db, lw.users["analyst"])  # analysts do not run entitlement checks
    page = client.get(f"/residents/{lw.residents['C']}")
    assert 'id="check-entitlements"' not in page.text and "Carol Cook" in page.text


def _plan(db, condition) -> str:
    """How the store would read `SELECT records.id WHERE condition`, as one string."""
    from sqlalchemy import text

    compiled = select(Record.id).where(condition).compile(db.get_bind())
    connection = db.connection()
    if db.get_bind().dialect.name == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: may, not will
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
        db.rollback()
        return " ".join(r[0] for r in rows)
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    return " ".join(str(r[-1]) for r in rows)


def test_district_and_sector_searches_read_the_postcode_index(db):
    from safetynet.link.search import postcode_condition

    dialect = db.get_bind().dialect.name
    for typed, prefix in (("DB4", True), ("DB4 7", True), ("DB4 7QT", False)):
        plan = _plan(db, postcode_condition(typed, dialect))
        if dialect == "postgresql":  # the prefix is the index condition, not a filter on all
            assert "ix_records_postcode" in plan and "Index Cond" in plan, plan
            assert ("~>=~" in plan) == prefix, plan
        else:
            assert "INDEX ix_records_postcode (postcode" in plan, plan


def test_after_a_bulk_write_sqlite_has_statistics_for_the_search_indexes(lw, db):
    """Without them SQLite guessed an area's residents were a handful and read them all for a
    district search, never the postcode index (PostgreSQL: tests/link/test_runs.py)."""
    from sqlalchemy import text

    from safetynet.db import refresh_statistics

    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's statistics are checked in tests/link/test_runs.py")
    refresh_statistics(db, "records", "residents", "resident_records")
    indexes = {row[0] for row in db.execute(text("SELECT idx FROM sqlite_stat1"))}
    assert {"ix_records_postcode", "ix_records_surname_key", "ix_residents_tenant_id"} <= indexes

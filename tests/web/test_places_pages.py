"""The places page and its API twin: wards or LSOAs ranked where to act, each figure beside the
published file it came from; need counted as on who is missing (and audited as a read)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.places import reference
from safetynet.places import service as places
from tests import factories
from tests.places.test_reference import IMD, NSPL, OFCOM
from tests.web.linkage_world import AS_OF, act_as, bearer
from tests.web.test_gaps_pages import cells

DAY = AS_OF.isoformat()


@pytest.fixture
def files(lw, db, tmp_path):
    tenant = places.council_area(db, "testshire")
    for kind, text in (("postcodes", NSPL), ("deprivation", IMD), ("connectivity", OFCOM)):
        path = factories.csv_file(tmp_path, text, name=f"{kind}.csv")
        reference.import_file(
            db, tenant=tenant, kind=kind, path=path, actor="test", edition=f"{kind} 2026"
        )
    return lw


def test_wards_are_ranked_where_to_act_beside_their_files(files, client, db):
    act_as(client, db, files.users["caseworker"])
    page = client.get(f"/places?as_of={DAY}")
    assert page.status_code == 200
    rows = cells(page.text, "places")
    assert rows[0][:3] == ["Rank", "Ward", "Residents known"]
    assert [r[1] for r in rows[1:]] == ["Old Town", "Northgate"]
    old_town = rows[1]
    assert (
        (old_town[3], old_town[4]) == ("2", "333")
        and old_town[-2] == "25%"
        and old_town[-1].startswith("many missing out")
    )
    listed = cells(page.text, "place-files")
    assert [r[:2] for r in listed[1:]] == [
        ["Ofcom fixed broadband coverage In use", "connectivity 2026"],
        ["English Indices of Deprivation In use", "deprivation 2026"],
        ["ONS postcode directory In use", "postcodes 2026"],
    ]
    read = db.scalars(select(AuditEvent).where(AuditEvent.action == "residents.read")).all()
    assert any(e.reason == "place profiles page" for e in read)


def test_lsoas_and_the_api_twin_agree_with_the_page(files, client, db):
    act_as(client, db, files.users["analyst"])
    page = client.get(f"/places?by=lsoa&as_of={DAY}")
    assert [r[1] for r in cells(page.text, "places")[1:]] == ["E01990002", "E01990001"]
    headers = bearer(db, files.users["analyst"])
    client.cookies.clear()
    answer = client.get(f"/api/v1/places/profiles?as_of={DAY}", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["measures"] == ["missing_per_1000", "imd_score", "no_gigabit_pct", "rural_pct"]
    assert [(p["ward_name"], p["rank"], p["missing"]) for p in body["places"]] == [
        ("Old Town", 1, 2),
        ("Northgate", 2, 1),
    ]
    wrong = client.get("/api/v1/places/profiles?by=street", headers=headers)
    assert wrong.status_code == 422 and "use ward or lsoa" in wrong.text


def test_without_files_the_page_ranks_on_need_and_says_what_to_import(lw, client, db):
    act_as(client, db, lw.users["caseworker"])
    page = client.get(f"/places?as_of={DAY}")
    assert page.status_code == 200
    assert [r[1] for r in cells(page.text, "places")[1:]] == ["Old Town", "Northgate"]
    assert "safetynet places import" in page.text and "(no data: not used)" in page.text


def test_a_partner_without_gap_rights_cannot_open_it(lw, client, db):
    act_as(client, db, lw.users["partner"])
    assert client.get("/places").status_code == 403

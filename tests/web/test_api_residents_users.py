"""The API twins of the resident and user pages' actions, and of the rejected-rows download:
the allowed role's change is in the store and audited as the page audits it; other roles are
refused; another area's ids are as unknown as missing ones; bad JSON names its fields."""

from __future__ import annotations

from sqlalchemy import func, select

from safetynet.accounts import sessions
from safetynet.accounts.models import User, WebSession
from safetynet.accounts.passwords import verify_password
from safetynet.audit import AuditEvent
from safetynet.gaps.models import DoNotContact
from safetynet.link.models import LinkDecision, Resident, ResidentRecord
from safetynet.sources.imports import ImportRequest, run_import
from tests import factories
from tests.web.linkage_world import bearer

PROBLEM = "application/problem+json"
BAD_VISITS = factories.VISITS + "V4,C3,Ann,Lee,31/02/1980,DB1 2AB,,10/11/2026\n"


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def fields(response) -> set[str]:
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    return {e["field"] for e in response.json()["errors"]}


def not_found(response) -> dict:
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    return response.json()


def held(db, resident_id: int) -> set[int]:
    query = select(ResidentRecord.record_id).where(ResidentRecord.resident_id == resident_id)
    return set(db.scalars(query))


# Residents: merge, split, do-not-contact.


def test_an_analyst_merges_two_residents_and_the_merged_id_redirects(lw, client, db):
    headers = bearer(db, lw.users["analyst"])
    d, e = lw.residents["D"], lw.residents["E"]
    keep, gone = sorted((d, e))
    done = client.post(
        f"/api/v1/residents/{e}/merge", headers=headers, json={"other_id": d, "reason": "couple"}
    )
    assert done.status_code == 200
    assert done.json() == {"resident_id": keep, "merged_id": gone}
    db.expire_all()
    assert db.get(Resident, gone).merged_into_id == keep
    assert [(x.origin, x.same_person) for x in db.scalars(select(LinkDecision))] == [
        ("merge", True)
    ]
    [event] = events(db, "link.resident.merge")
    assert (event.entity_id, event.reason, event.detail) == (keep, "couple", {"merged": gone})
    assert event.actor == "user:analyst@council.example"
    moved = client.get(f"/api/v1/residents/{gone}", headers=headers, follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"/api/v1/residents/{keep}"
    again = client.post(
        f"/api/v1/residents/{gone}/merge", headers=headers, json={"other_id": keep, "reason": "x"}
    )
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert len(events(db, "link.resident.merge")) == 1


def test_merge_refuses_bad_json_unknown_and_other_areas_residents_and_other_roles(lw, client, db):
    analyst = bearer(db, lw.users["analyst"])
    d, e = lw.residents["D"], lw.residents["E"]
    path = f"/api/v1/residents/{e}/merge"
    assert fields(client.post(path, headers=analyst, json={"other_id": "x", "reason": " "})) == {
        "other_id",
        "reason",
    }
    assert fields(client.post(path, headers=analyst, content=b"{not json")) != set()
    missing = not_found(
        client.post(path, headers=analyst, json={"other_id": 999_999, "reason": "x"})
    )
    elsewhere = not_found(
        client.post(path, headers=analyst, json={"other_id": lw.other["resident"], "reason": "x"})
    )
    assert missing["detail"].replace("999999", "N") == elsewhere["detail"].replace(
        str(lw.other["resident"]), "N"
    )
    unknown = not_found(
        client.post("/api/v1/residents/999999/merge", headers=analyst, json={"other_id": d})
    )
    other_admin = bearer(db, lw.users["otheradmin"])
    theirs = not_found(client.post(path, headers=other_admin, json={"other_id": d}))
    assert unknown["title"] == theirs["title"]  # checked before the body: nothing leaks
    for role in ("caseworker", "partner"):
        body = {"other_id": d, "reason": "x"}
        assert client.post(path, headers=bearer(db, lw.users[role]), json=body).status_code == 403
    assert events(db, "link.resident.merge") == [] and db.scalar(select(LinkDecision)) is None


def test_an_admin_splits_records_off_to_a_new_resident(lw, client, db):
    headers = bearer(db, lw.users["admin"])
    c = lw.residents["C"]
    moving = lw.records["C-2"]
    done = client.post(
        f"/api/v1/residents/{c}/split",
        headers=headers,
        json={"record_ids": [moving], "reason": "not her"},
    )
    assert done.status_code == 200
    new = done.json()["new_resident_id"]
    assert done.json() == {"resident_id": c, "new_resident_id": new, "record_ids": [moving]}
    db.expire_all()
    assert new != c and held(db, new) == {moving}
    assert moving not in held(db, c) and held(db, c)
    assert [x.same_person for x in db.scalars(select(LinkDecision))] == [False]
    [event] = events(db, "link.resident.split")
    assert (event.entity_id, event.reason) == (c, "not her")
    assert event.detail == {"new_resident": new, "records": 1}


def test_split_refuses_bad_json_records_not_theirs_unknown_ids_and_other_roles(lw, client, db):
    analyst = bearer(db, lw.users["analyst"])
    c = lw.residents["C"]
    path = f"/api/v1/residents/{c}/split"
    assert fields(client.post(path, headers=analyst, json={"record_ids": [], "reason": ""})) == {
        "record_ids",
        "reason",
    }
    assert fields(client.post(path, headers=analyst, json={"record_ids": ["a"]})) == {
        "record_ids.0",
        "reason",
    }
    everything = sorted(held(db, c))
    for ids in (everything, [lw.records["A-1"]]):  # all of them, or another resident's
        refused = client.post(path, headers=analyst, json={"record_ids": ids, "reason": "x"})
        assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
        assert "some, not all" in refused.json()["detail"]
    body = {"record_ids": [lw.records["C-2"]], "reason": "x"}
    not_found(client.post("/api/v1/residents/999999/split", headers=analyst, json=body))
    other = lw.other["resident"]
    not_found(client.post(f"/api/v1/residents/{other}/split", headers=analyst, json=body))
    not_found(client.post(path, headers=bearer(db, lw.users["otheradmin"]), json=body))
    for role in ("caseworker", "partner"):
        assert client.post(path, headers=bearer(db, lw.users[role]), json=body).status_code == 403
    assert events(db, "link.resident.split") == []
    assert db.scalar(select(func.count(Resident.id))) == len(lw.residents) + 1  # + Otherton's


def test_a_caseworker_puts_a_resident_on_the_do_not_contact_list(lw, client, db):
    headers = bearer(db, lw.users["caseworker"])
    a = lw.residents["A"]
    path = f"/api/v1/residents/{a}/do-not-contact"
    done = client.post(path, headers=headers, json={"reason": "asked"})
    assert done.status_code == 200
    assert done.json() == {"resident_id": a, "do_not_contact": True, "added": True}
    wish = db.scalar(select(DoNotContact))
    assert (wish.resident_id, wish.reason, wish.added_by) == (
        a,
        "asked",
        "user:caseworker@council.example",
    )
    [event] = events(db, "resident.do_not_contact")
    assert (event.entity_id, event.reason) == (a, "asked")
    again = client.post(path, headers=headers, json={"reason": "asked again"})
    assert again.status_code == 200 and again.json()["added"] is False
    assert len(events(db, "resident.do_not_contact")) == 1
    seen = client.get(f"/api/v1/residents/{a}", headers=headers).json()
    assert seen["do_not_contact"] is True


def test_do_not_contact_refuses_bad_json_unknown_and_other_areas_residents_and_partners(
    lw, client, db
):
    worker = bearer(db, lw.users["caseworker"])
    a = lw.residents["A"]
    path = f"/api/v1/residents/{a}/do-not-contact"
    assert fields(client.post(path, headers=worker, json={"reason": "  "})) == {"reason"}
    assert fields(client.post(path, headers=worker, json={"reason": "x", "extra": 1})) == {"extra"}
    not_found(client.post("/api/v1/residents/999999/do-not-contact", headers=worker, json={}))
    other = lw.other["resident"]
    not_found(
        client.post(
            f"/api/v1/residents/{other}/do-not-contact", headers=worker, json={"reason": "x"}
        )
    )
    not_found(client.post(path, headers=bearer(db, lw.users["otheradmin"]), json={"reason": "x"}))
    partner = client.post(path, headers=bearer(db, lw.users["partner"]), json={"reason": "x"})
    assert partner.status_code == 403
    assert db.scalar(select(DoNotContact)) is None and events(db, "resident.do_not_contact") == []


# Users: reactivate, reset password, revoke sessions.


def user(db, world, name: str) -> User:
    db.expire_all()
    found = db.get(User, world.users[name].id)
    assert found is not None
    return found


def admin_headers(world, name: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def test_an_admin_reactivates_a_user(world, client, db):
    target = world.users["target"]
    deactivated = client.post(f"/api/v1/users/{target.id}/deactivate", headers=admin_headers(world))
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    done = client.post(f"/api/v1/users/{target.id}/reactivate", headers=admin_headers(world))
    assert done.status_code == 200
    assert (done.json()["id"], done.json()["is_active"]) == (target.id, True)
    assert user(db, world, "target").is_active is True
    [event] = events(db, "user.reactivate")
    assert (event.entity_id, event.user_id) == (target.id, world.users["admin"].id)
    again = client.post(f"/api/v1/users/{target.id}/reactivate", headers=admin_headers(world))
    assert again.status_code == 200 and len(events(db, "user.reactivate")) == 1


def test_an_admin_resets_a_password_shown_once_and_the_users_sessions_end(world, client, db):
    target = world.users["target"]
    sessions.start_session(db, target)
    done = client.post(f"/api/v1/users/{target.id}/reset-password", headers=admin_headers(world))
    assert done.status_code == 200
    password = done.json()["password"]
    assert done.json()["user"]["id"] == target.id and len(password) >= 12
    assert verify_password(user(db, world, "target").password_hash, password)
    assert db.scalar(select(func.count()).where(WebSession.user_id == target.id)) == 0
    [event] = events(db, "user.password_reset")
    assert event.entity_id == target.id and password not in str(event.detail)
    second = client.post(f"/api/v1/users/{target.id}/reset-password", headers=admin_headers(world))
    assert second.json()["password"] != password


def test_an_admin_revokes_a_users_sessions_and_learns_how_many_ended(world, client, db):
    target = world.users["target"]
    for _ in range(2):
        sessions.start_session(db, target)
    done = client.post(f"/api/v1/users/{target.id}/revoke-sessions", headers=admin_headers(world))
    assert done.status_code == 200
    assert done.json() == {"user_id": target.id, "sessions_ended": 2}
    assert db.scalar(select(func.count()).where(WebSession.user_id == target.id)) == 0
    [event] = events(db, "user.sessions_revoke")
    assert event.entity_id == target.id
    again = client.post(f"/api/v1/users/{target.id}/revoke-sessions", headers=admin_headers(world))
    assert again.json()["sessions_ended"] == 0


def test_the_user_actions_refuse_other_roles_other_areas_and_unknown_users(world, client, db):
    target = world.users["target"]
    before = user(db, world, "target").password_hash
    for action in ("reactivate", "reset-password", "revoke-sessions"):
        path = f"/api/v1/users/{target.id}/{action}"
        for role in ("analyst", "caseworker", "partner"):
            assert client.post(path, headers=admin_headers(world, role)).status_code == 403
        theirs = not_found(client.post(path, headers=admin_headers(world, "otheradmin")))
        unknown = not_found(
            client.post(f"/api/v1/users/999999/{action}", headers=admin_headers(world))
        )
        assert theirs["title"] == unknown["title"]
        assert str(target.id) not in theirs["detail"].replace(f"id {target.id}.", "")
    assert user(db, world, "target").password_hash == before
    for action in ("user.reactivate", "user.password_reset", "user.sessions_revoke"):
        assert events(db, action) == []


# Imports: the rejected rows, downloaded with a reason.


def test_rejected_rows_are_downloaded_with_a_reason_and_audited(world, client, db, tmp_path):
    path = factories.csv_file(tmp_path, BAD_VISITS, name="bad.csv")
    outcome = run_import(
        db,
        ImportRequest(
            path=path, organisation="north", source="skip-list", kind="advice_clients",
            skip_invalid_rows=True,
        ),
        actor="test",
    )  # fmt: skip
    import_id = outcome.import_id
    route = f"/api/v1/imports/{import_id}/rejected"
    assert fields(client.post(route, headers=admin_headers(world, "partner"), json={})) == {
        "reason"
    }
    done = client.post(
        route, headers=admin_headers(world, "partner"), json={"reason": "send back to correct"}
    )
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
    assert "31/02/1980" in done.text and "V4" in done.text
    [event] = events(db, "export.rejected_rows")
    assert (event.entity_id, event.reason) == (import_id, "send back to correct")
    assert event.detail == {"rows": 1, "format": "csv"}
    body = {"reason": "x"}
    not_found(client.post(route, headers=admin_headers(world, "southpartner"), json=body))
    not_found(client.post(route, headers=admin_headers(world, "otheradmin"), json={}))
    not_found(
        client.post("/api/v1/imports/999999/rejected", headers=admin_headers(world), json=body)
    )
    assert len(events(db, "export.rejected_rows")) == 1

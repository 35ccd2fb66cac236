"""What managers read (issue 13): spend by partner and ward, a payee's history one click from an
award with every view audited, and people enrolled by two partners flagged through linkage."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.errors import NotFound
from safetynet.payments import awards, reports, schemes
from safetynet.places.models import Ward, WardPostcode
from tests.payments.conftest import START, linked_person, person


def _approved(db, pw, org: str, pence: int, postcode: str | None = None):
    enrolment = schemes.enrol(db, pw[org], pw.scheme.id, person(method="cash", postcode=postcode))
    award = awards.request_award(db, pw[org], awards.AwardRequest(enrolment.id, pence, START))
    awards.decide(db, pw[f"{org}2"], award.id, approve=True)
    return enrolment


def _ward(db, tenant_id: int, code: str, name: str, *postcodes: str) -> None:
    ward = Ward(tenant_id=tenant_id, code=code, name=name, imported_by="test")
    db.add(ward)
    db.flush()
    db.add_all(WardPostcode(tenant_id=tenant_id, postcode=p, ward_id=ward.id) for p in postcodes)
    db.commit()


def test_spend_is_split_by_partner_and_by_ward_and_a_partner_sees_its_own(db, pw):
    _ward(db, pw.scheme.tenant_id, "E05000001", "Hillside", "DB1 1AA")
    _ward(db, pw.scheme.tenant_id, "E05000002", "Riverside", "DB2 2BB")
    _approved(db, pw, "north", 5_000, "db1 1aa")
    _approved(db, pw, "north", 2_500, "DB2 2BB")
    _approved(db, pw, "south", 4_000, "DB1 1AA")
    _approved(db, pw, "south", 1_000)  # no postcode given
    council = reports.spend(db, pw["admin"], pw.scheme.id)
    assert council.committed == 12_500 and council.budget == 100_000_00
    assert council.by_partner == [("North Org", 7_500, 0), ("South Org", 5_000, 0)]
    assert council.by_ward == [("Hillside", 9_000), ("Riverside", 2_500), ("Ward not known", 1_000)]
    north = reports.spend(db, pw["north"], pw.scheme.id)
    assert north.committed == 7_500 and north.fund_left == 0
    assert north.by_partner == [("North Org", 7_500, 0)]
    assert north.by_ward == [("Hillside", 5_000), ("Riverside", 2_500)]
    with pytest.raises(NotFound):
        reports.spend(db, pw["otheradmin"], pw.scheme.id)


def _payee_views(db) -> list[tuple[int | None, int | None]]:
    rows = db.execute(
        select(AuditEvent.user_id, AuditEvent.entity_id).where(
            AuditEvent.action == "payments.payee_view"
        )
    ).all()
    return [tuple(r) for r in rows]


def test_every_view_of_a_payee_is_audited_and_only_those_in_scope_see_one(db, pw):
    from fastapi.testclient import TestClient

    from safetynet.web.app import create_app
    from tests.payments.conftest import PASSWORD
    from tests.web.conftest import sign_in

    enrolment = _approved(db, pw, "north", 5_000)
    history = reports.payee(db, pw["admin"], enrolment.id)
    assert [a.amount_pence for a in history.awards] == [5_000]
    reports.payee(db, pw["north"], enrolment.id)
    for outsider in ("south", "otheradmin"):
        with pytest.raises(NotFound):
            reports.payee(db, pw[outsider], enrolment.id)
    assert _payee_views(db) == [
        (pw["admin"].user_id, enrolment.id),
        (pw["north"].user_id, enrolment.id),
    ]
    client = TestClient(create_app())
    sign_in(client, "north@north.example", PASSWORD)
    award_page = client.get(f"/payments/awards/{history.awards[0].id}").text
    assert f'href="/payments/enrolments/{enrolment.id}"' in award_page  # one click away
    page = client.get(f"/payments/enrolments/{enrolment.id}")
    assert page.status_code == 200 and "£50.00" in page.text
    assert len(_payee_views(db)) == 3


def test_a_person_enrolled_by_two_partners_is_flagged_each_seeing_only_its_own(db, pw, tmp_path):
    resident = linked_person(db, tmp_path)
    at_north = schemes.enrol(db, pw["north"], pw.scheme.id, person(partner_ref="C1"))
    at_south = schemes.enrol(db, pw["south"], pw.scheme.id, person(partner_ref="C1"))
    schemes.enrol(db, pw["south"], pw.scheme.id, person("Pat", partner_ref="C2"))  # not linked
    schemes.enrol(db, pw["north"], pw.scheme.id, person("Sam again"))  # no resident known
    flagged = reports.duplicates(db, pw["admin"], pw.scheme.id)
    assert [(d.resident_id, d.enrolment_ids, d.organisations) for d in flagged] == [
        (resident, [at_north.id, at_south.id], 2)
    ]
    north = reports.duplicates(db, pw["north"], pw.scheme.id)
    assert [(d.enrolment_ids, d.organisations) for d in north] == [([at_north.id], 2)]
    assert [d.enrolment_ids for d in reports.duplicates(db, pw["south"], pw.scheme.id)] == [
        [at_south.id]
    ]
    with pytest.raises(NotFound):
        reports.duplicates(db, pw["otheradmin"], pw.scheme.id)


@pytest.mark.nostore
def test_the_simulator_command_serves_the_provider_on_the_port_given(tmp_path):
    import json
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"SAFETYNET_DATA_DIR": str(tmp_path)}
    env.pop("SAFETYNET_DATABASE_URL", None)
    command = [sys.executable, "-m", "safetynet", "payments", "simulator", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/stats", timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.1)
        body = {"transfers": [{"reference": "SN-1", "amount_pence": 5_000, "payee": "p"}]}
        ask = urllib.request.Request(
            f"{url}/transfers", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        for _ in range(2):  # the same reference twice: one transfer
            urllib.request.urlopen(ask, timeout=5).close()
        with urllib.request.urlopen(f"{url}/stats", timeout=5) as answer:
            assert json.load(answer)["transfers"] == 1
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert f"Payment provider simulator on http://127.0.0.1:{port}" in output
    assert server.returncode == 0, output

"""Triage forms travel in a pack: the area's own form as uploaded, diffed, applied as the next
version in the taking area (the questionnaire its staff then use), and refused with the form
named when it does not read."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.errors import InvalidInput
from safetynet.packs import service
from safetynet.packs.schemas import checksum
from safetynet.triage.forms import default_form
from safetynet.triage.models import TriageForm
from safetynet.triage.service import ensure_default_form, store_form


def _own_form() -> tuple[bytes, str]:
    """The shipped form with Testshire's own opening words and title."""
    content, _ = default_form()
    text = content.decode()
    text = text.replace("These questions help us", "Testshire's questions help us")
    text = text.replace("| | Digital inclusion triage |", "| | Testshire digital triage |")
    return text.encode(), "testshire_triage.md"


def _forms(db, tenant) -> list[tuple[str, int, str]]:
    rows = db.execute(
        select(TriageForm.form_id, TriageForm.version, TriageForm.title)
        .where(TriageForm.tenant_id == tenant.id)
        .order_by(TriageForm.id)
    )
    return [tuple(r) for r in rows]


def test_the_areas_own_form_is_exported_diffed_and_applied_as_the_next_version(db, areas):
    ensure_default_form(db, areas[1].id, "test")  # Otherton uses the shipped form
    store_form(db, areas[0].id, *_own_form(), "test")
    pack = json.loads(service.export_pack(db, areas[0].id, actor="test"))
    item = pack["sections"]["triage_forms"]["digital_inclusion"]
    assert set(item) == {"title", "filename", "sha256", "content_base64"}
    assert item["title"] == "Testshire digital triage"
    content = base64.b64decode(item["content_base64"])
    assert content == _own_form()[0] and hashlib.sha256(content).hexdigest() == item["sha256"]

    data = json.dumps(pack).encode()
    found = service.diff_pack(db, areas[1].id, service.read_pack(data))
    assert found.summary()["triage_forms"]["changed"] == 1
    service.apply_pack(db, areas[1].id, data, actor="test", expect_state=found.state)
    assert _forms(db, areas[1]) == [
        ("digital_inclusion", 1, "Digital inclusion triage"),
        ("digital_inclusion", 2, "Testshire digital triage"),
    ]
    upload = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "triage.form_upload",
                                 AuditEvent.tenant_id == areas[1].id)
        .order_by(AuditEvent.id.desc())
    ).first()  # fmt: skip
    assert upload.detail["source_council"] == "Testshire" and upload.detail["version"] == 2
    assert service.diff_pack(db, areas[1].id, service.read_pack(data)).changes == 0


def test_an_area_with_no_form_of_its_own_exports_the_shipped_one(db, areas):
    pack = json.loads(service.export_pack(db, areas[0].id, actor="test"))
    item = pack["sections"]["triage_forms"]["digital_inclusion"]
    assert base64.b64decode(item["content_base64"]) == default_form()[0]
    assert _forms(db, areas[0]) == []  # exporting stores nothing


def _sealed(pack: dict, form: dict) -> bytes:
    pack["sections"]["triage_forms"] = form
    items = pack["sections"]["triage_forms"]
    pack["manifest"]["parts"]["triage_forms"] = {"sha256": checksum(items), "items": len(items)}
    return json.dumps(pack).encode()


def _item(content: bytes, filename: str = "intake.md") -> dict:
    return {"title": "Intake", "filename": filename, "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode()}  # fmt: skip


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"intake": _item(b"| survey |\n| | type | name |\n| | nonsense | x |\n")},
         "triage form 'intake': intake.md cannot be used as a triage form"),
        ({"intake": _item(default_form()[0])},
         "triage form 'intake': the file's form id is 'digital_inclusion'"),
        ({"intake": _item(b"x", "../etc/passwd.md")},
         "field 'filename': must be a plain file name"),
        ({"intake": {**_item(b"x"), "sha256": "0" * 64}},
         "its content differs from its sha256"),
    ],
)  # fmt: skip
def test_a_form_that_does_not_read_is_refused_naming_it_and_nothing_is_stored(
    db, areas, form, message
):
    pack = json.loads(service.export_pack(db, areas[0].id, actor="test"))
    with pytest.raises(InvalidInput) as refused:
        service.apply_pack(db, areas[1].id, _sealed(pack, form), actor="test")
    assert message in str(refused.value) + " ".join(refused.value.details or [])
    assert _forms(db, areas[1]) == []

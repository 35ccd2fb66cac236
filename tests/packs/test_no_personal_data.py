"""No personal data ever goes into a pack: by construction (each item carries only its
schema's fields) and by a scan of a pack exported from the demo borough for every resident's
name, date of birth, postcode, phone, email and anything shaped like an NI number."""

from __future__ import annotations

import base64
import json
import re

from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.cli import app
from safetynet.packs import sections, service
from safetynet.places import service as places
from safetynet.sources.models import Record
from tests.packs.conftest import point_at

NI_NUMBER = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)


def _identifiers(db) -> set[str]:
    """Everything that identifies a demo resident, as it might be written."""
    found: set[str] = set()
    for r in db.scalars(select(Record)):
        if r.forename and r.surname:
            found.add(f"{r.forename} {r.surname}".lower())
        found |= {(v or "").lower() for v in (r.name_raw, r.email, r.phone, r.address)} - {""}
        if r.dob:
            found |= {r.dob.isoformat(), r.dob.strftime("%d/%m/%Y")}
        if r.postcode:
            found |= {r.postcode.lower(), r.postcode.replace(" ", "").lower()}
    return found


def _forms(pack: dict) -> list[dict]:
    return list(pack["sections"]["triage_forms"].values())


def test_a_pack_exported_from_the_demo_borough_holds_no_resident(db, tmp_path, monkeypatch,
                                                                 source_council):  # fmt: skip
    result = CliRunner().invoke(app, ["demo", "run", "--people", "600", "--seed", "5"])
    assert result.exit_code == 0, result.output
    point_at(monkeypatch, source_council)
    tenant = places.council_area(db, None)
    data = service.export_pack(db, tenant.id, actor="test")
    pack = json.loads(data)
    forms = [base64.b64decode(f["content_base64"]) for f in _forms(pack)]
    assert forms  # the triage forms are read as files, not as their base64
    text = "\n".join([data.decode(), *(f.decode("utf-8", "replace") for f in forms)]).lower()
    identifiers = _identifiers(db)
    assert len(identifiers) > 500  # the scan looks for something real
    assert sorted(i for i in identifiers if i in text) == []
    assert NI_NUMBER.findall(text) == []
    for name, items in pack["sections"].items():
        allowed = set(sections.get(name).item.model_fields)
        assert items and all(set(item) <= allowed for item in items.values()), name

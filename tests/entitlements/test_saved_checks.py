"""Checks kept on purpose: a caseworker's, pre-filled from the sources and saved to the
resident; a resident's self-check, kept only when shared with consent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from safetynet.accounts import service as accounts
from safetynet.audit import AuditEvent
from safetynet.entitlements import checks, screening, service
from safetynet.entitlements.models import EntitlementCheck
from safetynet.errors import InvalidInput, NotFound, PermissionDenied
from tests.entitlements.linked_area import build_area


def user(db: Any, role: str, organisation: str = "north") -> Any:
    return accounts.create_user(
        db,
        email=f"{role}@{organisation}.example",
        full_name="A Person",
        organisation=organisation,
        role=role,
        password="a long enough passphrase 42",
        actor="test",
    )


@pytest.fixture
def area(db: Any) -> dict[str, int]:
    return build_area(db)


SETUP = {"year": 2025, "local_authority": "Sheffield", "brma": None, "council_tax": 1_800}


def test_a_caseworker_check_is_prefilled_from_the_sources_and_saved(db, area) -> None:
    caseworker = user(db, "caseworker")
    found = checks.prefill(db, caseworker, area["partner"], screening.assumptions(**SETUP))
    assert found is not None and found.household is not None
    # Both adults of the household and the child from the free school meals list.
    assert sorted(p.age for p in found.household.people) == [8, 33, 35]
    assert found.provenance["children"]["kind"] == "free_school_meals"
    result = service.check_household(found.household, schemes=[])
    saved = checks.save_caseworker_check(
        db, caseworker, area["partner"], found.household, result, found.provenance
    )
    assert saved.benefits == {"universal_credit": 1_105_092, "child_benefit": 135_460}
    assert saved.total_pence == 1_240_552 and saved.kind == "caseworker"
    listed = checks.checks_for_resident(db, caseworker, area["partner"])
    assert [c.id for c in listed] == [saved.id]
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"entitlements.prefill", "entitlements.check.save", "entitlements.check.view"} <= actions


def test_only_caseworkers_and_admins_of_the_area_may_check_a_resident(db, area) -> None:
    analyst = user(db, "analyst")
    with pytest.raises(PermissionDenied):
        checks.checks_for_resident(db, analyst, area["parent"])
    accounts.create_organisation(
        db, name="Elsewhere", kind="charity", tenant="Otherplace", slug="elsewhere", actor="test"
    )
    outsider = user(db, "caseworker", organisation="elsewhere")
    with pytest.raises(NotFound):
        checks.checks_for_resident(db, outsider, area["parent"])


def test_a_self_check_is_kept_only_with_consent_and_a_way_to_call_back(db, area) -> None:
    from safetynet.entitlements.schemas import parse_household

    household = parse_household(
        {
            "year": 2025,
            "local_authority": "Sheffield",
            "tenure": "owner_outright",
            "people": [{"age": 30}],
        }
    )
    result = service.check_household(household, schemes=[])
    with pytest.raises(InvalidInput, match="explicit consent"):
        checks.share_self_check(
            db, 1, household, result, contact={"phone": "0114 496 0000"}, consent_text=" "
        )
    with pytest.raises(InvalidInput, match="contact"):
        checks.share_self_check(
            db, 1, household, result, contact={"phone": ""}, consent_text="I agree"
        )
    assert db.scalar(select(func.count()).select_from(EntitlementCheck)) == 0
    saved = checks.share_self_check(
        db,
        1,
        household,
        result,
        contact={"phone": "0114 496 0000"},
        consent_text="Call me back about these results",
    )
    assert saved.kind == "self_check" and saved.resident_id is None
    assert saved.consent and saved.consent["text"] == "Call me back about these results"
    assert saved.benefits == {"universal_credit": 480_168}

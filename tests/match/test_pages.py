"""The matching pages: a need described, ranked matches with their reasons, a referral made
and moved on; a badly described need refused by field with what was typed kept."""

from __future__ import annotations

import re

import numpy as np
from sqlalchemy import select

from safetynet.audit import AuditEvent
from safetynet.match.area import area_loader
from safetynet.match.models import RankerModel, Referral
from safetynet.match.ranker import RANKER_FEATURES, TrainingSet, trial
from safetynet.match.score import FEATURES, weight_vector
from tests.web.conftest import csrf_of, sign_in


def _signed_in(client, area, who: str = "caseworker@tc.example") -> str:
    client.app.dependency_overrides[area_loader] = lambda: (lambda tenant_id: area.cols)
    assert sign_in(client, who, "a long test passphrase").status_code == 303
    page = client.get(f"/residents/{area.resident_id}/matches")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


NEED = {"needs": ["debt", "housing"], "formats": ["in_person", "phone"], "languages": "en",
        "max_cost": "", "max_distance_km": "8", "lat": "53.38", "lon": "-1.47",
        "low_income": "yes"}


def test_a_caseworker_finds_matches_with_reasons_and_refers(db, area, client) -> None:
    token = _signed_in(client, area)
    url = f"/residents/{area.resident_id}"
    shown = client.post(f"{url}/matches", data=NEED | {"csrf_token": token})
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert "best of" in html and "helps with" in html and "Points" in html
    ids = re.findall(r'name="service_id" type="checkbox" value="(\d+)"', html)
    assert len(ids) == 10
    # the need travels on with the referral form, and the ranking is worked out again
    made = client.post(f"{url}/referrals", data=NEED | {"csrf_token": token,
                                                       "service_id": ids[:2]})
    assert made.status_code == 303 and made.headers["location"].endswith("done=referred")
    kept = list(db.scalars(select(Referral).order_by(Referral.position)))
    assert [str(r.service_id) for r in kept] == ids[:2] and [r.position for r in kept] == [1, 2]
    page = client.get(f"{url}/matches?done=referred").text
    assert "Referral made." in page and kept[0].service_name in page
    moved = client.post(f"/match/referrals/{kept[0].id}/status",
                        data={"status": "accepted", "outcome": "First visit booked",
                              "csrf_token": token})
    assert moved.status_code == 303
    db.expire_all()
    assert db.get(Referral, kept[0].id).status == "accepted"
    assert "First visit booked" in client.get(f"{url}/matches").text
    actions = list(db.scalars(select(AuditEvent.action)))
    assert {"match.viewed", "match.refer", "match.referral_status"} <= set(actions)


def test_a_badly_described_need_is_refused_by_field_and_kept(db, area, client) -> None:
    token = _signed_in(client, area)
    bad = NEED | {"max_distance_km": "far", "csrf_token": token}
    refused = client.post(f"/residents/{area.resident_id}/matches", data=bad)
    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert "Furthest they can travel, in km: enter a number" in refused.text
    assert 'value="far"' in refused.text and 'href="#max_distance_km"' in refused.text
    wrong_age = client.post(f"/residents/{area.resident_id}/matches",
                            data=NEED | {"age": "200", "csrf_token": token})
    assert wrong_age.status_code == 400 and 'href="#age"' in wrong_age.text


def test_referring_with_nothing_ticked_says_so(db, area, client) -> None:
    token = _signed_in(client, area)
    refused = client.post(f"/residents/{area.resident_id}/referrals",
                          data=NEED | {"csrf_token": token})
    assert refused.status_code == 400 and "Choose at least one service" in refused.text
    assert db.scalar(select(Referral.id)) is None


def test_a_form_without_its_token_is_refused(db, area, client) -> None:
    _signed_in(client, area)
    assert client.post(f"/residents/{area.resident_id}/matches", data=NEED).status_code == 403


def test_the_page_says_why_a_trained_ranker_is_not_used(db, area, client) -> None:
    # a ranker judged on outcomes that follow the score exactly cannot beat it
    rng = np.random.default_rng(4)
    data = TrainingSet()
    for _ in range(40):
        x = rng.random((5, len(RANKER_FEATURES)))
        labels = np.zeros(5, dtype=int)
        labels[np.argsort(-(x[:, : len(FEATURES)] @ weight_vector()))[:2]] = [2, 1]
        data.add_group(x.tolist(), labels.tolist())
    tried = trial(data, seed=7)
    assert tried is not None and not tried.adopted
    db.add(RankerModel(tenant_id=area.people["caseworker"].tenant_id, outcomes=160, groups=32,
                       seed=7, features=list(RANKER_FEATURES),
                       model=tried.ranker.booster.model_to_string(), detail=tried.detail(),
                       trained_by="test"))
    db.commit()
    token = _signed_in(client, area)
    html = client.post(f"/residents/{area.resident_id}/matches",
                       data=NEED | {"csrf_token": token}).text
    assert "The order is a score" in html and "was tried and not used" in html
    assert f"{tried.ranker_ndcg:.3f} against the weighted score&#39;s 1.000" in html

"""The area's providers come from the directory: translated into the engine's terms, kept as
columns until the directory changes, and ranked for a resident through the real doors."""

from __future__ import annotations

from safetynet.directory import service as directory
from safetynet.directory import synthetic
from safetynet.match.area import area_columns, area_providers
from safetynet.match.engine import rank
from safetynet.match.model import Seeker
from safetynet.match.rules import broken_rules
from safetynet.match.service import forget_columns

SIZE = synthetic.Size(services=40, counsellors=60, vacancies=15)


def _import(db, area, seed: int = 7) -> None:
    feed = synthetic.directory(seed=seed, area="Testshire", size=SIZE)
    directory.import_feed(db, area.people["analyst"], feed, origin="test")


def test_the_directory_becomes_the_engines_providers(db, area) -> None:
    _import(db, area)
    tenant = area.people["analyst"].tenant_id
    found = {p.id: p for p in area_providers(db, tenant)}
    rows = {r.service_id: r for r in directory.providers(db, tenant)}
    assert set(found) == set(rows) and len(found) == 115
    kinds = {p.kind for p in found.values()}
    assert kinds == {"service", "counsellor", "vacancy"}
    counsellors = [p for p in found.values() if p.kind == "counsellor"]
    assert all(p.gender in {"female", "male", "non-binary"} for p in counsellors)
    assert any(p.concessions and 0 < p.concession_cost_pence < p.cost_pence for p in counsellors)
    assert all(f in {"in_person", "phone", "video"} for p in found.values() for f in p.formats)
    services = [p for p in found.values() if p.kind == "service"]
    assert all(p.categories for p in services)  # the demo service types are their needs
    assert all("en" in p.languages for p in found.values())
    vacancies = [p for p in found.values() if p.kind == "vacancy"]
    assert all(p.pay_pence_per_hour and p.hours_per_week for p in vacancies)


def test_columns_are_kept_until_the_directory_changes(db, area) -> None:
    forget_columns()
    _import(db, area)
    tenant = area.people["analyst"].tenant_id
    first = area_columns(db, tenant)
    assert area_columns(db, tenant) is first
    _import(db, area, seed=8)
    again = area_columns(db, tenant)
    assert again is not first and len(again) == 230


def test_a_resident_is_matched_to_the_directorys_providers(db, area) -> None:
    _import(db, area)
    cols = area_columns(db, area.people["analyst"].tenant_id)
    need = next(iter(sorted(cols.categories.codes)))
    seeker = Seeker(needs=frozenset({need}), kind="service", lat=53.38, lon=-1.47,
                    max_distance_km=10, max_cost_pence=None)
    ranking = rank(cols, seeker)
    assert ranking.matches
    for m in ranking.matches:
        assert need in m.provider.categories and broken_rules(m.provider, seeker) == []

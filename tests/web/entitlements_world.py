"""Objects the entitlement pages need in the web tests' small world: a resident per area."""

from __future__ import annotations

from typing import Any

from safetynet.db import open_session
from safetynet.link.models import LinkRun, Resident
from tests.web.conftest import World


def resident_in(world: World, area: str) -> int:
    """A resident of the area (made by its link run) — the same one each time it is asked for."""
    key = f"resident:{area}"
    if key not in world.ids:
        with open_session() as session:
            run = session.get(LinkRun, world.ids[f"run:{area}"])
            assert run is not None
            resident = Resident(tenant_id=run.tenant_id, created_by_run_id=run.id)
            session.add(resident)
            session.commit()
            world.ids[key] = resident.id
    return world.ids[key]


def target(world: World, kind: str, area: str) -> dict[str, Any]:
    """Path parameters for a self-check question or an area's resident."""
    if kind == "question":
        return {"question_id": "age"}
    return {"resident_id": resident_in(world, area)}

"""Place profiles for a signed-in person: the gap rules read as that person may read them (a
partner's staff count their own clients), place measures from the area's published files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput
from safetynet.gaps import access as gaps_access
from safetynet.gaps import recent
from safetynet.gaps import service as gaps
from safetynet.places import profiles, reference
from safetynet.places.models import PlaceFile


@dataclass
class PlacesPage:
    """What the places page shows."""

    as_of: date
    by: str
    found: profiles.Profiles | None
    files: list[PlaceFile]
    problem: str | None = None
    clients_only: bool = False


def places_page(
    session: Session, principal: Principal, as_of: date, by: str = "ward"
) -> PlacesPage:
    """Profiles of the person's area ranked where to act, and the files they came from."""
    principal.require("gaps.view")
    if by not in ("ward", "lsoa"):
        raise InvalidInput(f"'{by}' is not a way to group places: use ward or lsoa.")
    reader = gaps_access.reader(session, principal)
    files = reference.files(session, principal.tenant_id)
    try:
        result = recent.gaps_as_of(
            session,
            reader,
            gaps.rulebook(session=session, tenant_id=principal.tenant_id),
            as_of=as_of,
            purpose="place profiles page",
        )
    except InvalidInput as empty:
        return PlacesPage(as_of, by, None, files, problem=empty.message)
    if by == "lsoa":
        found = profiles.lsoa_profiles(session, principal.tenant_id, result)
    else:
        found = profiles.ward_profiles(session, principal.tenant_id, result)
    return PlacesPage(as_of, by, found, files, clients_only=reader.clients_of is not None)

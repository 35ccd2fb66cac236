"""Councils as residents name them, and which of them the self-check serves.

A resident types the council they pay council tax to as they know it ("Sheffield City
Council", "bristol", "Royal Borough of Greenwich"); this finds the engine's council, or
suggests the closest names when there is a typo. The settings say which councils the
service covers and which council area takes each one's call-backs
(`SAFETYNET_SELF_CHECK_COUNCILS`), and who runs it (`SAFETYNET_SELF_CHECK_COUNCIL_NAME`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts.models import Tenant
from safetynet.config import get_settings
from safetynet.entitlements.schemas import engine_places, resolve_place
from safetynet.errors import InvalidInput

# Words residents add to a council's name that the engine's names leave out.
FILLER = {"council", "city", "of", "the", "borough", "district", "metropolitan", "royal", "county"}
# A suggestion must be at least this similar (0 to 100, rapidfuzz's WRatio).
SUGGEST_SCORE = 80
# ...and, of several, no more than this much less similar than the closest.
CLOSE_TO_BEST = 5


@dataclass(frozen=True)
class Found:
    """The engine's council for what the resident typed, or the closest names to suggest."""

    name: str | None  # the engine's internal name (e.g. SHEFFIELD)
    label: str | None  # as residents read it (e.g. Sheffield)
    suggestions: tuple[str, ...] = ()


def _words(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.lower())
    kept = [w for w in cleaned.split() if w not in FILLER]
    return " ".join(kept) or " ".join(cleaned.split())


@cache
def _index() -> dict[str, list[str]]:
    """The councils' names without filler words -> the engine's names."""
    found: dict[str, list[str]] = {}
    for name, label in engine_places()["local_authorities"].items():
        found.setdefault(_words(label), []).append(name)
    return found


def find(text: str) -> Found:
    """The council a resident means, by the engine's name or label, with or without "City
    Council" and the like; else up to three close names to suggest."""
    labels = engine_places()["local_authorities"]
    try:
        name = resolve_place(text, "local_authorities", "council")
    except ValueError:
        names = _index().get(_words(text), [])
        if len(names) == 1:
            return Found(names[0], display(labels[names[0]]))
        if names:
            return Found(None, None, tuple(sorted(display(labels[n]) for n in names)))
        return Found(None, None, suggest(text))
    return Found(name, display(labels[name]))


def suggest(text: str, limit: int = 3) -> tuple[str, ...]:
    """The councils whose names are closest to a mistyped one, closest first."""
    index = _index()
    labels = engine_places()["local_authorities"]
    matches = process.extract(
        _words(text), list(index), scorer=fuzz.WRatio, limit=limit, score_cutoff=SUGGEST_SCORE
    )
    best = matches[0][1] if matches else 0
    close = [key for key, score, _i in matches if score >= best - CLOSE_TO_BEST]
    return tuple(display(labels[name]) for key in close for name in index[key])[:limit]


def display(label: str) -> str:
    """A council's name as residents read it: "Bristol, City of" is the City of Bristol."""
    place, comma, rest = label.partition(", City of")
    return f"City of {place}" if comma and not rest else label


def problem(text: str) -> str | None:
    """What to tell a resident whose council cannot be found, in GOV.UK style; None when
    found."""
    if not text.strip():
        return "Enter the name of your council"
    found = find(text)
    if found.name is not None:
        return None
    if found.suggestions:
        names = found.suggestions
        options = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        return f"Check the name of your council – did you mean {options}?"
    return "Enter the name of a council in the UK, like Sheffield or Leeds"


def coverage() -> dict[str, str | None]:
    """The councils the self-check serves: engine name -> the council area (tenant slug)
    taking its call-backs, None for the default one."""
    settings = get_settings()
    given = settings.self_check_councils or (
        [settings.screening_local_authority] if settings.screening_local_authority else []
    )
    found: dict[str, str | None] = {}
    for item in given:
        council, _, slug = item.partition("=")
        match = find(council)
        if match.name is None:
            raise InvalidInput(
                f"SAFETYNET_SELF_CHECK_COUNCILS names '{council}', which is not a council the "
                "engine knows: use its name as in docs/self-check.md (e.g. Sheffield)."
            )
        found[match.name] = slug.strip() or None
    return found


def covered_labels() -> list[str]:
    """The councils the self-check serves, as residents read them."""
    labels = engine_places()["local_authorities"]
    return [display(labels[name]) for name in coverage()]


def default_area(session: Session) -> Tenant | None:
    """The council area running the self-check: the configured one, else the only one."""
    slug = get_settings().self_check_area
    if slug:
        return session.scalar(select(Tenant).where(Tenant.slug == slug))
    areas = list(session.scalars(select(Tenant).limit(2)))
    return areas[0] if len(areas) == 1 else None


def receiving_area(session: Session, council: str) -> Tenant | None:
    """The council area a resident of `council` (as they named it) is called back by; None
    when the self-check does not serve that council, or no area would receive it."""
    found = find(council)
    routes = coverage()
    if found.name is None or found.name not in routes:
        return None
    slug = routes[found.name]
    if slug is None:
        return default_area(session)
    return session.scalar(select(Tenant).where(Tenant.slug == slug))


def running_council(session: Session) -> str | None:
    """The council running the self-check, as residents know it."""
    named = get_settings().self_check_council_name
    if named:
        return named
    area = default_area(session)
    return area.name if area is not None else None

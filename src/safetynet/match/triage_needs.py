"""From a triage's needs to the directory's: the one place that says which kinds of service
answer each digital-inclusion need a triage can find.

A triage names its needs in Safety Net's own words (`device`, `connectivity`, the six
Essential Digital Skills areas, `confidence`, `accessibility`, `isolation`); a directory
names what its services help with in its feed's words ("Digital skills", "Device lending").
`DIRECTORY_TERMS` lists, for each triage need, the directory terms that answer it, most
specific first, written as the directory's needs are matched (lower case). Only the terms the
area's directory actually offers are used; the rest are reported, so a council can see which
needs its directory has nothing for. Change the table here (and docs/matching.md) to add a
council's own terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safetynet.triage.forms import NEEDS, SKILLS

_SKILLS_TERMS = ("digital skills",)
DIRECTORY_TERMS: dict[str, tuple[str, ...]] = {
    "device": ("device lending", "digital skills"),
    "connectivity": ("data bank", "digital skills"),
    **dict.fromkeys(SKILLS, _SKILLS_TERMS),
    "confidence": ("digital skills", "befriending"),
    "accessibility": ("assistive technology", "digital skills"),
    "isolation": ("befriending", "warm space", "mental health peer support"),
}


@dataclass(frozen=True)
class Mapped:
    """A triage's needs as the area's directory terms."""

    terms: list[str]  # directory terms to tick, in the order first asked for
    unmet: list[str]  # labels of triage needs no term of this directory answers


def directory_needs(triage_needs: Iterable[str], offered: Iterable[str]) -> Mapped:
    """The directory terms (among those `offered`) that answer the triage's needs."""
    available = {o.strip().lower() for o in offered}
    terms: dict[str, None] = {}
    unmet = []
    for need in triage_needs:
        found = [t for t in DIRECTORY_TERMS.get(need, ()) if t in available]
        terms.update(dict.fromkeys(found))
        if not found:
            unmet.append(NEEDS.get(need, need))
    return Mapped(list(terms), unmet)

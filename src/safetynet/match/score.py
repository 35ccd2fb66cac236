"""The transparent score: a weighted sum of a few plain features, each with a reason in words.

Every feature lies between 0 and 1 and says one thing a caseworker would weigh ("helps with 2
of 2 needs", "1.2 km away"). The score is `features @ weights`, so each feature's contribution
is its value times its weight and the contributions add up to the score exactly: the reasons
shown are the score's actual make-up, not a story told afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safetynet.match.columns import FORMATS, Candidates, ProviderColumns
from safetynet.match.model import Seeker

FEATURES = ("need", "nearness", "language", "format", "affordability", "promptness", "room",
            "pay")
DEFAULT_WEIGHTS: dict[str, float] = {
    "need": 0.30, "nearness": 0.20, "language": 0.10, "format": 0.10,
    "affordability": 0.10, "promptness": 0.10, "room": 0.05, "pay": 0.05,
}
NEAR_KM = 5.0  # nearness halves at this distance
REMOTE_NEARNESS = 0.5  # phone or video: as good as a provider NEAR_KM away
COST_SCALE_PENCE = 5000  # £50 or more counts as unaffordable for the score
WAIT_SCALE_DAYS = 14.0  # promptness halves at a two-week wait
ROOM_SCALE = 10  # ten or more free places counts as plenty of room
PAY_SCALE_PENCE = 2000  # £20 an hour counts as well paid
NEUTRAL = 0.5


def weight_vector(weights: dict[str, float] | None = None) -> np.ndarray:
    """The weights in FEATURES order (unknown names refused, missing ones default)."""
    chosen = dict(DEFAULT_WEIGHTS)
    for name, value in (weights or {}).items():
        if name not in chosen:
            raise ValueError(f"unknown score feature {name!r}; known: {', '.join(FEATURES)}")
        chosen[name] = float(value)
    return np.array([chosen[name] for name in FEATURES], dtype=np.float64)


def feature_matrix(cols: ProviderColumns, seeker: Seeker, found: Candidates,
                   rows: np.ndarray) -> np.ndarray:
    """The features (columns in FEATURES order) of the providers at `rows`."""
    usable, distance = found.usable[rows], found.distance_km[rows]
    need = (cols.categories.count_of(seeker.needs)[rows] / len(seeker.needs)
            if seeker.needs else np.ones(len(rows)))
    in_person = np.where(np.isnan(distance), NEUTRAL, 1.0 / (1.0 + distance / NEAR_KM))
    nearness = np.maximum(np.where(usable[:, 0], in_person, 0.0),
                          np.where(usable[:, 1:].any(axis=1), REMOTE_NEARNESS, 0.0))
    first_language = cols.languages.any_of(seeker.languages[:1])[rows]
    preferred = FORMATS.index(seeker.formats[0]) if seeker.formats else 0
    pay = np.where(np.isnan(cols.pay[rows]), NEUTRAL,
                   np.minimum(1.0, np.nan_to_num(cols.pay[rows]) / PAY_SCALE_PENCE))
    return np.column_stack([
        need,
        nearness,
        np.where(first_language, 1.0, NEUTRAL),
        np.where(usable[:, preferred], 1.0, NEUTRAL),
        1.0 - np.minimum(1.0, found.cost_pence[rows] / COST_SCALE_PENCE),
        1.0 / (1.0 + cols.wait_days[rows] / WAIT_SCALE_DAYS),
        np.minimum(cols.capacity[rows], ROOM_SCALE) / ROOM_SCALE,
        pay,
    ]).astype(np.float64)


@dataclass(frozen=True)
class Contribution:
    """One feature's share of a score, with the reason in words."""

    feature: str
    value: float
    weight: float
    points: float
    reason: str


def explain(cols: ProviderColumns, seeker: Seeker, found: Candidates, row: int,
            features: np.ndarray, weights: np.ndarray) -> list[Contribution]:
    """Each feature's contribution to one provider's score (they add up to the score)."""
    reasons = _reasons(cols, seeker, found, row)
    return [
        Contribution(name, float(features[i]), float(weights[i]),
                     float(features[i] * weights[i]), reasons[name])
        for i, name in enumerate(FEATURES)
    ]


def _reasons(cols: ProviderColumns, seeker: Seeker, found: Candidates, row: int) -> dict[str, str]:
    p = cols.providers[row]
    usable = [f.replace("_", " ") for f, ok in zip(FORMATS, found.usable[row], strict=True) if ok]
    distance = found.distance_km[row]
    met = len(seeker.needs & p.categories)
    cost = int(found.cost_pence[row])
    return {
        "need": (f"helps with {met} of {len(seeker.needs)} needs" if seeker.needs
                 else "no particular need given"),
        "nearness": (f"{distance:.1f} km away" if found.usable[row][0] and not np.isnan(distance)
                     else "can be reached " + " or ".join(usable)),
        "language": ("speaks " + seeker.languages[0] if seeker.languages
                     and seeker.languages[0] in p.languages else "speaks another of their "
                     "languages"),
        "format": "available " + ", ".join(usable),
        "affordability": "free" if cost == 0 else f"costs £{cost / 100:.2f}",
        "promptness": "no wait" if p.wait_days == 0 else f"about {p.wait_days} days' wait",
        "room": f"{p.capacity} place{'s' if p.capacity != 1 else ''} free",
        "pay": (f"pays £{p.pay_pence_per_hour / 100:.2f} an hour"
                if p.pay_pence_per_hour is not None else "not a paid job"),
    }

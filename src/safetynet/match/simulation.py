"""A seeded synthetic world with a hidden truth, to measure matching honestly.

Providers and seekers are drawn at random around a town centre. Each (seeker, provider) pair has
a true utility that the matcher never sees: it rewards meeting the needs and being close (more
steeply than the score assumes), depends on age (older people do better in person, younger ones
by video), and on a hidden quality per provider. Outcomes of referrals are drawn from it with
noise. So a ranker that learns from outcomes can beat the hand-set score, and both should beat
ranking by distance, which beats chance. Used by `benchmarks/match_bench.py`, the tests and the
demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safetynet.match.columns import Candidates, ProviderColumns, candidates
from safetynet.match.engine import order
from safetynet.match.model import ALL_FORMATS, Provider, Seeker
from safetynet.match.ranker import LearnedRanker, TrainingSet, ndcg_at, ranker_features
from safetynet.match.score import feature_matrix, weight_vector

CENTRE = (53.381, -1.470)
CATEGORIES = ("debt", "housing", "food", "mental_health", "employment", "benefits", "family",
              "disability")
OTHER_LANGUAGES = ("ur", "pl", "ar", "so", "pa", "ro", "bn")
WARDS = tuple(f"E0501{n:04d}" for n in range(1, 7))
SECTORS = ("care", "retail", "hospitality", "logistics", "admin")
GAINS = (0.9, 1.6, 2.3)  # true utility above each: outcome 1, 2, 3


@dataclass(frozen=True)
class World:
    """Providers, their hidden quality by id, and the random generator state to draw seekers."""

    providers: list[Provider]
    quality: dict[int, float]


def _subset(rng: np.random.Generator, items: tuple[str, ...], low: int, high: int) -> list[str]:
    return list(rng.choice(items, size=int(rng.integers(low, high + 1)), replace=False))


def _place(rng: np.random.Generator, spread: float = 0.08) -> tuple[float, float]:
    lat, lon = rng.normal(0, spread, size=2)
    return CENTRE[0] + float(lat) * 0.6, CENTRE[1] + float(lon)


def make_provider(rng: np.random.Generator, pid: int) -> Provider:
    """One random provider (a service, counsellor or vacancy)."""
    kind = str(rng.choice(["service", "counsellor", "vacancy"], p=[0.5, 0.3, 0.2]))
    formats = frozenset(_subset(rng, tuple(sorted(ALL_FORMATS)), 1, 3))
    lat, lon = _place(rng) if "in_person" in formats or rng.random() < 0.5 else (None, None)
    paid = rng.random() < 0.4
    limited_age = rng.random() < 0.2
    return Provider(
        id=pid, name=f"Provider {pid}", kind=kind, organisation_id=pid % 97 + 1,
        categories=frozenset(_subset(rng, CATEGORIES, 1, 3)),
        languages=frozenset(["en", *_subset(rng, OTHER_LANGUAGES, 0, 2)]) if rng.random() < 0.9
        else frozenset(_subset(rng, OTHER_LANGUAGES, 1, 2)),
        formats=formats,
        gender=str(rng.choice(["female", "male"])) if kind == "counsellor" else None,
        cost_pence=int(rng.integers(5, 60)) * 100 if paid else 0,
        concessions=bool(paid and rng.random() < 0.5),
        capacity=int(rng.integers(0, 15)) if rng.random() < 0.9 else 0,
        wait_days=int(rng.integers(0, 45)),
        min_age=int(rng.choice([16, 18, 25])) if limited_age else None,
        max_age=int(rng.choice([25, 65, 120])) if limited_age else None,
        areas=frozenset([str(rng.choice(WARDS))]) if rng.random() < 0.1 else frozenset(),
        lat=lat, lon=lon,
        hours_per_week=float(rng.integers(8, 40)) if kind == "vacancy" else None,
        pay_pence_per_hour=int(rng.integers(1150, 2200)) if kind == "vacancy" else None,
        sector=str(rng.choice(SECTORS)) if kind == "vacancy" else None,
    )


def make_world(providers: int, seed: int = 1) -> World:
    """`providers` random providers and their hidden quality."""
    rng = np.random.default_rng(seed)
    made = [make_provider(rng, pid) for pid in range(1, providers + 1)]
    return _with_quality(rng, made)


def hidden_world(providers: Sequence[Provider], seed: int) -> World:
    """A hidden quality for providers that already exist (the demo's directory): the same kind
    of truth the benchmark's world has, over the area's own providers."""
    return _with_quality(np.random.default_rng(seed), list(providers))


def _with_quality(rng: np.random.Generator, providers: list[Provider]) -> World:
    return World(providers, {p.id: float(rng.normal(0, 1)) for p in providers})


def make_seeker(rng: np.random.Generator) -> Seeker:
    """One random seeker with needs, languages, limits and a place."""
    lang = str(rng.choice(OTHER_LANGUAGES))
    languages = [("en",), (lang, "en"), (lang,)][int(rng.choice(3, p=[0.8, 0.15, 0.05]))]
    formats = tuple(_subset(rng, ("in_person", "phone", "video"), 1, 3))
    lat, lon = _place(rng, 0.06)
    kind = ("", "service", "counsellor", "vacancy")[int(rng.choice(4, p=[0.5, 0.2, 0.15, 0.15]))]
    return Seeker(
        needs=frozenset(_subset(rng, CATEGORIES, 1, 2)), kind=kind or None,
        languages=languages, formats=formats,
        gender_preference=str(rng.choice(["female", "male"])) if rng.random() < 0.1 else None,
        max_cost_pence=0 if rng.random() < 0.5 else int(rng.integers(20, 60)) * 100,
        low_income=bool(rng.random() < 0.6),
        max_distance_km=None if rng.random() < 0.5 else float(rng.integers(3, 12)),
        age=int(rng.integers(18, 86)), area=str(rng.choice(WARDS)), lat=lat, lon=lon,
    )


def true_utility(world: World, cols: ProviderColumns, seeker: Seeker, found: Candidates,
                 rows: np.ndarray) -> np.ndarray:
    """The hidden utility of each provider at `rows` for this seeker (never shown to ranking)."""
    base = feature_matrix(cols, seeker, found, rows)
    distance = found.distance_km[rows]
    in_person = found.usable[rows, 0]
    near = np.where(in_person & ~np.isnan(distance), np.exp(-np.nan_to_num(distance) / 2.5), 0.25)
    age = seeker.age or 40
    style = np.where(in_person, 0.8 if age >= 60 else -0.2, 0.0)
    style += np.where(found.usable[rows, 2], 0.6 if age < 35 else -0.4, 0.0)
    quality = np.array([world.quality[int(i)] for i in cols.ids[rows]])
    return (1.2 * base[:, 0] + 1.4 * near + 0.4 * base[:, 2] + 0.3 * base[:, 5] + style
            + 0.25 * quality)


def relevance(utility: np.ndarray) -> np.ndarray:
    """Graded relevance 0-3 from true utility."""
    return np.digitize(utility, GAINS)


def outcomes(rng: np.random.Generator, utility: np.ndarray) -> np.ndarray:
    """Simulated referral outcomes (0 declined/no-show, 1 accepted, 2 attended), with noise."""
    noisy = utility + rng.normal(0, 0.35, size=len(utility))
    return np.digitize(noisy, (GAINS[0], GAINS[1]))


def seeker_pool(cols: ProviderColumns, count: int, seed: int,
                minimum: int = 5) -> list[tuple[Seeker, Candidates]]:
    """`count` random seekers with at least `minimum` allowed providers each."""
    rng = np.random.default_rng(seed)
    pool: list[tuple[Seeker, Candidates]] = []
    while len(pool) < count:
        seeker = make_seeker(rng)
        found = candidates(cols, seeker)
        if found.allowed.sum() >= minimum:
            pool.append((seeker, found))
    return pool


def referral_outcomes(rng: np.random.Generator, world: World, cols: ProviderColumns,
                      seeker: Seeker, rows: np.ndarray) -> np.ndarray:
    """How referring this seeker to the providers at `rows` turns out (0 declined or no-show,
    1 accepted, 2 attended), drawn from the hidden utility with noise: the demo's outcomes."""
    found = candidates(cols, seeker)
    return outcomes(rng, true_utility(world, cols, seeker, found, np.asarray(rows)))


def simulated_outcomes(world: World, cols: ProviderColumns, pool: list[tuple[Seeker, Candidates]],
                       seed: int, shown: int = 10) -> TrainingSet:
    """Referrals as a caseworker would make them (mostly the score's top picks, some others),
    with outcomes drawn from the hidden utility: the ranker's training data."""
    rng = np.random.default_rng(seed)
    data = TrainingSet()
    for seeker, found in pool:
        rows = np.flatnonzero(found.allowed)
        base = feature_matrix(cols, seeker, found, rows)
        by_score = np.argsort(-(base @ weight_vector()), kind="stable")
        top = by_score[: shown // 2]
        rest = rng.permutation(by_score[shown // 2:])[: shown - len(top)]
        picked = np.concatenate([top, rest])
        utility = true_utility(world, cols, seeker, found, rows[picked])
        x = ranker_features(cols, seeker, found, rows[picked], base[picked])
        data.add_group(x.tolist(), outcomes(rng, utility).tolist())
    return data


def compare(world: World, cols: ProviderColumns, pool: list[tuple[Seeker, Candidates]],
            ranker: LearnedRanker | None, seed: int, k: int = 10) -> dict[str, float]:
    """Mean NDCG@k of each way of ranking over the same seekers and candidates."""
    rng = np.random.default_rng(seed)
    totals: dict[str, list[float]] = {"score": [], "ranker": [], "distance": [], "random": []}
    for seeker, found in pool:
        rows = np.flatnonzero(found.allowed)
        gains = relevance(true_utility(world, cols, seeker, found, rows))
        base = feature_matrix(cols, seeker, found, rows)
        distance = np.nan_to_num(found.distance_km[rows], nan=np.inf)
        w = weight_vector()
        orders = {
            "score": order(cols, seeker, found, rows, base, w, None, k)[0],
            "distance": np.lexsort((cols.ids[rows], distance))[:k],
            "random": rng.permutation(len(rows))[:k],
        }
        if ranker is not None:
            orders["ranker"] = order(cols, seeker, found, rows, base, w, ranker, k)[0]
        for name, chosen in orders.items():
            totals[name].append(ndcg_at(k, gains[chosen], gains))
    return {name: float(np.mean(v)) for name, v in totals.items() if v}

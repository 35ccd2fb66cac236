"""Benchmark: how well matching ranks, and how fast, on a seeded world with a hidden truth.

    python benchmarks/match_bench.py --providers 3000 --train 1500 --test 500 \
        --latency-providers 20000 --queries 500

Quality: providers and seekers are drawn by `safetynet.match.simulation`; each pair's true
utility is hidden from the matcher. Referrals as a caseworker would make them are simulated
from it (outcomes with noise) to train the ranker; then NDCG@10 against the true utility is
measured on fresh seekers for the transparent score, the ranker, distance only and random,
all over the same candidates (those that break no hard rule). Fairness: the Gini coefficient
of exposure across providers over the test queries, with and without exposure re-ranking.
Speed: single-seeker query latency (filter, score, top 10 with reasons) at
`--latency-providers`, the column store built once beforehand; and one batch allocation.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from safetynet.match.allocate import exposure_gini, rerank_for_exposure
from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import rank
from safetynet.match.ranker import ndcg_at, train
from safetynet.match.score import feature_matrix, weight_vector
from safetynet.match.service import allocate_batch
from safetynet.match.simulation import (
    compare,
    make_seeker,
    make_world,
    relevance,
    seeker_pool,
    simulated_outcomes,
    true_utility,
)


def quality(providers: int, train_n: int, test_n: int, seed: int) -> None:
    """NDCG@10 of each method side by side, and the ranker's training cost."""
    world = make_world(providers, seed=seed)
    cols = ProviderColumns.build(world.providers)
    data = simulated_outcomes(world, cols, seeker_pool(cols, train_n, seed + 1), seed + 2)
    started = time.perf_counter()
    ranker = train(data, seed=seed)
    trained = time.perf_counter() - started
    pool = seeker_pool(cols, test_n, seed + 3)
    result = compare(world, cols, pool, ranker, seed + 4)
    print(f"\nNDCG@10, {providers} providers, ranker trained on {len(data.labels)} outcomes "
          f"({len(data.groups)} seekers) in {trained:.1f} s, {test_n} test seekers")
    print("| Method | NDCG@10 |\n|---|---:|")
    for name in ("ranker", "score", "distance", "random"):
        print(f"| {name} | {result[name]:.3f} |")
    fairness(world, cols, pool)


def fairness(world, cols: ProviderColumns, pool) -> None:
    """Exposure Gini and NDCG@10 with the score's order, plain and re-ranked for exposure."""
    print("\n| Exposure re-ranking strength | NDCG@10 (score) | Exposure Gini |\n|---:|---:|---:|")
    for strength in (0.0, 0.1, 0.3, 1.0):
        exposure: dict = {}
        ndcgs = []
        for seeker, found in pool:
            rows = np.flatnonzero(found.allowed)
            gains = relevance(true_utility(world, cols, seeker, found, rows))
            scores = feature_matrix(cols, seeker, found, rows) @ weight_vector()
            order = rerank_for_exposure(list(cols.ids[rows]), scores, exposure,
                                        strength=strength, limit=10)
            ndcgs.append(ndcg_at(10, gains[order], gains))
        eligible = np.unique(np.concatenate([np.flatnonzero(f.allowed) for _, f in pool]))
        gini = exposure_gini([exposure.get(i, 0.0) for i in cols.ids[eligible]])
        print(f"| {strength} | {np.mean(ndcgs):.3f} | {gini:.3f} |")


def latency(providers: int, queries: int, seed: int) -> None:
    """Query latency percentiles at `providers`, and one batch allocation."""
    world = make_world(providers, seed=seed)
    started = time.perf_counter()
    cols = ProviderColumns.build(world.providers)
    built = time.perf_counter() - started
    rng = np.random.default_rng(seed + 9)
    seekers = [make_seeker(rng) for _ in range(queries)]
    data = simulated_outcomes(world, cols, seeker_pool(cols, 300, seed + 1), seed + 2)
    ranker = train(data, seed=seed)
    print(f"\nQuery latency, {providers} providers (column store built once in {built:.1f} s), "
          f"{queries} seekers, top 10 with reasons")
    print("| Ranked by | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|")
    for name, used in (("score", None), ("ranker", ranker)):
        rank(cols, seekers[0], ranker=used)  # warm up
        times = []
        for seeker in seekers:
            started = time.perf_counter()
            rank(cols, seeker, limit=10, ranker=used)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {max(times):.1f} |")
    started = time.perf_counter()
    given = allocate_batch(cols, seekers[:200])
    took = time.perf_counter() - started
    placed = sum(a.provider is not None for a in given)
    print(f"\nBatch allocation of 200 seekers over {providers} providers: {took:.2f} s, "
          f"{placed} placed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=3000)
    parser.add_argument("--train", type=int, default=1500)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--latency-providers", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    quality(args.providers, args.train, args.test, args.seed)
    latency(args.latency_providers, args.queries, args.seed)


if __name__ == "__main__":
    main()

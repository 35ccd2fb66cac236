"""Benchmark: the demo's referral outcomes, drawn from the hidden-utility simulation.

    SAFETYNET_DATA_DIR=/tmp/demo safetynet demo run --people 5000 --no-screen --no-payments
    SAFETYNET_DATA_DIR=/tmp/demo python benchmarks/demo_outcomes_bench.py --rounds 2 \
        [--previous /tmp/old_referrals.py]

On a demo store (it changes the store's referrals, rankers and allocations: use a throwaway
one), records the demo's referrals again as `safetynet demo run` does and times it, then
proposes the demo's allocation of the triage needs list and times that. With `--previous`,
a file holding an earlier `safetynet/demo/referrals.py` (for instance
`git show 2380468:src/safetynet/demo/referrals.py > /tmp/old_referrals.py`, the plain seeded
rules) is timed the same way, so the step's time is compared before and after on one store.

Then how much the ranker the demo trains learned: NDCG@10 against the demo world's hidden
truth (`match.simulation.true_utility` over the area's own providers, the same seed as the
demo), on fresh demo seekers, for the ranker (only if it is in use: it beat the score on the
held-out sittings), the transparent score, distance only and random, over the same candidates
(`match.simulation.compare`); and how the ranker did on its held-out sittings. A ranker
trained on the earlier plain rules (with `--previous`) is measured against the same truth.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import delete

from safetynet.db import open_session
from safetynet.demo import referrals as current
from safetynet.match import training
from safetynet.match.area import area_columns
from safetynet.match.columns import candidates
from safetynet.match.models import Allocation, RankerModel, Referral
from safetynet.match.simulation import compare, hidden_world
from safetynet.migrations import model_metadata


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("previous_demo_referrals", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _clear(session: Any) -> None:
    for table in (Allocation, Referral, RankerModel):
        session.execute(delete(table))
    session.commit()
    training._RANKERS.clear()  # SQLite reuses the ids of deleted rankers: parse afresh


def _record(module: ModuleType, seed: int) -> tuple[float, Any]:
    with open_session() as session:
        _clear(session)
        started = time.perf_counter()
        done = module.demo_referrals(session, seed=seed)
        return time.perf_counter() - started, done


def _allocate() -> tuple[float, Any]:
    with open_session() as session:
        started = time.perf_counter()
        made = current.demo_allocation(session)
        return time.perf_counter() - started, made


def _quality(seed: int, seekers: int) -> dict[str, float]:
    """NDCG@10 of each way of ranking against the demo world's hidden truth."""
    with open_session() as session:
        principal = current._council_user(session, "admin")
        assert principal is not None, "not a demo store"
        cols = area_columns(session, principal.tenant_id)
        ranker = training.current_ranker(session, principal.tenant_id)
    world = hidden_world(cols.providers, seed)
    rng, terms = random.Random(seed + 1000), sorted(cols.categories.codes)
    pool = []
    while len(pool) < seekers:
        seeker = current.demo_seeker(rng, terms)
        found = candidates(cols, seeker)
        if found.allowed.sum() >= 10:
            pool.append((seeker, found))
    return compare(world, cols, pool, ranker, seed + 2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="the demo's seed")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seekers", type=int, default=300, help="fresh seekers for NDCG@10")
    parser.add_argument("--previous", type=Path, help="an earlier demo/referrals.py to compare")
    args = parser.parse_args()
    model_metadata()  # every domain's models, so the store's foreign keys resolve
    with open_session() as session:  # warm the area's column store once for every version
        principal = current._council_user(session, "admin")
        assert principal is not None, "not a demo store"
        area_columns(session, principal.tenant_id)
    versions = [("previous", _load(args.previous))] if args.previous else []
    versions.append(("current", current))
    verdicts: list[str] = []
    print(
        "| Demo referrals | Round | Record + train (s) | Referrals | Outcomes | NDCG@10 ranker "
        "| score | distance | random |\n|---|---:|---:|---:|---|---:|---:|---:|---:|"
    )
    for name, module in versions:
        for round_ in range(1, args.rounds + 1):
            took, done = _record(module, args.seed)
            got = _quality(args.seed, args.seekers)
            outcomes = ", ".join(f"{n} {k}" for k, n in sorted(done.outcomes.items()))
            print(
                f"| {name} | {round_} | {took:.2f} | {done.referrals} | {outcomes} | "
                f"{got.get('ranker', float('nan')):.3f} | {got['score']:.3f} | "
                f"{got['distance']:.3f} | {got['random']:.3f} |"
            )
            verdicts.append(f"{name}, round {round_}: ranker {done.ranker_id}. "
                            f"{getattr(done, 'ranker_verdict', '')}")
    print("\nOn the held-out sittings (ranker in use only if it beat the score there; its "
          "NDCG@10 above is nan when not):\n" + "\n".join(verdicts))
    took, made = _allocate()
    print(
        f"\nAllocation of the triage needs list: {made.seekers if made else 0} residents, "
        f"{made.placed if made else 0} placed, in {took:.2f} s."
    )


if __name__ == "__main__":
    main()

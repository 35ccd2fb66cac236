"""How many "who is missing" results a review decision would change: the impact that ranks
the linkage review queue (pure polars over `link.residents.resident_facts`).

For a pair in two residents, accepting it merges them: the results of both residents give way
to the merged one's. For a pair inside one resident, rejecting it splits the second record off.
Impact counts the rule results that differ between before and after.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from safetynet.gaps import evaluate
from safetynet.gaps.rules import RuleBook


def flags_by_resident(
    facts: pl.DataFrame, book: RuleBook, as_of: date, rules: list[str]
) -> dict[int, frozenset[str]]:
    """Which of `rules` find each resident."""
    frame = evaluate.resident_frame(facts, book, as_of)
    found: dict[int, set[str]] = {}
    for rule_id in rules:
        for resident in evaluate.matching(frame, book.rules[rule_id].when, as_of):
            found.setdefault(resident, set()).add(rule_id)
    return {resident: frozenset(ids) for resident, ids in found.items()}


def runnable_rules(facts: pl.DataFrame, book: RuleBook) -> list[str]:
    """Enabled rules whose programmes some list covers (the rest would flag everyone)."""
    known = evaluate.known_programmes(facts, book.programmes)
    return [
        rule_id
        for rule_id, rule in book.enabled().items()
        if {rule.programme, *(p for c in rule.when for p in c.programmes)} <= known
    ]


def review_impacts(
    facts: pl.DataFrame, pairs: list[tuple[int, int, int]], book: RuleBook, as_of: date
) -> dict[int, int]:
    """For each (pair id, record id, record id): gap results the decision would change."""
    rules = runnable_rules(facts, book)
    if not rules or not pairs or facts.is_empty():
        return {}
    resident_of = dict(zip(facts["record_id"], facts["resident_id"], strict=True))
    pseudo, plans = [], {}
    for pair_id, left, right in pairs:
        a, b = resident_of.get(left), resident_of.get(right)
        if a is None or b is None:
            continue
        merged, part = -2 * pair_id, -2 * pair_id - 1
        if a != b:
            both = facts.filter(pl.col("resident_id").is_in([a, b]))
            pseudo.append(both.with_columns(pl.lit(merged, pl.Int64).alias("resident_id")))
            plans[pair_id] = ((a, merged), (b, merged))
        else:
            rest = facts.filter((pl.col("resident_id") == a) & (pl.col("record_id") != right))
            alone = facts.filter(pl.col("record_id") == right)
            pseudo.append(rest.with_columns(pl.lit(merged, pl.Int64).alias("resident_id")))
            pseudo.append(alone.with_columns(pl.lit(part, pl.Int64).alias("resident_id")))
            plans[pair_id] = ((a, merged), (a, part))
    flags = flags_by_resident(pl.concat([facts, *pseudo]), book, as_of, rules)
    empty: frozenset[str] = frozenset()
    return {
        pair_id: sum(len(flags.get(x, empty) ^ flags.get(y, empty)) for x, y in plan)
        for pair_id, plan in plans.items()
    }

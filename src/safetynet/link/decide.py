"""The default decision rule: which scored pairs count as the same person, needing no ground
truth and no tuning.

On top of the model's probability it applies what caseworkers know about UK lists:
- relatives at one address (same surname and postcode, a different forename or date of birth)
  are different people, however alike their addresses make them look;
- in a caseload snapshot (one record per person) a record from elsewhere matches at most one
  record: its strongest candidate. Attendance logs (many visits per person) are not limited;
- people's rulings (review decisions, merges, splits) override the model.
Pure polars over Splink's scored pairs, so each rule is unit-tested without a database.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

LEFT, RIGHT = "unique_id_l", "unique_id_r"


@lru_cache
def _compatible_from() -> dict[str, int]:
    """Lowest gamma at which two forenames, or two dates of birth, may be one person's."""
    from safetynet.link.comparisons import level_gamma

    return {
        "forename": level_gamma("forename", "Damerau-Levenshtein distance of forename_first <= 1"),
        "dob": level_gamma("dob", "one year off"),
    }


def _differs(pairs: pl.DataFrame, comparison: str) -> pl.Expr:
    """Both sides have a value and they are too far apart to be one person's typo."""
    gamma = f"gamma_{comparison}"
    if gamma not in pairs.columns:
        return pl.lit(False)
    return (pl.col(gamma) >= 0) & (pl.col(gamma) < _compatible_from()[comparison])


def relatives(pairs: pl.DataFrame) -> pl.Expr:
    """Pairs that look like two members of one household rather than one person."""
    needed = {"surname_l", "surname_r", "postcode_l", "postcode_r"}
    if not needed <= set(pairs.columns):
        return pl.lit(False)
    same_home = (pl.col("surname_l") == pl.col("surname_r")) & (
        pl.col("postcode_l") == pl.col("postcode_r")
    )
    return same_home & (_differs(pairs, "forename") | _differs(pairs, "dob"))


def strongest_per_snapshot(pairs: pl.DataFrame, snapshots: set[str]) -> pl.Expr:
    """True for pairs each of whose records has no stronger candidate in the other's
    one-record-per-person source (pairs within one source are left alone)."""
    if pairs.is_empty() or not snapshots:
        return pl.lit(True)
    cross = pl.col("source_dataset_l") != pl.col("source_dataset_r")

    def best(record: str, other_source: str) -> pl.Expr:
        rank = pl.col("match_weight").rank("ordinal", descending=True)
        in_snapshot = pl.col(other_source).is_in(list(snapshots))
        return ~(cross & in_snapshot) | (rank.over(record, other_source) == 1)

    return best(LEFT, "source_dataset_r") & best(RIGHT, "source_dataset_l")


def matches(
    pairs: pl.DataFrame, *, threshold: float, snapshots: set[str]
) -> tuple[pl.DataFrame, int]:
    """The pairs the rule accepts as one person, and how many it kept apart as relatives."""
    if pairs.is_empty():
        return pairs, 0
    ruled = pairs.with_columns(
        relatives(pairs).alias("__relatives"),
        strongest_per_snapshot(pairs, snapshots).alias("__strongest"),
    )
    above = ruled.filter(pl.col("match_probability") >= threshold)
    kept_apart = above.filter(pl.col("__relatives")).height
    chosen = above.filter(~pl.col("__relatives") & pl.col("__strongest"))
    return chosen.drop("__relatives", "__strongest"), kept_apart


def uncertainty(probability: pl.Expr) -> pl.Expr:
    """1 for a coin toss (p = 0.5), falling to 0 at certainty either way."""
    return 1 - (2 * probability - 1).abs()


class Constraints:
    """People's rulings as edges: must-link pairs join clusters, cannot-link pairs keep
    clusters apart even when other pairs would chain them together."""

    def __init__(self, must: list[tuple[int, int]], cannot: list[tuple[int, int]]):
        self.must = must
        self.cannot = {(min(a, b), max(a, b)) for a, b in cannot}

    def edges(self, matched: pl.DataFrame) -> pl.DataFrame:
        """Matched pairs without the cannot-link ones, plus the must-link ones (weight ∞)."""
        frame = matched.select(
            pl.col(LEFT).cast(pl.Int64).alias("a"),
            pl.col(RIGHT).cast(pl.Int64).alias("b"),
            pl.col("match_weight").cast(pl.Float64).alias("weight"),
        )
        if self.cannot:
            lo, hi = pl.min_horizontal("a", "b"), pl.max_horizontal("a", "b")
            banned = pl.DataFrame(list(self.cannot), schema=["lo", "hi"], orient="row")
            frame = (
                frame.with_columns(lo.alias("lo"), hi.alias("hi"))
                .join(banned, on=["lo", "hi"], how="anti")
                .drop("lo", "hi")
            )
        must = pl.DataFrame(
            [(a, b, float("inf")) for a, b in self.must],
            schema={"a": pl.Int64, "b": pl.Int64, "weight": pl.Float64},
            orient="row",
        )
        return pl.concat([frame, must])

    def separate(self, clusters: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
        """Re-cluster any cluster holding a cannot-link pair, strongest edges first, refusing
        each join that would put a cannot-link pair together."""
        if not self.cannot:
            return clusters
        cluster_of = dict(zip(clusters["record_id"], clusters["cluster"], strict=True))
        broken = {
            cluster_of.get(a) for a, b in self.cannot if cluster_of.get(a) == cluster_of.get(b)
        }
        broken.discard(None)
        if not broken:
            return clusters
        inside = edges.filter(
            pl.col("a").replace_strict(cluster_of, default=None).is_in(list(broken))
        ).sort("weight", descending=True)
        members = clusters.filter(pl.col("cluster").is_in(list(broken)))["record_id"].to_list()
        parts = _constrained_components(members, inside.select("a", "b").rows(), self.cannot)
        relabel = {r: f"{cluster_of[r]}.{part}" for r, part in parts.items()}
        return clusters.with_columns(
            pl.col("record_id")
            .replace_strict(relabel, default=None)
            .fill_null(pl.col("cluster"))
            .alias("cluster")
        )


def _constrained_components(
    members: list[int], edges: list[tuple[int, int]], cannot: set[tuple[int, int]]
) -> dict[int, int]:
    """Union-find over `edges` in order, skipping joins that would unite a cannot-link pair."""
    parent = {m: m for m in members}
    group = {m: {m} for m in members}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a not in parent or b not in parent:
            continue
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        small, large = sorted((group[ra], group[rb]), key=len)
        if any((min(x, y), max(x, y)) in cannot for x in small for y in large):
            continue
        parent[rb] = ra
        group[ra] = group.pop(rb) | group[ra]
    return {m: root(m) for m in members}

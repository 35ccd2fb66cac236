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

import polars as pl

from safetynet.link.comparisons import level_gamma

LEFT, RIGHT = "unique_id_l", "unique_id_r"


GENERATION_YEARS = 12  # dates of birth this far apart are a parent and child, not a typo


def _other_forename(pairs: pl.DataFrame) -> pl.Expr:
    """Forenames that share nothing: not a nickname, not a typo, not even alike."""
    if "gamma_forename" not in pairs.columns:
        return pl.lit(False)
    return pl.col("gamma_forename") == 0


def _not_a_form_of(pairs: pl.DataFrame) -> pl.Expr:
    """Forenames that are not one name written two ways: not the same, not a nickname, not a
    slip of the keys (one edit, or Jaro-Winkler 0.92); at most loosely alike (Charlene and
    Charis, Aaron and Cameron)."""
    if "gamma_forename" not in pairs.columns:
        return pl.lit(False)
    loose = level_gamma("forename", "Jaro-Winkler distance of forename_first >= 0.8")
    return (pl.col("gamma_forename") >= 0) & (pl.col("gamma_forename") <= loose)


def _other_generation(pairs: pl.DataFrame) -> pl.Expr:
    """Dates of birth a generation apart (a typo changes a digit, not twelve years)."""
    if not {"dob_l", "dob_r", "gamma_dob"} <= set(pairs.columns):
        return pl.lit(False)
    gap = (pl.col("dob_l").dt.year() - pl.col("dob_r").dt.year()).abs()
    return (pl.col("gamma_dob") == 0) & (gap >= GENERATION_YEARS)


def _other_birthday(pairs: pl.DataFrame) -> pl.Expr:
    """Both dates of birth given, and not the same day."""
    if "gamma_dob" not in pairs.columns:
        return pl.lit(False)
    exact = level_gamma("dob", "Exact match on dob")
    return (pl.col("gamma_dob") >= 0) & (pl.col("gamma_dob") < exact)


def _same_birthday(pairs: pl.DataFrame) -> pl.Expr:
    """Both dates of birth given and the same day."""
    if "gamma_dob" not in pairs.columns:
        return pl.lit(False)
    return pl.col("gamma_dob") == level_gamma("dob", "Exact match on dob")


def _swapped_alike(pairs: pl.DataFrame) -> pl.Expr:
    """Names written the wrong way round on one row, hidden from the swap level by a
    nickname: one row's forename is the other's surname (or a barrel of it), and the other
    names are the same or nicknames of each other (Breanna Hope and Hope Bri)."""
    if not {"forename_family_l", "surname_parts_l"} <= set(pairs.columns):
        return pl.lit(False)

    def swapped(row: str, other: str) -> pl.Expr:
        """`other` row holds this row's surname as its forename, and its surname is a form
        of this row's forename."""
        written = pl.col(f"surname_parts_{row}").list.contains(pl.col(f"forename_first_{other}"))
        alike = pl.col(f"forename_family_{row}").list.contains(pl.col(f"surname_{other}"))
        return written & alike

    return (swapped("l", "r") | swapped("r", "l")).fill_null(False)


def _same_surname(pairs: pl.DataFrame) -> pl.Expr:
    """The same surname, allowing a misspelling (two edits) or one barrel of two: a household
    member paired with a misspelt copy of another, or a child with a parent's double-barrelled
    name, is still a relative, not the same person."""
    if "gamma_surname" not in pairs.columns:
        return pl.col("surname_l") == pl.col("surname_r")
    barrel = level_gamma("surname", "shares part of a double-barrelled surname")
    swapped = level_gamma("surname", "forename and surname swapped")
    return (pl.col("gamma_surname") >= barrel) & (pl.col("gamma_surname") != swapped)


def _same_place(pairs: pl.DataFrame) -> pl.Expr:
    """The same postcode, or (a postcode mistyped or left out) the same house number and
    street words."""
    same = (pl.col("postcode_l") == pl.col("postcode_r")).fill_null(False)
    columns = {f"{c}_{s}" for c in ("address_rest", "address_numbers") for s in "lr"}
    if not columns <= set(pairs.columns):
        return same
    house = (pl.col("address_rest_l") == pl.col("address_rest_r")) & (
        pl.col("address_numbers_l") == pl.col("address_numbers_r")
    )
    return same | (house & (pl.col("address_numbers_l").list.len() > 0)).fill_null(False)


# Pairs are scored from this probability up, so a mover's pair (a full name and date of birth
# held down by three address disagreements) is there to be rescored by `count_a_move_once`.
SCORE_FLOOR = 0.001


def count_a_move_once(pairs: pl.DataFrame, moves_seen: bool | None = None) -> pl.DataFrame:
    """Rescore pairs whose home differs wholly (another postcode, street and house number, all
    given): a move is one fact, counted once by the postcode comparison, not three times; and
    with no postcode on one side (another street and house number), once by the street.

    The model treats its comparisons as independent; the three address comparisons are not,
    and together they outweighed the same forename, surname and full date of birth of a person
    who moved (issue 11). Other pairs keep their scores. Whether the lists' address fields
    change together is judged on `pairs` (`moves_seen`), unless the caller says (a saved run's
    judgement, when two records are explained on their own).
    """
    needed = {"mw_address_numbers", "mw_address_words", "match_weight"} | ADDRESS_VALUES
    if pairs.is_empty() or not needed <= set(pairs.columns):
        return pairs
    elsewhere = _another_street_and_number()
    moved = _moved()
    if not (moves_seen if moves_seen is not None else _moves_seen(pairs, moved)):
        return pairs
    # Without a postcode on one side the street counts the move, and the house number is the
    # second count of it.
    unposted = elsewhere & (pl.col("postcode_l").is_null() | pl.col("postcode_r").is_null())
    numbers = pl.min_horizontal(pl.col("mw_address_numbers"), 0)
    counted = (
        pl.when(unposted)
        .then(numbers)
        .otherwise(numbers + pl.min_horizontal(pl.col("mw_address_words"), 0))
    )
    moved = moved | unposted
    weight = pl.col("match_weight") - counted
    return pairs.with_columns(
        pl.when(moved).then(weight).otherwise("match_weight").alias("match_weight"),
        pl.when(moved)
        .then(1 / (1 + pl.lit(2.0).pow(-weight)))
        .otherwise("match_probability")
        .alias("match_probability"),
    )


def count_a_home_once(
    pairs: pl.DataFrame, home: dict[str, dict[int, float]] | None
) -> pl.DataFrame:
    """Rescore pairs with the same postcode: their house number and street words weighed by
    what they add to the postcode (`evidence.home_once`), not as facts of their own. Other
    pairs keep their scores; a pair's weight only falls."""
    if pairs.is_empty() or not home or "gamma_postcode" not in pairs.columns:
        return pairs
    same = pl.col("gamma_postcode") == level_gamma("postcode", "Exact match on postcode")
    change: pl.Expr = pl.lit(0.0)
    updates = []
    for name, levels in home.items():
        gamma, part = f"gamma_{name}", f"mw_{name}"
        if gamma not in pairs.columns:
            continue
        by_level = pl.col(gamma).replace_strict(levels, default=0.0, return_dtype=pl.Float64)
        taken = pl.when(same).then(by_level).otherwise(0.0)
        change = change + taken
        if part in pairs.columns:
            updates.append((pl.col(part) + taken).alias(part))
    weight = pl.col("match_weight") + change
    return pairs.with_columns(
        *updates,
        weight.alias("match_weight"),
        pl.when(change < 0)
        .then(1 / (1 + pl.lit(2.0).pow(-weight)))
        .otherwise("match_probability")
        .alias("match_probability"),
    )


# Share of one person's pairs (same forename, surname and date of birth) with another postcode
# whose street and house number differ too, from which a move is taken as one fact.
MOVES_SHARE = 0.3


ADDRESS_VALUES = {
    f"{c}_{s}" for c in ("postcode", "address_rest", "address_numbers") for s in "lr"
}


def _another_street_and_number() -> pl.Expr:
    """Both rows' street words and house numbers differ."""
    return (
        (pl.col("address_rest_l") != pl.col("address_rest_r"))
        & (pl.col("address_numbers_l") != pl.col("address_numbers_r"))
    ).fill_null(False)


def _moved() -> pl.Expr:
    """A home wholly different: another postcode, street and house number, all given."""
    other_postcode = (pl.col("postcode_l") != pl.col("postcode_r")).fill_null(False)
    return _another_street_and_number() & other_postcode


def moves_seen(pairs: pl.DataFrame) -> bool:
    """Whether these scored pairs show the lists' address fields changing together
    (`_moves_seen`), as `count_a_move_once` judges it; False when it cannot tell."""
    if pairs.is_empty() or not ADDRESS_VALUES <= set(pairs.columns):
        return False
    return _moves_seen(pairs, _moved())


def _moves_seen(pairs: pl.DataFrame, moved: pl.Expr) -> bool:
    """Whether these lists' address fields change together, as when people move: among pairs
    agreeing exactly on forename, surname and date of birth but not on postcode, at least
    MOVES_SHARE differ in street and house number as well. Where address fields were corrupted
    one at a time (FEBRL), a postcode differs alone, and three disagreements are three facts.
    """
    needed = {"gamma_forename", "gamma_surname", "gamma_dob"}
    if not needed <= set(pairs.columns):
        return False
    same = (
        (pl.col("gamma_forename") == level_gamma("forename", "Exact match on forename"))
        & (pl.col("gamma_surname") == level_gamma("surname", "Exact match on surname"))
        & (pl.col("gamma_dob") == level_gamma("dob", "Exact match on dob"))
        & (pl.col("postcode_l") != pl.col("postcode_r")).fill_null(False)
    )
    seen = pairs.filter(same).select(pl.len(), moved.sum()).row(0)
    return bool(seen[0]) and seen[1] >= MOVES_SHARE * seen[0]


# A list holds households (not only individuals) when at least this share of its rows live at
# one address with someone of their surname who is plainly someone else (`holds_households`).
HOUSEHOLD_SHARE = 0.01


def holds_households(frames: list[pl.DataFrame]) -> bool:
    """Whether any of these prepared lists shows households: rows at one address (surname,
    postcode, house numbers and street words all equal) whose forenames are wholly different
    (another initial, no nickname in common) and whose birth years are two or more apart.

    A council register or a food bank's list holds whole families (a quarter of rows or more
    in the harder test world); lists of individuals such as FEBRL's show none or almost none
    (two rows in 5,000), and there a wholly different forename can be a field replaced.
    """
    key = ["surname", "postcode", "address_rest", "numbers"]
    for frame in frames:
        rows = frame.select(
            "unique_id",
            "forename_first",
            "forename_family",
            "dob",
            *key[:3],
            pl.col("address_numbers").list.join(" ").alias("numbers"),
        ).drop_nulls(["forename_first", "dob", *key[:3]])
        both = rows.join(rows, on=key, suffix="_r").filter(
            (pl.col("unique_id") < pl.col("unique_id_r"))
            & (
                pl.col("forename_first").str.slice(0, 1)
                != pl.col("forename_first_r").str.slice(0, 1)
            )
            & (pl.col("forename_family").list.set_intersection("forename_family_r").list.len() == 0)
            & ((pl.col("dob").dt.year() - pl.col("dob_r").dt.year()).abs() >= 2)
        )
        seen = pl.concat([both["unique_id"], both["unique_id_r"]]).n_unique()
        if frame.height and seen >= HOUSEHOLD_SHARE * frame.height:
            return True
    return False


def relatives(pairs: pl.DataFrame, *, households: bool = True) -> pl.Expr:
    """Pairs that look like two members of one household rather than one person.

    Same surname and home (`_same_place`), and two fields saying "someone else": a wholly different
    forename and another birthday (partners, siblings). With `households` (council and
    partner lists, which hold whole households) also one field that a typo cannot explain:
    the same forename a generation apart (junior and senior), or a wholly different forename
    (twins, siblings); two rows at one home with wholly different forenames and surnames
    not the same (nor a typo or a barrel apart; not written the wrong way round) and not the
    same birthday: housemates, or a partner who kept their own name; and, wherever they
    live, one surname and one birthday with wholly different forenames: twins (one had
    moved, seed 42 of the harder world); and at one home, birthdays a generation apart
    whatever the names (a parent and child, one row's names written the wrong way round).
    Two housemates were
    near a coin toss (the same address is three strong agreements, and EM, meeting twins in
    its date-of-birth block, learns that one person's forenames can differ wholly). Without
    it (any two lists of individuals, where a field may have been replaced wholesale, as in
    FEBRL) only the two-field rule applies.
    """
    needed = {"surname_l", "surname_r", "postcode_l", "postcode_r"}
    if not needed <= set(pairs.columns):
        return pl.lit(False)
    same_home = _same_surname(pairs) & _same_place(pairs)
    partners = _other_forename(pairs) & _other_birthday(pairs)
    if not households:
        return same_home & partners
    housemates = (
        _same_place(pairs)
        & _other_forename(pairs)
        & ~_same_surname(pairs)
        & ~_same_birthday(pairs)
        & ~_swapped_alike(pairs)
    )
    twins = (
        _same_surname(pairs)
        & _other_forename(pairs)
        & _same_birthday(pairs)
        & ~_swapped_alike(pairs)
    )
    siblings = same_home & _not_a_form_of(pairs)
    generations = _same_place(pairs) & _other_generation(pairs)
    return siblings | generations | housemates | twins


def _strongest_per_snapshot(pairs: pl.DataFrame, snapshots: set[str]) -> pl.Expr:
    """True for pairs whose record has no stronger candidate in the other side's
    one-record-per-person source (only for pairs with at most one side in a snapshot)."""
    cross = pl.col("source_dataset_l") != pl.col("source_dataset_r")

    def best(record: str, other_source: str) -> pl.Expr:
        rank = pl.col("match_weight").rank("ordinal", descending=True)
        in_snapshot = pl.col(other_source).is_in(list(snapshots))
        return ~(cross & in_snapshot) | (rank.over(record, other_source) == 1)

    return best(LEFT, "source_dataset_r") & best(RIGHT, "source_dataset_l")


def one_per_person(pairs: pl.DataFrame, snapshots: set[str]) -> pl.DataFrame:
    """Keep a record's strongest match in each one-record-per-person source.

    Between two caseloads a greedy assignment, strongest first, so a record whose best
    candidate is taken by a stronger pair can still take its next best. Between a caseload
    and a visit log each visit keeps its strongest caseload record, and a caseload record
    keeps all its person's visits. Pairs within one source are left alone.
    """
    from safetynet.link.model import one_to_one

    if pairs.is_empty() or not snapshots:
        return pairs
    listed = list(snapshots)
    both = (
        (pl.col("source_dataset_l") != pl.col("source_dataset_r"))
        & pl.col("source_dataset_l").is_in(listed)
        & pl.col("source_dataset_r").is_in(listed)
    )
    rest = pairs.filter(~both)
    kept = [rest.filter(_strongest_per_snapshot(rest, snapshots))]
    low_first = pl.col("source_dataset_l") < pl.col("source_dataset_r")
    caseloads = pairs.filter(both).with_columns(
        pl.when(low_first).then(pl.col(LEFT)).otherwise(pl.col(RIGHT)).alias("__x"),
        pl.when(low_first).then(pl.col(RIGHT)).otherwise(pl.col(LEFT)).alias("__y"),
        pl.min_horizontal("source_dataset_l", "source_dataset_r").alias("__s1"),
        pl.max_horizontal("source_dataset_l", "source_dataset_r").alias("__s2"),
    )
    for _, group in caseloads.group_by("__s1", "__s2"):
        kept.append(one_to_one(group, left="__x", right="__y").drop("__x", "__y", "__s1", "__s2"))
    return pl.concat(kept)


def matches(
    pairs: pl.DataFrame, *, threshold: float, snapshots: set[str]
) -> tuple[pl.DataFrame, int]:
    """The pairs the rule accepts as one person, and how many it kept apart as relatives."""
    if pairs.is_empty():
        return pairs, 0
    above = pairs.filter(pl.col("match_probability") >= threshold)
    household = above.with_columns(relatives(above).alias("__household"))["__household"]
    chosen = one_per_person(above.filter(~household), snapshots)
    return chosen, int(household.sum())


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

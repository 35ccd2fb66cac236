"""Evaluating gap rules over residents: pure polars functions, no store.

Input is the record-level frame `link.residents.resident_facts` returns (one row per record of a
current resident). From it: which programmes each resident and household is on and when the
latest evidence is dated; each resident's age, household and postcode; then each rule's
conditions as polars expressions over one row per resident.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from safetynet.gaps.rules import Condition, Programme, RuleBook

CHILD_AGE = 16  # under this age a household member counts as a child


def flag_columns(programmes: dict[str, Programme]) -> list[str]:
    """Extras columns the programmes' flags read."""
    return sorted({f.column for p in programmes.values() for f in p.flags})


def current_facts(facts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Records that speak for `as_of`: none dated after it, no award ended before it."""
    return facts.filter(
        (pl.col("event_date").is_null() | (pl.col("event_date") <= as_of))
        & (pl.col("award_end").is_null() | (pl.col("award_end") >= as_of))
    ).with_columns(evidence_date=pl.coalesce("event_date", "imported_on"))


def programme_evidence(programme: Programme) -> pl.Expr:
    """True for a record that shows its resident is on `programme`."""
    expr = pl.col("kind").is_in(list(programme.kinds)) | pl.col("source_name").is_in(
        list(programme.sources)
    )
    for flag in programme.flags:
        value = pl.col(f"extra:{flag.column}").str.strip_chars().str.to_lowercase()
        wanted = [v.lower() for v in flag.values]
        expr = expr | ((pl.col("kind") == flag.kind) & value.is_in(wanted).fill_null(False))
    return expr


def programme_known(programme: Programme) -> pl.Expr:
    """True for a record of a list that can tell whether someone is on `programme`."""
    expr = pl.col("kind").is_in(list(programme.kinds)) | pl.col("source_name").is_in(
        list(programme.sources)
    )
    for flag in programme.flags:
        has = pl.col(f"extra:{flag.column}").is_not_null()
        expr = expr | ((pl.col("kind") == flag.kind) & has)
    return expr


def known_programmes(facts: pl.DataFrame, programmes: dict[str, Programme]) -> set[str]:
    """Programmes the area's lists can answer for (a rule about another cannot run)."""
    if facts.is_empty():
        return set()
    found = facts.select(
        [programme_known(p).any().alias(pid) for pid, p in programmes.items()]
    ).row(0, named=True)
    return {pid for pid, known in found.items() if known}


def profiles(facts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per resident: age, household, postcode, and children in the household.

    Household and postcode come from the most trustworthy record: a caseload snapshot before an
    attendance log (charity logs often hold an old address), then the latest dated.
    """
    ranked = facts.sort(
        [pl.col("mode") == "snapshot", "evidence_date", "record_id"],
        descending=[True, True, True],
        nulls_last=True,
    )
    best = ranked.unique("resident_id", keep="first").select(
        "resident_id", "household_id", "postcode"
    )
    dobs = (
        facts.drop_nulls("dob")
        .group_by("resident_id", "dob")
        .len()
        .sort(["len", "dob"], descending=[True, False])
        .unique("resident_id", keep="first")
        .select("resident_id", "dob")
    )
    kids = facts.group_by("resident_id").agg(
        own_children=(pl.col("children_count").fill_null(0) > 0).any()
    )
    people = best.join(dobs, on="resident_id", how="left").join(kids, on="resident_id")
    people = people.with_columns(age=age_on(pl.col("dob"), as_of))
    return people.with_columns(
        household_key=pl.coalesce(
            pl.col("household_id").cast(pl.String), pl.format("r{}", "resident_id")
        ),
    ).with_columns(
        children=(pl.col("own_children") | (pl.col("age") < CHILD_AGE).fill_null(False))
        .any()
        .over("household_key")
    )


def age_on(dob: pl.Expr, as_of: date) -> pl.Expr:
    """Whole years from `dob` to `as_of` (null where the date of birth is unknown)."""
    month_day = dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day().cast(pl.Int32)
    later_birthday = month_day > (as_of.month * 100 + as_of.day)
    return (pl.lit(as_of.year) - dob.dt.year() - later_birthday.cast(pl.Int32)).cast(pl.Int32)


def resident_frame(facts: pl.DataFrame, book: RuleBook, as_of: date) -> pl.DataFrame:
    """One row per resident with profile columns and, for each programme P, `on:P`/`last:P`
    (the resident) and `hh_on:P`/`hh_last:P` (anyone in the household)."""
    facts = current_facts(facts, as_of)
    people = profiles(facts, as_of)
    evidence = facts.select(
        "resident_id",
        *[
            pl.when(programme_evidence(p)).then(pl.col("evidence_date")).alias(f"last:{pid}")
            for pid, p in book.programmes.items()
        ],
    )
    latest = evidence.group_by("resident_id").agg(pl.all().max())
    people = people.join(latest, on="resident_id", how="left")
    household = [
        pl.col(f"last:{pid}").max().over("household_key").alias(f"hh_last:{pid}")
        for pid in book.programmes
    ]
    return people.with_columns(household).sort("resident_id")


def condition_expr(condition: Condition, as_of: date) -> pl.Expr:
    """A boolean expression over `resident_frame` that holds where the condition does."""
    if condition.age is not None:
        expr = pl.col("age").is_not_null()
        if condition.age.min is not None:
            expr = expr & (pl.col("age") >= condition.age.min)
        if condition.age.max is not None:
            expr = expr & (pl.col("age") <= condition.age.max)
        return expr
    if condition.children is not None:
        return pl.col("children") == condition.children
    prefix = "hh_last" if condition.household else "last"
    since = as_of - timedelta(days=condition.within_days) if condition.within_days else None
    on_any = pl.lit(False)
    for pid in condition.programmes:
        dated = pl.col(f"{prefix}:{pid}")
        on_any = on_any | (dated >= since if since else dated.is_not_null()).fill_null(False)
    return on_any if condition.on is not None else ~on_any


def matching(frame: pl.DataFrame, rule_conditions: tuple[Condition, ...], as_of: date) -> list[int]:
    """Ids of the residents who meet every condition, ascending."""
    expr = pl.lit(True)
    for condition in rule_conditions:
        expr = expr & condition_expr(condition, as_of)
    return frame.filter(expr).get_column("resident_id").sort().to_list()

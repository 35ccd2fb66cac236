"""Ward and LSOA profiles: need (who is missing out, £ unclaimed) beside deprivation, rurality
and broadband, and a transparent "where to act" ranking of wards.

Need comes from the gap rules exactly as the who-is-missing page counts it (the same result,
so the figures agree); places come from the newest version of each published file. Place
measures are averaged over the area's postcodes: deprivation by postcode (each postcode takes
its LSOA's score), broadband by premises (Ofcom's counts), rurality by postcode.

The ranking is a weighted sum of measures each scaled 0-1 across the area's wards, so the
ward with the most of a measure scores 1 on it and the one with least 0. A measure with no
data (its file not imported) is left out and the other weights are rescaled; each ward's
reasons are the measures that contribute most to its score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.gaps import service as gaps
from safetynet.gaps.rules import RuleBook
from safetynet.places import reference
from safetynet.places import service as places
from safetynet.places.models import PlaceConnectivity, PlaceDeprivation, PlacePostcode

# (measure, weight, what a high value means, as a reason)
WEIGHTS: tuple[tuple[str, float, str], ...] = (
    ("missing_per_1000", 0.40, "many missing out"),
    ("unclaimed_per_resident", 0.20, "much unclaimed"),
    ("imd_score", 0.20, "deprived"),
    ("no_gigabit_pct", 0.10, "poor broadband"),
    ("rural_pct", 0.10, "rural"),
)
REASONS_SHOWN = 2


@dataclass
class PlaceData:
    """The area's place measures per postcode, from the current version of each file."""

    postcodes: pl.DataFrame  # postcode, lsoa, rural, imd_score, imd_decile
    directory: pl.DataFrame  # postcode, ward_code (the postcode directory's wards)
    connectivity: pl.DataFrame  # postcode, premises, gigabit_pct, below_uso_pct
    editions: dict[str, str] = field(default_factory=dict)  # kind -> edition


@dataclass
class Profiles:
    """Ward (or LSOA) profiles, ranked where to act, and what they were made from."""

    rows: list[dict[str, Any]]
    measures: list[str]  # the measures the ranking used
    editions: dict[str, str]
    screened: bool


DIRECTORY = {"postcode": pl.String, "lsoa": pl.String, "rural": pl.Boolean, "ward_code": pl.String}
SCORES = {"lsoa": pl.String, "imd_score": pl.Float64, "imd_decile": pl.Int64}
COVERAGE = {
    "postcode": pl.String,
    "premises": pl.Int64,
    "gigabit_pct": pl.Float64,
    "below_uso_pct": pl.Float64,
}


def _current_rows(
    session: Session, tenant_id: int, kind: str, columns: list[Any], schema: dict[str, Any]
) -> tuple[pl.DataFrame, str | None]:
    """The rows of the newest version of a kind of file (empty if none), and its edition."""
    current = reference.current_file(session, tenant_id, kind)
    if current is None:
        return pl.DataFrame(schema=schema), None
    model = columns[0].class_
    rows = session.execute(select(*columns).where(model.file_id == current.id)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row"), current.edition


def place_data(session: Session, tenant_id: int) -> PlaceData:
    """Each postcode's LSOA, rurality and deprivation, and each postcode's broadband."""
    directory, postcodes_edition = _current_rows(
        session,
        tenant_id,
        "postcodes",
        [PlacePostcode.postcode, PlacePostcode.lsoa, PlacePostcode.rural, PlacePostcode.ward_code],
        DIRECTORY,
    )
    scores, deprivation_edition = _current_rows(
        session,
        tenant_id,
        "deprivation",
        [PlaceDeprivation.lsoa, PlaceDeprivation.score, PlaceDeprivation.decile],
        SCORES,
    )
    coverage, coverage_edition = _current_rows(
        session,
        tenant_id,
        "connectivity",
        [
            PlaceConnectivity.postcode,
            PlaceConnectivity.premises,
            PlaceConnectivity.gigabit_pct,
            PlaceConnectivity.below_uso_pct,
        ],
        COVERAGE,
    )
    editions = {
        kind: edition
        for kind, edition in (
            ("postcodes", postcodes_edition),
            ("deprivation", deprivation_edition if postcodes_edition else None),
            ("connectivity", coverage_edition),
        )
        if edition
    }
    postcodes = directory.drop("ward_code").join(scores, on="lsoa", how="left")
    return PlaceData(postcodes, directory.select("postcode", "ward_code"), coverage, editions)


def _place_measures(frame: pl.DataFrame, data: PlaceData, by: str) -> pl.DataFrame:
    """Per `by` (ward_code or lsoa): deprivation, rurality and broadband of its postcodes."""
    joined = frame.join(data.postcodes.drop("lsoa"), on="postcode", how="left").join(
        data.connectivity, on="postcode", how="left"
    )
    covered = pl.col("premises").filter(pl.col("gigabit_pct").is_not_null())
    return joined.group_by(by).agg(
        pl.len().alias("postcodes"),
        pl.col("imd_score").mean().round(1).alias("imd_score"),
        pl.col("imd_decile").median().alias("imd_decile"),
        (pl.col("imd_decile") <= 2).mean().mul(100).round(1).alias("most_deprived_pct"),
        pl.col("rural").mean().mul(100).round(1).alias("rural_pct"),
        pl.col("premises").sum().alias("premises"),
        _premises_share("gigabit_pct", covered),
        _premises_share("below_uso_pct", covered),
    )


def _premises_share(column: str, covered: pl.Expr) -> pl.Expr:
    """A share of premises (Ofcom's per-postcode %) over postcodes, weighted by premises;
    null where no postcode of the group is covered by the file."""
    weighted = (pl.col("premises") * pl.col(column)).sum() / covered.sum()
    return pl.when(covered.sum() > 0).then(weighted.round(1)).otherwise(None).alias(column)


def _need(result: gaps.GapResult, key: str) -> pl.DataFrame:
    """Per `key` of the residents: residents known, residents missing out on any programme,
    and £ a year likely unclaimed by their households (each household once)."""
    found = pl.Series(sorted(set().union(*result.found.values())), dtype=pl.Int64)
    residents = result.residents.select("resident_id", key).with_columns(
        missing=pl.col("resident_id").is_in(found.implode())
    )
    need = residents.group_by(key).agg(
        pl.len().alias("residents"), pl.col("missing").sum().alias("missing")
    )
    if result.unclaimed is None:
        return need.with_columns(unclaimed_pence=pl.lit(None, pl.Int64))
    money = (
        residents.filter(pl.col("missing"))
        .join(result.unclaimed, on="resident_id")
        .unique([key, "household_key"])
        .group_by(key)
        .agg(pl.col("unclaimed_pence").sum())
    )
    return need.join(money, on=key, how="left").with_columns(pl.col("unclaimed_pence").fill_null(0))


def ward_postcodes(session: Session, tenant_id: int, data: PlaceData) -> pl.DataFrame:
    """postcode, ward_code for every postcode of the area's wards: the ward lookup's, and the
    postcode directory's live postcodes in those wards that the lookup lacks."""
    lookup = places.postcode_wards(session, tenant_id).select("postcode", "ward_code")
    codes = lookup.get_column("ward_code").unique().implode()
    extra = data.directory.filter(pl.col("ward_code").is_in(codes)).select("postcode", "ward_code")
    return pl.concat([lookup, extra]).unique("postcode", keep="first", maintain_order=True)


def ward_profiles(session: Session, tenant_id: int, result: gaps.GapResult) -> Profiles:
    """One profile per ward of the area, ranked where to act (first = act first)."""
    data = place_data(session, tenant_id)
    wards = [(w.code, w.name) for w in places.wards(session, tenant_id)]
    frame = pl.DataFrame(
        wards, schema={"ward_code": pl.String, "ward_name": pl.String}, orient="row"
    )
    measures = _place_measures(ward_postcodes(session, tenant_id, data), data, "ward_code")
    residents = result.residents.with_columns(pl.col("ward_code").fill_null(""))
    need = _need(
        gaps.GapResult(result.as_of, residents, result.found, unclaimed=result.unclaimed),
        "ward_code",
    )
    table = frame.join(measures, on="ward_code", how="left").join(need, on="ward_code", how="left")
    return _ranked(table, data, screened=result.unclaimed is not None)


def lsoa_profiles(session: Session, tenant_id: int, result: gaps.GapResult) -> Profiles:
    """One profile per LSOA of the area's postcode directory, ranked where to act."""
    data = place_data(session, tenant_id)
    if data.postcodes.is_empty():
        return Profiles([], [], data.editions, screened=result.unclaimed is not None)
    names_of = pl.DataFrame(
        [(w.code, w.name) for w in places.wards(session, tenant_id)],
        schema={"ward_code": pl.String, "ward_name": pl.String},
        orient="row",
    )
    frame = (
        data.postcodes.select("postcode", "lsoa")
        .join(data.directory, on="postcode", how="left")
        .join(names_of, on="ward_code", how="left")
    )
    names = frame.group_by("lsoa").agg(
        pl.col("ward_name").drop_nulls().mode().first().alias("ward_name")
    )
    measures = _place_measures(frame.select("postcode", "lsoa"), data, "lsoa")
    residents = result.residents.join(
        data.postcodes.select("postcode", "lsoa"), on="postcode", how="left"
    )
    need = _need(
        gaps.GapResult(result.as_of, residents, result.found, unclaimed=result.unclaimed), "lsoa"
    )
    table = names.join(measures, on="lsoa", how="left").join(need, on="lsoa", how="left")
    return _ranked(table, data, screened=result.unclaimed is not None)


def _ranked(table: pl.DataFrame, data: PlaceData, *, screened: bool) -> Profiles:
    table = table.with_columns(
        pl.col("residents").fill_null(0),
        pl.col("missing").fill_null(0),
    ).with_columns(
        missing_per_1000=pl.when(pl.col("residents") > 0)
        .then(pl.col("missing") * 1000 / pl.col("residents"))
        .otherwise(None)
        .round(1),
        unclaimed_per_resident=pl.when(pl.col("residents") > 0)
        .then(pl.col("unclaimed_pence") / 100 / pl.col("residents"))
        .otherwise(None)
        .round(2),
        no_gigabit_pct=(100 - pl.col("gigabit_pct")).round(1),
    )
    used = [
        (name, weight, why)
        for name, weight, why in WEIGHTS
        if table.get_column(name).drop_nulls().len() > 0
    ]
    total = sum(weight for _, weight, _ in used) or 1.0
    parts = []
    for name, weight, _ in used:
        column = pl.col(name)
        spread = column.max() - column.min()
        scaled = pl.when(spread > 0).then((column - column.min()) / spread).otherwise(0.0)
        parts.append((scaled.fill_null(0.0) * weight / total).alias(f"part_{name}"))
    if parts:
        table = table.with_columns(parts).with_columns(
            score=pl.sum_horizontal([f"part_{n}" for n, _, _ in used]).round(3)
        )
    else:
        table = table.with_columns(score=pl.lit(0.0))
    table = table.sort(["score", "missing"], descending=[True, True])
    rows = []
    for position, row in enumerate(table.iter_rows(named=True), start=1):
        contributions = sorted(
            ((row.get(f"part_{n}") or 0.0, why) for n, _, why in used), reverse=True
        )
        row["rank"] = position
        row["reasons"] = [why for part, why in contributions[:REASONS_SHOWN] if part > 0.05]
        row["contributions"] = {n: round(row.get(f"part_{n}") or 0.0, 3) for n, _, _ in used}
        rows.append(row)
    return Profiles(rows, [n for n, _, _ in used], data.editions, screened)


def profiles(
    session: Session, reader: gaps.Reader, book: RuleBook, *, as_of: Any, by: str = "ward"
) -> Profiles:
    """Profiles of the reader's area by ward or LSOA (need counted as the reader may see it)."""
    from safetynet.gaps import recent

    result = recent.gaps_as_of(session, reader, book, as_of=as_of, purpose="place profiles")
    if by == "lsoa":
        return lsoa_profiles(session, reader.tenant.id, result)
    return ward_profiles(session, reader.tenant.id, result)

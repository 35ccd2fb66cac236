"""A link run: read a council area's current records, link them, cluster them into residents,
and write the residents back in one transaction, keeping resident ids stable across runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Tenant
from safetynet.db import refresh_statistics, utcnow
from safetynet.errors import InvalidInput
from safetynet.link import backends, decide, explain, model, prepare, review, scoring
from safetynet.link.models import LinkRun, Resident, ResidentRecord
from safetynet.sources.models import ImportStatus, Record, Source, SourceImport
from safetynet.sources.store import Bulk

MATCH_THRESHOLD = 0.5
REVIEW_BAND = (0.2, 0.9)  # pairs scored in here go to the review queue
RECORD_FIELDS = (
    "source_id",
    "person_ref",
    "forename",
    "surname",
    "dob",
    "postcode",
    "address",
    "uprn",
    "phone",
    "email",
)


# A record needs one of these beyond a name to be linked: names alone say too little, and
# a source of names only would leave the model nothing but names to learn from.
BEYOND_NAMES = ("dob", "postcode", "address", "uprn", "phone", "email")


def linkable(session: Session, records: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The records of sources holding more than names, and the names of the sources left
    out because none of their current records has a date of birth, postcode or address."""
    has_more = pl.any_horizontal(pl.col(c).is_not_null() for c in BEYOND_NAMES)
    useful = records.group_by("source_id").agg(has_more.any().alias("useful"))
    dropped = useful.filter(~pl.col("useful"))["source_id"].to_list()
    if not dropped:
        return records, []
    names = session.scalars(select(Source.name).where(Source.id.in_(dropped)).order_by(Source.name))
    return records.filter(~pl.col("source_id").is_in(dropped)), list(names)


def tenant_named(session: Session, name: str | None) -> Tenant:
    """The council area to link: the one named, or the only one there is."""
    query = select(Tenant)
    if name:
        query = query.where((Tenant.slug == name) | (Tenant.name == name))
    found = list(session.scalars(query.limit(2)))
    if len(found) != 1:
        raise InvalidInput(
            "Name the council area to link with --area (its name or short name)."
            if found or not name
            else f"There is no council area called '{name}'."
        )
    return found[0]


def current_records(session: Session, tenant_id: int) -> pl.DataFrame:
    """The area's records from active imports, with the fields linkage compares."""
    columns = [Record.id.label("record_id"), *(getattr(Record, f) for f in RECORD_FIELDS)]
    rows = session.execute(
        select(*columns, Source.mode, Source.kind)
        .join(SourceImport, Record.import_id == SourceImport.id)
        .join(Source, Source.id == Record.source_id)
        .where(Record.tenant_id == tenant_id, SourceImport.status == ImportStatus.ACTIVE)
        .order_by(Record.id)
    ).all()
    schema = {
        "record_id": pl.Int64,
        "source_id": pl.Int64,
        "person_ref": pl.String,
        "forename": pl.String,
        "surname": pl.String,
        "dob": pl.Date,
        "postcode": pl.String,
        "address": pl.String,
        "uprn": pl.String,
        "phone": pl.String,
        "email": pl.String,
        "mode": pl.String,
        "kind": pl.String,
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


@dataclass
class Clustering:
    """Each record's cluster, what the model said, and the pairs it was unsure of."""

    clusters: pl.DataFrame  # record_id, cluster
    pairs: int  # accepted by the decision rule, before clustering
    kept_apart: int  # scored as matches but kept apart as relatives at one address
    model: dict
    uncertain: pl.DataFrame  # the review queue's pairs: ids, probability, weight, priority
    explanations: list[list[dict]]  # why the model scored each uncertain pair as it did
    rulings: int = 0  # people's rulings that applied to these records
    left_out: list[str] = field(default_factory=list)  # sources of names only, not linked


def cluster_records(
    records: pl.DataFrame,
    *,
    threshold: float,
    constraints: decide.Constraints | None = None,
    review_band: tuple[float, float] = REVIEW_BAND,
) -> Clustering:
    """Link and dedupe across sources under the default decision rule and people's rulings;
    repeat visits under one person reference stay together."""
    frames = [
        prepare.for_linkage(group, str(key[0]))
        for key, group in records.group_by("source_id", maintain_order=True)
    ]
    linker = model.build(
        frames,
        link_type="link_and_dedupe" if len(frames) > 1 else "dedupe_only",
        explainable=True,
    )
    # The engine reads its own (Arrow) copy of the frames: freeing them now leaves their
    # memory to scoring (about 300 MB at a million records).
    del frames
    linker.train()
    floor = min(threshold, review_band[0])
    scored = scoring.scored_pairs(linker, floor, score_from=min(floor, decide.SCORE_FLOOR))
    snapshots = {str(s) for s in records.filter(pl.col("mode") == "snapshot")["source_id"].unique()}
    matched, kept_apart = decide.matches(scored, threshold=threshold, snapshots=snapshots)
    constraints = constraints or decide.Constraints([], [])
    edges = pl.concat([constraints.edges(matched), _same_person_ref(records)])
    clusters = constraints.separate(_components(records, edges, linker), edges)
    inside = scored.filter(pl.col("match_probability").is_between(*review_band, closed="left"))
    uncertain = review.candidates(inside, clusters, records)
    explanations = explain.waterfalls(linker.linker, inside[uncertain["row"].to_list()])
    return Clustering(
        clusters,
        matched.height,
        kept_apart,
        linker.saved(),
        uncertain.drop("row"),
        explanations,
        len(constraints.must) + len(constraints.cannot),
    )


def _components(
    records: pl.DataFrame, edges: pl.DataFrame, linker: model.LinkModel
) -> pl.DataFrame:
    """Connected components of the accepted edges (Splink's clustering, on the linker's engine)."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    nodes = records.select(pl.col("record_id").cast(pl.String).alias("unique_id"))
    pairs = edges.select(
        pl.col("a").cast(pl.String).alias("unique_id_l"),
        pl.col("b").cast(pl.String).alias("unique_id_r"),
    )
    clustered = cluster_pairwise_predictions_at_threshold(
        backends.to_arrow(nodes),
        backends.to_arrow(pairs),
        linker.db_api,
        node_id_column_name="unique_id",
    )
    frame = backends.to_polars(clustered)
    return frame.select(
        pl.col("unique_id").cast(pl.Int64).alias("record_id"),
        pl.col("cluster_id").cast(pl.String).alias("cluster"),
    )


def _same_person_ref(records: pl.DataFrame) -> pl.DataFrame:
    """Edges joining each record to the first with the same source and person reference."""
    keyed = records.filter(pl.col("person_ref").is_not_null()).with_columns(
        pl.col("record_id").min().over("source_id", "person_ref").alias("first")
    )
    return keyed.filter(pl.col("record_id") != pl.col("first")).select(
        pl.col("first").alias("a"),
        pl.col("record_id").alias("b"),
        pl.lit(float("inf")).alias("weight"),
    )


def stable_ids(clusters: pl.DataFrame, previous: pl.DataFrame) -> dict[str, int]:
    """Previous resident ids for new clusters: where records stay together the id stays.

    On a split the larger part keeps the id; on a merge the older (smaller) id survives.
    """
    overlap = (
        clusters.join(previous, on="record_id")
        .group_by("cluster", "resident_id")
        .len()
        .sort(["len", "resident_id"], descending=[True, False])
    )
    kept: dict[str, int] = {}
    taken: set[int] = set()
    for cluster, resident_id, _count in overlap.iter_rows():
        if cluster not in kept and resident_id not in taken:
            kept[cluster] = resident_id
            taken.add(resident_id)
    return kept


def run_linkage(
    session: Session,
    *,
    area: str | None,
    actor: str,
    threshold: float = MATCH_THRESHOLD,
    review_band: tuple[float, float] = REVIEW_BAND,
    progress: Callable[[int, str], None] | None = None,
) -> LinkRun:
    """Link the area's current records into residents and write them back whole.

    `progress(percent, stage)` is told as each stage starts (a background job shows it).
    """
    if not review_band[0] < review_band[1]:
        raise InvalidInput("The review band must run from a lower to a higher probability.")
    report = progress or (lambda _percent, _stage: None)
    tenant = tenant_named(session, area)
    report(5, "Reading current records")
    records = current_records(session, tenant.id)
    if records.height < 2:
        raise InvalidInput(
            f"{tenant.name} has {records.height} current record(s): import "
            "partners' lists before linking."
        )
    records, left_out = linkable(session, records)
    if records.height < 2:
        raise InvalidInput(
            f"{tenant.name} has {records.height} current record(s) with more than a name: "
            "import partners' lists with a date of birth, postcode or address before linking."
        )
    started = time.perf_counter()
    constraints = review.constraints_for(session, tenant.id, records)
    report(15, f"Linking {records.height:,} records: training, scoring pairs, clustering")
    clustering = cluster_records(
        records, threshold=threshold, constraints=constraints, review_band=review_band
    )
    seconds = round(time.perf_counter() - started, 1)
    report(85, f"Writing residents ({clustering.pairs:,} matching pairs found)")
    try:
        clustering.left_out = left_out
        run = _write(session, tenant, records, clustering, actor, (threshold, review_band), seconds)
    except BaseException:
        session.rollback()
        raise
    return run


def _write(
    session: Session,
    tenant: Tenant,
    records: pl.DataFrame,
    clustering: Clustering,
    actor: str,
    thresholds: tuple[float, tuple[float, float]],
    seconds: float,
) -> LinkRun:
    run = LinkRun(
        tenant_id=tenant.id,
        status="finished",
        started_by=actor,
        model=clustering.model,
        thresholds={
            "match_probability": thresholds[0],
            "review_from": thresholds[1][0],
            "review_to": thresholds[1][1],
        },
    )
    session.add(run)
    session.flush()
    previous = _previous(session, tenant.id)
    kept = stable_ids(clustering.clusters, previous)
    ids = _resident_ids(session, tenant.id, run.id, clustering.clusters, kept)
    _end_unused(session, previous, clustering.clusters, ids, run.id)
    session.execute(
        delete(ResidentRecord).where(
            ResidentRecord.record_id.in_(previous.get_column("record_id").to_list())
        )
    )
    mapping = clustering.clusters.with_columns(
        pl.col("cluster").replace_strict(ids, return_dtype=pl.Int64).alias("resident_id"),
        pl.lit(run.id).alias("run_id"),
    )
    Bulk.of(session).write_rows("resident_records", ("record_id", "resident_id", "run_id"), mapping)
    run.counts = _counts(records, clustering, residents=len(ids), kept=len(kept))
    keys = dict(zip(records["record_id"], review.record_keys(records), strict=True))
    queued = review.refresh_queue(
        session, tenant.id, run.id, clustering.uncertain, clustering.explanations, keys
    )
    run.counts = {**run.counts, "review_queued": queued}
    run.timings = {"link_seconds": seconds}
    run.finished_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="link.run",
        entity_type="link_run",
        entity_id=run.id,
        tenant_id=tenant.id,
        detail=run.counts,
    )
    session.commit()
    refresh_statistics(session, "residents", "resident_records", "review_pairs")
    return run


def _resident_ids(
    session: Session, tenant_id: int, run_id: int, clusters: pl.DataFrame, kept: dict[str, int]
) -> dict[str, int]:
    """Each cluster's resident id: the kept ones, and new residents (made in one batch) for
    the rest."""
    ids = dict(kept)
    fresh = [c for c in clusters.get_column("cluster").unique().sort().to_list() if c not in ids]
    made = [Resident(tenant_id=tenant_id, created_by_run_id=run_id) for _ in fresh]
    session.add_all(made)
    session.flush()
    ids.update(zip(fresh, (resident.id for resident in made), strict=True))
    return ids


def _counts(
    records: pl.DataFrame, clustering: Clustering, *, residents: int, kept: int
) -> dict[str, Any]:
    """What a run saw and made, kept with the run."""
    left_out = {"sources_left_out": clustering.left_out} if clustering.left_out else {}
    return left_out | {
        "records": records.height,
        "pairs_scored": clustering.pairs,
        "residents": residents,
        "residents_kept": kept,
        "sources": records.get_column("source_id").n_unique(),
        "kept_apart_as_relatives": clustering.kept_apart,
        "rulings_applied": clustering.rulings,
    }


def _previous(session: Session, tenant_id: int) -> pl.DataFrame:
    rows = session.execute(
        select(ResidentRecord.record_id, ResidentRecord.resident_id)
        .join(Resident, Resident.id == ResidentRecord.resident_id)
        .where(Resident.tenant_id == tenant_id)
    ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"record_id": pl.Int64, "resident_id": pl.Int64},
        orient="row",
    )


def _end_unused(
    session: Session,
    previous: pl.DataFrame,
    clusters: pl.DataFrame,
    ids: dict[str, int],
    run_id: int,
) -> None:
    """Residents whose records all went to others end with this run; one whose records
    went mostly to one resident (a merge) redirects to it, so links to it still find them."""
    kept = set(ids.values())
    unused = set(previous.get_column("resident_id").unique().to_list()) - kept
    if not unused:
        return
    went = (
        previous.filter(pl.col("resident_id").is_in(list(unused)))
        .join(clusters, on="record_id")
        .group_by("resident_id", "cluster")
        .len()
        .sort("len", descending=True)
        .unique("resident_id", keep="first")
    )
    successor = {old: ids[cluster] for old, cluster, _ in went.iter_rows()}
    for resident in session.scalars(select(Resident).where(Resident.id.in_(unused))):
        resident.ended_by_run_id = run_id
        resident.merged_into_id = successor.get(resident.id)


def list_runs(session: Session, limit: int = 20) -> list[LinkRun]:
    """Link runs, newest first."""
    return list(session.scalars(select(LinkRun).order_by(LinkRun.id.desc()).limit(limit)))

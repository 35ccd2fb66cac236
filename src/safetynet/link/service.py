"""The link domain's public face: runs, the review queue, rulings and explanations.

Other domains and the three doors (CLI, web, API) call these; the modules behind them
(`runs`, `review`, `decide`, `explain`, `model`) are the workings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.errors import InvalidInput, NotFound
from safetynet.link import backends, decide, explain, model, prepare
from safetynet.link.models import LinkRun
from safetynet.link.review import (
    current_resident,
    decide_pair,
    get_pair,
    merge_residents,
    open_count,
    queue,
    records_side_by_side,
    split_resident,
)
from safetynet.link.runs import current_records, list_runs, run_linkage, tenant_named

TF_COLUMNS = ("forename", "forename_first", "surname", "postcode")

__all__ = [
    "Explanation",
    "current_resident",
    "decide_pair",
    "explain_records",
    "get_pair",
    "list_runs",
    "merge_residents",
    "open_count",
    "queue",
    "records_side_by_side",
    "run_linkage",
    "split_resident",
    "tenant_named",
]


@dataclass
class Explanation:
    """Why the latest model scores two records as it does."""

    run_id: int
    match_probability: float
    steps: list[dict[str, Any]]


def latest_model(session: Session, tenant_id: int) -> LinkRun:
    """The area's latest finished run with a trained model."""
    run = session.scalar(
        select(LinkRun)
        .where(LinkRun.tenant_id == tenant_id, LinkRun.model.is_not(None))
        .order_by(LinkRun.id.desc())
        .limit(1)
    )
    if run is None:
        raise NotFound("No link run has trained a model for this area yet: run `link run` first.")
    return run


def explain_records(
    session: Session, tenant_id: int, record_a: int, record_b: int, *, actor: str
) -> Explanation:
    """Each comparison's part in the match weight of two current records (Splink's
    waterfall), under the area's latest model; term frequencies come from all current
    records, as in the run."""
    run = latest_model(session, tenant_id)
    records = current_records(session, tenant_id)
    wanted = records.filter(pl.col("record_id").is_in([record_a, record_b]))
    if record_a == record_b or wanted.height != 2:
        raise InvalidInput(
            f"Name two different current records of this area (got {record_a} and {record_b})."
        )
    frames = [
        prepare.for_linkage(group, str(key[0]))
        for key, group in records.group_by("source_id", maintain_order=True)
    ]
    linker = model.from_saved(frames, run.model or {})
    for column in TF_COLUMNS:
        linker.linker.table_management.compute_tf_table(column)
    # Registered as typed tables, not dicts: a missing date would lose its type.
    sides = [
        linker.linker.table_management.register_table(
            backends.to_arrow(prepare.for_linkage(wanted[i : i + 1], str(wanted["source_id"][i]))),
            f"__explain_{side}",
            overwrite=True,
        )
        for i, side in ((0, "l"), (1, "r"))
    ]
    scored = linker.linker.inference.score_pair(sides[0], sides[1])
    # Rescored as the run rescored its pairs: a move or a home counted once.
    moved = decide.count_a_move_once(backends.to_polars(scored), linker.moves_seen)
    frame = decide.count_a_home_once(moved, linker.home)
    steps = explain.waterfalls(linker.linker, frame)[0]
    audit.record(
        session,
        actor=actor,
        action="link.explain",
        entity_type="record",
        entity_id=record_a,
        tenant_id=tenant_id,
        detail={"other_record": record_b, "run": run.id},
    )
    session.commit()
    return Explanation(run.id, explain.probability(steps), steps)

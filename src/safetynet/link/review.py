"""The clerical review queue, and people's rulings on who is who.

A link run queues the pairs it was unsure of, most useful first: how unsure (a coin toss
ranks highest) times how much the answer would change (the programmes one side would gain
or lose). A reviewer accepts (same person), rejects (different people) or skips a pair;
accept and reject are kept as rulings keyed so they survive re-imports, take effect on the
residents at once, and override the model in every later run. Merging and splitting
residents by hand are rulings too.
"""

from __future__ import annotations

from itertools import product

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.db import utcnow
from safetynet.errors import Conflict, InvalidInput, NotFound
from safetynet.link import decide
from safetynet.link.models import LinkDecision, LinkRun, Resident, ResidentRecord, ReviewPair
from safetynet.sources.models import Record, Source

OPEN = ("pending", "skipped")
MAX_RULING_PAIRS = 400  # cannot-link edges a split records; beyond this it would be noise
QUEUE_SCHEMA = {
    "row": pl.UInt32,
    "record_id_l": pl.Int64,
    "record_id_r": pl.Int64,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
    "impact": pl.Int64,
    "priority": pl.Float64,
}


def record_keys(records: pl.DataFrame) -> pl.Series:
    """A record's name in rulings: its source and the partner's own reference for the
    person where there is one (stable across re-imports), else the record itself."""
    by_ref = pl.format("{}:{}", pl.col("source_id"), pl.col("person_ref"))
    by_id = pl.format("#{}", pl.col("record_id"))
    return records.select(
        pl.when(pl.col("person_ref").is_not_null()).then(by_ref).otherwise(by_id).alias("key")
    ).to_series()


def _key_of(record: Record) -> str:
    return f"{record.source_id}:{record.person_ref}" if record.person_ref else f"#{record.id}"


def constraints_for(session: Session, tenant_id: int, records: pl.DataFrame) -> decide.Constraints:
    """The area's rulings as must-link and cannot-link pairs of the current records."""
    keyed = records.select("record_id").with_columns(record_keys(records))
    ids: dict[str, list[int]] = {}
    for record_id, key in keyed.iter_rows():
        ids.setdefault(key, []).append(record_id)
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    for ruling in session.scalars(select(LinkDecision).where(LinkDecision.tenant_id == tenant_id)):
        left, right = ids.get(ruling.key_l), ids.get(ruling.key_r)
        if not left or not right:
            continue  # one side is no longer in any current list
        if ruling.same_person:
            must.append((left[0], right[0]))
        else:
            cannot.extend(product(left, right))
    return decide.Constraints(must, cannot)


def candidates(inside: pl.DataFrame, clusters: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """The review band's pairs worth a person's time, most useful first: one per pair of
    clusters, ranked by uncertainty × (1 + impact).

    Impact is how many programmes the answer moves between the two residents: the gap rules
    read programme membership, so this is how many "who is missing" results could change.
    """
    if inside.is_empty():
        return pl.DataFrame(schema=QUEUE_SCHEMA)
    kinds = records.select("record_id", "kind").join(clusters, on="record_id")
    held = kinds.group_by("cluster").agg(pl.col("kind").unique().alias("kinds"))
    pairs = inside.with_row_index("row").select(
        "row",
        pl.col("unique_id_l").cast(pl.Int64).alias("l"),
        pl.col("unique_id_r").cast(pl.Int64).alias("r"),
        pl.col("match_probability").cast(pl.Float64),
        pl.col("match_weight").cast(pl.Float64),
    )
    for side in ("l", "r"):
        pairs = pairs.join(
            kinds.rename({"record_id": side, "kind": f"kind_{side}", "cluster": f"cluster_{side}"}),
            on=side,
        ).join(
            held.rename({"cluster": f"cluster_{side}", "kinds": f"kinds_{side}"}),
            on=f"cluster_{side}",
        )
    same = pl.col("cluster_l") == pl.col("cluster_r")
    moved = pl.col("kinds_l").list.set_symmetric_difference("kinds_r").list.len()
    impact = pl.when(same).then((pl.col("kind_l") != pl.col("kind_r")).cast(pl.Int64))
    ranked = pairs.with_columns(
        impact.otherwise(moved.cast(pl.Int64)).alias("impact"),
        pl.min_horizontal("cluster_l", "cluster_r").alias("c1"),
        pl.max_horizontal("cluster_l", "cluster_r").alias("c2"),
    ).with_columns(
        (decide.uncertainty(pl.col("match_probability")) * (1 + pl.col("impact"))).alias("priority")
    )
    best = ranked.sort("priority", "row", descending=[True, False]).unique(
        ["c1", "c2"], keep="first"
    )
    return best.sort("priority", descending=True).select(
        "row",
        pl.min_horizontal("l", "r").alias("record_id_l"),
        pl.max_horizontal("l", "r").alias("record_id_r"),
        "match_probability",
        "match_weight",
        "impact",
        "priority",
    )


def refresh_queue(
    session: Session,
    tenant_id: int,
    run_id: int,
    uncertain: pl.DataFrame,
    explanations: list[list[dict]],
    keys: dict[int, str],
) -> int:
    """Replace the area's open queue with a run's uncertain pairs, leaving out pairs already
    ruled on; a pair skipped before stays skipped (at the back of the queue)."""
    skipped_pairs = {
        (p.record_id_l, p.record_id_r): p.skipped_at
        for p in session.scalars(
            select(ReviewPair).where(
                ReviewPair.tenant_id == tenant_id, ReviewPair.status == "skipped"
            )
        )
    }
    session.execute(
        delete(ReviewPair).where(ReviewPair.tenant_id == tenant_id, ReviewPair.status.in_(OPEN))
    )
    session.flush()
    ruled = _ruled_pairs(session, tenant_id)
    decided = set(
        session.execute(
            select(ReviewPair.record_id_l, ReviewPair.record_id_r).where(
                ReviewPair.tenant_id == tenant_id
            )
        ).all()
    )
    added = 0
    for row, steps in zip(uncertain.iter_rows(named=True), explanations, strict=True):
        pair = (row["record_id_l"], row["record_id_r"])
        if pair in decided or tuple(sorted((keys[pair[0]], keys[pair[1]]))) in ruled:
            continue
        when_skipped = skipped_pairs.get(pair)
        session.add(
            ReviewPair(
                tenant_id=tenant_id,
                run_id=run_id,
                record_id_l=pair[0],
                record_id_r=pair[1],
                match_probability=row["match_probability"],
                match_weight=row["match_weight"],
                impact=row["impact"],
                priority=row["priority"],
                status="skipped" if when_skipped else "pending",
                skipped_at=when_skipped,
                explanation=steps,
            )
        )
        added += 1
    return added


def _ruled_pairs(session: Session, tenant_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(LinkDecision.key_l, LinkDecision.key_r).where(LinkDecision.tenant_id == tenant_id)
    ).all()
    return {(a, b) for a, b in rows}


def set_impacts(session: Session, tenant_id: int, impacts: dict[int, int]) -> int:
    """Re-rank open pairs by a better measure of impact (the gap-rule results a decision
    would change, which the gaps domain works out), keeping the same uncertainty."""
    changed = 0
    for pair in session.scalars(
        select(ReviewPair).where(
            ReviewPair.tenant_id == tenant_id,
            ReviewPair.status.in_(OPEN),
            ReviewPair.id.in_(list(impacts)),
        )
    ):
        pair.impact = impacts[pair.id]
        certainty = abs(2 * pair.match_probability - 1)
        pair.priority = (1 - certainty) * (1 + pair.impact)
        changed += 1
    session.commit()
    return changed


def open_pairs(session: Session, tenant_id: int) -> list[tuple[int, int, int]]:
    """Every open pair of the area as (pair id, record id, record id)."""
    rows = session.execute(
        select(ReviewPair.id, ReviewPair.record_id_l, ReviewPair.record_id_r).where(
            ReviewPair.tenant_id == tenant_id, ReviewPair.status.in_(OPEN)
        )
    ).all()
    return [(a, b, c) for a, b, c in rows]


def queue(session: Session, tenant_id: int, *, limit: int = 20) -> list[ReviewPair]:
    """The open queue, most useful first; skipped pairs come after the rest, oldest skip first."""
    pending = select(ReviewPair).where(
        ReviewPair.tenant_id == tenant_id, ReviewPair.status == "pending"
    )
    found = list(session.scalars(pending.order_by(ReviewPair.priority.desc()).limit(limit)))
    if len(found) < limit:
        skipped = select(ReviewPair).where(
            ReviewPair.tenant_id == tenant_id, ReviewPair.status == "skipped"
        )
        found += session.scalars(skipped.order_by(ReviewPair.skipped_at).limit(limit - len(found)))
    return found


def open_count(session: Session, tenant_id: int) -> int:
    """How many pairs wait for review in the area."""
    from sqlalchemy import func

    return (
        session.scalar(
            select(func.count()).where(
                ReviewPair.tenant_id == tenant_id, ReviewPair.status.in_(OPEN)
            )
        )
        or 0
    )


def get_pair(session: Session, tenant_id: int, pair_id: int) -> ReviewPair:
    """One queued pair of the area (another area's pair is not found, never shown)."""
    pair = session.get(ReviewPair, pair_id)
    if pair is None or pair.tenant_id != tenant_id:
        raise NotFound(f"There is no review pair {pair_id} in this area.")
    return pair


def records_side_by_side(
    session: Session, tenant_id: int, pair: ReviewPair, *, actor: str
) -> list[dict]:
    """The two records of a pair, with who supplied each; the viewing is audited."""
    rows = session.execute(
        select(Record, Source.name)
        .join(Source, Source.id == Record.source_id)
        .where(Record.id.in_((pair.record_id_l, pair.record_id_r)), Record.tenant_id == tenant_id)
        .order_by(Record.id)
    ).all()
    audit.record(
        session,
        actor=actor,
        action="link.review.view",
        entity_type="review_pair",
        entity_id=pair.id,
        tenant_id=tenant_id,
    )
    session.commit()
    return [_shown(record, source) for record, source in rows]


def _shown(record: Record, source: str) -> dict:
    return {
        "record": record.id,
        "source": source,
        "row": record.row_id,
        "forename": record.forename,
        "surname": record.surname,
        "dob": record.dob.isoformat() if record.dob else None,
        "postcode": record.postcode,
        "address": record.address,
        "uprn": record.uprn,
        "phone": record.phone,
        "email": record.email,
    }


def decide_pair(
    session: Session, tenant_id: int, pair_id: int, *, verdict: str, actor: str, reason: str
) -> ReviewPair:
    """Accept (same person), reject (different people) or skip a queued pair.

    Accept and reject are kept as rulings and change the residents now: accepting merges the
    two residents, rejecting splits the second record's person out of a shared resident.
    """
    if verdict not in ("accept", "reject", "skip"):
        raise InvalidInput("A review verdict is accept, reject or skip.")
    pair = get_pair(session, tenant_id, pair_id)
    if pair.status not in OPEN:
        raise Conflict(f"Review pair {pair_id} was already decided.")
    if verdict == "skip":
        pair.status, pair.skipped_at = "skipped", utcnow()
    else:
        if not reason.strip():
            raise InvalidInput("Give a reason for the decision (it is kept with it).")
        left, right = (session.get(Record, i) for i in (pair.record_id_l, pair.record_id_r))
        assert left is not None and right is not None
        _rule(
            session,
            tenant_id,
            left,
            right,
            same=verdict == "accept",
            actor=actor,
            reason=reason,
            origin="review",
        )
        pair.status = "decided"
        _apply(session, tenant_id, left, right, same=verdict == "accept", actor=actor)
    audit.record(
        session,
        actor=actor,
        action=f"link.review.{verdict}",
        entity_type="review_pair",
        entity_id=pair.id,
        tenant_id=tenant_id,
        reason=reason or None,
    )
    session.commit()
    return pair


def _rule(
    session: Session,
    tenant_id: int,
    a: Record,
    b: Record,
    *,
    same: bool,
    actor: str,
    reason: str,
    origin: str,
) -> None:
    """Keep (or replace) a ruling on two records' people."""
    key_l, key_r = sorted((_key_of(a), _key_of(b)))
    if key_l == key_r:
        raise InvalidInput("Those records carry the same person reference from one partner.")
    ruling = session.scalar(
        select(LinkDecision).where(
            LinkDecision.tenant_id == tenant_id,
            LinkDecision.key_l == key_l,
            LinkDecision.key_r == key_r,
        )
    )
    if ruling is None:
        ruling = LinkDecision(tenant_id=tenant_id, key_l=key_l, key_r=key_r)
        session.add(ruling)
    ruling.same_person, ruling.decided_by, ruling.reason = same, actor, reason
    ruling.decided_at, ruling.origin = utcnow(), origin


def _apply(
    session: Session, tenant_id: int, a: Record, b: Record, *, same: bool, actor: str
) -> None:
    """Make the residents agree with a ruling straight away."""
    resident_a, resident_b = (_resident_of(session, r.id) for r in (a, b))
    if resident_a is None or resident_b is None:
        return  # not linked yet: the next run applies the ruling
    if same and resident_a != resident_b:
        _merge(session, tenant_id, min(resident_a, resident_b), max(resident_a, resident_b))
    elif not same and resident_a == resident_b:
        same_ref = _records_with_key(session, resident_b, _key_of(b))
        _split(session, tenant_id, resident_b, same_ref)


def _resident_of(session: Session, record_id: int) -> int | None:
    return session.scalar(
        select(ResidentRecord.resident_id).where(ResidentRecord.record_id == record_id)
    )


def _records_with_key(session: Session, resident_id: int, key: str) -> list[int]:
    records = session.scalars(
        select(Record)
        .join(ResidentRecord, ResidentRecord.record_id == Record.id)
        .where(ResidentRecord.resident_id == resident_id)
    )
    return [r.id for r in records if _key_of(r) == key]


def current_resident(session: Session, tenant_id: int, resident_id: int) -> Resident:
    """A resident of the area, following merges: a merged id finds the person it became."""
    resident = session.get(Resident, resident_id)
    seen = set()
    while resident is not None and resident.merged_into_id is not None:
        if resident.id in seen:
            break
        seen.add(resident.id)
        resident = session.get(Resident, resident.merged_into_id)
    if resident is None or resident.tenant_id != tenant_id or resident.ended_by_run_id:
        raise NotFound(f"There is no resident {resident_id} in this area.")
    return resident


def merge_residents(
    session: Session, tenant_id: int, first: int, second: int, *, actor: str, reason: str
) -> Resident:
    """Join two residents who are one person: the older id survives, the other redirects."""
    a = current_resident(session, tenant_id, first)
    b = current_resident(session, tenant_id, second)
    if a.id == b.id:
        raise Conflict(f"Residents {first} and {second} are already one resident ({a.id}).")
    if not reason.strip():
        raise InvalidInput("Give a reason for the merge (it is kept with it).")
    keep, other = sorted((a.id, b.id))
    left, right = (_first_record(session, r) for r in (keep, other))
    _rule(session, tenant_id, left, right, same=True, actor=actor, reason=reason, origin="merge")
    _merge(session, tenant_id, keep, other)
    audit.record(
        session,
        actor=actor,
        action="link.resident.merge",
        entity_type="resident",
        entity_id=keep,
        tenant_id=tenant_id,
        reason=reason,
        detail={"merged": other},
    )
    session.commit()
    return current_resident(session, tenant_id, keep)


def split_resident(
    session: Session,
    tenant_id: int,
    resident_id: int,
    record_ids: list[int],
    *,
    actor: str,
    reason: str,
) -> Resident:
    """Move some of a resident's records to a new resident: two people wrongly joined.

    The records moved and those left are ruled different people, so later runs keep them apart.
    """
    resident = current_resident(session, tenant_id, resident_id)
    held = {
        r.id: r
        for r in session.scalars(
            select(Record)
            .join(ResidentRecord, ResidentRecord.record_id == Record.id)
            .where(ResidentRecord.resident_id == resident.id)
        )
    }
    moving = set(record_ids)
    if not moving or not moving <= set(held) or moving == set(held):
        raise InvalidInput(
            f"Name some, not all, of resident {resident.id}'s records to split off "
            f"(it holds records {', '.join(map(str, sorted(held)))})."
        )
    if not reason.strip():
        raise InvalidInput("Give a reason for the split (it is kept with it).")
    moved = {_key_of(held[i]): held[i] for i in moving}
    left = {_key_of(r): r for i, r in held.items() if i not in moving}
    for (_, a), (_, b) in list(product(moved.items(), left.items()))[:MAX_RULING_PAIRS]:
        _rule(session, tenant_id, a, b, same=False, actor=actor, reason=reason, origin="split")
    new = _split(session, tenant_id, resident.id, sorted(moving))
    audit.record(
        session,
        actor=actor,
        action="link.resident.split",
        entity_type="resident",
        entity_id=resident.id,
        tenant_id=tenant_id,
        reason=reason,
        detail={"new_resident": new.id, "records": len(moving)},
    )
    session.commit()
    return new


def _first_record(session: Session, resident_id: int) -> Record:
    record = session.scalar(
        select(Record)
        .join(ResidentRecord, ResidentRecord.record_id == Record.id)
        .where(ResidentRecord.resident_id == resident_id)
        .order_by(Record.id)
        .limit(1)
    )
    if record is None:
        raise NotFound(f"Resident {resident_id} holds no current records.")
    return record


def _merge(session: Session, tenant_id: int, keep: int, other: int) -> None:
    moved = session.scalars(select(ResidentRecord).where(ResidentRecord.resident_id == other))
    for link in moved:
        link.resident_id = keep
    resident = session.get(Resident, other)
    assert resident is not None and resident.tenant_id == tenant_id
    resident.merged_into_id = keep
    session.flush()


def _split(session: Session, tenant_id: int, resident_id: int, record_ids: list[int]) -> Resident:
    latest = session.scalar(
        select(LinkRun.id).where(LinkRun.tenant_id == tenant_id).order_by(LinkRun.id.desc())
    )
    assert latest is not None
    new = Resident(tenant_id=tenant_id, created_by_run_id=latest)
    session.add(new)
    session.flush()
    for link in session.scalars(
        select(ResidentRecord).where(
            ResidentRecord.resident_id == resident_id, ResidentRecord.record_id.in_(record_ids)
        )
    ):
        link.resident_id = new.id
    session.flush()
    return new

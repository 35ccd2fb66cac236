"""Take-up: of the people on outreach lists, how many now get the programme they were missing
— among those contacted, against those not yet contacted — week by week or month by month.

Someone has taken it up on the day their status became `claimed`, or from the first dated
evidence of the programme in the partners' current lists (not before the list was made),
whichever comes first.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.gaps import evaluate, recent
from safetynet.gaps.models import ContactStatus, OutreachEntry, OutreachList, OutreachStatusChange
from safetynet.gaps.outreach import readable_lists
from safetynet.gaps.rules import RuleBook
from safetynet.gaps.service import Reader, read_residents
from safetynet.versions import Recent

Period = Literal["week", "month"]
PURPOSE = "take-up report"
# First evidence of each programme per resident, by reader, rules, data version and day.
_since: Recent[tuple[pl.DataFrame, int]] = Recent(4)
COUNTS = ("contacted", "contacted_taken_up", "not_contacted", "not_contacted_taken_up")
ENTRY_SCHEMA = {
    "entry_id": pl.Int64,
    "resident_id": pl.Int64,
    "programme": pl.String,
    "created": pl.Date,
    "reached_on": pl.Date,
    "claimed_on": pl.Date,
}


def period_ends(start: date, today: date, period: Period) -> list[tuple[str, date]]:
    """(label, last day) of each week (ISO, Monday to Sunday) or month from `start` to
    `today`; the current one ends today."""
    ends = []
    if period == "week":
        day = start - timedelta(days=start.weekday())
        while day <= today:
            year, week, _ = day.isocalendar()
            ends.append((f"{year}-W{week:02d}", min(day + timedelta(days=6), today)))
            day += timedelta(days=7)
        return ends
    day = start.replace(day=1)
    while day <= today:
        following = (day + timedelta(days=32)).replace(day=1)
        ends.append((f"{day:%Y-%m}", min(following - timedelta(days=1), today)))
        day = following
    return ends


def takeup_table(entries: pl.DataFrame, today: date, period: Period) -> pl.DataFrame:
    """Per period, cumulative at its last day: people contacted and not yet contacted, and how
    many of each have taken the programme up. `entries` has created, reached_on, taken_on."""
    rows = []
    if not entries.is_empty():
        for label, end in period_ends(entries.get_column("created").min(), today, period):  # type: ignore[arg-type]
            listed = entries.filter(pl.col("created") <= end)
            reached = (pl.col("reached_on") <= end).fill_null(False)
            taken = (pl.col("taken_on") <= end).fill_null(False)
            counts = listed.select(
                reached.sum().alias("contacted"),
                (reached & taken).sum().alias("contacted_taken_up"),
                (~reached).sum().alias("not_contacted"),
                (~reached & taken).sum().alias("not_contacted_taken_up"),
            ).row(0)
            rows.append((label, end, *counts))
    schema = {"period": pl.String, "to": pl.Date} | dict.fromkeys(COUNTS, pl.Int64)
    return pl.DataFrame(rows, schema=schema, orient="row")


def entries(session: Session, reader: Reader, list_id: int | None) -> pl.DataFrame:
    """Each outreach entry of the area with its list's programme, and the dates it was made,
    first reached and first marked claimed."""
    claimed = (
        select(OutreachStatusChange.entry_id, func.min(OutreachStatusChange.changed_at).label("at"))
        .where(OutreachStatusChange.status == ContactStatus.CLAIMED)
        .group_by(OutreachStatusChange.entry_id)
        .subquery()
    )
    query = (
        select(
            OutreachEntry.id,
            OutreachEntry.resident_id,
            OutreachList.programme,
            OutreachList.created_at,
            OutreachEntry.first_contacted_at,
            claimed.c.at,
        )
        .join(OutreachList, OutreachList.id == OutreachEntry.list_id)
        .outerjoin(claimed, claimed.c.entry_id == OutreachEntry.id)
        .where(OutreachList.id.in_(readable_lists(reader).with_only_columns(OutreachList.id)))
    )
    if list_id is not None:
        query = query.where(OutreachList.id == list_id)
    rows = [(*r[:3], _day(r[3]), _day(r[4]), _day(r[5])) for r in session.execute(query).all()]
    return pl.DataFrame(rows, schema=ENTRY_SCHEMA, orient="row")


def _day(value: object) -> date | None:
    """The UTC date of a stored time (SQLite may hand back the text form)."""
    if value is None:
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date()  # type: ignore[attr-defined]


def programme_since(facts: pl.DataFrame, book: RuleBook, today: date) -> pl.DataFrame:
    """resident_id, programme, since: the first dated evidence of each programme."""
    current = evaluate.current_facts(facts, today)
    frames = [
        current.filter(evaluate.programme_evidence(programme))
        .group_by("resident_id")
        .agg(pl.col("evidence_date").min().alias("since"))
        .with_columns(programme=pl.lit(pid))
        for pid, programme in book.programmes.items()
    ]
    return pl.concat(frames).select("resident_id", "programme", "since")


def evidence_since(session: Session, reader: Reader, book: RuleBook, today: date) -> pl.DataFrame:
    """`programme_since` over the residents the reader may read (audited), reused while the
    area's data version, the rules and the day hold: reading every resident's facts takes
    seconds at 100,000, and the dashboard shows take-up on every view."""

    def compute() -> tuple[pl.DataFrame, int]:
        facts = read_residents(session, reader, book, purpose=PURPOSE)
        session.commit()
        return programme_since(facts, book, today), facts.get_column("resident_id").n_unique()

    key = (*recent.reader_key(session, reader, book), today)
    (since, residents), reused = _since.get(key, compute)
    if reused:
        recent.audit_reuse(session, reader, PURPOSE, {"residents": residents})
    return since


def takeup_report(
    session: Session,
    reader: Reader,
    book: RuleBook,
    *,
    period: Period = "month",
    list_id: int | None = None,
    today: date | None = None,
) -> pl.DataFrame:
    """Take-up over time among those contacted and those not yet contacted (see module doc)."""
    today = today or date.today()
    listed = entries(session, reader, list_id)
    since = evidence_since(session, reader, book, today)
    listed = listed.join(since, on=["resident_id", "programme"], how="left").with_columns(
        taken_on=pl.min_horizontal(
            "claimed_on",
            pl.when(pl.col("since").is_not_null()).then(pl.max_horizontal("since", "created")),
        )
    )
    # A person on several lists for one programme counts once, from their first list.
    people = listed.group_by("resident_id", "programme").agg(
        pl.col("created", "reached_on", "taken_on").min()
    )
    return takeup_table(people, today, period)

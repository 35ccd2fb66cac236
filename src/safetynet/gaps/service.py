"""The gaps domain's public face: which residents each gap rule finds, counted by programme
and ward. Outreach lists, contact status and take-up are in `gaps/outreach.py`.

Every read of residents starts from `read_residents`, which keeps to the caller's council
area (and organisation, when acting for one) and writes an audit event saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Tenant
from safetynet.config import get_settings
from safetynet.errors import InvalidInput
from safetynet.gaps import evaluate
from safetynet.gaps.rules import RuleBook, area_rulebook, load_rulebook
from safetynet.link import residents
from safetynet.places import service as places

UNKNOWN_WARD = "Unknown ward"


@dataclass(frozen=True)
class Reader:
    """Who is reading: the council area, the actor for the audit log, and the organisation
    whose readable lists the rules read (None: the council's staff, who read the whole area).

    A partner's staff see gap flags back only under an agreement that says so: the rules
    then read the whole area (that is what the flag means), but `clients_of` keeps the
    result to the residents that partner supplied a record for, their contact details come
    only from lists it may read, and £ estimates only when `estimates` is allowed too."""

    tenant: Tenant
    actor: str
    organisation_id: int | None = None
    clients_of: int | None = None
    estimates: bool = True

    @property
    def contacts_of(self) -> int | None:
        """The organisation whose readable lists give contact details (None: any list)."""
        return self.clients_of if self.clients_of is not None else self.organisation_id


def reader_for(session: Session, area: str | None, actor: str) -> Reader:
    """A whole-area reader at the command line."""
    return Reader(places.council_area(session, area), actor)


def rulebook(
    extra: list[Path] | None = None,
    *,
    session: Session | None = None,
    tenant_id: int | None = None,
) -> RuleBook:
    """The default rules, then the files in SAFETYNET_GAP_RULES_DIR, then `extra`: the
    deployment's rules. Given a council area (`session` and `tenant_id`), that area's own
    programmes and rules (from a pack applied there) are laid over them."""
    folder = get_settings().gap_rules_dir
    council = sorted(folder.glob("*.y*ml")) if folder else []
    book = load_rulebook([*council, *(extra or [])])
    if session is None or tenant_id is None:
        return book
    return area_rulebook(session, tenant_id, book)


def read_residents(
    session: Session, reader: Reader, book: RuleBook, *, purpose: str, detail: dict | None = None
) -> pl.DataFrame:
    """The readable residents' record facts (see `link.residents.resident_facts`), audited."""
    facts = residents.resident_facts(
        session,
        tenant_id=reader.tenant.id,
        organisation_id=reader.organisation_id,
        extra_columns=evaluate.flag_columns(book.programmes),
    )
    audit.record(
        session,
        actor=reader.actor,
        action="residents.read",
        entity_type="tenant",
        entity_id=reader.tenant.id,
        tenant_id=reader.tenant.id,
        reason=purpose,
        detail={"residents": facts.get_column("resident_id").n_unique(), **(detail or {})},
    )
    return facts


@dataclass
class GapResult:
    """What the rules found on one day."""

    as_of: date
    residents: pl.DataFrame  # resident_frame plus ward_code, ward_name
    found: dict[str, list[int]]  # rule id -> resident ids
    not_run: dict[str, list[str]] = field(default_factory=dict)  # rule id -> unknown programmes
    # From the latest entitlement screening, if any: resident_id, household_key, pence a year.
    unclaimed: pl.DataFrame | None = None
    # What pages derive from this result (tables, charts), kept with it while it is reused.
    memo: dict[str, Any] = field(default_factory=dict)

    def ids_for_programme(self, book: RuleBook, programme: str) -> set[int]:
        """Residents any rule finds missing from `programme`."""
        return {
            rid
            for rule_id, ids in self.found.items()
            if book.rules[rule_id].programme == programme
            for rid in ids
        }


def find_gaps(
    session: Session, reader: Reader, book: RuleBook, *, as_of: date, purpose: str
) -> GapResult:
    """Evaluate every enabled rule over the area's residents as of `as_of`."""
    facts = read_residents(session, reader, book, purpose=purpose, detail={"as_of": str(as_of)})
    if facts.is_empty():
        session.rollback()
        raise InvalidInput(
            f"{reader.tenant.name} has no residents yet: import partners' lists, then run "
            "`safetynet link run`."
        )
    frame = with_wards(
        evaluate.resident_frame(facts, book, as_of),
        places.postcode_wards(session, reader.tenant.id),
    )
    known = evaluate.known_programmes(facts, book.programmes)
    result = GapResult(as_of, frame, {}, unclaimed=_unclaimed(session, reader))
    for rule_id, rule in book.enabled().items():
        missing = sorted({rule.programme, *(p for c in rule.when for p in c.programmes)} - known)
        if missing:
            result.not_run[rule_id] = missing
        else:
            result.found[rule_id] = evaluate.matching(frame, rule.when, as_of)
    if reader.clients_of is not None:
        result = _clients_only(session, reader, result)
    session.commit()
    return result


def _clients_only(session: Session, reader: Reader, result: GapResult) -> GapResult:
    """The result kept to the residents the partner supplied a record for."""
    assert reader.clients_of is not None
    clients = residents.residents_supplied_by(
        session, tenant_id=reader.tenant.id, organisation_id=reader.clients_of
    )
    keep = pl.Series(sorted(clients), dtype=pl.Int64).implode()
    result.residents = result.residents.filter(pl.col("resident_id").is_in(keep))
    result.found = {rule: [i for i in ids if i in clients] for rule, ids in result.found.items()}
    return result


def _unclaimed(session: Session, reader: Reader) -> pl.DataFrame | None:
    """The latest screening's money per resident (gaps read screening, never the reverse)."""
    from safetynet.entitlements.screening import unclaimed_households

    if not reader.estimates:
        return None
    found = unclaimed_households(session, reader.tenant.id)
    return None if found.is_empty() else found


def with_wards(frame: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """Each resident's ward from their postcode; 'Unknown ward' where the lookup has none."""
    joined = frame.join(lookup, on="postcode", how="left")
    return joined.with_columns(pl.col("ward_name").fill_null(UNKNOWN_WARD))


def ward_counts(result: GapResult, book: RuleBook) -> pl.DataFrame:
    """Residents missing each programme, by ward: one row per ward (unknown last), one column
    per programme that a rule ran for, and a column of residents missing any."""
    programmes = [p for p in book.programmes if result.ids_for_programme(book, p)]
    wards = result.residents.select("resident_id", "ward_name")
    columns = []
    for pid in programmes:
        ids = pl.Series(sorted(result.ids_for_programme(book, pid)), dtype=pl.Int64)
        columns.append(pl.col("resident_id").is_in(ids.implode()).sum().alias(pid))
    any_ids = pl.Series(sorted(set().union(*result.found.values())), dtype=pl.Int64)
    columns.append(pl.col("resident_id").is_in(any_ids.implode()).sum().alias("any"))
    counts = wards.group_by("ward_name").agg(columns)
    counts = counts.filter(pl.col("any") > 0) if programmes else counts.head(0)
    money = []
    if result.unclaimed is not None and programmes:
        money = ["unclaimed_pence"]
        counts = counts.join(_unclaimed_by_ward(result, wards, any_ids), on="ward_name", how="left")
        counts = counts.with_columns(pl.col("unclaimed_pence").fill_null(0))
    return counts.sort(
        [pl.col("ward_name") == UNKNOWN_WARD, "ward_name"], descending=[False, False]
    ).select("ward_name", *programmes, "any", *money)


def _unclaimed_by_ward(result: GapResult, wards: pl.DataFrame, found: pl.Series) -> pl.DataFrame:
    """£ a year likely unclaimed by the households of the residents found, per ward (each
    household once)."""
    assert result.unclaimed is not None
    return (
        wards.filter(pl.col("resident_id").is_in(found.implode()))
        .join(result.unclaimed, on="resident_id")
        .unique(["ward_name", "household_key"])
        .group_by("ward_name")
        .agg(pl.col("unclaimed_pence").sum())
    )


def rank_review_queue(session: Session, reader: Reader, book: RuleBook, *, as_of: date) -> int:
    """Rank the area's linkage review queue by how many gap results each decision would
    change (see `gaps.impact`); returns how many pairs were re-ranked."""
    from safetynet.gaps.impact import review_impacts
    from safetynet.link import review

    pairs = review.open_pairs(session, reader.tenant.id)
    if not pairs:
        return 0
    facts = read_residents(session, reader, book, purpose="rank the linkage review queue")
    return review.set_impacts(session, reader.tenant.id, review_impacts(facts, pairs, book, as_of))


@dataclass
class Ranking:
    """How the review queue was ranked after a link run: pairs re-ranked, or why not."""

    ranked: int
    problem: str | None = None


def rank_after_link_run(session: Session, tenant_id: int, actor: str) -> Ranking:
    """After a link run (from any door): rank the review queue by the gap-rule results each
    decision would change. The gaps domain knows the rules; when they cannot be read the
    queue keeps the run's own ranking and `problem` says why."""
    from safetynet.errors import SafetynetError

    try:
        book = rulebook(session=session, tenant_id=tenant_id)
    except SafetynetError as problem:
        return Ranking(0, problem.message)
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return Ranking(rank_review_queue(session, Reader(tenant, actor), book, as_of=date.today()))

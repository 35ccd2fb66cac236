"""Who is missing and outreach, as a signed-in caller sees them (pages and API share this).

Each function takes the caller's `Principal`: a council's staff read their whole area, a
partner only what its agreements let it read (`gaps.service.Reader`). Reads of residents go
through `find_gaps`, which audits them; views of contact details are audited here too.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.access import see_back
from safetynet.accounts.models import Tenant
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound, PermissionDenied
from safetynet.gaps import charts, contacts, outreach, recent, service, takeup
from safetynet.gaps.models import ContactStatus, OutreachEntry, OutreachList
from safetynet.gaps.rules import RuleBook
from safetynet.link import resident_access, residents
from safetynet.link import search as resident_search
from safetynet.paging import Page, PageRequest, page_of, page_of_items
from safetynet.places import service as places

LARGEST_LIST = 1_000_000  # "everyone": an outreach list asked for whole (the API, exports)
SHOWN = {"resident_id": pl.Int64, "ward_name": pl.String}
NO_GAP_FLAGS = (
    "Your organisation's data-sharing agreements do not let it see back who is missing out: "
    "ask the council to add 'gap flags' to what your organisation may see back."
)


def reader(session: Session, principal: Principal) -> service.Reader:
    """The caller as a reader: the council's staff read their whole area; a partner's staff
    see gap flags of their own clients, and only under an agreement that lets them."""
    tenant = session.get(Tenant, principal.tenant_id)
    assert tenant is not None
    if principal.council:
        return service.Reader(tenant, principal.actor)
    allowed = see_back(session, principal.organisation_id)
    if "gap_flags" not in allowed:
        raise PermissionDenied(NO_GAP_FLAGS)
    return service.Reader(
        tenant,
        principal.actor,
        clients_of=principal.organisation_id,
        estimates="entitlement_estimates" in allowed,
    )


@dataclass
class Report:
    """The programme x ward table, totals by rule, a bar chart and a ward map."""

    as_of: date
    book: RuleBook
    programmes: list[tuple[str, str]]  # (programme id, heading) in table order
    rows: list[dict[str, Any]]  # ward_name, ward_code, one count per programme, any
    totals: dict[str, int]
    rules: list[dict[str, Any]]  # id, title, programme, heading, count
    not_run: dict[str, list[str]]
    bars: list[charts.Bar]
    shapes: list[charts.WardShape]
    legend: list[tuple[str, str]]
    no_wards: bool = False
    problem: str | None = None
    wards: list[tuple[str, str]] = field(default_factory=list)
    rendered: dict[str, Any] = field(default_factory=dict)  # HTML made from it, kept with it
    # The rule behind each programme's column, where one rule alone finds its residents:
    # the table's cells link to that rule's residents in the cell's ward.
    programme_rules: dict[str, str] = field(default_factory=dict)


def report(session: Session, principal: Principal, as_of: date) -> Report:
    """Who is missing by programme and ward (an area with no residents yet says so)."""
    principal.require("gaps.view")
    book = service.rulebook(session=session, tenant_id=principal.tenant_id)
    try:
        result = recent.gaps_as_of(
            session, reader(session, principal), book, as_of=as_of, purpose="who is missing page"
        )
    except InvalidInput as empty:
        return Report(as_of, book, [], [], {}, [], {}, [], [], [], problem=empty.message)
    if "report" not in result.memo:  # the same data and rules: the same tables and charts
        ward_rows = places.wards(session, principal.tenant_id)  # their changes change the result
        wards = [(w.code, w.name) for w in ward_rows]
        result.memo["report"] = _report(result, book, ward_rows, wards, as_of)
    built: Report = result.memo["report"]
    return built


def _report(
    result: service.GapResult, book: RuleBook, ward_rows: list[Any], wards: list, as_of: date
) -> Report:
    counts = service.ward_counts(result, book)
    codes = {name: code for code, name in wards}
    extra = {"ward_name", "any", "unclaimed_pence"}  # the rest are programmes
    programmes = [(c, book.programmes[c].name) for c in counts.columns if c not in extra]
    rows = [r | {"ward_code": codes.get(r["ward_name"])} for r in counts.iter_rows(named=True)]
    totals = {c: int(counts.get_column(c).sum()) for c in counts.columns[1:]}
    rules = [
        {
            "id": rule_id,
            "title": book.rules[rule_id].title,
            "heading": book.programmes[book.rules[rule_id].programme].name,
            "count": len(ids),
        }
        for rule_id, ids in result.found.items()
    ]
    any_by_ward = {r["ward_code"]: r["any"] for r in rows if r["ward_code"]}
    top = max(any_by_ward.values(), default=0)
    return Report(
        as_of,
        book,
        programmes,
        rows,
        totals,
        rules,
        result.not_run,
        charts.bar_chart([(h, totals.get(c, 0)) for c, h in programmes], width=380, row=36),
        charts.choropleth([(w.code, w.name, w.boundary) for w in ward_rows], any_by_ward),
        charts.legend(top),
        no_wards=not ward_rows,
        wards=wards,
        programme_rules=_only_rules(result, book),
    )


def _only_rules(result: service.GapResult, book: RuleBook) -> dict[str, str]:
    """Programme -> its rule, for programmes that one rule (that ran) finds residents for."""
    by_programme: dict[str, list[str]] = {}
    for rule_id in result.found:
        by_programme.setdefault(book.rules[rule_id].programme, []).append(rule_id)
    return {p: rules[0] for p, rules in by_programme.items() if len(rules) == 1}


@dataclass
class Found:
    """The residents one rule finds (in one ward, or all), with contacts and statuses."""

    rule_id: str
    title: str
    heading: str
    ward: str | None
    people: list[dict[str, Any]]
    excluded_do_not_contact: int
    not_run: list[str] | None = None
    page: Page[dict[str, Any]] | None = None  # `people` is its items
    wards: list[tuple[str, str]] = field(default_factory=list)  # (code, name) to choose from


def found(
    session: Session,
    principal: Principal,
    rule_id: str,
    *,
    ward: str | None,
    as_of: date,
    page: PageRequest | None = None,
) -> Found:
    """One page of the residents `rule_id` finds (in one ward, or all), by ward then id, with
    contact details and outreach status (audited: the residents on the page)."""
    principal.require("gaps.view")
    book = service.rulebook(session=session, tenant_id=principal.tenant_id)
    if rule_id not in book.rules:
        raise NotFound(f"There is no gap rule '{rule_id}'.")
    rule = book.rules[rule_id]
    heading = book.programmes[rule.programme].name
    who = reader(session, principal)
    result = recent.gaps_as_of(
        session, who, book, as_of=as_of, purpose=f"who is missing: residents found by {rule_id}"
    )
    if rule_id in result.not_run:
        return Found(rule_id, rule.title, heading, ward, [], 0, result.not_run[rule_id])
    frame = result.residents.filter(pl.col("resident_id").is_in(result.found.get(rule_id, [])))
    known = {w.code: w.name for w in places.wards(session, principal.tenant_id)}
    frame, _ = outreach._ward_filter(frame, ward, known)
    blocked = outreach.do_not_contact_ids(session, principal.tenant_id)
    kept = frame.filter(~pl.col("resident_id").is_in(list(blocked))).sort(
        "ward_name", "resident_id"
    )
    window = page_of_items(kept.select("resident_id", "ward_name").rows(), page or PageRequest())
    people = _people_shown(session, principal, rule_id, window.items, who.contacts_of)
    audit.record(
        session,
        actor=principal.actor,
        action="gaps.view_residents",
        entity_type="gap_rule",
        entity_id=None,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={
            "rule": rule_id,
            "ward": ward,
            "page": window.number,
            "residents_shown": len(people),
        },
    )
    session.commit()
    paged = Page(people, window.number, window.size, window.total)
    wards = sorted(known.items(), key=lambda w: w[1])
    return Found(
        rule_id, rule.title, heading, ward, people, frame.height - kept.height, None, paged, wards
    )


def _people_shown(
    session: Session,
    principal: Principal,
    rule_id: str,
    shown_rows: list[tuple[int, str]],
    contacts_of: int | None,
) -> list[dict[str, Any]]:
    """The page's residents (id, ward name) in order, with their best contact details and
    their status on the newest outreach list of this rule."""
    ids = [resident_id for resident_id, _ in shown_rows]
    details = contacts.best_contacts(
        residents.resident_contacts(
            session, ids, tenant_id=principal.tenant_id, organisation_id=contacts_of
        )
    )
    shown = pl.DataFrame(shown_rows, schema=SHOWN, orient="row")
    table = shown.with_row_index("order").join(details, on="resident_id", how="left")
    statuses = _latest_statuses(session, principal.tenant_id, rule_id, ids)
    return [
        row | {"status": statuses.get(row["resident_id"])}
        for row in table.sort("order").drop("order").iter_rows(named=True)
    ]


def _latest_statuses(
    session: Session, tenant_id: int, rule_id: str, ids: list[int]
) -> dict[int, str]:
    """Each resident's status on the newest list of this rule that holds them."""
    rows = session.execute(
        select(OutreachEntry.resident_id, OutreachEntry.status)
        .join(OutreachList, OutreachList.id == OutreachEntry.list_id)
        .where(
            OutreachList.tenant_id == tenant_id,
            OutreachList.rule_id == rule_id,
            OutreachEntry.resident_id.in_(ids),
        )
        .order_by(OutreachList.id)
    ).all()
    return dict(rows)


def export(
    session: Session,
    principal: Principal,
    rule_id: str,
    *,
    ward: str | None,
    reason: str,
    file_format: str,
    as_of: date,
) -> outreach.OutreachOutcome:
    """Make an outreach list and write it to a new temporary file (audited with its reason);
    the caller removes the file's folder once sent."""
    principal.require("outreach.export")
    book = service.rulebook(session=session, tenant_id=principal.tenant_id)
    if rule_id not in book.rules:
        raise NotFound(f"There is no gap rule '{rule_id}'.")
    if file_format not in ("csv", "xlsx"):
        raise InvalidInput("Choose CSV or XLSX.")
    folder = Path(tempfile.mkdtemp(prefix="safetynet-outreach-"))
    try:
        return outreach.export_outreach(
            session,
            reader(session, principal),
            book,
            rule_id=rule_id,
            out=folder / f"outreach-{rule_id}.{file_format}",
            reason=reason.strip(),
            ward=ward or None,
            as_of=as_of,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing to send: leave no file behind
        raise


def lists(session: Session, principal: Principal) -> list[tuple[OutreachList, dict[str, int]]]:
    """The area's outreach lists with how many people are at each status."""
    principal.require("outreach.view")
    return outreach.lists(session, reader(session, principal))


def get_list(session: Session, principal: Principal, list_id: int) -> OutreachList:
    """One outreach list of the caller's area (404 otherwise)."""
    principal.require("outreach.view")
    return outreach.get_list(session, reader(session, principal), list_id)


def entries(
    session: Session,
    principal: Principal,
    found_list: OutreachList,
    *,
    status: str | None = None,
    search: str = "",
) -> list[dict]:
    """Everyone on a list (at one status, or matching a search) with their names and phone
    numbers and status (audited)."""
    return entry_page(session, principal, found_list, status=status, search=search).items


def entry_page(
    session: Session,
    principal: Principal,
    found_list: OutreachList,
    *,
    status: str | None = None,
    search: str = "",
    page: PageRequest | None = None,
) -> Page[dict]:
    """One page of the people on a list, by ward then id: those at `status` (a contact
    status), and matching `search` (a resident id, or a name as resident search compares
    them) when given; all on one page when no page is asked for (audited)."""
    query = select(OutreachEntry).where(OutreachEntry.list_id == found_list.id)
    if status:
        if status not in dict(STATUSES):
            raise InvalidInput(f"There is no contact status '{status}'.")
        query = query.where(OutreachEntry.status == status)
    who = reader(session, principal)
    if search.strip().isdigit():
        query = query.where(OutreachEntry.resident_id == int(search))
    elif search.strip():
        named = resident_search.residents_named(
            session, search, tenant_id=principal.tenant_id, organisation_id=who.contacts_of
        )
        query = query.where(OutreachEntry.resident_id.in_(named))
    query = query.order_by(OutreachEntry.ward_code, OutreachEntry.resident_id)
    found = page_of(session, query, page or PageRequest(1, LARGEST_LIST))
    rows = found.items
    details = contacts.best_contacts(
        residents.resident_contacts(
            session,
            [e.resident_id for e in rows],
            tenant_id=principal.tenant_id,
            organisation_id=who.contacts_of,
        )
    )
    by_id = {d["resident_id"]: d for d in details.iter_rows(named=True)}
    audit.record(
        session,
        actor=principal.actor,
        action="outreach.view_list",
        entity_type="outreach_list",
        entity_id=found_list.id,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        detail={"residents_shown": len(rows), "page": found.number},
    )
    session.commit()
    people = [
        {"entry": e, "resident_id": e.resident_id, **(by_id.get(e.resident_id) or {})} for e in rows
    ]
    return Page(people, found.number, found.size, found.total)


def set_status(
    session: Session,
    principal: Principal,
    list_id: int,
    resident_id: int,
    status: str,
    note: str | None = None,
) -> OutreachEntry:
    """Record where contact with one person on a list stands."""
    principal.require("outreach.update")
    return outreach.set_status(
        session,
        reader(session, principal),
        list_id=list_id,
        resident_id=resident_id,
        status=status,
        note=note or None,
    )


def do_not_contact(session: Session, principal: Principal, resident_id: int, reason: str) -> bool:
    """Put a resident the caller may see on the area's do-not-contact list (a partner may
    record the wish of anyone it holds a record of, with or without gap flags)."""
    principal.require("outreach.update")
    tenant = session.get(Tenant, principal.tenant_id)
    assert tenant is not None
    who = service.Reader(tenant, principal.actor)
    if not principal.council:
        resident_access.current(session, principal, resident_id)  # NotFound unless readable
        who = service.Reader(tenant, principal.actor, clients_of=principal.organisation_id)
    return outreach.add_do_not_contact(session, who, resident_id, reason.strip())


def takeup_report(
    session: Session, principal: Principal, *, period: str, list_id: int | None = None
) -> pl.DataFrame:
    """Take-up among people contacted against those not yet contacted."""
    principal.require("gaps.view")
    if period not in ("week", "month"):
        raise InvalidInput("Show take-up by week or by month.")
    return takeup.takeup_report(
        session,
        reader(session, principal),
        service.rulebook(session=session, tenant_id=principal.tenant_id),
        period=period,  # type: ignore[arg-type]
        list_id=list_id,
    )


STATUSES = [(s.value, s.value.replace("_", " ").capitalize()) for s in ContactStatus]

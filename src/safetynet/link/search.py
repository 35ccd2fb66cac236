"""Finding a resident: by name, date of birth, postcode or a partner's reference for them.

A caseworker on the phone has a name and perhaps a date of birth or postcode; a partner has
its own client number. The search reads only the records the caller may read (the same
`readable_records` statement as the resident page: the council its area, a partner what it
supplied plus what an agreement lets it read), matches each criterion on one record, and
answers one row per current resident, a page at a time. Names are compared by their search
keys (`sources.standardise.search_key`), so case, accents, spaces and apostrophes do not
matter. Every page of results is audited, naming the residents shown and which criteria
were used (never what was typed: that is personal data).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Organisation
from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput
from safetynet.link.models import ResidentRecord
from safetynet.link.residents import readable_records
from safetynet.paging import Page, PageRequest
from safetynet.sources.models import Record, Source
from safetynet.sources.standardise import search_key

MOST_NAME_WORDS = 5
LONGEST = 100
FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9])$")
FIELDS = ("name", "dob", "postcode", "reference")


@dataclass(frozen=True)
class ResidentQuery:
    """What to look for: any of the four, all to match on one record."""

    name_keys: tuple[str, ...] = ()
    dob: date | None = None
    postcode: str | None = None  # "DB4 7QT" (exact), "DB4" (the district), "DB4 7" (sector)
    reference: str | None = None

    def fields(self) -> list[str]:
        """Which criteria were given (for the audit log: never their values)."""
        given = (self.name_keys, self.dob, self.postcode, self.reference)
        return [name for name, value in zip(FIELDS, given, strict=True) if value]


@dataclass
class Problems:
    """Each criterion typed wrongly, by field, with what to do."""

    errors: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        """Note one field's problem (the first for a field wins)."""
        self.errors.setdefault(name, message)


def criteria(
    *, name: str = "", dob: str | date | None = None, postcode: str = "", reference: str = ""
) -> tuple[ResidentQuery, dict[str, str]]:
    """The query from what was typed, and each field's problem (empty when all is well).

    `dob` is a date, or text like 2026-01-31 or 31/01/2026."""
    problems = Problems()
    query = ResidentQuery(
        name_keys=_name_keys(name, problems),
        dob=_dob(dob, problems),
        postcode=_postcode(postcode, problems),
        reference=_reference(reference, problems),
    )
    if not problems.errors and not query.fields():
        problems.add("name", "Enter a name, date of birth, postcode or reference to search for")
    return query, problems.errors


def _name_keys(text: str, problems: Problems) -> tuple[str, ...]:
    text = (text or "").strip()
    if len(text) > LONGEST:
        problems.add("name", f"Name must be {LONGEST} characters or fewer")
        return ()
    keys = tuple(k for k in (search_key(w) for w in re.split(r"[\s,]+", text)) if k)
    if text and not keys:
        problems.add("name", "Enter a name using letters")
    elif len(keys) > MOST_NAME_WORDS:
        problems.add("name", f"Enter at most {MOST_NAME_WORDS} words of the name")
    return keys


def _dob(value: str | date | None, problems: Problems) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            born = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return _plausible(born, problems)
    problems.add("dob", "Date of birth must be a real date, like 31 1 1980 or 1980-01-31")
    return None


def _plausible(born: date, problems: Problems) -> date | None:
    if born > date.today():
        problems.add("dob", "Date of birth must be in the past")
        return None
    if born.year < 1890:
        problems.add("dob", "Date of birth must be after 1890")
        return None
    return born


def date_of_birth(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """A date of birth from the three boxes of a GOV.UK date input, or the error to show."""
    parts = [p.strip() for p in (day, month, year)]
    if not any(parts):
        return None, None
    if not all(parts):
        missing = [n for n, p in zip(("day", "month", "year"), parts, strict=True) if not p]
        return None, f"Date of birth must include a {' and '.join(missing)}"
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        return None, "Date of birth must be a real date, like 31 1 1980"
    try:
        born = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None, "Date of birth must be a real date, like 31 1 1980"
    problems = Problems()
    kept = _plausible(born, problems)
    return kept, problems.errors.get("dob")


def _postcode(text: str, problems: Problems) -> str | None:
    """A full postcode ("DB4 7QT"), its district ("DB4") or its sector ("DB4 7", typed with
    the space: "DB47" is the district DB47)."""
    packed = re.sub(r"\s+", "", (text or "")).upper()
    if not packed:
        return None
    full = FULL_POSTCODE.match(packed)
    if full:
        return f"{full.group(1)} {full.group(2)}"
    sector = SECTOR.match(" ".join((text or "").upper().split()))
    if sector:
        return f"{sector.group(1)} {sector.group(2)}"
    if OUTWARD.match(packed):
        return packed
    problems.add("postcode", "Enter a full postcode, like DB4 7QT, or its first half, like DB4")
    return None


def postcode_condition(postcode: str, dialect: str) -> ColumnElement[bool]:
    """Records with this full postcode, or in this district or sector, read from the postcode
    index: a district or sector is a prefix of the stored postcode ("DB4 " of "DB4 7QT")."""
    if FULL_POSTCODE.match(postcode.replace(" ", "")) and " " in postcode:
        return Record.postcode == postcode
    prefix = postcode if " " in postcode else f"{postcode} "
    if dialect == "postgresql":  # the index's pattern operator class serves LIKE
        return Record.postcode.like(f"{prefix}%")
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # SQLite: a byte range on the index
    return and_(Record.postcode >= prefix, Record.postcode < after)


def _reference(text: str, problems: Problems) -> str | None:
    text = (text or "").strip()
    if len(text) > LONGEST:
        problems.add("reference", f"Reference must be {LONGEST} characters or fewer")
        return None
    return text or None


def _name_condition(keys: tuple[str, ...]) -> ColumnElement[bool]:
    """A record whose surname key is some run of the typed words joined ("van der berg"
    -> "vanderberg") and, when other words were typed, whose forename key starts with the
    first of them: "Mary Smith", "smith mary" and "MARY ANN SMITH" all find Mary Ann Smith."""
    options = []
    for start in range(len(keys)):
        for end in range(start + 1, len(keys) + 1):
            surname = "".join(keys[start:end])
            rest = keys[:start] + keys[end:]
            if rest:
                options.append(
                    and_(Record.surname_key == surname, Record.forename_key.like(f"{rest[0]}%"))
                )
            else:
                options.append(Record.surname_key == surname)
    return or_(*options)


def residents_named(
    session: Session, name: str, *, tenant_id: int, organisation_id: int | None
) -> Select[Any]:
    """SELECT the ids of current residents with a readable record of this name (compared as
    the search compares names); other domains filter their lists of people by it."""
    problems = Problems()
    keys = _name_keys(name, problems)
    if problems.errors or not keys:
        raise InvalidInput(problems.errors.get("name", "Enter a name using letters") + ".")
    return readable_records(
        session, ResidentRecord.resident_id, tenant_id=tenant_id, organisation_id=organisation_id
    ).where(_name_condition(keys))


def _conditions(query: ResidentQuery, dialect: str) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.name_keys:
        found.append(_name_condition(query.name_keys))
    if query.dob:
        found.append(Record.dob == query.dob)
    if query.postcode:
        found.append(postcode_condition(query.postcode, dialect))
    if query.reference:
        found.append(Record.person_ref == query.reference)
    return found


@dataclass
class ResidentMatch:
    """One resident found: how the matching records name them, and who supplied those."""

    resident_id: int
    name: str
    dob: date | None
    postcode: str | None
    supplied_by: list[str]
    records: int


def search(
    session: Session, principal: Principal, query: ResidentQuery, page: PageRequest
) -> Page[ResidentMatch]:
    """One page of the residents the caller may read with a record matching every criterion,
    by surname then id (audited: the criteria used, the residents shown)."""
    principal.require("residents.view")
    return find(
        session,
        query,
        page,
        tenant_id=principal.tenant_id,
        organisation_id=None if principal.council else principal.organisation_id,
        actor=principal.actor,
        user_id=principal.user_id,
    )


def find(
    session: Session,
    query: ResidentQuery,
    page: PageRequest,
    *,
    tenant_id: int,
    organisation_id: int | None,
    actor: str,
    user_id: int | None = None,
) -> Page[ResidentMatch]:
    """`search` for a scope given outright: the area's whole (`organisation_id=None`, the
    council's staff and the command line) or what one organisation may read."""
    if not query.fields():
        raise InvalidInput("Enter a name, date of birth, postcode or reference to search for.")
    scope: dict[str, Any] = {"tenant_id": tenant_id, "organisation_id": organisation_id}
    conditions = _conditions(query, session.get_bind().dialect.name)
    ids = (
        readable_records(session, ResidentRecord.resident_id, **scope)
        .where(*conditions)
        .group_by(ResidentRecord.resident_id)
    )
    total = session.scalar(func.count().select().select_from(ids.subquery())) or 0
    window = session.scalars(
        ids.order_by(func.min(Record.surname_key), ResidentRecord.resident_id)
        .limit(page.size)
        .offset(page.offset)
    ).all()
    matches = _matches(session, list(window), conditions, scope)
    audit.record_read(
        session,
        actor=actor,
        action="resident.search",
        entity_type="resident",
        tenant_id=tenant_id,
        user_id=user_id,
        detail={
            "fields": query.fields(),
            "results": int(total),
            "page": page.number,
            "residents_shown": [m.resident_id for m in matches],
        },
    )
    session.commit()
    return Page(matches, page.number, page.size, int(total))


def _matches(
    session: Session, ids: list[int], conditions: list[Any], scope: dict[str, Any]
) -> list[ResidentMatch]:
    """What the matching records say about each resident on the page, in the page's order."""
    if not ids:
        return []
    rows = session.execute(
        readable_records(
            session,
            ResidentRecord.resident_id,
            Record.forename,
            Record.surname,
            Record.dob,
            Record.postcode,
            Organisation.name,
            **scope,
        )
        .join(Organisation, Organisation.id == Source.organisation_id)
        .where(ResidentRecord.resident_id.in_(ids), *conditions)
        .order_by(Record.id.desc())
    ).all()
    by_resident: dict[int, list[Any]] = {i: [] for i in ids}
    for row in rows:
        by_resident[row.resident_id].append(row)
    return [_match(i, by_resident[i]) for i in ids]


def _match(resident_id: int, rows: list[Any]) -> ResidentMatch:
    """The name most records give, the first date of birth and postcode (newest first)."""
    names = Counter(" ".join(p for p in (r.forename, r.surname) if p) for r in rows)
    return ResidentMatch(
        resident_id=resident_id,
        name=names.most_common(1)[0][0] if names else "",
        dob=next((r.dob for r in rows if r.dob), None),
        postcode=next((r.postcode for r in rows if r.postcode), None),
        supplied_by=sorted({r.name for r in rows}),
        records=len(rows),
    )

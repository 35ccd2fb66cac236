"""Records typed in one at a time (the partners' front desk), stored like an import's rows.

A typed record goes through the importer's own standardisation and validation (as a one-row
batch), under the data-sharing agreement that covers the fields it carries, into its source's
import of the day: one import per source, day and agreement. Undo, retention, linkage and
subject access then treat typed records exactly as they treat imported ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from safetynet.accounts.service import covering_agreement
from safetynet.errors import InvalidInput
from safetynet.sources import store
from safetynet.sources.imports import with_keys
from safetynet.sources.mapping import FIELDS, Mapping, check_required
from safetynet.sources.models import ImportStatus, Record, Source, SourceImport
from safetynet.sources.readers import RawBatch
from safetynet.sources.validate import Validator

TYPED_FORMAT = "typed"
# Typed dates arrive in ISO form: the doors turn what people enter into it first.
OPTIONS = {"dob_format": "YYYY-MM-DD", "visit_date_format": "YYYY-MM-DD"}


@dataclass(frozen=True)
class FieldProblem:
    """One typed value that was refused, and why (in words for the person typing it)."""

    field: str
    message: str


class RecordRefused(InvalidInput):
    """A typed record had values that do not standardise; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def append_record(
    session: Session, source: Source, values: dict[str, str | None], *, on: date, actor: str
) -> Record:
    """Standardise, validate and add one typed record to the source's import of day `on`.

    Every value must standardise (a form's user can fix it at once, so nothing is blanked
    with a warning as in a file). The caller commits, with whatever it records alongside.
    """
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    unknown = sorted(set(given) - set(FIELDS) | ({"row_id"} & set(given)))
    if unknown:
        raise InvalidInput(f"Typed records cannot carry: {', '.join(unknown)}.")
    fields = ["row_id", *dict.fromkeys(["forename", "surname", *given])]
    day_import = _day_import(session, source, fields, on=on, actor=actor)
    row_number = _next_row(session, day_import)
    # A name is always asked for, so a blank one is refused by field like a file's row.
    given = {"row_id": f"{on:%Y%m%d}-{row_number}", "forename": "", "surname": "", **given}
    mapping = Mapping({k: [k] for k in given}, [], options=dict(OPTIONS), source="typed")
    check_required(mapping, "The record")
    validator = Validator(mapping, list(given))
    result = validator.run(RawBatch([row_number], [list(given.values())], []))
    if result.issues.height:
        raise RecordRefused(_problems(result.issues.to_dicts()))
    keyed = with_keys(store.Bulk.of(session), day_import, result.records).to_dicts()[0]
    record = Record(**{c: keyed[c] for c in store.RECORD_COLUMNS if c in keyed})
    session.add(record)
    session.flush()
    return record


def _problems(issues: list[dict]) -> list[FieldProblem]:
    """Issues as sentences about the form's fields ('Postcode 'XX' is not a valid UK
    postcode'), without the importer's note about blanking the value."""
    found = []
    for issue in issues:
        text = issue["message"].split("; kept as given")[0].replace(" in this column's", " in the")
        found.append(FieldProblem(issue["field"] or "row_id", text[:1].upper() + text[1:] + "."))
    return found


def _day_import(
    session: Session, source: Source, fields: list[str], *, on: date, actor: str
) -> SourceImport:
    """The source's import for day `on` under the agreement covering `fields` (made if new)."""
    agreement = covering_agreement(session, source.organisation, fields, on=on)
    name = f"typed at the front desk on {on.isoformat()}"
    found = session.scalar(
        select(SourceImport).where(
            SourceImport.source_id == source.id,
            SourceImport.status == ImportStatus.ACTIVE,
            SourceImport.file_format == TYPED_FORMAT,
            SourceImport.file_name == name,
            SourceImport.agreement_id == agreement.id,
        )
    )
    if found is not None:
        return found
    version = session.scalar(
        select(func.coalesce(func.max(SourceImport.version), 0)).where(
            SourceImport.source_id == source.id
        )
    )
    made = SourceImport(
        tenant_id=source.tenant_id,
        source_id=source.id,
        agreement_id=agreement.id,
        version=(version or 0) + 1,
        status=ImportStatus.ACTIVE,
        file_name=name,
        file_format=TYPED_FORMAT,
        file_sha256=hashlib.sha256(f"{source.id}:{name}:{agreement.id}".encode()).hexdigest(),
        file_bytes=0,
        mapping={"columns": {}, "extras": [], "options": OPTIONS, "source": "typed"},
        imported_by=actor,
    )
    session.add(made)
    session.flush()
    return made


def _next_row(session: Session, day_import: SourceImport) -> int:
    """Count one more row on the day's import and return its number (one UPDATE, so two
    desks typing at once get different rows)."""
    number = session.scalar(
        update(SourceImport)
        .where(SourceImport.id == day_import.id)
        .values(
            rows_read=SourceImport.rows_read + 1,
            rows_loaded=SourceImport.rows_loaded + 1,
        )
        .returning(SourceImport.rows_read)
        .execution_options(synchronize_session=False)
    )
    session.expire(day_import, ["rows_read", "rows_loaded"])
    return int(number or 0)

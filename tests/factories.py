"""Plain keyword factories with safe defaults: organisations, users, agreements, files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.accounts.models import DataSharingAgreement, Organisation
from safetynet.sources.mapping import AGREEMENT_FIELDS

ALL_FIELDS = list(AGREEMENT_FIELDS)


def organisation(
    session: Session,
    *,
    slug: str = "north",
    name: str = "North Food Bank",
    kind: str = "charity",
    area: str = "Testshire",
) -> Organisation:
    """An organisation in a test council area."""
    return accounts.create_organisation(
        session, name=name, kind=kind, tenant=area, slug=slug, actor="test"
    )


def agreement(
    session: Session,
    *,
    supplier: str = "north",
    reference: str = "DSA-TEST",
    fields: list[str] | None = None,
    start: date = date(2026, 1, 1),
    end: date | None = None,
    see_back: tuple[str, ...] = (),
    recipients: tuple[str, ...] = (),
) -> DataSharingAgreement:
    """An agreement letting `supplier` supply `fields` (default: all of them), and see back
    `see_back` of the residents it supplies."""
    terms = accounts.AgreementTerms(
        reference=reference,
        title="Test agreement",
        purpose="Finding people missing support",
        lawful_basis="public_task",
        suppliers=[supplier],
        recipients=list(recipients),
        fields_allowed=fields or ALL_FIELDS,
        retention_days=365,
        start_date=start,
        end_date=end,
        see_back=see_back,
    )
    return accounts.create_agreement(session, terms, actor="test")


def supplier(session: Session, **agreement_options: object) -> Organisation:
    """An organisation with an agreement covering every field."""
    org = organisation(session)
    agreement(session, **agreement_options)  # type: ignore[arg-type]
    return org


def resident(session: Session, record_ids: list[int]) -> int:
    """One resident made of these records, as a finished link run would leave them."""
    from safetynet.link.models import LinkRun, Resident, ResidentRecord
    from safetynet.sources.models import Record

    record = session.get(Record, record_ids[0])
    assert record is not None
    run = LinkRun(tenant_id=record.tenant_id, status="finished", started_by="test")
    session.add(run)
    session.flush()
    person = Resident(tenant_id=record.tenant_id, created_by_run_id=run.id)
    session.add(person)
    session.flush()
    session.add_all(
        ResidentRecord(record_id=r, resident_id=person.id, run_id=run.id) for r in record_ids
    )
    session.commit()
    return person.id


def csv_file(folder: Path, text: str, *, name: str = "list.csv", encoding: str = "utf-8") -> Path:
    """A CSV file with exactly this text."""
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


VISITS = (
    "Visit ID,Client No,First name,Surname,DOB,Postcode,Phone,Visit date\n"
    "V1,C1,John,Smith,01/02/1980,db47qt,07700 900123,03/11/2026\n"
    "V2,C1,John,Smith,01/02/1980,DB4 7QT,+44 7700 900123,10/11/2026\n"
    "V3,C2,Mary,Jones,15/06/1975,DB1 2AB,,10/11/2026\n"
)


PEOPLE_HEADINGS = "Ref,Forename,Surname,DOB,Address,Postcode\n"


def people(count: int, *, seed: int) -> list[tuple[str, ...]]:
    """Faker en_GB people as (forename, surname, DOB dd/mm/yyyy, address, postcode), for lists
    headed `PEOPLE_HEADINGS` after a row id."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    return [
        (
            fake.first_name(),
            fake.last_name(),
            fake.date_of_birth(minimum_age=18, maximum_age=90).strftime("%d/%m/%Y"),
            fake.street_address().replace("\n", " ").replace(",", ""),
            fake.postcode(),
        )
        for _ in range(count)
    ]

"""A small hand-built council area for gap tests: real imports, residents assigned by hand.

Each row id starts with the letter of the person it is about ("A-1"); each person becomes one
resident, so tests can name the residents a rule should find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.accounts import service as accounts
from safetynet.link.models import LinkRun, Resident, ResidentRecord
from safetynet.places import service as places
from safetynet.sources import service as sources
from safetynet.sources.models import Record
from tests import factories

AS_OF = date(2026, 11, 27)
LISTS = {
    ("council", "ctr", "council_tax_reduction"): (
        "Claim Ref,Forename,Surname,Date of Birth,Address,Postcode\n"
        "C-1,Carol,Cook,02/02/1970,3 High Street,DB1 1AA\n"
        "E-1,Eve,Dean,05/05/1976,4 Low Road,DB1 2BB\n"
    ),
    ("council", "hb", "housing_benefit"): (
        "HB Claim No,Forename,Surname,DOB,Address,Post Code,Pension Credit\n"
        "F-1,Fred,Ford,06/06/1950,6 Mill Lane,DB9 9ZZ,N\n"
        "G-1,Gina,Gray,07/07/1952,7 Mill Lane,DB1 1AA,Y\n"
        "H-1,Hal,Hill,08/08/1962,8 Mill Lane,DB1 1AA,N\n"
    ),
    ("council", "uc", "universal_credit"): (
        "Record No,First Name,Last Name,DOB,Address,Postcode,Household ID,Children\n"
        "I-1,Ian,Ince,09/09/1985,9 Park Road,DB1 2BB,UC1,2\n"
        "J-1,Jo,Ince,10/10/1986,9 Park Road,DB1 2BB,UC1,2\n"
        "K-1,Kim,King,11/11/1990,11 Park Road,DB1 2BB,UC2,1\n"
        "L-1,Lee,Long,12/12/1991,12 Park Road,DB1 2BB,UC3,0\n"
    ),
    ("council", "fsm", "free_school_meals"): (
        "Application No,Forename,Surname,DOB,Postcode,Children\nK-2,Kim,King,11/11/1990,DB1 2BB,1\n"
    ),
    ("north", "visits", "foodbank_attendance"): (
        "Visit ID,Client No,First name,Surname,DOB,Address,Postcode,Phone,Email,Visit date\n"
        "A-1,1,=Ann,Able,01/01/1980,1 High Street,DB1 1AA,07700 900001,ann@example.org,01/10/2026\n"
        "A-2,1,=Ann,Able,01/01/1980,1 High Street,DB1 1AA,,,15/10/2026\n"
        "B-1,2,Bob,Baker,03/03/1975,2 High Street,DB1 1AA,07700 900002,,01/03/2026\n"
        "C-2,3,Carol,Cook,02/02/1970,3 High Street,DB1 1AA,,,01/10/2026\n"
        "D-1,4,Dan,Dean,04/04/1974,4 Low Road,DB1 2BB,07700 900004,,01/10/2026\n"
    ),
}
WARDS = "postcode,ward_code,ward_name\nDB1 1AA,E05000001,Northgate\nDB1 2BB,E05000002,Old Town\n"


@dataclass
class World:
    """The residents by person letter, and the area they live in."""

    ids: dict[str, int]
    tenant_id: int


def build(session: Session, folder: Path, *, council_reads_charity: bool = True) -> World:
    """Organisations, agreements, the lists above imported, wards, and one resident per person."""
    factories.organisation(session, slug="council", name="Testshire Council", kind="council")
    factories.organisation(session)
    factories.agreement(session, supplier="council", reference="DSA-COUNCIL")
    terms = accounts.AgreementTerms(
        reference="DSA-NORTH",
        title="North to council",
        purpose="Finding people missing support",
        lawful_basis="public_task",
        suppliers=["north"],
        recipients=["council"] if council_reads_charity else [],
        fields_allowed=factories.ALL_FIELDS,
        retention_days=365,
        start_date=date(2026, 1, 1),
    )
    accounts.create_agreement(session, terms, actor="test")
    for (org, source, kind), text in LISTS.items():
        path = factories.csv_file(folder, text, name=f"{source}.csv")
        request = sources.ImportRequest(path=path, organisation=org, source=source, kind=kind)
        sources.run_import(session, request, actor="test")
    tenant = places.council_area(session, None)
    lookup = factories.csv_file(folder, WARDS, name="wards.csv")
    places.import_wards(session, tenant=tenant, lookup=lookup, boundaries=None, actor="test")
    return World(assign_residents(session, tenant.id), tenant.id)


def assign_residents(session: Session, tenant_id: int) -> dict[str, int]:
    """One resident per person letter, as a link run would have made them."""
    run = LinkRun(tenant_id=tenant_id, status="finished", started_by="test")
    session.add(run)
    session.flush()
    ids: dict[str, int] = {}
    for record_id, row_id in session.execute(select(Record.id, Record.row_id).order_by(Record.id)):
        letter = row_id.split("-")[0]
        if letter not in ids:
            resident = Resident(tenant_id=tenant_id, created_by_run_id=run.id)
            session.add(resident)
            session.flush()
            ids[letter] = resident.id
        session.add(ResidentRecord(record_id=record_id, resident_id=ids[letter], run_id=run.id))
    session.commit()
    return ids

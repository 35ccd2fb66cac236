"""A hand-built linked council area for entitlement tests: sources, records, residents."""

from __future__ import annotations

from datetime import date
from typing import Any

from safetynet.link.models import LinkRun, Resident, ResidentRecord
from safetynet.sources.models import Household, Record, Source, SourceImport
from tests import factories


class Area:
    """A hand-built linked area: sources, records, and residents made of them."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.org = factories.supplier(db)
        self.agreement_id = factories.agreement(db, reference="DSA-2").id
        self.run = LinkRun(tenant_id=self.org.tenant_id, status="finished", started_by="t")
        db.add(self.run)
        db.flush()
        self.imports: dict[str, int] = {}
        self.rows = 0

    def source(self, kind: str) -> int:
        if kind not in self.imports:
            source = Source(
                tenant_id=self.org.tenant_id,
                organisation_id=self.org.id,
                name=kind,
                kind=kind,
                mode="snapshot",
            )
            self.db.add(source)
            self.db.flush()
            found = SourceImport(
                tenant_id=self.org.tenant_id,
                source_id=source.id,
                agreement_id=self.agreement_id,
                version=1,
                status="active",
                file_name=f"{kind}.csv",
                file_format="csv",
                file_sha256="0" * 64,
                file_bytes=1,
                mapping={},
                imported_by="t",
            )
            self.db.add(found)
            self.db.flush()
            self.imports[kind] = found.id
        return self.imports[kind]

    def household(self, key: str) -> int:
        home = Household(tenant_id=self.org.tenant_id, key=key, key_kind="address")
        self.db.add(home)
        self.db.flush()
        return home.id

    def resident(self, *records: dict[str, Any]) -> int:
        resident = Resident(tenant_id=self.org.tenant_id, created_by_run_id=self.run.id)
        self.db.add(resident)
        self.db.flush()
        for fields in records:
            kind = fields.pop("kind")
            import_id = self.source(kind)
            self.rows += 1
            record = Record(
                tenant_id=self.org.tenant_id,
                source_id=self._source_id(import_id),
                import_id=import_id,
                row_number=self.rows,
                row_id=str(self.rows),
                **fields,
            )
            self.db.add(record)
            self.db.flush()
            self.db.add(
                ResidentRecord(record_id=record.id, resident_id=resident.id, run_id=self.run.id)
            )
        self.db.commit()
        return resident.id

    def _source_id(self, import_id: int) -> int:
        return self.db.get(SourceImport, import_id).source_id


def build_area(db: Any) -> dict[str, int]:
    """Four residents in three households (see test_screening for the hand-worked amounts)."""
    a = Area(db)
    h1, h2 = a.household("1 HIGH ST"), a.household("2 LOW RD")
    return {
        # On UC, 30 on 6 April 2025, council rent £500 a month: UC is received, so nothing
        # is unclaimed.
        "on_uc": a.resident(
            {
                "kind": "universal_credit",
                "dob": date(1995, 1, 1),
                "postcode": "DB1 2AB",
                "household_id": h1,
                "tenure": "social_rent",
                "rent_pence": 50_000,
                "rent_period": "month",
            },
        ),
        # A couple (35 and 33) known to a food bank, one child on the FSM list, no tenure
        # known (so no housing costs): UC and Child Benefit are both unclaimed.
        "parent": a.resident(
            {
                "kind": "foodbank_attendance",
                "dob": date(1990, 1, 1),
                "postcode": "DB2 9ZZ",
                "household_id": h2,
            },
            {
                "kind": "free_school_meals",
                "dob": date(1990, 1, 1),
                "postcode": "DB2 9ZZ",
                "household_id": h2,
                "children_count": 1,
            },
        ),
        "partner": a.resident(
            {
                "kind": "foodbank_attendance",
                "dob": date(1992, 1, 1),
                "postcode": "DB2 9ZZ",
                "household_id": h2,
            },
        ),
        # No date of birth anywhere: cannot be screened, says why.
        "unknown": a.resident({"kind": "foodbank_attendance", "postcode": "DB1 3CD"}),
    }

"""Places: import a council area's postcode -> ward lookup and ward boundaries; read them back.

The lookup is a reference file (ONS publishes one per year; the demo borough writes its own).
Postcodes are standardised exactly as partners' lists are, so every record's postcode meets
the lookup in the same form.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Tenant
from safetynet.errors import InvalidInput
from safetynet.places.models import Ward, WardPostcode
from safetynet.sources import standardise

# Accepted headings for each column, compared lower-case with non-alphanumerics dropped.
# ONS's National Statistics Postcode Lookup names them pcds / wdNNcd / wdNNnm.
COLUMNS = {
    "postcode": ("postcode", "pcds", "pcd", "pcd7", "pcd8", "postcodes"),
    "ward_code": ("wardcode", "wdcd", "ward", "code"),
    "ward_name": ("wardname", "wdnm", "name"),
}
MAX_ERRORS_SHOWN = 20


@dataclass
class WardImport:
    """What a ward lookup import stored."""

    wards: int
    postcodes: int
    boundaries: int


def _key(header: str) -> str:
    """A heading reduced for matching; ONS year digits dropped ('WD24CD' -> 'wdcd')."""
    squashed = re.sub(r"[^a-z0-9]", "", header.lower())
    return re.sub(r"^wd\d\d", "wd", squashed)


def lookup_columns(header: list[str], path: Path) -> dict[str, str]:
    """Which heading of the file holds the postcode, ward code and ward name."""
    found: dict[str, str] = {}
    for field, variants in COLUMNS.items():
        match = next((h for h in header if _key(h) in variants), None)
        if match is None:
            raise InvalidInput(
                f"{path.name}: no column for {field.replace('_', ' ')}. Headings seen: "
                f"{', '.join(header) or 'none'}. Name the columns postcode, ward_code, ward_name."
            )
        found[field] = match
    return found


def read_lookup(path: Path) -> pl.DataFrame:
    """The file's rows as line, postcode (standardised), ward_code, ward_name; or an error
    naming each bad row and column."""
    if not path.is_file():
        raise InvalidInput(f"There is no file {path}.")
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    if raw.height == 0:
        raise InvalidInput(f"{path.name} has no rows: expected postcode, ward_code, ward_name.")
    columns = lookup_columns(raw.columns, path)
    frame = raw.select(
        (pl.int_range(pl.len()) + 2).alias("line"),
        *(pl.col(c).alias(f) for f, c in columns.items()),
    )
    cleaned = standardise.postcodes(frame.get_column("postcode").fill_null(""))
    frame = frame.with_columns(
        postcode_std=cleaned.values,
        ward_code=standardise.text(frame.get_column("ward_code")),
        ward_name=standardise.text(frame.get_column("ward_name")),
    )
    errors = lookup_errors(frame, columns, path.name)
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        raise InvalidInput(
            f"{path.name} has {len(errors):,} problem(s); nothing was imported. Fix them and "
            "import it again.",
            details=shown + ([f"… and {more:,} more."] if more else []),
        )
    return frame.select("line", pl.col("postcode_std").alias("postcode"), "ward_code", "ward_name")


def lookup_errors(frame: pl.DataFrame, columns: dict[str, str], name: str) -> list[str]:
    """Every problem in a lookup, each naming its row and column."""
    errors = []
    for line, raw, std, code, ward in frame.select(
        "line", "postcode", "postcode_std", "ward_code", "ward_name"
    ).iter_rows():
        if std is None:
            shown = f"'{raw}' is not a UK postcode" if raw else "is empty"
            errors.append(f"{name} row {line}, column '{columns['postcode']}': {shown}.")
        if code is None:
            errors.append(f"{name} row {line}, column '{columns['ward_code']}': is empty.")
        if ward is None:
            errors.append(f"{name} row {line}, column '{columns['ward_name']}': is empty.")
    return errors + _clashes(frame, columns, name)


def _clashes(frame: pl.DataFrame, columns: dict[str, str], name: str) -> list[str]:
    """A postcode given two wards, or a ward code given two names."""
    errors = []
    valid = frame.drop_nulls(["postcode_std", "ward_code", "ward_name"])
    twice = valid.unique(["postcode_std", "ward_code"]).filter(
        pl.col("postcode_std").is_duplicated()
    )
    for postcode, lines in (
        twice.group_by("postcode_std").agg(pl.col("line").sort()).sort("postcode_std").iter_rows()
    ):
        errors.append(
            f"{name} rows {', '.join(map(str, lines))}, column '{columns['ward_code']}': "
            f"postcode {postcode} is given different wards."
        )
    names = valid.unique(["ward_code", "ward_name"]).filter(pl.col("ward_code").is_duplicated())
    for code, lines in (
        names.group_by("ward_code").agg(pl.col("line").sort()).sort("ward_code").iter_rows()
    ):
        errors.append(
            f"{name} rows {', '.join(map(str, lines))}, column '{columns['ward_name']}': "
            f"ward {code} is given different names."
        )
    return errors


def read_boundaries(path: Path) -> dict[str, dict[str, Any]]:
    """Ward code -> GeoJSON geometry from a FeatureCollection (property ward_code or wdNNcd)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        features = document["features"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidInput(
            f"{path.name} is not a GeoJSON FeatureCollection ({error.__class__.__name__})."
        ) from None
    found: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        code = next((v for k, v in properties.items() if _key(k) in ("wardcode", "wdcd")), None)
        if not code or not feature.get("geometry"):
            raise InvalidInput(
                f"{path.name} feature {number}: needs a ward_code property and a geometry."
            )
        found[str(code)] = feature["geometry"]
    return found


def import_wards(
    session: Session, *, tenant: Tenant, lookup: Path, boundaries: Path | None, actor: str
) -> WardImport:
    """Replace the area's ward lookup (and boundaries) with the files' contents, whole."""
    frame = read_lookup(lookup)
    shapes = read_boundaries(boundaries) if boundaries else {}
    wards = frame.unique("ward_code", keep="first").sort("ward_code")
    unknown = sorted(set(shapes) - set(wards.get_column("ward_code")))
    if unknown:
        raise InvalidInput(
            f"{boundaries.name if boundaries else ''}: boundaries for ward(s) not in "
            f"{lookup.name}: {', '.join(unknown[:10])}."
        )
    session.execute(delete(WardPostcode).where(WardPostcode.tenant_id == tenant.id))
    session.execute(delete(Ward).where(Ward.tenant_id == tenant.id))
    ids = {}
    for code, name in wards.select("ward_code", "ward_name").iter_rows():
        ward = Ward(
            tenant_id=tenant.id, code=code, name=name, boundary=shapes.get(code), imported_by=actor
        )
        session.add(ward)
        session.flush()
        ids[code] = ward.id
    postcodes = frame.unique("postcode", keep="first")
    session.execute(
        insert(WardPostcode),
        [
            {"tenant_id": tenant.id, "postcode": p, "ward_id": ids[c]}
            for p, c in postcodes.select("postcode", "ward_code").iter_rows()
        ],
    )
    outcome = WardImport(len(ids), postcodes.height, len(shapes))
    audit.record(
        session,
        actor=actor,
        action="places.wards.import",
        entity_type="tenant",
        entity_id=tenant.id,
        tenant_id=tenant.id,
        detail={"file": lookup.name, **outcome.__dict__},
    )
    session.commit()
    return outcome


def council_area(session: Session, name: str | None) -> Tenant:
    """The council area named (its name or short name), or the only one there is."""
    query = select(Tenant)
    if name:
        query = query.where((Tenant.slug == name) | (Tenant.name == name))
    found = list(session.scalars(query.limit(2)))
    if len(found) == 1:
        return found[0]
    if name:
        raise InvalidInput(f"There is no council area called '{name}'.")
    raise InvalidInput(
        "Name the council area with --area (its name or short name)."
        if found
        else "There is no council area yet: create an organisation first."
    )


def wards(session: Session, tenant_id: int) -> list[Ward]:
    """The area's wards, by name."""
    return list(
        session.scalars(select(Ward).where(Ward.tenant_id == tenant_id).order_by(Ward.name))
    )


def postcode_wards(session: Session, tenant_id: int) -> pl.DataFrame:
    """postcode, ward_code, ward_name for every postcode in the area's lookup."""
    rows = session.execute(
        select(WardPostcode.postcode, Ward.code, Ward.name)
        .join(Ward, Ward.id == WardPostcode.ward_id)
        .where(WardPostcode.tenant_id == tenant_id)
    ).all()
    schema = {"postcode": pl.String, "ward_code": pl.String, "ward_name": pl.String}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")

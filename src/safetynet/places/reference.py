"""Importers for the published files a council downloads to describe its places.

- **postcodes**: the ONS postcode directory (NSPL or ONSPD, CSV): postcode -> output area,
  LSOA, ward, local authority and rural-urban class. Terminated postcodes are skipped.
- **deprivation**: the English Indices of Deprivation (LSOA CSV, "File 7" or the IMD file):
  each LSOA's Index of Multiple Deprivation score, national rank and decile.
- **connectivity**: Ofcom Connected Nations fixed broadband coverage (postcode CSV): premises
  and the share of them that can get gigabit, full fibre and superfast broadband.

The national files are large (the postcode directory has 2.7 million rows), so each is read
lazily, only the columns needed, and filtered to the area as it streams; only the area's rows
are validated and stored. Every import is one transaction and one new *version*: nothing is
written if any kept row is wrong, and each error names the file, row and column. The same
file imported twice is recognised and changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from safetynet import audit
from safetynet.accounts.models import Tenant
from safetynet.errors import InvalidInput
from safetynet.places.models import (
    PlaceConnectivity,
    PlaceDeprivation,
    PlaceFile,
    PlacePostcode,
    Ward,
    WardPostcode,
)
from safetynet.sources import standardise

KINDS = ("postcodes", "deprivation", "connectivity")
KIND_NAMES = {
    "postcodes": "ONS postcode directory",
    "deprivation": "English Indices of Deprivation",
    "connectivity": "Ofcom fixed broadband coverage",
}
MAX_ERRORS_SHOWN = 20
INSERT_BATCH = 5_000
NO_GRID_LAT = 99.0  # ONS directories: 99.999999 latitude for a postcode with no grid reference
GSS = {
    "oa": r"^[EWSN]00\d{6}$",
    "lsoa": r"^[EWSN]0[12]\d{6}$",
    "ward": r"^[EWSN]\d{8}$",
    "la": r"^[EWSN]\d{8}$",
}
# Rural-urban classes: 2021 codes start U (urban) or R (rural: RLN1, RLF1, RSN1, RSF1);
# 2011 codes A1-C2 are urban, D1-F2 rural.
RURAL_2011 = {"D1", "D2", "E1", "E2", "F1", "F2"}
URBAN_2011 = {"A1", "B1", "C1", "C2"}


@dataclass(frozen=True)
class Column:
    """A field of a published file: the headings it goes by (compared squashed: lower case,
    letters and digits only, census years dropped), and whether the file must have it."""

    field: str
    headings: tuple[str, ...]
    required: bool = True
    prefixes: tuple[str, ...] = ()  # squashed heading starts (long descriptive headings)


LAYOUTS: dict[str, tuple[Column, ...]] = {
    "postcodes": (
        Column("postcode", ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode")),
        Column("terminated", ("doterm",), required=False),
        Column("oa", ("oa", "oacd", "oa21cd", "oa11cd"), required=False),
        Column("lsoa", ("lsoa", "lsoacd")),
        Column("ward", ("ward", "osward", "wdcd", "wardcode")),
        Column("la", ("laua", "oslaua", "lad", "ladcd", "lacode")),
        Column("rural_class", ("ruc", "ruind", "ruccd", "rurbanclass"), required=False),
        Column("lat", ("lat", "latitude"), required=False),
        Column("lon", ("long", "longitude", "lon"), required=False),
    ),
    "deprivation": (
        Column("lsoa", ("lsoacode", "lsoacd", "lsoa"), prefixes=("lsoacode",)),
        Column(
            "score",
            ("imdscore",),
            prefixes=("indexofmultipledeprivationimdscore",),
        ),
        Column("rank", ("imdrank",), prefixes=("indexofmultipledeprivationimdrank",)),
        Column("decile", ("imddecile",), prefixes=("indexofmultipledeprivationimddecile",)),
    ),
    "connectivity": (
        Column("postcode", ("postcodespace", "postcode", "pcds")),
        Column("premises", ("allmatchedpremises", "allpremises", "premises")),
        Column(
            "gigabit_pct",
            ("gigabitavailabilitypremises", "gigabitavailability"),
            prefixes=("gigabitavailability",),
        ),
        Column(
            "full_fibre_pct",
            ("fullfibreavailabilitypremises", "fullfibreavailability"),
            required=False,
            prefixes=("fullfibreavailability",),
        ),
        Column(
            "superfast_pct",
            ("sfbbavailabilitypremises", "sfbbavailability"),
            required=False,
            prefixes=("sfbbavailability",),
        ),
        Column(
            "below_uso_pct",
            ("ofpremisesbelowtheuso", "premisesbelowuso", "belowuso"),
            required=False,
            prefixes=("ofpremisesbelowtheuso", "ofpremisesbelowuso"),
        ),
    ),
}


@dataclass
class PlaceImport:
    """What one reference file import did."""

    kind: str
    file_id: int
    edition: str
    rows_read: int
    rows_kept: int
    already: bool = False
    notes: list[str] = field(default_factory=list)


def squash(heading: str) -> str:
    """A heading reduced for matching: 'LSOA code (2021)' -> 'lsoacode', 'oa21' -> 'oa',
    'wd24cd' -> 'wdcd', '% of premises below the USO' -> 'ofpremisesbelowtheuso'."""
    text = re.sub(r"\((?:19|20)\d\d\)", "", heading.lower())
    text = re.sub(r"[^a-z0-9]", "", text)
    text = re.sub(r"^(oa|lsoa|msoa|wd|lad|ruc|ru|ward)(?:\d\d)", r"\1", text)
    return text


def read_header(path: Path) -> list[str]:
    """The file's headings (a missing, empty or non-CSV file is refused by name)."""
    if not path.is_file():
        raise InvalidInput(f"There is no file {path}.")
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, csv.Error) as error:
        raise InvalidInput(f"{path.name} could not be read as CSV: {error}.") from None
    if not [h for h in header if h.strip()]:
        raise InvalidInput(f"{path.name} is empty: expected a heading row.")
    return header


def find_columns(kind: str, header: list[str], path: Path) -> dict[str, str]:
    """Which heading of the file holds each field of the layout; every required field missing
    is named in one message with the headings seen."""
    squashed = {h: squash(h) for h in header}
    found: dict[str, str] = {}
    missing = []
    for column in LAYOUTS[kind]:
        match = next((h for h, s in squashed.items() if s in column.headings), None)
        if match is None and column.prefixes:
            match = next(
                (h for h, s in squashed.items() if any(s.startswith(p) for p in column.prefixes)),
                None,
            )
        if match is not None:
            found[column.field] = match
        elif column.required:
            missing.append(column.field.replace("_", " "))
    if missing:
        raise InvalidInput(
            f"{path.name} does not look like the {KIND_NAMES[kind]}: no column for "
            f"{', '.join(missing)}. Headings seen: {', '.join(header[:30]) or 'none'}."
        )
    return found


def file_digest(path: Path) -> str:
    """SHA-256 of the file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan(path: Path, columns: dict[str, str]) -> pl.LazyFrame:
    """The file as a lazy frame of the chosen columns (renamed to fields), every value text,
    with each row's line number in the file (the heading is line 1)."""
    frame = pl.scan_csv(
        path, infer_schema=False, encoding="utf8-lossy", quote_char='"', ignore_errors=False
    ).with_row_index("line", offset=2)
    return frame.select(
        pl.col("line").cast(pl.Int64),
        *(pl.col(heading).str.strip_chars().alias(f) for f, heading in columns.items()),
    )


def _collect(lazy: pl.LazyFrame, path: Path) -> pl.DataFrame:
    try:
        return lazy.collect(engine="streaming")
    except pl.exceptions.PolarsError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InvalidInput(f"{path.name} could not be read as CSV: {first}") from None


class Problems:
    """Errors found in a file, each naming its row and column, raised together."""

    def __init__(self, path: Path, columns: dict[str, str]) -> None:
        self.path = path
        self.columns = columns
        self.found: list[str] = []

    def add(self, frame: pl.DataFrame, bad: pl.Expr, field_name: str, why: str) -> None:
        """Every row where `bad` holds is a problem of `field_name` ('{value}' in `why`)."""
        for line, value in frame.filter(bad).select("line", field_name).iter_rows():
            shown = why.replace("{value}", str(value) if value is not None else "")
            self.found.append(
                f"{self.path.name} row {line}, column '{self.columns[field_name]}': {shown}."
            )

    def raise_any(self) -> None:
        if not self.found:
            return
        self.found.sort(key=lambda message: int(re.search(r"row (\d+)", message).group(1)))  # type: ignore[union-attr]
        shown = self.found[:MAX_ERRORS_SHOWN]
        more = len(self.found) - len(shown)
        raise InvalidInput(
            f"{self.path.name} has {len(self.found):,} problem(s); nothing was imported. Fix "
            "them and import it again.",
            details=shown + ([f"… and {more:,} more."] if more else []),
        )


def _number(field_name: str, kind: type) -> pl.Expr:
    cast = pl.col(field_name).str.replace_all(",", "").cast(kind, strict=False)
    return cast.alias(field_name)


def _postcode_std(frame: pl.DataFrame) -> pl.DataFrame:
    cleaned = standardise.postcodes(frame.get_column("postcode").fill_null(""))
    return frame.with_columns(postcode_std=cleaned.values)


# -- the area --------------------------------------------------------------------------------


def area_postcodes(session: Session, tenant_id: int) -> set[str]:
    """Every postcode the area knows: its ward lookup and its current postcode directory."""
    known = set(
        session.scalars(select(WardPostcode.postcode).where(WardPostcode.tenant_id == tenant_id))
    )
    current = current_file(session, tenant_id, "postcodes")
    if current is not None:
        known.update(
            session.scalars(
                select(PlacePostcode.postcode).where(PlacePostcode.file_id == current.id)
            )
        )
    return known


def current_file(session: Session, tenant_id: int, kind: str) -> PlaceFile | None:
    """The newest version of a kind of file for the area (the one profiles use)."""
    return session.scalar(
        select(PlaceFile)
        .where(PlaceFile.tenant_id == tenant_id, PlaceFile.kind == kind)
        .order_by(PlaceFile.id.desc())
        .limit(1)
    )


def files(session: Session, tenant_id: int) -> list[PlaceFile]:
    """Every version imported for the area, newest first."""
    return list(
        session.scalars(
            select(PlaceFile).where(PlaceFile.tenant_id == tenant_id).order_by(PlaceFile.id.desc())
        )
    )


# -- each kind -------------------------------------------------------------------------------


def _postcode_rows(
    session: Session, tenant: Tenant, path: Path, columns: dict[str, str], la_codes: list[str]
) -> tuple[int, pl.DataFrame, list[str]]:
    """The directory's live postcodes in the area: in the named local authorities, or else in
    the area's wards (by ward code or by the ward lookup's postcodes)."""
    notes: list[str] = []
    lazy = scan(path, columns)
    read = _collect(lazy.select(pl.len()), path).item()
    if "terminated" in columns:
        live = pl.col("terminated").is_null() | (pl.col("terminated") == "")
    else:
        live = pl.lit(True)
    if la_codes:
        in_area = pl.col("la").is_in([c.strip().upper() for c in la_codes])
    else:
        codes = list(session.scalars(select(Ward.code).where(Ward.tenant_id == tenant.id)))
        lookup = set(
            session.scalars(
                select(WardPostcode.postcode).where(WardPostcode.tenant_id == tenant.id)
            )
        )
        if not codes:
            raise InvalidInput(
                f"{path.name}: the area has no wards yet, so which of the directory's postcodes "
                "are its own is unknown. Import the ward lookup first (`safetynet places wards "
                "import`), or name the local authority codes with --la (e.g. --la E08000019)."
            )
        # Spaces vary between the directory's postcode columns: compare without them.
        bare = [p.replace(" ", "") for p in lookup]
        in_area = pl.col("ward").is_in(codes) | pl.col("postcode").str.replace_all(
            " ", ""
        ).str.to_uppercase().is_in(bare)
    kept = _collect(lazy.filter(live & in_area), path)
    terminated = 0
    if "terminated" in columns:
        terminated = _collect(lazy.filter(~live).select(pl.len()), path).item()
        if terminated:
            notes.append(f"{terminated:,} terminated postcodes in the file were skipped.")
    if kept.height == 0:
        where = f"local authority {', '.join(la_codes)}" if la_codes else "the area's wards"
        raise InvalidInput(
            f"{path.name}: no live postcode of the file is in {where}; nothing was imported. "
            "Is it the right file, or are the ward codes of a different year?"
        )
    return read, kept, notes


def _check_postcodes(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    frame = _postcode_std(frame)
    problems.add(
        frame, pl.col("postcode_std").is_null(), "postcode", "'{value}' is not a UK postcode"
    )
    for name, pattern in (("lsoa", GSS["lsoa"]), ("ward", GSS["ward"]), ("la", GSS["la"])):
        problems.add(
            frame,
            pl.col(name).is_null() | ~pl.col(name).str.contains(pattern),
            name,
            "'{value}' is not a GSS code" if name != "lsoa" else "'{value}' is not an LSOA code",
        )
    if "oa" in frame.columns:
        problems.add(
            frame,
            pl.col("oa").is_not_null() & ~pl.col("oa").str.contains(GSS["oa"]),
            "oa",
            "'{value}' is not an output area code",
        )
    twice = frame.filter(
        pl.col("postcode_std").is_not_null() & pl.col("postcode_std").is_duplicated()
    )
    problems.add(twice, pl.lit(True), "postcode", "postcode {value} is listed twice")
    if "rural_class" in frame.columns:
        frame = frame.with_columns(rural=rural_flag(pl.col("rural_class")))
    else:
        frame = frame.with_columns(
            rural_class=pl.lit(None, pl.String), rural=pl.lit(None, pl.Boolean)
        )
    if "oa" not in frame.columns:
        frame = frame.with_columns(oa=pl.lit(None, pl.String))
    frame = _coordinates(frame, problems)
    return frame.select(
        pl.col("postcode_std").alias("postcode"),
        "oa",
        "lsoa",
        pl.col("ward").alias("ward_code"),
        pl.col("la").alias("la_code"),
        "rural_class",
        "rural",
        "lat",
        "lon",
    )


def _coordinates(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    """The postcode's latitude and longitude (WGS84), when the file gives them. The ONS
    directories write 99.999999 / 0.000000 for a postcode without a grid reference: kept as
    unknown. Anything else outside the UK is refused, naming its row and column."""
    if "lat" not in frame.columns or "lon" not in frame.columns:
        return frame.with_columns(lat=pl.lit(None, pl.Float64), lon=pl.lit(None, pl.Float64))
    for name, low, high in (("lat", 49.0, 61.0), ("lon", -9.0, 3.0)):
        value = pl.col(name).cast(pl.Float64, strict=False)
        given = pl.col(name).is_not_null() & (pl.col(name) != "")
        unset = (pl.col("lat").cast(pl.Float64, strict=False) >= NO_GRID_LAT).fill_null(False)
        problems.add(frame, given & ~unset & (value.is_null() | (value < low) | (value > high)),
                     name, f"'{{value}}' is not a {'latitude' if name == 'lat' else 'longitude'}"
                     " in the UK")  # fmt: skip
    unset = pl.col("lat").cast(pl.Float64, strict=False) >= NO_GRID_LAT
    return frame.with_columns(
        *(pl.when(unset).then(None).otherwise(pl.col(n).cast(pl.Float64, strict=False)).alias(n)
          for n in ("lat", "lon"))
    )


def postcode_location(session: Session, tenant_id: int, postcode: str) -> tuple[float, float]:
    """Where a postcode of the area is (latitude, longitude), from the area's current postcode
    directory; a clear error when it is not a postcode, not in the directory, or has no place."""
    std = standardise.postcodes(pl.Series([postcode.strip()[:20]])).values[0]
    if std is None:
        raise InvalidInput(f"'{postcode[:20]}' is not a UK postcode.")
    current = current_file(session, tenant_id, "postcodes")
    if current is None:
        raise InvalidInput("The area has no postcode directory yet, so postcodes cannot be "
                           "placed: give latitude and longitude instead.")
    row = session.execute(
        select(PlacePostcode.lat, PlacePostcode.lon)
        .where(PlacePostcode.file_id == current.id, PlacePostcode.postcode == std)
    ).first()
    if row is None:
        raise InvalidInput(f"{std} is not a live postcode of this area's postcode directory.")
    if row.lat is None or row.lon is None:
        raise InvalidInput(f"The postcode directory gives no place for {std}: give latitude "
                           "and longitude instead.")
    return float(row.lat), float(row.lon)


def rural_flag(rural_class: pl.Expr) -> pl.Expr:
    """Rural (True), urban (False) or unknown (null) from a rural-urban class code."""
    code = rural_class.str.strip_chars().str.to_uppercase()
    return (
        pl.when(code.str.contains(r"^R[A-Z]{1,2}\d?$") | code.is_in(list(RURAL_2011)))
        .then(True)
        .when(code.str.contains(r"^U[A-Z]{1,2}\d?$") | code.is_in(list(URBAN_2011)))
        .then(False)
        .otherwise(None)
    )


def _deprivation_rows(
    session: Session, tenant: Tenant, path: Path, columns: dict[str, str], la_codes: list[str]
) -> tuple[int, pl.DataFrame, list[str]]:
    """The LSOAs of the area (those of its current postcode directory)."""
    current = current_file(session, tenant.id, "postcodes")
    if current is None:
        raise InvalidInput(
            f"{path.name}: import the ONS postcode directory first (`safetynet places import "
            "postcodes`); deprivation is joined to the area's postcodes through their LSOAs."
        )
    lsoas = [
        code
        for code in session.scalars(
            select(PlacePostcode.lsoa).where(PlacePostcode.file_id == current.id).distinct()
        )
        if code
    ]
    lazy = scan(path, columns)
    read = _collect(lazy.select(pl.len()), path).item()
    kept = _collect(lazy.filter(pl.col("lsoa").is_in(lsoas)), path)
    notes = []
    missing = len(set(lsoas) - set(kept.get_column("lsoa")))
    if kept.height == 0:
        raise InvalidInput(
            f"{path.name}: none of the area's {len(lsoas):,} LSOAs is in the file; nothing was "
            "imported. Do the file's LSOA codes (2011 or 2021) match the postcode directory's?"
        )
    if missing:
        notes.append(f"{missing:,} of the area's LSOAs are not in the file (no deprivation shown).")
    return read, kept, notes


def _check_deprivation(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    typed = frame.with_columns(
        _number("score", pl.Float64).alias("score_n"),
        _number("rank", pl.Int64).alias("rank_n"),
        _number("decile", pl.Int64).alias("decile_n"),
    )
    problems.add(typed, pl.col("score_n").is_null(), "score", "'{value}' is not a number")
    problems.add(
        typed,
        pl.col("rank_n").is_null() | (pl.col("rank_n") < 1),
        "rank",
        "'{value}' is not a rank",
    )
    problems.add(
        typed,
        pl.col("decile_n").is_null() | ~pl.col("decile_n").is_between(1, 10),
        "decile",
        "'{value}' is not a decile from 1 to 10",
    )
    problems.add(
        typed.filter(pl.col("lsoa").is_duplicated()),
        pl.lit(True),
        "lsoa",
        "LSOA {value} is listed twice",
    )
    return typed.select(
        "lsoa",
        pl.col("score_n").alias("score"),
        pl.col("rank_n").alias("rank"),
        pl.col("decile_n").alias("decile"),
    )


def _connectivity_rows(
    session: Session, tenant: Tenant, path: Path, columns: dict[str, str], la_codes: list[str]
) -> tuple[int, pl.DataFrame, list[str]]:
    """The area's postcodes in Ofcom's file (its ward lookup and postcode directory)."""
    known = area_postcodes(session, tenant.id)
    if not known:
        raise InvalidInput(
            f"{path.name}: the area has no postcodes yet. Import the ward lookup or the ONS "
            "postcode directory first."
        )
    bare = [p.replace(" ", "") for p in known]
    lazy = scan(path, columns)
    read = _collect(lazy.select(pl.len()), path).item()
    kept = _collect(
        lazy.filter(pl.col("postcode").str.replace_all(" ", "").str.to_uppercase().is_in(bare)),
        path,
    )
    if kept.height == 0:
        raise InvalidInput(
            f"{path.name}: none of the area's {len(known):,} postcodes is in the file; nothing "
            "was imported."
        )
    notes = []
    if kept.height < len(known):
        notes.append(f"{len(known) - kept.height:,} of the area's postcodes are not in the file.")
    return read, kept, notes


def _check_connectivity(frame: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    frame = _postcode_std(frame)
    problems.add(
        frame, pl.col("postcode_std").is_null(), "postcode", "'{value}' is not a UK postcode"
    )
    typed = frame.with_columns(_number("premises", pl.Int64).alias("premises_n"))
    problems.add(
        typed,
        pl.col("premises_n").is_null() | (pl.col("premises_n") < 0),
        "premises",
        "'{value}' is not a count of premises",
    )
    shares = ["gigabit_pct", "full_fibre_pct", "superfast_pct", "below_uso_pct"]
    for name in shares:
        if name not in typed.columns:
            typed = typed.with_columns(pl.lit(None, pl.String).alias(name))
            continue
        value = _number(name, pl.Float64)
        typed = typed.with_columns(value.alias(f"{name}_n"))
        bad = (
            pl.col(name).is_not_null()
            & (pl.col(name) != "")
            & (pl.col(f"{name}_n").is_null() | ~pl.col(f"{name}_n").is_between(0, 100))
        )
        if name == "gigabit_pct":
            bad = bad | pl.col(name).is_null() | (pl.col(name) == "")
        problems.add(typed, bad, name, "'{value}' is not a percentage from 0 to 100")
    problems.add(
        typed.filter(pl.col("postcode_std").is_not_null() & pl.col("postcode_std").is_duplicated()),
        pl.lit(True),
        "postcode",
        "postcode {value} is listed twice",
    )
    return typed.select(
        pl.col("postcode_std").alias("postcode"),
        pl.col("premises_n").alias("premises"),
        *(
            (pl.col(f"{n}_n") if f"{n}_n" in typed.columns else pl.lit(None, pl.Float64)).alias(n)
            for n in shares
        ),
    )


Reader = Callable[
    [Session, Tenant, Path, dict[str, str], list[str]], tuple[int, pl.DataFrame, list[str]]
]
Checker = Callable[[pl.DataFrame, Problems], pl.DataFrame]
STEPS: dict[str, tuple[Reader, Checker, type]] = {
    "postcodes": (_postcode_rows, _check_postcodes, PlacePostcode),
    "deprivation": (_deprivation_rows, _check_deprivation, PlaceDeprivation),
    "connectivity": (_connectivity_rows, _check_connectivity, PlaceConnectivity),
}


def import_file(
    session: Session,
    *,
    tenant: Tenant,
    kind: str,
    path: Path,
    actor: str,
    edition: str | None = None,
    la_codes: list[str] | None = None,
) -> PlaceImport:
    """Import one published file as a new version of its kind for the area, whole or not at all."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown kind of place file '{kind}': use one of {', '.join(KINDS)}.")
    header = read_header(path)
    columns = find_columns(kind, header, path)
    digest = file_digest(path)
    earlier = session.scalar(
        select(PlaceFile).where(
            PlaceFile.tenant_id == tenant.id, PlaceFile.kind == kind, PlaceFile.sha256 == digest
        )
    )
    if earlier is not None:
        return PlaceImport(
            kind, earlier.id, earlier.edition, earlier.rows_read, earlier.rows_kept, already=True
        )
    reader, checker, model = STEPS[kind]
    read, kept, notes = reader(session, tenant, path, columns, la_codes or [])
    problems = Problems(path, columns)
    rows = checker(kept, problems)
    problems.raise_any()
    version = PlaceFile(
        tenant_id=tenant.id,
        kind=kind,
        edition=(edition or path.stem)[:200],
        file_name=path.name[:300],
        sha256=digest,
        rows_read=read,
        rows_kept=rows.height,
        imported_by=actor,
    )
    session.add(version)
    session.flush()
    records = rows.with_columns(file_id=pl.lit(version.id)).to_dicts()
    for start in range(0, len(records), INSERT_BATCH):
        session.execute(insert(model), records[start : start + INSERT_BATCH])
    outcome = PlaceImport(kind, version.id, version.edition, read, rows.height, notes=notes)
    audit.record(
        session,
        actor=actor,
        action="places.reference.import",
        entity_type="place_file",
        entity_id=version.id,
        tenant_id=tenant.id,
        detail={"kind": kind, "file": path.name, "rows_read": read, "rows_kept": rows.height},
    )
    session.commit()
    return outcome


def remove_file(session: Session, *, tenant: Tenant, file_id: int, actor: str) -> PlaceFile:
    """Remove one version (the one before becomes current again)."""
    version = session.scalar(
        select(PlaceFile).where(PlaceFile.id == file_id, PlaceFile.tenant_id == tenant.id)
    )
    if version is None:
        raise InvalidInput(f"There is no place file {file_id} in {tenant.name}.")
    model = STEPS[version.kind][2]
    session.execute(delete(model).where(model.file_id == version.id))  # type: ignore[attr-defined]
    session.delete(version)
    audit.record(
        session,
        actor=actor,
        action="places.reference.remove",
        entity_type="place_file",
        entity_id=file_id,
        tenant_id=tenant.id,
        detail={"kind": version.kind, "file": version.file_name},
    )
    session.commit()
    return version

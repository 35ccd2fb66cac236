"""The synthetic borough: files as partners deliver them, with ground truth that holds."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import yaml

from safetynet.demo.generate import ORGANISATIONS, BoroughManifest, PartnerList, generate_borough
from safetynet.errors import InvalidInput

pytestmark = pytest.mark.nostore

AS_OF = date(2025, 6, 1)
PEOPLE = 3000
CSV_FORMATS = {  # file name: (encoding, delimiter)
    "council_tax_reduction.csv": ("utf-8", ","),
    "universal_credit.csv": ("utf-8-sig", ","),
    "free_school_meals.csv": ("utf-8", ","),
    "north_foodbank_visits.csv": ("cp1252", ","),
    "riverside_pantry_visits.csv": ("utf-8-sig", ";"),
}
ROW_IDS = {
    "council_tax_reduction.csv": "Claim Ref",
    "housing_benefit.xlsx": "HB Claim No",
    "universal_credit.csv": "Record No",
    "free_school_meals.csv": "Application No",
    "household_support_fund.parquet": "award_id",
    "north_foodbank_visits.csv": "Visit ID",
    "riverside_pantry_visits.csv": "Ref",
    "advice_centre_clients.xlsx": "Case number",
}
# Each list is about people with this flag set in people.csv.
LISTED_BY_FLAG = {
    "council_tax_reduction.csv": "on_ctr",
    "housing_benefit.xlsx": "on_hb",
    "universal_credit.csv": "on_uc",
    "free_school_meals.csv": "on_fsm",
    "household_support_fund.parquet": "on_hsf",
    "advice_centre_clients.xlsx": "advice_client",
}
POSTCODE = re.compile(r"^DB[1-9] [0-9][ABDEFGHJLNPQRSTUWXYZ]{2}$")


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> BoroughManifest:
    return generate_borough(tmp_path_factory.mktemp("borough"), people=PEOPLE, seed=7, as_of=AS_OF)


@pytest.fixture(scope="module")
def tables(borough: BoroughManifest) -> dict[str, pl.DataFrame]:
    return {item.path.name: read_list(item) for item in borough.lists}


@pytest.fixture(scope="module")
def people(borough: BoroughManifest) -> pl.DataFrame:
    return pl.read_csv(borough.people, infer_schema_length=None)


@pytest.fixture(scope="module")
def truth(borough: BoroughManifest) -> pl.DataFrame:
    return pl.read_csv(borough.ground_truth, infer_schema=False)


def read_list(item: PartnerList) -> pl.DataFrame:
    """A partner list with every cell as text, read the way its format demands."""
    if item.path.suffix == ".csv":
        encoding, delimiter = CSV_FORMATS[item.path.name]
        text = item.path.read_bytes().decode(encoding)
        return pl.read_csv(io.BytesIO(text.encode()), separator=delimiter, infer_schema=False)
    if item.path.suffix == ".parquet":
        return pl.read_parquet(item.path).cast(pl.String)
    book = openpyxl.load_workbook(item.path, read_only=True)
    rows = list((book[item.sheet] if item.sheet else book.worksheets[0]).values)
    book.close()
    cells = [[_cell_text(v) for v in row] for row in rows[1:]]
    return pl.DataFrame(cells, schema=[str(h) for h in rows[0]], orient="row")


def _cell_text(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return None if value is None else str(value)


def list_named(borough: BoroughManifest, name: str) -> PartnerList:
    return next(item for item in borough.lists if item.path.name == name)


def test_every_file_in_the_manifest_exists(borough: BoroughManifest) -> None:
    files = [item.path for item in borough.lists] + [
        borough.ward_lookup,
        borough.wards_geojson,
        borough.ground_truth,
        borough.people,
    ]
    files += [item.mapping for item in borough.lists if item.mapping]
    assert len(borough.lists) == 8
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    assert {f.parent for f in files} == {borough.out_dir}


def test_lists_carry_their_organisation_source_kind_and_mode(borough: BoroughManifest) -> None:
    described = {i.path.name: (i.org, i.source, i.kind, i.mode, i.sheet) for i in borough.lists}
    assert described == {
        "council_tax_reduction.csv": ("council", "ctr", "council_tax_reduction", "snapshot", None),
        "housing_benefit.xlsx": ("council", "hb", "housing_benefit", "snapshot", "HB caseload"),
        "universal_credit.csv": ("council", "uc", "universal_credit", "snapshot", None),
        "free_school_meals.csv": ("council", "fsm", "free_school_meals", "snapshot", None),
        "household_support_fund.parquet": (
            "council", "hsf", "household_support_fund", "append", None,
        ),
        "north_foodbank_visits.csv": (
            "north-foodbank", "visits", "foodbank_attendance", "append", None,
        ),
        "riverside_pantry_visits.csv": (
            "riverside-pantry", "visits", "foodbank_attendance", "append", None,
        ),
        "advice_centre_clients.xlsx": (
            "advice-centre", "clients", "advice_clients", "snapshot", None,
        ),
    }  # fmt: skip
    assert [o[0] for o in ORGANISATIONS] == [
        "council",
        "north-foodbank",
        "riverside-pantry",
        "advice-centre",
    ]
    assert {i.org for i in borough.lists} == {o[0] for o in ORGANISATIONS}


def test_csv_files_use_their_partners_encoding_and_delimiter(borough: BoroughManifest) -> None:
    raw = {name: list_named(borough, name).path.read_bytes() for name in CSV_FORMATS}
    assert raw["universal_credit.csv"].startswith(b"\xef\xbb\xbf")
    assert raw["riverside_pantry_visits.csv"].startswith(b"\xef\xbb\xbfRef;Client ID;")
    assert not raw["council_tax_reduction.csv"].startswith(b"\xef\xbb\xbf")
    assert raw["north_foodbank_visits.csv"].startswith(b"Visit ID,Client No,Name,DOB")
    assert b"\r\n" in raw["north_foodbank_visits.csv"]
    with pytest.raises(UnicodeDecodeError):
        raw["north_foodbank_visits.csv"].decode("utf-8")


def test_north_food_bank_file_is_windows_1252_with_accented_names(
    tables: dict[str, pl.DataFrame],
) -> None:
    names = tables["north_foodbank_visits.csv"]["Name"].drop_nulls()
    accented = names.filter(~names.str.contains(r"^[\x00-\x7f]*$"))
    assert accented.len() >= 1
    assert all(name.encode("cp1252") for name in accented)


def test_spreadsheets_keep_dates_as_partners_store_them(borough: BoroughManifest) -> None:
    hb = openpyxl.load_workbook(list_named(borough, "housing_benefit.xlsx").path)
    assert hb.sheetnames == ["Notes", "HB caseload"]
    assert isinstance(hb["HB caseload"]["C2"].value, datetime)
    advice = openpyxl.load_workbook(list_named(borough, "advice_centre_clients.xlsx").path)
    dobs = [c.value for c in advice.worksheets[0]["D"][1:] if c.value]
    assert all(isinstance(v, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", v) for v in dobs)


def test_household_support_fund_is_parquet_with_real_dates(borough: BoroughManifest) -> None:
    awards = pl.read_parquet(list_named(borough, "household_support_fund.parquet").path)
    assert awards.schema == pl.Schema(
        {
            "award_id": pl.String,
            "forename": pl.String,
            "surname": pl.String,
            "date_of_birth": pl.Date,
            "postcode": pl.String,
            "award_date": pl.Date,
            "amount": pl.Float64,
        }
    )
    assert awards["award_date"].max() < AS_OF
    assert set(awards["amount"].unique()) <= {100.0, 150.0, 200.0, 250.0}


def test_free_school_meals_needs_and_has_a_mapping_file(borough: BoroughManifest) -> None:
    item = list_named(borough, "free_school_meals.csv")
    mapping = yaml.safe_load(item.mapping.read_text(encoding="utf-8"))
    header = item.path.read_text(encoding="utf-8").splitlines()[0].split(",")
    named = [v for k, v in mapping.items() if k != "options"]
    assert set(named) <= set(header) and len(named) == 6
    assert mapping["options"] == {"dob_format": "YYYYMMDD"}


def test_row_ids_are_unique_within_each_list(tables: dict[str, pl.DataFrame]) -> None:
    for name, frame in tables.items():
        ids = frame[ROW_IDS[name]]
        assert ids.null_count() == 0 and ids.n_unique() == frame.height > 0, name


def test_ground_truth_covers_every_row_and_points_at_real_people(
    borough: BoroughManifest,
    tables: dict[str, pl.DataFrame],
    truth: pl.DataFrame,
    people: pl.DataFrame,
) -> None:
    for item in borough.lists:
        ids = set(tables[item.path.name][ROW_IDS[item.path.name]])
        known = set(truth.filter(pl.col("source") == item.source)["row_id"])
        assert ids <= known, item.path.name
    assert truth.height == sum(frame.height for frame in tables.values())
    assert truth.select("source", "row_id").is_duplicated().sum() == 0
    assert set(truth["person_id"]) <= set(people["person_id"])


def test_each_list_is_about_people_in_that_programme(
    borough: BoroughManifest,
    tables: dict[str, pl.DataFrame],
    truth: pl.DataFrame,
    people: pl.DataFrame,
) -> None:
    flags = people.select("person_id", *LISTED_BY_FLAG.values())
    for name, flag in LISTED_BY_FLAG.items():
        item = list_named(borough, name)
        rows = tables[name].select(pl.col(ROW_IDS[name]).alias("row_id"))
        listed = rows.join(truth.filter(pl.col("source") == item.source), on="row_id")
        assert listed.join(flags, on="person_id")[flag].all(), name
    visitors = truth.filter(pl.col("source") == "visits").join(people, on="person_id")
    assert (visitors["foodbank_visits"] > 0).all()


def test_some_eligible_people_are_not_claiming(people: pl.DataFrame) -> None:
    for programme in ("ctr", "hb", "pc", "uc", "fsm"):
        eligible, on = people[f"eligible_{programme}"], people[f"on_{programme}"]
        assert not (on & ~eligible).any(), programme
        assert (eligible & ~on).sum() > 0, programme
    households = people.unique("household_id")
    ctr_take_up = households["on_ctr"].sum() / households["eligible_ctr"].sum()
    units = people.unique("benefit_unit_id")
    uc_take_up = units["on_uc"].sum() / units["eligible_uc"].sum()
    assert 0.5 < ctr_take_up < 0.8
    assert 0.7 < uc_take_up < 0.95


def test_food_bank_logs_hold_repeat_visits_by_the_same_client(
    tables: dict[str, pl.DataFrame],
) -> None:
    for name, client in (("north_foodbank_visits.csv", "Client No"),
                         ("riverside_pantry_visits.csv", "Client ID")):  # fmt: skip
        visits = tables[name].group_by(client).len()
        assert (visits["len"] > 1).sum() >= 15, name
        assert visits["len"].max() <= 12
    north = tables["north_foodbank_visits.csv"]
    dates = north["Visit date"].str.strptime(pl.Date, "%d/%m/%Y")
    assert dates.min() >= AS_OF - timedelta(days=366) and dates.max() < AS_OF
    # One client number is one person: the name it carries never changes between visits.
    assert north.group_by("Client No").agg(pl.col("Name").n_unique())["Name"].max() == 1


def test_a_small_share_of_charity_rows_have_invalid_dates_of_birth(
    tables: dict[str, pl.DataFrame],
) -> None:
    for name, column, fmt in (
        ("north_foodbank_visits.csv", "DOB", "%d/%m/%Y"),
        ("riverside_pantry_visits.csv", "Date of birth", "%d.%m.%Y"),
        ("advice_centre_clients.xlsx", "Date of birth", "%d/%m/%Y"),
    ):
        dobs = tables[name][column].drop_nulls()
        dobs = dobs.filter(dobs.str.len_chars() > 0)
        parsed = dobs.str.strptime(pl.Date, fmt, strict=False)
        invalid = (parsed.is_null() | (parsed > AS_OF)).sum()
        assert 1 <= invalid <= 0.03 * tables[name].height, name
    clients = tables["north_foodbank_visits.csv"].unique("Client No")
    assert 0.15 < clients["DOB"].is_null().mean() < 0.45


def test_council_lists_are_cleaner_than_charity_lists(
    borough: BoroughManifest,
    tables: dict[str, pl.DataFrame],
    truth: pl.DataFrame,
    people: pl.DataFrame,
) -> None:
    def exact_share(name: str, first: str, last: str) -> float:
        item = list_named(borough, name)
        rows = tables[name].rename({ROW_IDS[name]: "row_id", first: "f", last: "s"})
        joined = rows.join(truth.filter(pl.col("source") == item.source), on="row_id")
        joined = joined.join(people, on="person_id")
        same = (joined["f"] == joined["forename"]) & (joined["s"] == joined["surname"])
        return same.mean()

    assert exact_share("council_tax_reduction.csv", "Forename", "Surname") > 0.95
    assert exact_share("universal_credit.csv", "First Name", "Last Name") > 0.95
    assert exact_share("riverside_pantry_visits.csv", "First name", "Surname") < 0.93
    assert exact_share("advice_centre_clients.xlsx", "Client forename", "Client surname") < 0.93


def test_postcodes_uprns_and_wards_are_consistent(
    borough: BoroughManifest, people: pl.DataFrame
) -> None:
    assert people["postcode"].str.contains(POSTCODE.pattern).all()
    assert people["uprn"].cast(pl.String).str.len_chars().eq(12).all()
    lookup = pl.read_csv(borough.ward_lookup)
    assert lookup.columns == ["postcode", "ward_code", "ward_name"]
    assert set(people["postcode"]) == set(lookup["postcode"])
    assert lookup["ward_code"].n_unique() == 12
    per_postcode = people.unique("uprn").group_by("postcode").len()["len"]
    assert per_postcode.max() <= 25
    features = json.loads(borough.wards_geojson.read_text())["features"]
    assert {f["properties"]["ward_code"] for f in features} == set(lookup["ward_code"])
    rings = [f["geometry"]["coordinates"][0] for f in features]
    assert all(r[0] == r[-1] and -2 < r[0][0] < -1 and 52 < r[0][1] < 54 for r in rings)


def test_households_look_like_households(people: pl.DataFrame) -> None:
    sizes = people.group_by("household_id").len()["len"]
    assert people.height == PEOPLE
    assert 2.0 < sizes.mean() < 2.6
    ages = (AS_OF - people["dob"].str.to_date()).dt.total_days() / 365.25
    assert 0.15 < (ages < 18).mean() < 0.28 and 0.1 < (ages >= 66).mean() < 0.22
    # Most households share one surname across most of their members.
    shared = people.group_by("household_id").agg(pl.col("surname").n_unique() == 1)
    assert shared["surname"].mean() > 0.6


def test_the_population_has_many_distinct_names(people: pl.DataFrame) -> None:
    assert people["forename"].n_unique() > 800
    assert people["surname"].n_unique() > 700
    assert people["forename"].str.contains(r"[^\x00-\x7f]").sum() > 10


def test_same_seed_gives_identical_files_and_another_seed_different_ones(
    borough: BoroughManifest, tmp_path: Path
) -> None:
    again = generate_borough(tmp_path / "again", people=PEOPLE, seed=7, as_of=AS_OF)
    other = generate_borough(tmp_path / "other", people=PEOPLE, seed=8, as_of=AS_OF)
    files = sorted(p.name for p in borough.out_dir.iterdir())
    assert files == sorted(p.name for p in again.out_dir.iterdir())
    for name in files:
        assert (borough.out_dir / name).read_bytes() == (again.out_dir / name).read_bytes(), name
    for name in [*CSV_FORMATS, "people.csv", "ground_truth.csv"]:
        assert (borough.out_dir / name).read_bytes() != (other.out_dir / name).read_bytes(), name


def test_a_borough_size_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="100 to 1,000,000 people"):
        generate_borough(tmp_path, people=10, seed=1, as_of=AS_OF)
    assert list(tmp_path.iterdir()) == []


def test_demo_phone_numbers_are_ones_the_phone_library_accepts(tables) -> None:
    import numpy as np
    import phonenumbers

    from safetynet.demo.names import _NO_PHONE, phone_as_typed, phone_numbers

    rng = np.random.default_rng(3)
    tidy = phone_numbers(2000, rng)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(n, "GB")) for n in tidy)
    typed = [phone_as_typed(n, rng) for n in tidy]
    numbers = [t for t in typed if t not in _NO_PHONE]
    assert {t[:3] for t in numbers} >= {"+44", "(01", "011", "020"}  # every style is there
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(t, "GB")) for t in numbers)
    # And in the lists the borough writes: every cell that is a number is a valid one.
    cells = [
        str(v)
        for frame in tables.values()
        for column in ("Phone", "Telephone")
        if column in frame.columns
        for v in frame[column].drop_nulls().to_list()
        if str(v).strip() and str(v) not in _NO_PHONE
    ]
    assert len(cells) > 100
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(c, "GB")) for c in cells)

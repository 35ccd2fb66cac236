"""Synthetic copies of the published files about places, in their published layouts, for the
demo borough: the ONS postcode directory (NSPL columns), the English Indices of Deprivation
(File 7 headings) and Ofcom Connected Nations fixed coverage (postcode file headings).

Like the real files they cover more than the borough: a neighbouring authority's postcodes and
LSOAs, and terminated postcodes, so the importers' filtering is exercised. Values follow the
borough's own ward deprivation; rural postcodes (the east of the borough) get far less gigabit
broadband than town ones, as Ofcom reports nationally (about 40% against more than 80%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from safetynet.demo.geography import WARDS

LA_CODE, LA_NAME = "E08000999", "Demo Borough"
NEIGHBOUR_CODE, NEIGHBOUR_NAME = "E08000998", "Neighbouring Borough"
NATIONAL_LSOAS = 33_755
POSTCODES_PER_LSOA = 12
POSTCODES_PER_OA = 4
RURAL_SHARE_BY_COLUMN = {0: 0.0, 1: 0.0, 2: 0.15, 3: 0.6}  # east of the borough is rural
DECILE_HEADING = (
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
)
CENTRE, CELL = (53.38, -1.47), (0.03, 0.05)  # the directory's centre; a ward's size in degrees
RURAL_CLASSES = ("RLN1", "RLF1", "RSN1", "RSF1")
URBAN_CLASSES = ("UN1", "UF1")


@dataclass
class PlaceFiles:
    """Where the demo's published-format files were written."""

    postcodes: Path
    deprivation: Path
    connectivity: Path


def write_place_files(ward_lookup: Path, out_dir: Path, seed: int) -> PlaceFiles:
    """Write the three files for the borough in `ward_lookup` (postcode, ward_code, ward_name)."""
    rng = np.random.default_rng(seed + 7_919)
    lookup = pl.read_csv(ward_lookup, infer_schema=False).sort("postcode")
    wards = {name: (depr, col) for name, depr, _, _, col in WARDS}
    rows = _located(_placed(lookup, wards, rng), np.random.default_rng(seed + 104_729))
    neighbour = _neighbour(rng)
    neighbour = neighbour.with_columns(lat=pl.lit(CENTRE[0]), lon=pl.lit(CENTRE[1] + 0.2))
    postcodes = _write_directory(rows, neighbour, out_dir / "NSPL_demo.csv", rng)
    deprivation = _write_deprivation(rows, neighbour, out_dir / "IoD_File_7_demo.csv", rng)
    connectivity = _write_coverage(rows, out_dir / "ofcom_fixed_postcode_demo.csv", rng)
    return PlaceFiles(postcodes, deprivation, connectivity)


def _placed(lookup: pl.DataFrame, wards: dict, rng: np.random.Generator) -> pl.DataFrame:
    """Each borough postcode with an output area, LSOA, rural class and deprivation."""
    records = []
    lsoa_number, oa_number = 990_001, 990_001
    for ward_code, ward_name in (
        lookup.select("ward_code", "ward_name").unique().sort("ward_code").iter_rows()
    ):
        deprivation, column = wards.get(ward_name, (0.5, 0))
        members = lookup.filter(pl.col("ward_code") == ward_code).get_column("postcode").to_list()
        rural_share = RURAL_SHARE_BY_COLUMN.get(column, 0.0)
        for start in range(0, len(members), POSTCODES_PER_LSOA):
            chunk = members[start : start + POSTCODES_PER_LSOA]
            lsoa = f"E01{lsoa_number:06d}"
            lsoa_number += 1
            rural = bool(rng.random() < rural_share)
            score = max(1.0, 8 + 55 * deprivation + rng.normal(0, 6))
            for index, postcode in enumerate(chunk):
                if index % POSTCODES_PER_OA == 0:
                    oa = f"E00{oa_number:06d}"
                    oa_number += 1
                classes = RURAL_CLASSES if rural else URBAN_CLASSES
                records.append(
                    (
                        postcode,
                        oa,
                        lsoa,
                        ward_code,
                        ward_name,
                        str(rng.choice(classes)),
                        rural,
                        score,
                    )
                )
    return pl.DataFrame(
        records,
        schema=["postcode", "oa", "lsoa", "ward_code", "ward_name", "ruc", "rural", "score"],
        orient="row",
    )


def _located(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Each postcode's latitude and longitude: its ward's cell of the borough's grid (row 0
    north, column 0 west) around the centre, scattered within the cell."""
    cell = {name: (row, col) for name, _, _, row, col in WARDS}
    where = [cell.get(name, (1, 1)) for name in rows.get_column("ward_name").to_list()]
    lat = [CENTRE[0] + CELL[0] * (1 - r) + rng.uniform(-0.4, 0.4) * CELL[0] for r, _ in where]
    lon = [CENTRE[1] + CELL[1] * (c - 1.5) + rng.uniform(-0.4, 0.4) * CELL[1] for _, c in where]
    return rows.with_columns(lat=pl.Series(lat).round(6), lon=pl.Series(lon).round(6))


def _neighbour(rng: np.random.Generator) -> pl.DataFrame:
    """A few hundred postcodes of the next authority along (postcode area DZ)."""
    postcodes = [
        f"DZ{d} {s}{a}{b}" for d in (1, 2) for s in range(3) for a in "ABD" for b in "EFGHJ"
    ]
    return pl.DataFrame(
        {
            "postcode": postcodes,
            "oa": [f"E00{980_001 + i // POSTCODES_PER_OA:06d}" for i in range(len(postcodes))],
            "lsoa": [f"E01{980_001 + i // POSTCODES_PER_LSOA:06d}" for i in range(len(postcodes))],
            "ward_code": [f"E0589{1 + i // 30:04d}" for i in range(len(postcodes))],
            "score": rng.uniform(5, 45, len(postcodes)).tolist(),
        }
    )


def _unit(postcode: str) -> str:
    """NSPL's 7-character pcd form: outward code padded to four, then the inward code."""
    outward, inward = postcode.split(" ")
    return f"{outward:<4}{inward}"


def _write_directory(
    rows: pl.DataFrame, neighbour: pl.DataFrame, path: Path, rng: np.random.Generator
) -> Path:
    """NSPL layout (a subset of its columns, in its order), live and terminated postcodes."""
    live = rows.select("postcode", "oa", "lsoa", "ward_code", pl.lit(LA_CODE).alias("laua"), "ruc",
                       "lat", "lon")
    other = neighbour.select(
        "postcode", "oa", "lsoa", "ward_code", pl.lit(NEIGHBOUR_CODE).alias("laua"),
        pl.lit("UN1").alias("ruc"), "lat", "lon",
    )  # fmt: skip
    # Terminated postcodes: recoded years ago, still listed with their termination date.
    sample = rows.sample(n=max(1, rows.height // 50), seed=int(rng.integers(1 << 30)))
    gone = (
        sample.with_columns(
            pl.col("postcode").str.replace(r"^(\S+) (\d)", "${1} 9").alias("postcode")
        )
        .unique("postcode")
        .filter(~pl.col("postcode").is_in(rows.get_column("postcode").implode()))
    )
    gone = gone.select("postcode", "oa", "lsoa", "ward_code", pl.lit(LA_CODE).alias("laua"), "ruc",
                       "lat", "lon")
    frame = pl.concat(
        [
            live.with_columns(doterm=pl.lit("")),
            other.with_columns(doterm=pl.lit("")),
            gone.with_columns(doterm=pl.lit("201906")),
        ]
    ).sort("postcode")
    out = frame.select(
        pl.col("postcode").map_elements(_unit, return_dtype=pl.String).alias("pcd"),
        pl.col("postcode").alias("pcds"),
        pl.lit("198001").alias("dointr"),
        "doterm",
        pl.lit("0").alias("usertype"),
        pl.col("oa").alias("oa21"),
        "laua",
        pl.col("ward_code").alias("ward"),
        pl.col("lsoa").alias("lsoa21"),
        pl.col("ruc").alias("ruc21"),
        pl.lit("E92000001").alias("ctry"),
        pl.col("lat").round(6).cast(pl.String).alias("lat"),
        pl.col("lon").round(6).cast(pl.String).alias("long"),
    )
    out.write_csv(path)
    return path


def _rank(score: float) -> int:
    """A national rank (1 = most deprived) for a score, on a plausible national spread."""
    return int(min(NATIONAL_LSOAS, max(1, round(NATIONAL_LSOAS * math.exp(-score / 16)))))


def _write_deprivation(
    rows: pl.DataFrame, neighbour: pl.DataFrame, path: Path, rng: np.random.Generator
) -> Path:
    """IoD File 7 headings: one row per LSOA, scores, national ranks and deciles."""
    ours = (
        rows.group_by("lsoa")
        .agg(pl.col("score").first())
        .with_columns(la=pl.lit(LA_CODE), la_name=pl.lit(LA_NAME))
    )
    theirs = (
        neighbour.group_by("lsoa")
        .agg(pl.col("score").first())
        .with_columns(la=pl.lit(NEIGHBOUR_CODE), la_name=pl.lit(NEIGHBOUR_NAME))
    )
    frame = pl.concat([ours, theirs]).sort("lsoa")
    ranks = [_rank(s) for s in frame.get_column("score")]
    deciles = [min(10, (r - 1) * 10 // NATIONAL_LSOAS + 1) for r in ranks]
    income = [
        round(min(0.6, max(0.01, s / 120 + rng.normal(0, 0.02))), 3)
        for s in frame.get_column("score")
    ]
    out = pl.DataFrame(
        {
            "LSOA code (2021)": frame.get_column("lsoa"),
            "LSOA name (2021)": [
                f"{n} {i:03d}" for i, n in enumerate(frame.get_column("la_name"), 1)
            ],
            "Local Authority District code (2024)": frame.get_column("la"),
            "Local Authority District name (2024)": frame.get_column("la_name"),
            "Index of Multiple Deprivation (IMD) Score": frame.get_column("score").round(3),
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": ranks,
            DECILE_HEADING: deciles,
            "Income Score (rate)": income,
        }
    )
    out.write_csv(path)
    return path


def _write_coverage(rows: pl.DataFrame, path: Path, rng: np.random.Generator) -> Path:
    """Ofcom's fixed postcode file headings: premises and availability shares per postcode."""
    count = rows.height
    premises = rng.integers(8, 30, count)
    rural = rows.get_column("rural").to_numpy()
    gigabit_p = np.where(rural, 0.40, 0.86)
    whole = rng.random(count) < gigabit_p
    partial = rng.random(count) < 0.15
    gigabit = np.where(whole, 100.0, 0.0)
    gigabit = np.where(partial, np.round(rng.uniform(10, 90, count), 1), gigabit)
    fibre = np.minimum(gigabit, np.where(rng.random(count) < 0.7, gigabit, gigabit * 0.5))
    superfast = np.where(rural, np.round(rng.uniform(60, 100, count), 1), 100.0)
    below_uso = np.where(
        rural & (rng.random(count) < 0.12), np.round(rng.uniform(5, 40, count), 1), 0.0
    )
    out = pl.DataFrame(
        {
            "postcode": rows.get_column("postcode").str.replace(" ", ""),
            "postcode_space": rows.get_column("postcode"),
            "postcode area": rows.get_column("postcode").str.extract(r"^([A-Z]+)"),
            "All Matched Premises": premises,
            "SFBB availability (% premises)": superfast,
            "UFBB availability (% premises)": np.maximum(gigabit, fibre),
            "Full Fibre availability (% premises)": np.round(fibre, 1),
            "Gigabit availability (% premises)": gigabit,
            "% of premises below the USO": below_uso,
        }
    )
    out.write_csv(path)
    return path

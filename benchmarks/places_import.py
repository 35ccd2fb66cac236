"""Benchmark: import national-size published place files for one council area.

Writes a postcode directory in the NSPL layout with `--postcodes` rows (the real one has about
2.7 million) of which one area's few thousand are in its wards, a deprivation file of 33,755
LSOAs and an Ofcom postcode file of the same postcodes, then imports each for the area in a
fresh process (so its peak memory can be read) on an embedded SQLite store. Prints seconds,
rows read per second, rows kept and peak RSS per file.

    python benchmarks/places_import.py                    # 2,700,000 postcodes
    python benchmarks/places_import.py --postcodes 500000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AREA_WARDS = 24
LSOAS = 33_755
UNITS = "ABDEFGHJLNPQRSTUWXYZ"


def make_files(folder: Path, postcodes: int, seed: int = 1) -> dict[str, Path]:
    """NSPL-layout, IoD File 7 and Ofcom-layout files; the area is local authority E08000999."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    index = np.arange(postcodes)
    area = int(postcodes * 0.0025)  # about one council's share of the country's postcodes
    unit = np.array(list(UNITS))
    district = np.char.add("X", (index // 4000).astype(str))
    inward = np.char.add(
        np.char.add((index % 10).astype(str), unit[(index // 10) % 20]), unit[(index // 200) % 20]
    )
    pcds = np.char.add(np.char.add(district, " "), inward)
    ward = np.where(
        index < area,
        np.char.add("E0599", np.char.zfill((index % AREA_WARDS + 1).astype(str), 4)),
        np.char.add("E05", np.char.zfill((100_000 + index // 2000).astype(str), 6)),
    )
    lsoa_number = index * LSOAS // postcodes
    lsoa = np.char.add("E01", np.char.zfill(lsoa_number.astype(str), 6))
    terminated = np.where(rng.random(postcodes) < 0.15, "201906", "")
    ruc = np.array(["UN1", "UF1", "RLN1", "RSF1"])[rng.integers(0, 4, postcodes)]
    nspl = pl.DataFrame(
        {
            "pcd": pcds,
            "pcds": pcds,
            "dointr": "198001",
            "doterm": terminated,
            "usertype": "0",
            "oseast1m": rng.integers(100_000, 600_000, postcodes).astype(str),
            "osnrth1m": rng.integers(100_000, 900_000, postcodes).astype(str),
            "osgrdind": "1",
            "oa21": np.char.add("E00", np.char.zfill((index // 5).astype(str), 6)),
            "cty": "E99999999",
            "ced": "E99999999",
            "laua": np.where(index < area, "E08000999", "E08000001"),
            "ward": ward,
            "ctry": "E92000001",
            "rgn": "E12000003",
            "pcon": "E14001000",
            "lsoa21": lsoa,
            "msoa21": np.char.add("E02", np.char.zfill((lsoa_number // 5).astype(str), 6)),
            "ruc21": ruc,
            "lat": np.round(rng.uniform(50, 55, postcodes), 6).astype(str),
            "long": np.round(rng.uniform(-3, 1, postcodes), 6).astype(str),
            "imd": rng.integers(1, LSOAS, postcodes).astype(str),
        }
    )
    paths = {"postcodes": folder / "NSPL_bench.csv", "deprivation": folder / "File_7_bench.csv"}
    nspl.write_csv(paths["postcodes"])
    lsoas = np.arange(LSOAS)
    scores = np.round(rng.gamma(2.0, 10.0, LSOAS), 3)
    ranks = (-scores).argsort().argsort() + 1
    pl.DataFrame(
        {
            "LSOA code (2021)": np.char.add("E01", np.char.zfill(lsoas.astype(str), 6)),
            "LSOA name (2021)": np.char.add("Place ", lsoas.astype(str)),
            "Index of Multiple Deprivation (IMD) Score": scores,
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": ranks,
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": (
                (ranks - 1) * 10 // LSOAS + 1
            ),
        }
    ).write_csv(paths["deprivation"])
    paths["connectivity"] = folder / "ofcom_bench.csv"
    pl.DataFrame(
        {
            "postcode": np.char.replace(pcds, " ", ""),
            "postcode_space": pcds,
            "All Matched Premises": rng.integers(1, 60, postcodes),
            "SFBB availability (% premises)": 100.0,
            "Gigabit availability (% premises)": np.where(rng.random(postcodes) < 0.8, 100.0, 0.0),
            "Full Fibre availability (% premises)": 60.0,
            "% of premises below the USO": 0.0,
        }
    ).write_csv(paths["connectivity"])
    wards = folder / "wards.csv"
    pl.DataFrame(
        {
            "ward_code": [f"E0599{i:04d}" for i in range(1, AREA_WARDS + 1)],
            "ward_name": [f"Ward {i}" for i in range(1, AREA_WARDS + 1)],
        }
    ).with_columns(postcode=pl.Series([pcds[i] for i in range(AREA_WARDS)])).select(
        "postcode", "ward_code", "ward_name"
    ).write_csv(wards)
    paths["wards"] = wards
    return paths


def worker(store: str, kind: str, path: Path, wards: Path) -> None:
    """Import one file for the area (setting the store up on the first) and print the figures."""
    os.environ["SAFETYNET_DATABASE_URL"] = store
    from safetynet import migrations
    from safetynet.accounts import service as accounts
    from safetynet.db import get_engine, open_session
    from safetynet.places import reference
    from safetynet.places import service as places

    migrations.upgrade(get_engine())
    with open_session() as session:
        if kind == "postcodes":
            accounts.create_organisation(
                session, name="Bench Council", kind="council", tenant="Benchshire", actor="bench"
            )
            tenant = places.council_area(session, None)
            places.import_wards(session, tenant=tenant, lookup=wards, boundaries=None, actor="b")
        tenant = places.council_area(session, None)
        started = time.perf_counter()
        done = reference.import_file(session, tenant=tenant, kind=kind, path=path, actor="bench")
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"read": done.rows_read, "kept": done.rows_kept, "s": seconds, "mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postcodes", type=int, default=2_700_000)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--make", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_files(Path(args.make), args.postcodes)
        return
    if args.worker:
        store, kind, path, wards = args.worker
        worker(store, kind, Path(path), Path(wards))
        return
    from rich.console import Console
    from rich.table import Table

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Each step in its own process: Linux keeps a process's peak memory across exec, so
        # writing the files here would count in every import's peak.
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--make", str(folder), "--postcodes", str(args.postcodes)],
            check=True,
        )
        made = time.perf_counter() - started
        paths = {
            "postcodes": folder / "NSPL_bench.csv",
            "deprivation": folder / "File_7_bench.csv",
            "connectivity": folder / "ofcom_bench.csv",
            "wards": folder / "wards.csv",
        }
        store = f"sqlite:///{folder / 'bench.db'}"
        table = Table(
            "File", "Size MB", "Rows read", "Rows kept", "Seconds", "Rows read/s", "Peak RSS MB",
            title=f"Place files for one area ({args.postcodes:,} postcodes; "
            f"files written in {made:.0f} s)",
        )  # fmt: skip
        env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        for kind in ("postcodes", "deprivation", "connectivity"):
            out = subprocess.run(
                [sys.executable, __file__, "--worker", store, kind, str(paths[kind]),
                 str(paths["wards"])],
                check=True, capture_output=True, text=True, env=env,
            )  # fmt: skip
            got = json.loads(out.stdout.strip().splitlines()[-1])
            table.add_row(
                kind,
                f"{paths[kind].stat().st_size / 1e6:,.0f}",
                f"{got['read']:,}",
                f"{got['kept']:,}",
                f"{got['s']:.1f}",
                f"{got['read'] / got['s']:,.0f}",
                f"{got['mb']:,.0f}",
            )
        Console().print(table)


if __name__ == "__main__":
    main()

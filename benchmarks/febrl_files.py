"""`safetynet link files` on public FEBRL data, against the truth: FEBRL3 split into its
originals and their duplicates (a list of individuals x a list repeating people), and
FEBRL4's two lists of individuals. Prints pairs found, precision, recall, F1 and wall time.

    python benchmarks/febrl_files.py [DATA_DIR]   (default /work/shared/data: febrl3/, febrl4/)
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from link_scores import pair_scores

from safetynet.link.files import FileSide, link_files

DATASETS = {
    "FEBRL3 originals x duplicates": ("febrl3", "febrl3_originals", "febrl3_duplicates"),
    "FEBRL4 a x b": ("febrl4", "febrl4_a", "febrl4_b"),
}


def unzipped(path: Path, into: Path) -> Path:
    """A gzipped CSV written out plain (the readers take CSV, XLSX or Parquet)."""
    target = into / path.name.removesuffix(".gz")
    with gzip.open(path, "rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def run(data: Path, folder: str, a: str, b: str, work: Path) -> dict[str, float]:
    paths = [unzipped(data / folder / f"{name}.csv.gz", work) for name in (a, b)]
    truth = pl.read_csv(data / folder / "truth.csv.gz", infer_schema=False)
    started = time.perf_counter()
    found = link_files(FileSide(paths[0], "rec_id"), FileSide(paths[1], "rec_id"))
    seconds = time.perf_counter() - started
    pairs = set(found.pairs.select("id_a", "id_b").iter_rows())
    scores = pair_scores(pairs, set(truth.iter_rows()))
    return {"pairs": len(pairs), **scores, "seconds": seconds}


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
    print(f"{'dataset':32} {'pairs':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'s':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, (folder, a, b) in DATASETS.items():
            r = run(data, folder, a, b, Path(tmp))
            print(
                f"{label:32} {r['pairs']:>6} {r['precision']:>9.4f} {r['recall']:>7.4f} "
                f"{r['f1']:>6.4f} {r['seconds']:>6.1f}"
            )


if __name__ == "__main__":
    main()

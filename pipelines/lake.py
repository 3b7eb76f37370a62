"""The lake: typed Parquet per dataset and business date, one file per ingested source file.

Layout: ``lake/<dataset>/business_date=YYYY-MM-DD/<source>-<sha16>.parquet`` (reference data
such as merchants: ``lake/<dataset>/snapshot/…``). The file name is
derived from the source file's sha256, so writing the same input twice writes the same bytes to
the same place (re-runs are no-ops), and a superseded version can be found and set aside.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

SUPERSEDED_DIR = "_superseded"


def file_key(source: str, sha256: str) -> str:
    return f"{source}-{sha256[:16]}"


PARTITION_COLUMNS = ("business_date", "statement_date", "payout_date", "expected_settlement_date")


def partition_column(frame: pl.DataFrame) -> str | None:
    """The date a table is partitioned by; None for reference data (merchants, customers)."""
    for col in PARTITION_COLUMNS:
        if col in frame.columns:
            return col
    return None


def write_table(lake: Path, dataset: str, frame: pl.DataFrame, key: str) -> list[Path]:
    """Write ``frame`` partitioned by business date; returns the files written."""
    if frame.height == 0:
        return []
    col = partition_column(frame)
    if col is None:
        path = lake / dataset / "snapshot" / f"{key}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="zstd", statistics=True)
        return [path]
    written = []
    for (day,), part in frame.partition_by(col, as_dict=True, maintain_order=True).items():
        label = day.isoformat() if day is not None else "unknown"
        path = lake / dataset / f"business_date={label}" / f"{key}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_parquet(path, compression="zstd", statistics=True)
        written.append(path)
    return written


def set_aside(lake: Path, key: str) -> int:
    """Move every lake file of an older version (``key``) under ``_superseded``; returns count."""
    moved = 0
    for path in sorted(lake.glob(f"*/*/{key}.parquet")):
        rel = path.relative_to(lake)
        target = lake / SUPERSEDED_DIR / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        moved += 1
    return moved


def datasets(lake: Path) -> list[str]:
    """Datasets that have at least one Parquet file."""
    if not lake.exists():
        return []
    return sorted(
        p.name
        for p in lake.iterdir()
        if p.is_dir() and not p.name.startswith("_") and any(p.rglob("*.parquet"))
    )

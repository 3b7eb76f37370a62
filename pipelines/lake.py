"""The lake: typed Parquet per dataset and business date, one file per ingested source file.

Layout: ``lake/<dataset>/business_date=YYYY-MM-DD/<source>-<sha16>.parquet`` (reference data
such as merchants: ``lake/<dataset>/snapshot/…``). A big file ingested in chunks adds one part
per further chunk: ``<source>-<sha16>-00001.parquet``, …. The file name is derived from the
source file's sha256, so writing the same input twice writes the same bytes to the same place
(re-runs are no-ops), and a superseded version can be found and set aside.

Files are first written under ``lake/_staging/<key>/`` and moved into place only once the whole
source file is accepted, so a file refused half-way (a bad chunk) leaves nothing in the lake.
Folders starting with ``_`` (``_manifest``, ``_staging``, ``_superseded``) are not datasets.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl

SUPERSEDED_DIR = "_superseded"
STAGING_DIR = "_staging"


def file_key(source: str, sha256: str) -> str:
    return f"{source}-{sha256[:16]}"


def part_name(key: str, part: int) -> str:
    """File name of chunk ``part`` of a source file (the first chunk is the plain key)."""
    return f"{key}.parquet" if part == 0 else f"{key}-{part:05d}.parquet"


PARTITION_COLUMNS = ("business_date", "statement_date", "payout_date", "expected_settlement_date")


def partition_column(frame: pl.DataFrame) -> str | None:
    """The date a table is partitioned by; None for reference data (merchants, customers)."""
    for col in PARTITION_COLUMNS:
        if col in frame.columns:
            return col
    return None


def write_table(
    lake: Path, dataset: str, frame: pl.DataFrame, key: str, part: int = 0
) -> list[Path]:
    """Write ``frame`` under ``lake`` partitioned by business date; returns the files written."""
    if frame.height == 0:
        return []
    col = partition_column(frame)
    name = part_name(key, part)
    if col is None:
        path = lake / dataset / "snapshot" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="zstd", statistics=True)
        return [path]
    written = []
    for (day,), piece in frame.partition_by(col, as_dict=True, maintain_order=True).items():
        label = day.isoformat() if day is not None else "unknown"
        path = lake / dataset / f"business_date={label}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        piece.write_parquet(path, compression="zstd", statistics=True)
        written.append(path)
    return written


class StagedWrite:
    """One source file's lake files, written under ``_staging`` and published all at once."""

    def __init__(self, lake: Path, key: str) -> None:
        self.lake = lake
        self.key = key
        self.root = lake / STAGING_DIR / key
        shutil.rmtree(self.root, ignore_errors=True)  # left over by an interrupted run
        self.files: list[Path] = []

    def write(self, dataset: str, frame: pl.DataFrame, part: int = 0) -> int:
        self.files += write_table(self.root, dataset, frame, self.key, part)
        return frame.height

    def publish(self) -> list[Path]:
        """Move the staged files into the lake (replacing same-named files); returns them."""
        out = []
        for path in self.files:
            target = self.lake / path.relative_to(self.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            out.append(target)
        self.discard()
        return out

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        staging = self.lake / STAGING_DIR
        if staging.exists() and not any(staging.iterdir()):
            staging.rmdir()
        self.files = []


def files_of(lake: Path, key: str) -> list[Path]:
    """Every current lake file of source file ``key`` (all datasets, partitions and parts)."""
    found: list[Path] = []
    for pattern in (f"{key}.parquet", f"{key}-[0-9][0-9][0-9][0-9][0-9].parquet"):
        found += [p for p in lake.glob(f"*/*/{pattern}") if not p.parts[-3].startswith("_")]
    return sorted(found)


def set_aside(lake: Path, key: str) -> int:
    """Move every lake file of an older version (``key``) under ``_superseded``; returns count."""
    moved = 0
    for path in files_of(lake, key):
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

"""Shared helpers of the ingestion tests: small worlds, sample files, lake fingerprints."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from pipelines.ingest import FileReport, IngestContext, ingest_bytes
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world

# The worlds of issue 3's acceptance: small, but every source, format and discrepancy kind.
WORLD = {"days": 3, "merchants": 20, "payments": 15_000, "seed": 7}
# Enough for one good file of every format (bad-input tests damage copies of them).
TINY_WORLD = {"days": 1, "merchants": 5, "payments": 2_000, "seed": 5, "clean": True}

# format -> (landing source, glob under landing/<source>/)
SAMPLES = {
    "razorpay_csv": ("razorpay", "*/*.csv"),
    "payu_csv": ("payu", "*/*.csv"),
    "ccavenue_csv": ("ccavenue", "*/*.csv"),
    "upi_switch_csv": ("upi_switch", "*/upi_switch_report_*.csv"),
    "upi_adjustment_csv": ("upi_switch", "*/upi_adjustment_*.csv"),
    "mt940": ("bank_icici", "*/*.sta"),
    "camt053": ("bank_axis", "*/*.xml"),
    "bank_csv": ("bank_hdfc", "*/*.csv"),
}


def build(out: Path, **overrides: object) -> Path:
    build_world(WorldConfig(**{**WORLD, **overrides}), out)  # type: ignore[arg-type]
    return out


def sample_files(landing: Path) -> dict[str, tuple[str, Path]]:
    """The biggest landing file of every format: format -> (source, path)."""
    out = {}
    for fmt, (source, pattern) in SAMPLES.items():
        files = sorted((landing / source).glob(pattern), key=lambda p: (p.stat().st_size, p))
        assert files, f"the world has no {fmt} file"
        out[fmt] = (source, files[-1])
    return out


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_accounting(reports: list[FileReport]) -> None:
    """Nothing lost: rows in = loaded + quarantined for every file, and the lake agrees."""
    for r in reports:
        assert r.rows_in == r.rows_loaded + r.rows_quarantined, r
        if r.outcome == "quarantined":
            assert r.rows_loaded == 0 and r.reasons, r


def ingest_one(
    data_dir: Path,
    data: bytes,
    *,
    source: str | None = "razorpay",
    name: str = "file.csv",
    landing_path: str | None = None,
    **ctx_args: object,
) -> FileReport:
    """Ingest one file's bytes as if it sat under ``landing/<source>/2026-11-02/<name>``."""
    ctx = IngestContext(data_dir=data_dir, run_gx=False, **ctx_args)  # type: ignore[arg-type]
    report = ingest_bytes(
        ctx,
        data,
        name=name,
        landing_path=landing_path or f"{source}/2026-11-02/{name}",
        source=source,
        folder_date=None,
    )
    ctx.manifest.save()
    assert_accounting([report])
    return report


def lake_rows(data_dir: Path, dataset: str) -> pl.DataFrame:
    files = sorted((data_dir / "lake" / dataset).glob("*/*.parquet"))
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed")


def quarantined_rows(data_dir: Path) -> pl.DataFrame:
    files = sorted((data_dir / "quarantine" / "rows").glob("*.parquet"))
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files])


def replace_line(data: bytes, line_no: int, column: str, value: str) -> bytes:
    """``data`` with one field of physical line ``line_no`` (header = 1) replaced (simple CSV)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header = rows[0]
    rows[line_no - 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")

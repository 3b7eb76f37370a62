"""The DuckDB warehouse's view of the lake, the manifest, quarantine and ingestion run reports.

Ingestion is the only writer here (DuckDB allows one writing process); the API and dashboards
open the warehouse ``read_only=True``. Lake datasets appear as views in schema ``lake`` so dbt
sources and analysts query them by name (``select * from lake.payu_settlement_lines``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import lake as lake_io
from pipelines.ingest import FileReport

REPORT_TABLE = "ingest.file_reports"


def _q(path: Path) -> str:
    return str(path).replace("'", "''")


def connect(warehouse: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(warehouse), read_only=read_only)


def refresh_views(con: duckdb.DuckDBPyConnection, data_dir: Path) -> list[str]:
    """(Re)create one view per lake dataset, plus the manifest and quarantined rows."""
    lake = data_dir / "lake"
    con.execute("create schema if not exists lake")
    con.execute("create schema if not exists ingest")
    names = lake_io.datasets(lake)
    for name in names:
        glob = _q(lake / name / "*" / "*.parquet")
        con.execute(
            f"create or replace view lake.{name} as select * from read_parquet('{glob}', "
            "hive_partitioning = false, union_by_name = true)"
        )
    manifest = lake / "_manifest" / "manifest.parquet"
    if manifest.exists():
        con.execute(
            f"create or replace view ingest.manifest as select * from read_parquet('{_q(manifest)}')"
        )
    rows = data_dir / "quarantine" / "rows"
    if rows.exists() and any(rows.glob("*.parquet")):
        con.execute(
            "create or replace view ingest.quarantined_rows as select * from "
            f"read_parquet('{_q(rows / '*.parquet')}', union_by_name = true)"
        )
    return names


def store_reports(con: duckdb.DuckDBPyConnection, reports: Iterable[FileReport]) -> int:
    """Append the run's per-file reports (skipped files are not a run's news)."""
    rows = [r.as_row() for r in reports if r.outcome != "skipped"]
    con.execute("create schema if not exists ingest")
    con.execute(
        f"""create table if not exists {REPORT_TABLE} (
            run_at timestamptz, landing_path varchar, source varchar, business_date date,
            sha256 varchar, size_bytes bigint, format varchar, outcome varchar, rows_in bigint,
            rows_loaded bigint, rows_quarantined bigint, reasons varchar, datasets varchar,
            duplicate_rows_flagged bigint, formula_cells_flagged bigint, gx_success boolean,
            message varchar)"""
    )
    if not rows:
        return 0
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        run_at=pl.lit(datetime.now(UTC))
    )
    con.register("_reports", frame.to_arrow())
    con.execute(f"insert into {REPORT_TABLE} by name select * from _reports")
    con.unregister("_reports")
    return len(rows)


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pl.DataFrame:
    """Run ``sql`` and return a polars frame (through Arrow: exact integers, no pandas)."""
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())  # type: ignore[return-value]

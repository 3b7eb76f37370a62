"""The DuckDB warehouse's view of the lake, the manifest, quarantine and ingestion run reports.

Ingestion is the only writer here (DuckDB allows one writing process); the API and dashboards
open the warehouse ``read_only=True``. Lake datasets appear as views in schema ``lake`` so dbt
sources and analysts query them by name (``select * from lake.payu_settlement_lines``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

import data_contracts
from pipelines import lake as lake_io
from pipelines import quarantine
from pipelines.ingest import FileReport
from pipelines.manifest import MANIFEST_SCHEMA

REPORT_TABLE = "ingest.file_reports"


def duckdb_type(dtype: pl.DataType) -> str:
    """The DuckDB type that Parquet written by polars gives a column of ``dtype``."""
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"  # type: ignore[arg-type]
    return {
        pl.String: "varchar",
        pl.Int64: "bigint",
        pl.Int32: "integer",
        pl.Int16: "smallint",
        pl.Int8: "tinyint",
        pl.Boolean: "boolean",
        pl.Date: "date",
        pl.Float64: "double",
    }.get(dtype.base_type(), "varchar")  # type: ignore[call-overload]


def empty_select(dataset: str, type_of=duckdb_type) -> str:  # type: ignore[no-untyped-def]
    """``select`` of no rows with the contract's columns and types."""
    schema = data_contracts.load_contract(dataset).polars_schema
    cols = ", ".join(f'cast(null as {type_of(t)}) as "{c}"' for c, t in schema.items())
    return f"select {cols} where false"


def _q(path: Path) -> str:
    return str(path).replace("'", "''")


def connect(warehouse: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(warehouse), read_only=read_only)


def refresh_views(con: duckdb.DuckDBPyConnection, data_dir: Path) -> list[str]:
    """(Re)create one view per lake dataset, plus the manifest and quarantined rows.

    Every dataset with a contract gets its view, typed by the contract and empty while no file
    has brought rows (a world without chargebacks still has ``lake.ledger_chargebacks``, so dbt
    sources resolve); ``ingest.manifest`` and ``ingest.quarantined_rows`` exist even while empty.
    Returns the datasets that have files in the lake.
    """
    # Absolute paths: the API, the dashboards and Airflow read this warehouse from other folders.
    lake = Path(data_dir).resolve() / "lake"
    con.execute("create schema if not exists lake")
    con.execute("create schema if not exists ingest")
    names = lake_io.datasets(lake)
    stale = {
        r[0]
        for r in con.execute(
            "select view_name from duckdb_views() where schema_name = 'lake' "
            "and database_name = current_database()"
        ).fetchall()
    } - set(names)
    contracts = set(data_contracts.list_datasets())
    for name in sorted(stale - contracts):
        con.execute(f'drop view if exists lake."{name}"')
    for name in sorted(contracts - set(names)):  # no file yet: empty, typed by its contract
        con.execute(f"create or replace view lake.{name} as {empty_select(name)}")
    for name in names:
        glob = _q(lake / name / "*" / "*.parquet")
        con.execute(
            f"create or replace view lake.{name} as select * from read_parquet('{glob}', "
            "hive_partitioning = false, union_by_name = true)"
        )
    manifest = lake / "_manifest" / "manifest.parquet"
    if manifest.exists():
        source = f"select * from read_parquet('{_q(manifest)}')"
    else:
        source = _empty_schema_select(MANIFEST_SCHEMA)
    con.execute(f"create or replace view ingest.manifest as {source}")
    rows = Path(data_dir).resolve() / "quarantine" / "rows"
    if rows.exists() and any(rows.glob("*.parquet")):
        source = f"select * from read_parquet('{_q(rows / '*.parquet')}', union_by_name = true)"
    else:
        source = _empty_schema_select(quarantine.ROW_SCHEMA)
    con.execute(f"create or replace view ingest.quarantined_rows as {source}")
    return names


def _empty_schema_select(schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> str:
    """Like ``empty_select``, for a schema that is not a contract's (manifest, quarantine)."""
    cols = ", ".join(f'cast(null as {duckdb_type(t)}) as "{c}"' for c, t in schema.items())  # type: ignore[arg-type]
    return f"select {cols} where false"


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

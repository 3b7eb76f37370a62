"""Copy the lake into Postgres (schema ``lake``) so the same dbt project runs on the server.

DuckDB reads the lake's Parquet directly; Postgres needs tables. Each dataset is recreated from
its Parquet files with ``COPY … FROM STDIN`` (binary-safe CSV), typed from the Parquet schema:
money stays BIGINT paise. Connection settings are the dbt profile's (HISAAB_PG_* variables).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl
import psycopg

from pipelines import lake as lake_io
from pipelines.recon import workflow

PG_TYPES = {
    pl.String: "text",
    pl.Int64: "bigint",
    pl.Int32: "integer",
    pl.Int16: "smallint",
    pl.Int8: "smallint",
    pl.UInt32: "bigint",
    pl.Boolean: "boolean",
    pl.Date: "date",
    pl.Float64: "double precision",
    pl.Float32: "real",
}


def conninfo() -> str:
    return (
        f"host={os.environ.get('HISAAB_PG_HOST', '127.0.0.1')} "
        f"port={os.environ.get('HISAAB_PG_PORT', '5432')} "
        f"user={os.environ.get('HISAAB_PG_USER', 'postgres')} "
        f"dbname={os.environ.get('HISAAB_PG_DATABASE', 'test')}"
        + (
            f" password={os.environ['HISAAB_PG_PASSWORD']}"
            if os.environ.get("HISAAB_PG_PASSWORD")
            else ""
        )
    )


def schema_prefix() -> str:
    return ""


def _pg_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    for k, v in PG_TYPES.items():
        if dtype == k:
            return v
    return "text"


def load_lake(data_dir: Path) -> list[str]:
    """Recreate ``lake.<dataset>`` for every lake dataset; returns the dataset names."""
    lake = data_dir / "lake"
    names = lake_io.datasets(lake)
    with psycopg.connect(conninfo(), autocommit=False) as con:
        con.execute("create schema if not exists lake")
        con.execute("create schema if not exists workflow")
        for stmt in workflow.DDL[1:]:
            con.execute(stmt.replace("timestamptz", "timestamptz"))
        for name in names:
            frame = pl.read_parquet(lake / name / "*" / "*.parquet", hive_partitioning=False)
            frame = frame.with_columns(
                [
                    pl.col(c).cast(pl.String)
                    for c, t in frame.schema.items()
                    if isinstance(t, pl.List | pl.Struct)
                ]
            )
            cols = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in frame.schema.items())
            con.execute(f'drop table if exists lake."{name}" cascade')
            con.execute(f'create table lake."{name}" ({cols})')
            buf = io.BytesIO()
            frame.write_csv(
                buf,
                include_header=False,
                null_value="\\N",
                datetime_format="%Y-%m-%dT%H:%M:%S%.6f%z",
            )
            with con.cursor().copy(
                f"copy lake.\"{name}\" from stdin with (format csv, null '\\N')"
            ) as copy:
                copy.write(buf.getvalue())
        con.commit()
    return names


def query(sql: str) -> pl.DataFrame:
    with psycopg.connect(conninfo()) as con:
        cur = con.execute(sql)
        cols = [d.name for d in cur.description or []]
        return pl.DataFrame(cur.fetchall(), schema=cols, orient="row")

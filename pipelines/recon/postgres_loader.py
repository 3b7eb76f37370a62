"""Copy the lake into Postgres (schema ``lake``) so the same dbt project runs on the server.

DuckDB reads the lake's Parquet directly (views in ``pipelines.warehouse``); Postgres needs
tables. Each dataset is read by DuckDB exactly as those views read it (``union_by_name``), typed
from DuckDB's own column types — money stays BIGINT paise, timestamps stay ``timestamptz`` — and
copied with ``COPY … FROM STDIN`` (CSV written by DuckDB). Lists and structs become ``jsonb``.

A dataset with a contract but no file yet (a world without chargebacks) becomes an empty table
typed by its contract, as its DuckDB view does, so every dbt source exists on both engines.

Connection settings are the dbt profile's (``HISAAB_PG_*`` variables), so a test can point both
at a database of its own with ``HISAAB_PG_DATABASE``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import psycopg

import data_contracts
from pipelines import lake as lake_io
from pipelines.recon import workflow

# DuckDB column type -> Postgres column type. Anything absent (LIST, STRUCT, MAP) is jsonb.
PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "HUGEINT": "numeric(38, 0)",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BLOB": "bytea",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
# A contract's polars type -> Postgres column type, for datasets with no file yet.
PG_TYPES_OF_POLARS = {
    pl.String: "text",
    pl.Int64: "bigint",
    pl.Int32: "integer",
    pl.Int16: "smallint",
    pl.Int8: "smallint",
    pl.Boolean: "boolean",
    pl.Date: "date",
    pl.Float64: "double precision",
    pl.Float32: "real",
}


def conninfo(dbname: str | None = None) -> str:
    parts = {
        "host": os.environ.get("HISAAB_PG_HOST", "127.0.0.1"),
        "port": os.environ.get("HISAAB_PG_PORT", "5432"),
        "user": os.environ.get("HISAAB_PG_USER", "postgres"),
        "dbname": dbname or os.environ.get("HISAAB_PG_DATABASE", "test"),
    }
    if os.environ.get("HISAAB_PG_PASSWORD"):
        parts["password"] = os.environ["HISAAB_PG_PASSWORD"]
    return " ".join(f"{k}={v}" for k, v in parts.items())


def schema_prefix() -> str:
    """Prefix of the dbt schemas (staging, intermediate, marts): none, isolate by database."""
    return ""


def pg_type(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t in PG_TYPES:
        return PG_TYPES[t]
    m = _DECIMAL.fullmatch(t)
    if m:
        return f"numeric({m.group(1)}, {m.group(2)})"
    return "jsonb"


def pg_type_of_polars(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    if isinstance(dtype, pl.List | pl.Struct | pl.Array):
        return "jsonb"
    return PG_TYPES_OF_POLARS.get(dtype.base_type(), "text")  # type: ignore[call-overload]


def _select_list(columns: list[tuple[str, str]]) -> str:
    out = []
    for name, typ in columns:
        q = '"' + name.replace('"', '""') + '"'
        out.append(f"cast(to_json({q}) as varchar) as {q}" if pg_type(typ) == "jsonb" else q)
    return ", ".join(out)


def load_lake(data_dir: Path) -> list[str]:
    """Recreate ``lake.<dataset>`` for every lake dataset; returns the dataset names."""
    lake = Path(data_dir) / "lake"
    names = lake_io.datasets(lake)
    duck = duckdb.connect()
    duck.execute("set TimeZone = 'UTC'")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="hisaab-pg-") as tmp,
            psycopg.connect(conninfo(), autocommit=False) as con,
        ):
            con.execute("create schema if not exists lake")
            for stmt in workflow.DDL:
                con.execute(stmt)
            for name in names:
                glob = str(lake / name / "*" / "*.parquet").replace("'", "''")
                source = f"read_parquet('{glob}', hive_partitioning = false, union_by_name = true)"
                columns = [
                    (r[0], r[1])
                    for r in duck.execute(f"describe select * from {source}").fetchall()
                ]
                csv = Path(tmp) / f"{name}.csv"
                duck.execute(
                    f"copy (select {_select_list(columns)} from {source}) to "
                    f"'{str(csv).replace(chr(39), chr(39) * 2)}' "
                    "(format csv, header false, nullstr '\\N')"
                )
                ddl = ", ".join(f'"{c}" {pg_type(t)}' for c, t in columns)
                con.execute(f'drop table if exists lake."{name}" cascade')
                con.execute(f'create table lake."{name}" ({ddl})')
                with (
                    con.cursor().copy(
                        f"copy lake.\"{name}\" from stdin with (format csv, null '\\N')"
                    ) as copy,
                    csv.open("rb") as fh,
                ):
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            for name in sorted(set(data_contracts.list_datasets()) - set(names)):
                schema = data_contracts.load_contract(name).polars_schema
                ddl = ", ".join(f'"{c}" {pg_type_of_polars(t)}' for c, t in schema.items())
                con.execute(f'drop table if exists lake."{name}" cascade')
                con.execute(f'create table lake."{name}" ({ddl})')
            con.commit()
    finally:
        duck.close()
    return names


def load_workflow(oltp_url: str) -> int | None:
    """Copy the OLTP's break decisions into ``workflow.break_status`` / ``break_events`` on the
    server, as ``workflow.refresh_from_oltp`` does for DuckDB, so dbt's join by ``break_id``
    sees finance's decisions on either engine. Returns the decisions copied (``None``: no OLTP
    workflow yet; the server's copy is then left as it is)."""
    decisions = workflow.oltp_decisions(oltp_url)
    if decisions is None:
        return None
    statuses, events = decisions
    with psycopg.connect(conninfo(), autocommit=False) as con:
        for stmt in workflow.DDL:
            con.execute(stmt)
        con.execute("delete from workflow.break_status")
        con.execute("delete from workflow.break_events")
        with con.cursor() as cur:
            if statuses:
                cur.executemany(
                    "insert into workflow.break_status values (%s, %s, %s, %s, %s, %s)", statuses
                )
            if events:
                cur.executemany(
                    "insert into workflow.break_events values (%s, %s, %s, %s, %s, %s, %s, %s)",
                    events,
                )
        con.commit()
    return len(statuses)


def query(sql: str) -> pl.DataFrame:
    with psycopg.connect(conninfo()) as con:
        cur = con.execute(sql)
        cols = [d.name for d in cur.description or []]
        return pl.DataFrame(cur.fetchall(), schema=cols, orient="row")

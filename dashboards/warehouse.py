"""Read-only, cached queries on the DuckDB warehouse for the dashboard pages.

Every query opens the warehouse with ``read_only=True`` (the batch owns the only writer) and is
cached with ``st.cache_data`` keyed by the file's path and modification time, so a rebuilt
warehouse is picked up on the next rerun and an unchanged one is not read twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards.config import warehouse_path


class NotBuilt(LookupError):
    """The warehouse or one of its tables does not exist yet; the message says what to run."""


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False, ttl=600, max_entries=256)
def _query(path: str, _stamp_value: float, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql, list(params)).df()


def query(sql: str, params: tuple[Any, ...] = (), *, hint: str = "hisaab recon") -> pd.DataFrame:
    """Run a read-only query; ``NotBuilt`` (naming the command to run) when data is missing."""
    path = warehouse_path()
    if not path.exists():
        raise NotBuilt(f"No warehouse at {path}. Run `make demo` (or `{hint}`) first.")
    try:
        return _query(str(path), _stamp(path), sql, params)
    except duckdb.CatalogException as exc:
        raise NotBuilt(
            f"Not in the warehouse yet ({exc.args[0].splitlines()[0]}). Run `{hint}`."
        ) from None
    except duckdb.IOException as exc:
        raise NotBuilt(f"The warehouse is busy or unreadable ({exc}); try again shortly.") from None


def has_table(name: str) -> bool:
    schema, table = name.split(".")
    try:
        frame = query(
            "select count(*) as n from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            (schema, table),
        )
    except NotBuilt:
        return False
    return bool(frame["n"].iloc[0])

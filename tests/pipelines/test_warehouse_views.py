"""The warehouse's lake views are read by other processes from other folders (the API, the
dashboards, Airflow workers): a data dir given as a relative path must not leave relative globs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import warehouse as wh


def test_lake_views_made_from_a_relative_data_dir_read_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = tmp_path / "world" / "data" / "lake" / "ledger_transfers" / "business_date=2026-11-02"
    day.mkdir(parents=True)
    pl.DataFrame({"transfer_id": ["t1", "t2"], "amount_paise": [100, 250]}).write_parquet(
        day / "part.parquet"
    )
    monkeypatch.chdir(tmp_path / "world")
    with wh.connect(Path("data") / "warehouse.duckdb") as con:
        wh.refresh_views(con, Path("data"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with duckdb.connect(str(tmp_path / "world" / "data" / "warehouse.duckdb"), True) as con:
        total = con.execute("select sum(amount_paise) from lake.ledger_transfers").fetchone()
    assert total == (350,)

"""The AML daily DAG with ``dag.test()``: the same alerts as the batch the CLI runs, published to
the case database, and a re-run that changes nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

from pipelines import warehouse
from pipelines.extract import extract_books
from risk.aml.batch import run_batch
from risk.aml.sanctions_list import load_list
from risk.aml.screening import CANDIDATES_SQL, screen_parties
from tests.dags.conftest import build_world, run_dags


def _published(data_dir: Path) -> dict[str, list[str]]:
    engine = create_engine(f"sqlite:///{data_dir / 'hisaab.sqlite3'}")
    with engine.connect() as con:
        rows = con.execute(
            text("select source, alert_id from aml_alerts order by source, alert_id")
        ).all()
    engine.dispose()
    out: dict[str, list[str]] = {}
    for source, alert_id in rows:
        out.setdefault(source, []).append(alert_id)
    return out


def test_the_aml_dag_publishes_the_alerts_the_batch_and_screening_raise_for_the_day(
    airflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(tmp_path / "world")
    extract_books(world, run_gx=False)
    cli_dir = tmp_path / "cli-data"
    shutil.copytree(world, cli_dir)
    monkeypatch.setenv("HISAAB_DATA_DIR", str(world))
    monkeypatch.delenv("HISAAB_WAREHOUSE_PATH", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    # What the CLI path raises for the latest day of the lake, on a copy of the same world.
    with warehouse.connect(cli_dir / "warehouse.duckdb") as con:
        warehouse.refresh_views(con, cli_dir)
        day = con.execute("select max(business_date) from lake.ledger_transfers").fetchall()[0][0]
        assert isinstance(day, date)
        batch = run_batch(con, day, day)
        import polars as pl

        candidates = pl.from_arrow(con.sql(CANDIDATES_SQL).to_arrow_table())
    assert isinstance(candidates, pl.DataFrame)
    screened = screen_parties(candidates, load_list())
    expected_screening = screened.filter("is_hit").height
    assert expected_screening > 0, "the simulator plants sanctioned names: screening must hit"

    run = {"dag_id": "hisaab_aml_daily", "conf": {"business_date": day.isoformat()}}
    result = run_dags([run, run], tmp_path / "aml.json")  # the second run is a re-run
    assert result["import_errors"] == {}
    for r in result["runs"]:
        assert r["state"] == "success", r
        assert set(r["tasks"].values()) == {"success"}, r

    published = _published(world)
    assert published.get("monitoring", []) == sorted(batch.alerts["alert_id"].to_list())
    assert len(published.get("screening", [])) == expected_screening
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        stored = con.execute(
            "select count(*) from aml.rule_hits where business_date = ?", [day]
        ).fetchall()[0][0]
    assert stored == batch.hits.height
    events = [e for e in result["asset_events"] if e["asset"] == "aml.alerts"]
    assert len(events) == 2 and events[-1]["extra"]["new"] == 0  # the re-run adds nothing
    assert events[0]["extra"]["alerts"] == batch.alerts.height + expected_screening

"""The daily DAGs end to end with ``dag.test()``: the same marts and breaks as ``hisaab recon``,
and a file that fails its contract fails only its own source's task."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import orchestration as orch
from pipelines.extract import extract_books
from pipelines.ingest import ingest_landing
from pipelines.recon.runner import SUMMARY_SQL, run_recon
from pipelines.warehouse import query_frame
from tests.dags.conftest import build_world, finish_dags, landing_dates, run_dags, start_dags

# Backfill-style runs: a source with no file that day is skipped at once instead of waited for,
# and Great Expectations is left out (the contracts' row rules still apply; the CLI path below
# runs the same way).
FAST = {"wait_for_files": False, "run_gx": False}
HOURS = {"gateways": "09:00", "upi": "23:00", "bank": "23:00"}


def _mart_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            m: con.sql(f"select count(*) from marts.{m}").fetchall()[0][0]
            for m in orch.mart_names()
        }


def _lake_rows(data_dir: Path) -> dict[str, int]:
    lake = data_dir / "lake"
    return {
        d.name: pl.scan_parquet(d / "*" / "*.parquet").select(pl.len()).collect().item()
        for d in sorted(lake.iterdir())
        if d.is_dir() and not d.name.startswith("_")
    }


def _breaks_by_kind(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = query_frame(con, SUMMARY_SQL["breaks_by_kind"].format(schema="marts"))
    return dict(frame.select("kind", "breaks").iter_rows())


def test_the_daily_dags_build_the_same_marts_and_breaks_as_hisaab_recon(
    airflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(tmp_path / "world")
    dag_dir, cli_dir = tmp_path / "airflow-data", tmp_path / "cli-data"
    for d in (dag_dir, cli_dir):
        shutil.copytree(world, d)
    monkeypatch.setenv("HISAAB_DATA_DIR", str(dag_dir))
    monkeypatch.delenv("HISAAB_WAREHOUSE_PATH", raising=False)

    # Every family's DAG for every landing date of the world, the books, then the recon.
    runs: list[dict[str, object]] = []
    for family, sources in orch.FAMILIES.items():
        for day in landing_dates(world, list(sources)):
            runs.append(
                {
                    "dag_id": f"hisaab_ingest_{family}",
                    "logical_date": f"{day}T{HOURS[family]}:00+05:30",
                    "conf": FAST,
                }
            )
    last_day = max(str(r["logical_date"])[:10] for r in runs)
    runs.append(
        {
            "dag_id": "hisaab_ledger_extract",
            "logical_date": f"{last_day}T00:30:00+05:30",
            "conf": {"run_gx": False},
        }
    )
    runs.append({"dag_id": "hisaab_recon", "logical_date": f"{last_day}T23:30:00+05:30"})
    airflow = start_dags(runs, tmp_path / "runs.json")

    # Meanwhile, the CLI's path on an identical copy of the world: ingest, extract, recon.
    ingest_landing(cli_dir, run_gx=False)
    extract_books(cli_dir, run_gx=False)
    cli = run_recon(cli_dir, cli_dir / "warehouse.duckdb")
    assert cli.dbt.success, cli.dbt.failures[:5]

    result = finish_dags(airflow, tmp_path / "runs.json")
    assert result["import_errors"] == {}
    for run in result["runs"]:
        failed = {t: s for t, s in run["tasks"].items() if s not in ("success", "skipped")}
        assert run["state"] == "success" and not failed, (
            run["dag_id"],
            run["logical_date"],
            failed,
        )
    recon = result["runs"][-1]
    assert any(t.startswith("dbt.") for t in recon["tasks"])  # the models ran as tasks
    print("seconds per DAG run:", [(r["dag_id"], r["seconds"]) for r in result["runs"]])

    warehouse = dag_dir / "warehouse.duckdb"
    counts = _mart_counts(warehouse)
    assert counts == _mart_counts(cli_dir / "warehouse.duckdb")
    for mart in ("fct_payin_recon", "fct_upi_recon", "fct_settlement_recon", "fct_recon_breaks"):
        assert counts[mart] > 0, (mart, counts)
    # The DAGs ingested exactly what the CLI did, dataset by dataset.
    assert _lake_rows(dag_dir) == _lake_rows(cli_dir)

    # An asset event per lake dataset a task wrote and per mart, with what it carried.
    events = result["asset_events"]
    written: dict[str, int] = {}
    for e in events:
        if e["asset"].startswith("lake."):
            written[e["asset"]] = written.get(e["asset"], 0) + e["extra"]["rows_written"]
    lake = _lake_rows(dag_dir)
    for dataset, rows in lake.items():
        assert written.get(f"lake.{dataset}") == rows, (dataset, written, lake)
    marts = {e["asset"]: e["extra"]["rows"] for e in events if e["asset"].startswith("marts.")}
    assert marts == {f"marts.{m}": n for m, n in counts.items()}

    assert cli.breaks_by_kind is not None
    cli_breaks = dict(cli.breaks_by_kind.select("kind", "breaks").iter_rows())
    assert _breaks_by_kind(warehouse) == cli_breaks
    assert sum(cli_breaks.values()) > 0


def test_a_file_failing_its_contract_fails_only_its_sources_task(
    airflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = build_world(tmp_path / "world")
    monkeypatch.setenv("HISAAB_DATA_DIR", str(data_dir))
    monkeypatch.delenv("HISAAB_WAREHOUSE_PATH", raising=False)
    day = landing_dates(data_dir, ["payu"])[0]
    (payu_file,) = (data_dir / "landing" / "payu" / day).iterdir()
    # The PayU settlement file, saved as UTF-16 by a spreadsheet: refused whole by its contract.
    payu_file.write_bytes(payu_file.read_text("utf-8").encode("utf-16"))
    run = {"dag_id": "hisaab_ingest_gateways", "logical_date": f"{day}T09:00:00+05:30"}
    # The day's run, then a re-run of the same logical date: the manifest makes it a no-op, and
    # the quarantined file still fails its task.
    result = run_dags([{**run, "conf": FAST}, {**run, "conf": FAST}], tmp_path / "runs.json")

    for attempt in result["runs"]:
        assert attempt["state"] == "failed"  # the operator sees a failed run…
        assert attempt["tasks"] == {  # …with exactly one failed task
            "wait_razorpay": "success",
            "ingest_razorpay": "success",
            "wait_payu": "success",
            "ingest_payu": "failed",
            "wait_ccavenue": "success",
            "ingest_ccavenue": "success",
        }, attempt["tasks"]
    # Which file, which rule, in the task log and in the failure callback's one-line summary.
    rel = f"payu/{day}/{payu_file.name}"
    log = result["log"]
    assert f"QUARANTINED {rel}" in log
    assert "HISAAB TASK FAILED dag=hisaab_ingest_gateways task=ingest_payu" in log
    assert log.count("HISAAB TASK FAILED") == 2  # once per run: only payu's task
    # The file sits in quarantine with its reason; nothing of it reached the lake.
    (held,) = (data_dir / "quarantine" / "files" / "payu").iterdir()
    reason = json.loads((held / "reason.json").read_text())
    assert (held / payu_file.name).read_bytes() == payu_file.read_bytes()
    assert f"{rel}: {reason['reason_code']}" in log
    lake = data_dir / "lake"
    assert not (lake / "payu_settlement_lines").exists()
    # The other gateways' data flowed: their lines are in the lake and the warehouse.
    for dataset in ("razorpay_settlement_lines", "ccavenue_settlement_lines"):
        assert list((lake / dataset).rglob("*.parquet")), dataset
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        reports = dict(
            con.sql("select source, max(outcome) from ingest.file_reports group by 1").fetchall()
        )
        rows = con.sql("select count(*) from lake.razorpay_settlement_lines").fetchall()[0][0]
    assert reports == {"payu": "quarantined", "razorpay": "loaded", "ccavenue": "loaded"}
    assert rows > 0

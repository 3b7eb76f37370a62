"""Every DAG file loads without import errors, and does no heavy work at module level."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import orchestration as orch
from pipelines.extract import BOOK_DATASETS
from pipelines.formats import SOURCE_FAMILIES
from tests.dags.conftest import DAGS, REPO, run_dags

DAG_FILES = sorted(p for p in DAGS.glob("*.py") if p.name != "hisaab_common.py")
EXPECTED_DAGS = {
    "hisaab_ingest_gateways",
    "hisaab_ingest_upi",
    "hisaab_ingest_bank",
    "hisaab_ledger_extract",
    "hisaab_recon",
    "hisaab_aml_daily",
}
IMPORT_BUDGET_S = 2.0

# Like Airflow's DAG processor: a parent process loads the frameworks (the processor pre-imports
# what DAG files import), then each DAG file is imported in a fresh child forked from it, timed.
TIMER = r"""
import importlib.util, json, os, sys, time
sys.path.insert(0, sys.argv[1])  # the DAGs folder is on sys.path in Airflow (the bundle path)
import airflow.sdk, airflow.sdk.exceptions, airflow.providers.standard.decorators.sensor
import cosmos, cosmos.constants
from airflow.sdk import DAG, Asset, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
for path in sys.argv[2:]:
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        w0, c0 = time.perf_counter(), time.process_time()
        spec = importlib.util.spec_from_file_location("dag_file_under_test", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        heavy = [m for m in ("polars", "duckdb", "great_expectations", "dbt.cli.main") if m in sys.modules]
        dags = sorted(v.dag_id for v in vars(module).values() if isinstance(v, DAG))
        print("TIMING " + json.dumps({"file": os.path.basename(path), "wall": wall, "cpu": cpu, "heavy": heavy, "dags": dags}), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0, (path, status)
"""


def test_the_shared_module_is_ignored_and_every_dag_file_imports_from_airflow_sdk() -> None:
    assert (DAGS / ".airflowignore").read_text().count("hisaab_common.py") == 1
    for path in DAG_FILES:
        text = path.read_text()
        # Airflow's safe mode parses only files that mention both words.
        assert "from airflow.sdk import" in text and "dag" in text.lower(), path.name


def test_the_source_families_cover_every_landing_source_and_the_books() -> None:
    landing = {s for s in SOURCE_FAMILIES if s != "bank_upload"}  # uploads: `hisaab ingest -f`
    assert {s for sources in orch.FAMILIES.values() for s in sources} == landing
    assert set(orch.LEDGER_DATASETS) == set(BOOK_DATASETS.values())
    assert orch.mart_names(), "no marts found under dbt/models/marts"


def test_every_dag_loads_in_a_dagbag_without_import_errors(
    airflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HISAAB_AIRFLOW_RETRIES")  # the production default
    result = run_dags([], tmp_path / "dagbag.json")
    assert result["import_errors"] == {}
    dags = result["dags"]
    assert set(dags) == EXPECTED_DAGS
    for dag_id, info in dags.items():
        # retries with exponential backoff; a sensor's timeout means the file is missing: no retry
        for task_id, retries in info["retries"].items():
            assert retries == (0 if task_id.startswith("wait_") else 2), (dag_id, task_id)
        assert info["backoff"] == [2.0], dag_id
        assert "log_failure" in info["failure_callbacks"], dag_id
    recon = dags["hisaab_recon"]
    assert recon["timetable"] == "AssetTriggeredTimetable"
    assert recon["pools"] == [orch.WRITER_POOL]  # every task: refresh, each dbt model, publish
    assert {f"marts.{m}" for m in orch.mart_names()} == set(recon["outlets"])
    assert len([t for t in recon["tasks"] if t.startswith("dbt.")]) >= len(orch.mart_names())
    for family, sources in orch.FAMILIES.items():
        info = dags[f"hisaab_ingest_{family}"]
        assert info["tasks"] == [x for s in sources for x in (f"wait_{s}", f"ingest_{s}")]
        assert set(info["outlets"]) == {f"lake.{d}" for ds in sources.values() for d in ds}
    assert set(dags["hisaab_ledger_extract"]["outlets"]) == {
        f"lake.{d}" for d in orch.LEDGER_DATASETS
    }
    aml = dags["hisaab_aml_daily"]
    # the books' transfers extracted → rules and score, screening, alerts into the case DB
    assert aml["tasks"] == ["monitor", "screen", "publish_alerts"]
    assert aml["timetable"] == "AssetTriggeredTimetable"
    assert aml["pools"] == [orch.WRITER_POOL]  # all of them touch the DuckDB warehouse
    assert aml["outlets"] == ["aml.alerts"]


def test_each_dag_file_imports_in_under_two_seconds(airflow_env: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", TIMER, str(DAGS), *map(str, DAG_FILES)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    timings = {
        t["file"]: t
        for t in (
            json.loads(line.removeprefix("TIMING "))
            for line in proc.stdout.splitlines()
            if line.startswith("TIMING ")
        )
    }
    print("DAG file imports:", json.dumps(timings, indent=1))
    assert set(timings) == {p.name for p in DAG_FILES}
    assert {d for t in timings.values() for d in t["dags"]} == EXPECTED_DAGS
    for name, t in timings.items():
        assert t["heavy"] == [], f"{name} imports {t['heavy']} at module level"
        # CPU time of the child: the DAG file's own work, whatever else runs on the machine.
        assert t["cpu"] < IMPORT_BUDGET_S, f"{name} took {t['cpu']:.2f} s of CPU to import"

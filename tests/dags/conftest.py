"""Fixtures for the DAG tests: a migrated Airflow home, a dbt manifest, a small simulated world.

Airflow reads ``AIRFLOW_HOME`` and its configuration once per process, so everything Airflow runs
in subprocesses (``airflow db migrate``, ``python -m tests.dags.dag_runner``) under the
environment each test sets with ``monkeypatch``; the pytest worker itself never imports Airflow.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
BIN = Path(sys.executable).parent
# The small world every test here uses: one day, 10 merchants, 3,000 payment attempts.
WORLD = {"days": 1, "merchants": 10, "payments": 3_000, "seed": 42}


def _base_env(mp: pytest.MonkeyPatch, home: Path, manifest: Path, pycache: Path) -> None:
    mp.setenv("AIRFLOW_HOME", str(home))
    mp.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    mp.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS))
    mp.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    mp.setenv("AIRFLOW__COSMOS__CACHE_DIR", str(home / "cosmos"))
    mp.setenv("AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS", "False")
    mp.setenv("HISAAB_DBT_MANIFEST", str(manifest))
    mp.setenv("DO_NOT_TRACK", "1")
    mp.setenv("SCARF_ANALYTICS", "false")
    # This environment ships the venv without .pyc files and sets PYTHONDONTWRITEBYTECODE, so
    # every fresh interpreter would compile Airflow, dbt and cosmos from source (~10 s of CPU).
    # Let the subprocesses cache their bytecode outside the venv, in pytest's cache folder.
    mp.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    mp.setenv("PYTHONPYCACHEPREFIX", str(pycache))


def run(cmd: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` from the repo root under the current (monkeypatched) environment."""
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def airflow_template(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Path]:
    """An Airflow home migrated once per session (``airflow db migrate``, SQLite), and the dbt
    manifest the recon DAG renders from, built side by side."""
    base = tmp_path_factory.mktemp("airflow-template")
    home, manifest = base / "home", base / "dbt" / "manifest.json"
    home.mkdir()
    pycache = Path(request.config.cache.mkdir("dags-pycache"))
    with pytest.MonkeyPatch.context() as mp:
        _base_env(mp, home, manifest, pycache)
        migrate = subprocess.Popen(
            [str(BIN / "airflow"), "db", "migrate"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        parse = run(
            [
                sys.executable,
                "-c",
                "from pipelines.orchestration import write_dbt_manifest; write_dbt_manifest()",
            ]
        )
        out, _ = migrate.communicate(timeout=600)
    assert migrate.returncode == 0, out[-3000:]
    assert parse.returncode == 0 and manifest.exists(), parse.stderr[-3000:]
    return {"home": home, "manifest": manifest, "pycache": pycache}


@pytest.fixture
def airflow_env(
    airflow_template: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """This test's own copy of the migrated Airflow home, and the environment pointing at it."""
    home = tmp_path / "airflow"
    shutil.copytree(airflow_template["home"], home)
    _base_env(monkeypatch, home, airflow_template["manifest"], airflow_template["pycache"])
    monkeypatch.setenv("HISAAB_AIRFLOW_RETRIES", "0")  # a failing task fails now, not in minutes
    return home


def build_world(out: Path) -> Path:
    """The small simulated world (landing files and books), as ``hisaab simulate`` writes it."""
    from pipelines.simulator.config import WorldConfig
    from pipelines.simulator.world import build_world as build

    build(WorldConfig(**WORLD), out)  # type: ignore[arg-type]
    _seed_empty_ledger_datasets(out)
    return out


def _seed_empty_ledger_datasets(data_dir: Path) -> None:
    """Give a books dataset with no rows in this world an empty, typed lake file.

    Workaround: a one-day world has no chargebacks in the books (disputes come days later), no
    ``lake.ledger_chargebacks`` view is created for a dataset without files, and ``dbt build``
    then fails on ``stg_ledger__chargebacks`` on the CLI path and the Airflow path alike. Until
    the warehouse gives every contract dataset a view, both data dirs get the same empty file.
    """
    import data_contracts
    from pipelines.extract import BOOK_DATASETS

    for table, dataset in BOOK_DATASETS.items():
        if any((data_dir / "books" / table).rglob("*.parquet")):
            continue
        path = data_dir / "lake" / dataset / "snapshot" / "empty-seeded-by-test.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        schema = data_contracts.load_contract(dataset).polars_schema
        pl.DataFrame(schema=schema).write_parquet(path)


def landing_dates(data_dir: Path, sources: list[str]) -> list[str]:
    """The landing folder dates (YYYY-MM-DD) any of ``sources`` has files for."""
    return sorted(
        {
            d.name
            for s in sources
            for d in (data_dir / "landing" / s).glob("*")
            if d.is_dir() and any(d.iterdir())
        }
    )


def run_dags(runs: list[dict[str, object]], out: Path, timeout: float = 900) -> dict:  # type: ignore[type-arg]
    """``dag.test()`` each run in order, in one fresh interpreter; returns what it reported."""
    plan = {"runs": runs, "out": str(out)}
    proc = run([sys.executable, "-m", "tests.dags.dag_runner", json.dumps(plan)], timeout)
    (out.parent / f"{out.stem}.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0 and out.exists(), (proc.stdout + proc.stderr)[-6000:]
    result = json.loads(out.read_text())
    result["log"] = proc.stdout + proc.stderr
    return result


def start_dags(runs: list[dict[str, object]], out: Path) -> subprocess.Popen[str]:
    """``run_dags`` in the background (so the test can do other work meanwhile)."""
    plan = {"runs": runs, "out": str(out)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.dags.dag_runner", json.dumps(plan)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish_dags(proc: subprocess.Popen[str], out: Path, timeout: float = 900) -> dict:  # type: ignore[type-arg]
    log, _ = proc.communicate(timeout=timeout)
    (out.parent / f"{out.stem}.log").write_text(log)
    assert proc.returncode == 0 and out.exists(), log[-6000:]
    result = json.loads(out.read_text())
    result["log"] = log
    return result

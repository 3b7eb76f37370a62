"""Run the dbt project (``dbt/``) for a recon: same function for the CLI, Airflow and tests.

dbt runs in-process through ``dbtRunner``; the warehouse path and the target come from the
settings, so the project's ``profiles.yml`` needs no editing. DuckDB allows one writer: nothing
else may hold the warehouse open for writing while this runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"


@dataclass
class DbtResult:
    success: bool
    results: list[dict[str, str]] = field(default_factory=list)  # node, status, message

    @property
    def failures(self) -> list[dict[str, str]]:
        return [r for r in self.results if r["status"] not in ("success", "pass", "skipped")]


def dbt_env(warehouse: Path, target: str = "duckdb") -> dict[str, str]:
    return {
        "HISAAB_WAREHOUSE_PATH": str(Path(warehouse).resolve()),
        "HISAAB_DBT_TARGET": target,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }


def _release_duckdb() -> None:
    """Close the warehouse file dbt-duckdb keeps open in this process after a run.

    Without this the same process (a test, an Airflow task, `hisaab recon` printing its summary)
    cannot open the warehouse read-only afterwards: DuckDB refuses a second configuration.
    """
    import gc

    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
        from dbt.adapters.factory import cleanup_connections
    except ImportError:  # dbt-duckdb not installed: nothing to release
        return
    cleanup_connections()
    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def run_dbt(
    args: list[str],
    warehouse: Path,
    target: str = "duckdb",
    as_of: date | None = None,
    quiet: bool = True,
) -> DbtResult:
    """Invoke ``dbt <args>`` on the project; returns per-node statuses."""
    from dbt.cli.main import dbtRunner

    old = {k: os.environ.get(k) for k in dbt_env(warehouse, target)}
    os.environ.update(dbt_env(warehouse, target))
    try:
        cli = [
            *args,
            "--project-dir", str(DBT_DIR),
            "--profiles-dir", str(DBT_DIR),
            "--target", target,
        ]  # fmt: skip
        if as_of is not None:
            cli += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
        if quiet:
            cli = ["--quiet", "--no-use-colors", *cli]
        res = dbtRunner().invoke(cli)
    finally:
        _release_duckdb()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    results = []
    for r in getattr(res.result, "results", None) or []:
        results.append(
            {
                "node": getattr(r.node, "unique_id", str(r.node)),
                "status": str(r.status),
                "message": str(r.message or ""),
            }
        )
    if res.exception is not None:
        results.append({"node": "dbt", "status": "error", "message": str(res.exception)})
    return DbtResult(success=bool(res.success), results=results)

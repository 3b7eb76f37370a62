"""Run Hisaab DAGs with ``dag.test()`` in a process of their own (``python -m tests.dags.dag_runner``).

Airflow's configuration and ORM are process-wide and fixed at import from ``AIRFLOW_HOME``, so
the tests run DAGs here, in a fresh interpreter under the environment the test set, rather than
in the pytest worker. Input: a JSON plan ``{"runs": [{"dag_id", "logical_date", "conf"}], "out"}``.
Output (to ``out``): per run the DAG run's state, every task's state and the seconds it took.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from pipelines.orchestration import WRITER_POOL

DAGS = Path(__file__).resolve().parents[2] / "dags"


def _callbacks(task) -> list:  # type: ignore[no-untyped-def,type-arg]
    cbs = task.on_failure_callback
    return list(cbs) if isinstance(cbs, list | tuple) else [cbs] if cbs else []


def main(plan: dict) -> dict:  # type: ignore[type-arg]
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        WRITER_POOL,
        slots=1,
        description="single writer: DuckDB warehouse and lake manifest",
        include_deferred=False,
    )
    t0 = time.perf_counter()
    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    out: dict = {"import_errors": bag.import_errors, "parse_seconds": time.perf_counter() - t0}  # type: ignore[type-arg]
    out["dags"] = {
        dag_id: {
            "tasks": [t.task_id for t in dag.tasks],
            "pools": sorted({t.pool for t in dag.tasks}),
            "retries": {t.task_id: t.retries for t in dag.tasks},
            "backoff": sorted({float(t.retry_exponential_backoff) for t in dag.tasks}),
            "failure_callbacks": sorted(
                {getattr(cb, "__name__", str(cb)) for t in dag.tasks for cb in _callbacks(t)}
            ),
            "outlets": sorted({a.name for t in dag.tasks for a in t.outlets}),
            "timetable": type(dag.timetable).__name__,
        }
        for dag_id, dag in bag.dags.items()
    }
    runs = []
    for run in plan.get("runs", []):
        dag = bag.dags[run["dag_id"]]
        logical = run.get("logical_date")
        t0 = time.perf_counter()
        dr = dag.test(
            logical_date=datetime.fromisoformat(logical) if logical else None,
            run_conf=run.get("conf"),
        )
        runs.append(
            {
                "dag_id": run["dag_id"],
                "logical_date": logical,
                "state": str(dr.state),
                "tasks": {ti.task_id: str(ti.state) for ti in dr.get_task_instances()},
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )
        print(f"DAG_RUNNER {runs[-1]}", flush=True)
    out["runs"] = runs
    out["asset_events"] = _asset_events()
    return out


def _asset_events() -> list[dict]:  # type: ignore[type-arg]
    """Every asset event the runs emitted: asset name, producing task, extra."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(select(AssetEvent).order_by(AssetEvent.id)).all()
        return [
            {
                "asset": e.name,
                "dag_id": e.source_dag_id,
                "task_id": e.source_task_id,
                "extra": e.extra,
            }
            for e in events
        ]


if __name__ == "__main__":
    plan = json.loads(sys.argv[1])
    result = main(plan)
    Path(plan["out"]).write_text(json.dumps(result, indent=2, default=str))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown (dbt/duckdb atexit hooks); the result is written

"""Airflow DAG ``hisaab_recon``: the dbt reconciliation, run when the day's data has landed.

Scheduled on the lake assets: it runs once every family has delivered something since the last
run (any gateway dataset, any UPI dataset, any bank dataset) and our books have been extracted,
so one source whose file was quarantined does not hold up the rest.

1. ``refresh_lake_views``: the warehouse's ``lake.*`` views and the break-workflow tables (what
   ``hisaab recon`` does before dbt).
2. ``dbt``: the dbt project through astronomer-cosmos, one task per model (and seed):
   ``dbt build --select <model>`` builds it, then runs its tests; a test spanning several models
   runs in a task of its own once they are all built. dbt runs in-process (dbtRunner) with
   ``dbt/profiles.yml``, target ``duckdb``, and ``HISAAB_WAREHOUSE_PATH`` from the settings.
3. ``publish_marts``: row counts per mart and open breaks by kind in the log; one asset per mart.

DuckDB allows one writing process, so every task here runs in the 1-slot ``duckdb_warehouse``
pool (shared with the ingestion tasks, which write the lake manifest and the ingest reports):
never two writers on the warehouse at once. The DAG is rendered from a dbt manifest
(``dbt parse``: ``make airflow`` writes it, ``refresh_lake_views`` rewrites it when the project has
changed since); only while there is none does cosmos run ``dbt ls`` to parse the DAG.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from airflow.sdk import AssetAny, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)
from hisaab_common import START_DATE, default_args, lake_asset, mart_asset

from pipelines import orchestration as orch
from pipelines.recon.dbt_runner import dbt_env

log = logging.getLogger("hisaab.dags")
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
MARTS = orch.mart_names()
MART_ASSETS = [mart_asset(m) for m in MARTS]


def _any(datasets) -> AssetAny:  # type: ignore[no-untyped-def]
    return AssetAny(*(lake_asset(d) for d in datasets))


def _family_datasets(family: str) -> list[str]:
    return sorted({d for ds in orch.FAMILIES[family].values() for d in ds})


RECON_SCHEDULE = (
    _any(_family_datasets("gateways"))
    & _any(_family_datasets("upi"))
    & _any(_family_datasets("bank"))
    & _any(orch.LEDGER_DATASETS)
)

# Rendered from the manifest `dbt parse` wrote (`make airflow`; the refresh task rewrites it when
# the project has changed since, so the next parse catches up); `dbt ls` only when there is none.
MANIFEST = orch.dbt_manifest_path()
HAS_MANIFEST = MANIFEST.is_file()
if HAS_MANIFEST and not orch.dbt_manifest_is_fresh(MANIFEST):
    log.warning("%s is older than the dbt project: rendering from it until the next run", MANIFEST)


@dag(
    dag_id="hisaab_recon",
    schedule=RECON_SCHEDULE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["hisaab", "recon", "dbt"],
    doc_md=__doc__,
)
def hisaab_recon() -> None:
    @task(pool=orch.WRITER_POOL)
    def refresh_lake_views() -> list[str]:
        if not orch.dbt_manifest_is_fresh(MANIFEST):
            orch.write_dbt_manifest(MANIFEST)  # the next parse renders from it again
        return orch.prepare_warehouse()

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=orch.DBT_DIR,
            manifest_path=MANIFEST if HAS_MANIFEST else None,
            install_dbt_deps=False,  # no network at runtime: the project has no packages
            env_vars=dbt_env(orch.warehouse_path()),
        ),
        profile_config=ProfileConfig(
            profile_name="hisaab",
            target_name="duckdb",
            profiles_yml_filepath=orch.DBT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,  # dbt in-process (dbtRunner)
            # a model's task runs only the tests on that model alone; tests across models run
            # in tasks of their own once all their models are built
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
            dbt_executable_path=DBT_EXECUTABLE,  # checked to exist (the dbt ls fallback)
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST if HAS_MANIFEST else LoadMode.DBT_LS,
            # one task per model: `dbt build --select <model>` runs it, then its tests
            test_behavior=TestBehavior.BUILD,
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,  # the marts' assets come from publish_marts
        ),
        operator_args={
            "pool": orch.WRITER_POOL,
            # as `hisaab recon`: the daily build leaves dbt's unit tests to CI
            "dbt_cmd_flags": ["--exclude-resource-type", "unit_test"],
        },
        default_args=default_args(),
    )

    @task(pool=orch.WRITER_POOL, outlets=MART_ASSETS)
    def publish_marts(**context) -> dict[str, object]:  # type: ignore[no-untyped-def]
        summary = orch.summarise_marts()
        for mart, asset in zip(MARTS, MART_ASSETS, strict=True):
            context["outlet_events"][asset].extra = {"rows": summary["rows"].get(mart, 0)}  # type: ignore[attr-defined]
        return summary

    refresh_lake_views() >> dbt >> publish_marts()


dag = hisaab_recon()

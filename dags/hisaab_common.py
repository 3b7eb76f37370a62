"""Shared by the Hisaab DAG files: assets, default task arguments, the failure callback, and the
ingestion DAG factory (one DAG per source family, one wait + ingest pair per source).

Listed in ``.airflowignore``: it defines no DAG itself. Cheap to import: Airflow's SDK and the
standard library only; pipelines, polars and dbt are imported inside the tasks.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, timedelta

from airflow.sdk import Asset, CronTriggerTimetable, Param, PokeReturnValue, dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from pipelines import orchestration as orch

log = logging.getLogger("hisaab.dags")

START_DATE = datetime(2026, 1, 1, tzinfo=orch.IST)
TIMEZONE = "Asia/Kolkata"

#: How long a source's sensor waits for the day's file before it fails (the file is missing).
LANDING_WAIT = timedelta(hours=8)
LANDING_POKE = timedelta(minutes=5)


def run_gx_param() -> Param:
    """``hisaab ingest --no-gx`` as a DAG param: the contract's row rules apply either way."""
    return Param(
        True,
        type="boolean",
        description="Also validate the loaded rows with the contract's Great Expectations suite.",
    )


def lake_asset(dataset: str) -> Asset:
    """A lake dataset (``lake/<dataset>/``, the warehouse's ``lake.<dataset>`` view)."""
    return Asset(name=f"lake.{dataset}", uri=f"x-hisaab://lake/{dataset}", group="hisaab-lake")


def mart_asset(mart: str) -> Asset:
    """A dbt mart in the warehouse (``marts.<mart>``)."""
    return Asset(
        name=f"marts.{mart}", uri=f"x-hisaab://warehouse/marts/{mart}", group="hisaab-marts"
    )


def log_failure(context) -> None:  # type: ignore[no-untyped-def]
    """on_failure_callback: one line an operator can read (and alert on) without the full log."""
    ti = context.get("ti") or context.get("task_instance")
    error = context.get("exception")
    what = str(error).strip().splitlines()[0] if error else "no exception recorded"
    log.error(
        "HISAAB TASK FAILED dag=%s task=%s run=%s try=%s: %s: %s",
        getattr(ti, "dag_id", "?"),
        getattr(ti, "task_id", "?"),
        getattr(ti, "run_id", "?"),
        getattr(ti, "try_number", "?"),
        type(error).__name__ if error else "Error",
        what[:1000],
    )


def default_args() -> dict[str, object]:
    """Retries with exponential backoff (2 min, 4 min, … up to 30 min) and the failure callback.

    ``HISAAB_AIRFLOW_RETRIES`` (default 2) sets the retries; tests set 0. A file that failed its
    contract is not retried (AirflowFailException): re-reading the same bytes cannot help.
    """
    return {
        "owner": "hisaab",
        "retries": int(os.environ.get("HISAAB_AIRFLOW_RETRIES", "2")),
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": log_failure,
    }


def landing_day(context) -> date:  # type: ignore[no-untyped-def]
    """The IST date of the run's logical date (the landing folder); run_after when there is none."""
    when = context.get("logical_date") or context["dag_run"].run_after
    return orch.business_day(when)


@task.sensor(
    poke_interval=LANDING_POKE.total_seconds(),
    timeout=LANDING_WAIT.total_seconds(),
    mode="reschedule",
    retries=0,
)
def wait_for_landing(source: str, **context) -> PokeReturnValue:  # type: ignore[no-untyped-def]
    """Done when ``landing/<source>/<day>/`` holds a file; skipped on a day the source sends
    nothing (bank holidays for gateways and banks) or when ``wait_for_files`` is off."""
    day = landing_day(context)
    files = orch.landed_files(source, day)
    if files:
        log.info("%s %s: %d file(s) landed: %s", source, day, len(files), files)
        return PokeReturnValue(is_done=True, xcom_value=files)
    folder = orch.landing_folder(source, day)
    if not orch.expects_files(source, day):
        raise AirflowSkipException(f"{day} is not a business day: {source} sends no file")
    if not context["params"].get("wait_for_files", True):
        raise AirflowSkipException(f"no file in {folder} and wait_for_files is off")
    log.info("%s %s: nothing in %s yet", source, day, folder)
    return PokeReturnValue(is_done=False)


@task(pool=orch.WRITER_POOL)
def ingest_landing(source: str, **context) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Ingest the source's files of the day; fail if one was quarantined whole (after logging
    which file and which contract rule). Re-runs are no-ops (the manifest) and fail the same way."""
    day = landing_day(context)
    summary = orch.ingest_source(source, day, run_gx=context["params"].get("run_gx", True))
    written = summary.datasets
    for dataset in orch.FAMILIES[orch.family_of(source)][source]:
        context["outlet_events"][lake_asset(dataset)].extra = {
            "source": source,
            "business_date": day.isoformat(),
            "rows_written": written.get(dataset, 0),
        }
    try:
        summary.raise_if_quarantined()
    except orch.FileQuarantined as exc:
        raise AirflowFailException(str(exc)) from exc
    return {
        "files": len(summary.reports),
        "rows_in": summary.rows_in,
        "rows_loaded": summary.rows_loaded,
        "rows_quarantined": summary.rows_quarantined,
        "quarantined_rows_by_reason": summary.reasons(),
    }


def ingestion_dag(family: str, cron: str, doc: str):  # type: ignore[no-untyped-def]
    """The DAG ``hisaab_ingest_<family>``: per source, wait for the day's landing folder, ingest
    it, and emit the source's lake datasets as assets. Each source has its own pair of tasks, so a
    file that fails its contract fails only its source's task."""

    @dag(
        dag_id=f"hisaab_ingest_{family}",
        schedule=CronTriggerTimetable(cron, timezone=TIMEZONE),
        start_date=START_DATE,
        catchup=False,
        # Days run side by side (a day still waiting for a late file does not hold up a
        # backfill); the pool serialises their writes.
        max_active_runs=4,
        default_args=default_args(),
        tags=["hisaab", "ingestion", family],
        doc_md=doc,
        params={
            "wait_for_files": Param(
                True,
                type="boolean",
                description="Wait (up to the sensor timeout) for each source's file; false skips "
                "a source with no file at once (backfills, re-runs).",
            ),
            "run_gx": run_gx_param(),
        },
    )
    def ingestion() -> None:
        for source, datasets in orch.FAMILIES[family].items():
            landed = wait_for_landing.override(task_id=f"wait_{source}")(source)
            ingested = ingest_landing.override(
                task_id=f"ingest_{source}", outlets=[lake_asset(d) for d in datasets]
            )(source)
            landed >> ingested

    return ingestion()

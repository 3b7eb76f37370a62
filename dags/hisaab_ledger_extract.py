"""Airflow DAG ``hisaab_ledger_extract``: our books (the ledger) into the lake.

Every day at 00:30 IST, once the day's books are closed: the same extract as ``hisaab extract``
(payments, refunds, chargebacks, payouts, settlements, merchants, customers), each held to its
data contract, re-runs a no-op thanks to the manifest. The ``books_source`` param picks the
books: ``books`` (the simulated world's books folder, the default) or ``api`` (the transaction
core's database, as ``hisaab extract --from api``; ``DATABASE_URL`` on the worker). Emits one
asset per ledger dataset (``lake.ledger_payments``, …). A books file that fails its contract
fails the task.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, Param, dag, task
from airflow.sdk.exceptions import AirflowFailException
from hisaab_common import START_DATE, TIMEZONE, default_args, lake_asset, run_gx_param

from pipelines import orchestration as orch

LEDGER_ASSETS = [lake_asset(d) for d in orch.LEDGER_DATASETS]


@dag(
    dag_id="hisaab_ledger_extract",
    schedule=CronTriggerTimetable("30 0 * * *", timezone=TIMEZONE),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["hisaab", "ingestion", "ledger"],
    doc_md=__doc__,
    params={
        "run_gx": run_gx_param(),
        "books_source": Param(
            "books",
            enum=list(orch.BOOKS_SOURCES),
            description="books: the simulated world's books folder; api: the transaction "
            "core's database (DATABASE_URL on the worker).",
        ),
    },
)
def hisaab_ledger_extract() -> None:
    @task(pool=orch.WRITER_POOL, outlets=LEDGER_ASSETS)
    def extract_books(**context) -> dict[str, object]:  # type: ignore[no-untyped-def]
        params = context["params"]
        summary = orch.extract_ledger(
            run_gx=params.get("run_gx", True), source=params.get("books_source", "books")
        )
        written = summary.datasets
        for dataset, asset in zip(orch.LEDGER_DATASETS, LEDGER_ASSETS, strict=True):
            context["outlet_events"][asset].extra = {"rows_written": written.get(dataset, 0)}
        try:
            summary.raise_if_quarantined()
        except orch.FileQuarantined as exc:
            raise AirflowFailException(str(exc)) from exc
        return {"files": len(summary.reports), "rows_loaded": summary.rows_loaded}

    extract_books()


dag = hisaab_ledger_extract()

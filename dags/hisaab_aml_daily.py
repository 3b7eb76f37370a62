"""Airflow DAG ``hisaab_aml_daily``: the AML daily batch, once the day's books are in the lake.

Scheduled on the asset ``lake.ledger_transfers`` (emitted by ``hisaab_ledger_extract``), so it
runs as soon as the day's transfers have been extracted; it can also be triggered by hand with
``{"business_date": "YYYY-MM-DD"}`` (default: the latest business date in the lake).

1. ``monitor``: every monitoring rule (``risk/aml/rules``), the risk score and the alerts for the
   day, stored in the warehouse, as ``hisaab aml run --date D`` does.
2. ``screen``: merchants and payout beneficiaries against the sanctions list; hits become
   ``screening`` alerts of the same day, as ``hisaab aml screen --date D``.
3. ``publish_alerts``: the day's alerts into the case database, where the compliance officer
   opens cases from them (``hisaab aml alerts`` lists them). Emits ``aml.alerts``.

All three write the DuckDB warehouse (or read it while a writer may hold it), so they run in the
1-slot ``duckdb_warehouse`` pool. Every step replaces its day's results, so re-running is safe.
"""

from __future__ import annotations

from datetime import date

from airflow.sdk import Asset, Param, dag, task
from hisaab_common import START_DATE, default_args, lake_asset

from pipelines import orchestration as orch

ALERTS_ASSET = Asset(name="aml.alerts", uri="x-hisaab://warehouse/aml/alerts", group="hisaab-aml")


@dag(
    dag_id="hisaab_aml_daily",
    schedule=[lake_asset("ledger_transfers")],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["hisaab", "risk", "aml"],
    doc_md=__doc__,
    params={
        "business_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="The IST business date to monitor (YYYY-MM-DD); empty: the latest in "
            "the lake.",
        )
    },
)
def hisaab_aml_daily() -> None:
    @task(pool=orch.WRITER_POOL)
    def monitor(**context) -> dict[str, object]:  # type: ignore[no-untyped-def]
        from risk.aml.daily import monitor_day

        wanted = context["params"].get("business_date")
        return monitor_day(date.fromisoformat(wanted) if wanted else None)

    @task(pool=orch.WRITER_POOL)
    def screen(monitored: dict[str, object]) -> dict[str, object]:
        from risk.aml.daily import screen_day

        return screen_day(date.fromisoformat(str(monitored["business_date"])))

    @task(pool=orch.WRITER_POOL, outlets=[ALERTS_ASSET])
    def publish_alerts(screened: dict[str, object], **context) -> dict[str, object]:  # type: ignore[no-untyped-def]
        from risk.aml.daily import publish_day

        summary = publish_day(date.fromisoformat(str(screened["business_date"])))
        context["outlet_events"][ALERTS_ASSET].extra = summary
        return summary

    publish_alerts(screen(monitor()))


dag = hisaab_aml_daily()

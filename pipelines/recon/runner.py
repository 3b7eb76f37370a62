"""``hisaab recon``: refresh the lake views, run the dbt project, summarise what it found.

The same function serves the CLI, the Airflow recon DAG and the tests. On the ``postgres``
target the lake is first copied into the server's ``lake`` schema (``postgres_loader``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import warehouse as wh
from pipelines.recon import workflow
from pipelines.recon.dbt_runner import DbtResult, run_dbt

SUMMARY_SQL = {
    "by_source": """
        select source,
               cast(sum(items) as bigint) as items, cast(sum(matched_items) as bigint) as matched_items,
               cast(sum(pending_items) as bigint) as pending_items,
               cast(sum(matched_items) as decimal(18, 6)) / nullif(sum(items) - sum(pending_items), 0) as match_rate,
               cast(sum(unmatched_amount_paise) as bigint) as unmatched_amount_paise
        from {schema}.agg_recon_daily group by 1 order by 1""",
    "breaks_by_kind": """
        select kind, cast(count(*) as bigint) as breaks,
               cast(sum(amount_at_risk_paise) as bigint) as amount_at_risk_paise,
               max(age_business_days) as max_age
        from {schema}.fct_recon_breaks where status in ('open', 'investigating')
        group by kind order by kind""",
    "as_of": "select as_of_date from {intermediate}.int_recon_as_of",
}


@dataclass
class ReconOutcome:
    target: str
    dbt: DbtResult
    as_of: date | None = None
    by_source: pl.DataFrame | None = None
    breaks_by_kind: pl.DataFrame | None = None

    @property
    def total_breaks(self) -> int:
        return int(self.breaks_by_kind["breaks"].sum()) if self.breaks_by_kind is not None else 0

    @property
    def total_at_risk(self) -> int:
        if self.breaks_by_kind is None or self.breaks_by_kind.height == 0:
            return 0
        return int(self.breaks_by_kind["amount_at_risk_paise"].sum())


def run_recon(
    data_dir: Path,
    warehouse: Path,
    as_of: date | None = None,
    target: str = "duckdb",
    unit_tests: bool = False,
) -> ReconOutcome:
    """``dbt build`` (models, seeds, data tests) for the day; dbt unit tests only when asked.

    Unit tests check the SQL's logic on fixed inputs, not the day's data, so the daily run
    leaves them to CI (`tests/recon`), where they block a change before it ships.
    """
    build = ["build"] if unit_tests else ["build", "--exclude-resource-type", "unit_test"]
    if target == "postgres":
        from pipelines.recon import postgres_loader

        postgres_loader.load_lake(data_dir)
        postgres_loader.load_workflow(oltp_url_for(data_dir))  # analysts' decisions, for dbt
        result = run_dbt(build, warehouse, target="postgres", as_of=as_of)
        outcome = ReconOutcome(target=target, dbt=result)
        if result.success:
            _summarise(
                outcome, postgres_loader.query, schema_prefix=postgres_loader.schema_prefix()
            )
        return outcome
    with wh.connect(warehouse) as con:
        wh.refresh_views(con, data_dir)  # every contract dataset, empty when it has no file yet
        workflow.ensure_tables(con)
        workflow.refresh_from_oltp(con, oltp_url_for(data_dir))  # analysts' decisions, for dbt
    result = run_dbt(build, warehouse, target="duckdb", as_of=as_of)
    outcome = ReconOutcome(target=target, dbt=result)
    if result.success:
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            _summarise(outcome, lambda sql: wh.query_frame(con, sql), schema_prefix="")
    return outcome


def _summarise(outcome: ReconOutcome, query, schema_prefix: str) -> None:  # type: ignore[no-untyped-def]
    marts = f"{schema_prefix}marts"
    inter = f"{schema_prefix}intermediate"
    outcome.by_source = query(SUMMARY_SQL["by_source"].format(schema=marts))
    outcome.breaks_by_kind = query(SUMMARY_SQL["breaks_by_kind"].format(schema=marts))
    as_of = query(SUMMARY_SQL["as_of"].format(intermediate=inter))
    outcome.as_of = as_of.item(0, 0) if as_of.height else None


def oltp_url_for(data_dir: Path) -> str:
    """The OLTP database that owns the break workflow for this data dir."""
    from hisaab.settings import Settings, get_settings

    settings = get_settings()
    if Path(data_dir).resolve() == Path(settings.data_dir).resolve():
        return settings.oltp_url
    return Settings(data_dir=data_dir, database_url=settings.database_url).oltp_url

"""The AML daily batch as one call: rules, risk score, alerts, stored in the warehouse.

The one code path that the CLI (``hisaab aml run``), an Airflow task and the tests call, so the
compliance officer's alert queue is the same whoever ran it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl

from risk.aml import monitoring, scoring
from risk.aml.rulebook import Rule, load_rules


@dataclass
class BatchResult:
    start: date
    end: date
    hits: pl.DataFrame
    scores: pl.DataFrame
    alerts: pl.DataFrame
    active_by_day: pl.DataFrame  # business_date, active_entities
    timings: dict[str, float] = field(default_factory=dict)
    transfers_loaded: int = 0
    days_grouped: list[date] = field(default_factory=list)  # history days grouped from the lake


def latest_business_date(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("select max(business_date) from lake.ledger_transfers").fetchall()
    return row[0][0] if row else None


def run_batch(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    rules: list[Rule] | None = None,
    spec: scoring.ScoreSpec | None = None,
    store: bool = True,
    source: str | None = None,
    stored_history: bool = True,
    progress: Callable[[str], None] | None = None,
) -> BatchResult:
    """Evaluate rules for ``[start, end]``, score every entity-day, raise and store alerts.

    ``stored_history`` reuses the per-day groups stored in the warehouse (``risk.aml.history``;
    days missing or changed in the lake are grouped first, ``progress`` hears of it); False
    groups the whole look-back from the transfers, storing nothing of it. Same hits either way.
    """
    rules = rules if rules is not None else load_rules()
    spec = spec or scoring.load_spec()
    scoring.preload_model_library()
    t0 = time.perf_counter()
    run = monitoring.run_rules(
        con, start, end, rules, source=source, stored_history=stored_history, progress=progress
    )
    t1 = time.perf_counter()
    features = scoring.account_day_features(con, spec, start, end)
    anomalies = scoring.anomaly_scores(features, start, end, spec)
    scores = scoring.combine(run.hits, anomalies, spec)
    alerts = scoring.alerts_from_scores(scores, spec)
    t2 = time.perf_counter()
    active = pl.from_arrow(
        con.sql(
            f"""select business_date, count(*)::bigint as active_entities from aml_acct_day
            where business_date between DATE '{start}' and DATE '{end}' group by all
            order by business_date"""
        ).to_arrow_table()
    )
    assert isinstance(active, pl.DataFrame)
    if store:
        monitoring.store_hits(con, run)
        scoring.store_alerts(con, alerts, start, end)
        con.execute("create schema if not exists aml")
        con.execute(
            """create table if not exists aml.active_entities (business_date date primary key,
            active_entities bigint)"""
        )
        con.execute(
            "delete from aml.active_entities where business_date between ? and ?", [start, end]
        )
        con.register("_active", active.to_arrow())
        con.execute("insert into aml.active_entities select * from _active")
        con.unregister("_active")
    t3 = time.perf_counter()
    return BatchResult(
        start,
        end,
        run.hits,
        scores,
        alerts,
        active,
        {
            "prepare": run.prepare_seconds,
            "rules": t1 - t0 - run.prepare_seconds,
            "score": t2 - t1,
            "store": t3 - t2,
            "total": t3 - t0,
        },
        run.transfers_loaded,
        run.days_grouped,
    )

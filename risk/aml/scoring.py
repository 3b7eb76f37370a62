"""One risk score per entity and day: rule hits joined with an anomaly model, and the alerts.

Serves the compliance officer's alert queue: instead of one alert per rule, each account (or
person) gets one score a day, ``1 - (1 - rules) * (1 - weight * anomaly)``, where ``rules``
combines the severities of the rules it hit (``1 - prod(1 - w_severity)``) and ``anomaly`` is
how unusual its day looks to an IsolationForest trained on a sample of the evaluated
days' account-days (its percentile above a floor, rescaled to 0..1). The weights and the alert
threshold come from the spec ``models/aml_risk_score.yaml``.
"""

from __future__ import annotations

import importlib
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import yaml  # type: ignore[import-untyped]

from pipelines.simulator import keys

SPEC_PATH = Path(__file__).resolve().parents[2] / "models" / "aml_risk_score.yaml"
ALERTS_TABLE = "aml.alerts"
SCORES_TABLE = "aml.entity_day_scores"

ALERT_SCHEMA = {
    "alert_id": pl.String,
    "source": pl.String,
    "entity_type": pl.String,
    "entity_id": pl.String,
    "business_date": pl.Date,
    "risk_score": pl.Float64,
    "rule_score": pl.Float64,
    "anomaly_score": pl.Float64,
    "priority": pl.String,
    "rules": pl.List(pl.String),
    "typologies": pl.List(pl.String),
    "amount_paise": pl.Int64,
    "summary": pl.String,
    "transfer_ids": pl.List(pl.String),
    "created_at": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class ScoreSpec:
    version: int
    severity_weights: dict[str, float]
    features: tuple[str, ...]
    n_estimators: int
    max_samples: int
    training_rows: int
    random_state: int
    percentile_floor: float
    anomaly_weight: float
    alert_threshold: float
    high_priority: float


@cache
def load_spec(path: Path = SPEC_PATH) -> ScoreSpec:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    m = doc["anomaly_model"]
    if m["kind"] != "isolation_forest":
        raise ValueError(f"{path}: anomaly_model.kind: only isolation_forest is implemented")
    spec = ScoreSpec(
        version=int(doc["version"]),
        severity_weights={k: float(v) for k, v in doc["rule_severity_weights"].items()},
        features=tuple(m["features"]),
        n_estimators=int(m["n_estimators"]),
        max_samples=int(m["max_samples"]),
        training_rows=int(m["training_rows"]),
        random_state=int(m["random_state"]),
        percentile_floor=float(m["percentile_floor"]),
        anomaly_weight=float(m["weight"]),
        alert_threshold=float(doc["thresholds"]["alert"]),
        high_priority=float(doc["thresholds"]["high_priority"]),
    )
    unknown = set(spec.features) - set(FEATURE_SQL)
    if unknown:
        raise ValueError(f"{path}: anomaly_model.features: unknown {sorted(unknown)}")
    return spec


FEATURE_SQL = {
    "log_in_paise": "ln(1 + d.in_paise)",
    "log_out_paise": "ln(1 + d.out_paise)",
    "in_n": "d.in_n",
    "out_n": "d.out_n",
    "payers": "d.payers",
    "payees": "d.payees",
    "new_counterparties": "coalesce(nc.n, 0)",
    "cash_share": "d.cash_in_paise / greatest(d.in_paise, 1)",
    "pass_through": "least(d.in_paise, d.out_paise) / greatest(d.in_paise, d.out_paise, 1)",
    "round_count": "coalesce(rc.n, 0)",
    "flow_vs_baseline": "ln(1 + (d.in_paise + d.out_paise) / (1 + d.baseline))",
}


def account_day_features(
    con: duckdb.DuckDBPyConnection, spec: ScoreSpec, start: date, end: date
) -> pl.DataFrame:
    """Per account and day features, for the days ``[start, end]``, from the prepared tables."""
    cols = ", ".join(f"({FEATURE_SQL[f]})::double as {f}" for f in spec.features)
    s, e = f"DATE '{start.isoformat()}'", f"DATE '{end.isoformat()}'"
    sql = f"""
    with today as (
        select * from aml_acct_day where business_date between {s} and {e}
    ), d as (
        select t.*, coalesce((select sum(h.in_paise + h.out_paise) from aml_acct_day h
            where h.ix = t.ix and h.business_date between t.business_date - 30
            and t.business_date - 1), 0) / 30.0 as baseline
        from today t
    ), nc as (
        select ix, first_d as business_date, count(*) as n from aml_pair_first
        where first_d between {s} and {e} group by all
    ), rc as (
        select ix, business_date, count(*) as n from (
            select payer as ix, business_date, amount_paise from aml_edge
            union all select payee, business_date, amount_paise from aml_edge)
        where amount_paise % 1000000 = 0 and amount_paise >= 5000000
            and business_date between {s} and {e} group by all
    )
    select a.account_id as entity_id, d.business_date, {cols}
    from d join aml_acct a using (ix)
    left join nc using (ix, business_date) left join rc using (ix, business_date)
    order by a.account_id, d.business_date  -- a stable order: the training sample is repeatable
    """
    frame = pl.from_arrow(con.sql(sql).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


_preload: threading.Thread | None = None


def preload_model_library() -> None:
    """Start importing scikit-learn in a background thread (once per process).

    Its import costs 1.5-2 s of one core; the batch starts it before the rules, whose DuckDB
    queries release the GIL, so the import overlaps them instead of adding to the wall time.
    ``anomaly_scores`` imports it as usual (Python's import lock waits for a running import).
    """
    global _preload
    if _preload is None and "sklearn.ensemble" not in sys.modules:
        _preload = threading.Thread(target=importlib.import_module, args=("sklearn.ensemble",))
        _preload.daemon = True
        _preload.start()


def anomaly_scores(features: pl.DataFrame, start: date, end: date, spec: ScoreSpec) -> pl.DataFrame:
    """Anomaly component (0..1) per account-day in ``[start, end]``."""
    from sklearn.ensemble import IsolationForest

    evaluated = features.filter(pl.col("business_date").is_between(start, end))
    if evaluated.height == 0:
        return pl.DataFrame(
            schema={"entity_id": pl.String, "business_date": pl.Date, "anomaly_score": pl.Float64}
        )
    # The forest learns what the evaluated days' account-days look like (a sample of them) and
    # scores each against its peers; the few laundering days barely move a 10,000-row sample.
    train = evaluated
    if train.height > spec.training_rows:
        train = train.sample(spec.training_rows, seed=spec.random_state)
    x_train = train.select(spec.features).to_numpy()
    model = IsolationForest(
        n_estimators=spec.n_estimators,
        max_samples=min(spec.max_samples, len(x_train)),
        random_state=spec.random_state,
        n_jobs=1,
    ).fit(x_train)
    reference = np.sort(-model.score_samples(x_train))  # higher = more anomalous
    raw = -model.score_samples(evaluated.select(spec.features).to_numpy())
    pct = np.searchsorted(reference, raw, side="right") / len(reference)
    floor = spec.percentile_floor
    component = np.clip((pct - floor) / (1 - floor), 0, 1)
    return evaluated.select("entity_id", "business_date").with_columns(
        pl.Series("anomaly_score", component, dtype=pl.Float64)
    )


def combine(hits: pl.DataFrame, anomalies: pl.DataFrame, spec: ScoreSpec) -> pl.DataFrame:
    """One row per entity and day that hit a rule or looks unusual, with its risk score."""
    w = spec.severity_weights
    per_entity = (
        hits.with_columns(miss=1 - pl.col("severity").replace_strict(w, return_dtype=pl.Float64))
        .group_by("entity_type", "entity_id", "business_date")
        .agg(
            rule_score=1 - pl.col("miss").product(),
            rules=pl.col("rule_id").unique().sort(),
            typologies=pl.col("typology").drop_nulls().unique().sort(),
            amount_paise=pl.col("amount_paise").max(),
            summary=pl.col("detail").sort_by("rule_id").str.join("; "),
            transfer_ids=pl.col("transfer_ids")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
    )
    anom = anomalies.with_columns(pl.lit("account").alias("entity_type"))
    scored = per_entity.join(
        anom, on=["entity_type", "entity_id", "business_date"], how="full", coalesce=True
    ).with_columns(
        pl.col("rule_score").fill_null(0.0),
        pl.col("anomaly_score").fill_null(0.0),
    )
    return scored.with_columns(
        risk_score=1
        - (1 - pl.col("rule_score")) * (1 - spec.anomaly_weight * pl.col("anomaly_score"))
    )


def alert_id(entity_type: str, entity_id: str, business_date: date) -> str:
    """Stable per entity and day, so a re-run updates the same alert instead of adding one."""
    return keys.object_id("alrt", 0, entity_type, entity_id, business_date.isoformat())


def alerts_from_scores(scored: pl.DataFrame, spec: ScoreSpec) -> pl.DataFrame:
    raised = scored.filter(pl.col("risk_score") >= spec.alert_threshold)
    now = datetime.now(UTC)
    ids = [
        alert_id(*r) for r in raised.select("entity_type", "entity_id", "business_date").iter_rows()
    ]
    return (
        raised.with_columns(
            pl.Series("alert_id", ids, dtype=pl.String),
            pl.lit("monitoring").alias("source"),
            pl.when(pl.col("risk_score") >= spec.high_priority)
            .then(pl.lit("high"))
            .otherwise(pl.lit("normal"))
            .alias("priority"),
            pl.lit(now).alias("created_at"),
        )
        .select(list(ALERT_SCHEMA))
        .cast(ALERT_SCHEMA)  # type: ignore[arg-type]
        .sort("business_date", "risk_score", "alert_id", descending=[False, True, False])
    )


def store_alerts(
    con: duckdb.DuckDBPyConnection,
    alerts: pl.DataFrame,
    start: date,
    end: date,
    source: str = "monitoring",
) -> None:
    """Replace the days' alerts of ``source`` in ``aml.alerts``."""
    con.execute("create schema if not exists aml")
    con.execute(
        f"""create table if not exists {ALERTS_TABLE} (alert_id varchar, source varchar,
        entity_type varchar, entity_id varchar, business_date date, risk_score double,
        rule_score double, anomaly_score double, priority varchar, rules varchar[],
        typologies varchar[], amount_paise bigint, summary varchar, transfer_ids varchar[],
        created_at timestamptz)"""
    )
    con.execute(
        f"delete from {ALERTS_TABLE} where source = ? and business_date between ? and ?",
        [source, start, end],
    )
    if alerts.height:
        con.register("_alerts", alerts.to_arrow())
        con.execute(f"insert into {ALERTS_TABLE} by name select * from _alerts")
        con.unregister("_alerts")

"""How good is the monitoring? Precision and recall per typology against the simulator's truth.

Serves the compliance officer deciding whether to trust the alert queue, and the tests that
keep it honest. A case counts as detected when an alert falls on one of its suspect accounts
(subjects and mules, not the innocent payers around them; for a person-level alert, any of
that person's accounts) on a day from its first transfer to ``grace_days`` after its last. An
alert is a true positive when it lands on a suspect account of any injected case in that way;
everything else, alerts on the look-alikes included, is a false positive. Precision per
typology is over the alerts that carry a rule of that typology.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SUSPECT_ROLES = ("subject", "mule")


def _truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    cases = pl.read_parquet(truth_dir / "aml_cases.parquet")
    accounts = pl.read_parquet(truth_dir / "aml_case_accounts.parquet")
    txns = pl.read_parquet(truth_dir / "aml_case_transactions.parquet")
    con.register("_case_txns", txns.to_arrow())
    spans = pl.from_arrow(
        con.sql(
            """select c.truth_alert_id, min(t.business_date) as first_date,
                max(t.business_date) as last_date
            from _case_txns c join lake.ledger_transfers t using (transfer_id) group by all"""
        ).to_arrow_table()
    )
    con.unregister("_case_txns")
    assert isinstance(spans, pl.DataFrame)
    return cases.join(spans, on="truth_alert_id", how="left"), accounts


def _alert_accounts(con: duckdb.DuckDBPyConnection, alerts: pl.DataFrame) -> pl.DataFrame:
    """Each alert's accounts: itself, or every account of the person or business it names."""
    owners = pl.from_arrow(
        con.sql(
            "select account_id, owner_id from lake.ledger_accounts where owner_id is not null"
        ).to_arrow_table()
    )
    assert isinstance(owners, pl.DataFrame)
    acc = alerts.filter(pl.col("entity_type") == "account").with_columns(
        pl.col("entity_id").alias("account_id")
    )
    own = alerts.filter(pl.col("entity_type") != "account").join(
        owners, left_on="entity_id", right_on="owner_id"
    )
    return pl.concat([acc, own], how="diagonal_relaxed")


def evaluate(
    con: duckdb.DuckDBPyConnection,
    alerts: pl.DataFrame,
    active_by_day: pl.DataFrame,
    truth_dir: Path,
    grace_days: int = 7,
) -> dict[str, Any]:
    """Per typology recall and precision, the alert rate, and false positives on look-alikes."""
    cases, case_accounts = _truth(con, truth_dir)
    alerts = alerts.filter(pl.col("source") == "monitoring")
    suspects = (
        case_accounts.filter(pl.col("role").is_in(SUSPECT_ROLES))
        .join(cases.filter("is_suspicious"), on=["truth_alert_id", "typology"])
        .select("truth_alert_id", "typology", "account_id", "first_date", "last_date")
    )
    per_account = _alert_accounts(con, alerts).select(
        "alert_id", "account_id", "business_date", "typologies", "rules"
    )
    matched = per_account.join(suspects, on="account_id").filter(
        pl.col("business_date").is_between(
            pl.col("first_date"), pl.col("last_date") + timedelta(days=grace_days)
        )
    )
    tp_alerts = set(matched["alert_id"].to_list())
    detected = set(matched["truth_alert_id"].to_list())
    out: dict[str, Any] = {"typologies": {}, "rules": {}}
    injected = cases.filter("is_suspicious")
    alert_typ = alerts.select("alert_id", "typologies").explode("typologies")
    for typology in sorted(injected["typology"].unique().to_list()):
        ids = injected.filter(pl.col("typology") == typology)["truth_alert_id"].to_list()
        raised = alert_typ.filter(pl.col("typologies") == typology)["alert_id"].unique().to_list()
        tp = sum(1 for a in raised if a in tp_alerts)
        out["typologies"][typology] = {
            "cases": len(ids),
            "detected": sum(1 for i in ids if i in detected),
            "recall": round(sum(1 for i in ids if i in detected) / len(ids), 4) if ids else None,
            "alerts": len(raised),
            "true_alerts": tp,
            "precision": round(tp / len(raised), 4) if raised else None,
        }
    for rule, group in alerts.explode("rules").group_by("rules"):
        ids_ = group["alert_id"].unique().to_list()
        tp = sum(1 for a in ids_ if a in tp_alerts)
        out["rules"][rule[0]] = {
            "alerts": len(ids_),
            "precision": round(tp / len(ids_), 4) if ids_ else None,
        }
    out["rules"] = dict(sorted(out["rules"].items()))
    lookalike_accounts = case_accounts.join(
        cases.filter(~pl.col("is_suspicious")).select("truth_alert_id"), on="truth_alert_id"
    ).select("account_id", pl.col("typology").alias("lookalike"))
    fp = per_account.filter(~pl.col("alert_id").is_in(sorted(tp_alerts)))
    on_lookalikes = fp.join(lookalike_accounts, on="account_id").unique(["alert_id", "lookalike"])
    out["false_alerts_on_lookalikes"] = dict(
        sorted(on_lookalikes.group_by("lookalike").len().iter_rows())
    )
    per_day = (
        alerts.group_by("business_date")
        .agg(alerts=pl.len())
        .join(active_by_day, on="business_date", how="right")
        .with_columns(pl.col("alerts").fill_null(0))
        .with_columns(rate=pl.col("alerts") / pl.col("active_entities"))
        .sort("business_date")
    )
    out["alerts"] = alerts.height
    out["true_alerts"] = len(tp_alerts & set(alerts["alert_id"].to_list()))
    out["precision"] = round(out["true_alerts"] / alerts.height, 4) if alerts.height else None
    out["alert_rate"] = round(float(per_day["rate"].max() or 0.0), 5)
    out["alert_rate_by_day"] = {
        d.isoformat(): round(float(r), 5)
        for d, r in per_day.select("business_date", "rate").iter_rows()
    }
    return out

"""The AML daily batch as an unattended scheduler runs it: monitor, screen, publish the alerts.

Serves the compliance officer's morning queue without anyone typing ``hisaab aml run``: the
Airflow DAG ``hisaab_aml_daily`` calls these three steps, each the same library calls as the CLI
(``run_batch`` as ``hisaab aml run``; ``screen_parties`` as ``hisaab aml screen``;
``publish_alerts`` as both), on the warehouse and case database the settings name. Each step is
idempotent for its business date (the days' hits and alerts are replaced, published alerts are
updated while still new), so a cleared task can simply run again. Each returns a small summary
for the task log.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("risk.aml.daily")


class NothingToMonitor(Exception):
    """The lake holds no transfers yet: there is no business date to monitor."""


def _connect() -> duckdb.DuckDBPyConnection:
    """The warehouse, writable, with its lake views refreshed (as the CLI opens it)."""
    from hisaab.settings import Settings
    from pipelines import warehouse as wh

    s = Settings()
    con = wh.connect(Path(s.warehouse))
    wh.refresh_views(con, Path(s.data_dir))
    return con


def monitor_day(day: date | None = None) -> dict[str, object]:
    """Every rule, the risk score and the alerts for ``day`` (default: the latest in the lake),
    stored in the warehouse (``aml.rule_hits``, ``aml.alerts``, ``aml.active_entities``)."""
    from risk.aml.batch import latest_business_date, run_batch

    con = _connect()
    try:
        day = day or latest_business_date(con)
        if day is None:
            raise NothingToMonitor("no transfers in lake.ledger_transfers: extract the books first")
        res = run_batch(con, day, day)
    finally:
        con.close()
    active = int(res.active_by_day["active_entities"].sum())
    summary = {
        "business_date": day.isoformat(),
        "transfers_read": res.transfers_loaded,
        "active_entities": active,
        "rule_hits": res.hits.height,
        "hits_by_rule": dict(sorted(res.hits.group_by("rule_id").len().iter_rows())),
        "alerts": res.alerts.height,
        "history_days_grouped": len(res.days_grouped),
        "seconds": {k: round(v, 1) for k, v in res.timings.items()},
    }
    log.info(
        "AML monitoring %s: %d alerts from %d rule hits over %d active entities (%d transfers)",
        day,
        res.alerts.height,
        res.hits.height,
        active,
        res.transfers_loaded,
    )
    return summary


def screen_day(day: date, list_file: Path | None = None) -> dict[str, object]:
    """Screen merchants and payout beneficiaries against the sanctions list (default: the
    shipped one); hits are stored as ``screening`` alerts of ``day``."""
    import polars as pl

    from risk.aml.sanctions_list import load_list
    from risk.aml.scoring import store_alerts
    from risk.aml.screening import CANDIDATES_SQL, screen_parties, screening_alerts

    parties = load_list(list_file)
    con = _connect()
    try:
        candidates = pl.from_arrow(con.sql(CANDIDATES_SQL).to_arrow_table())
        assert isinstance(candidates, pl.DataFrame)
        results = screen_parties(candidates, parties)
        alerts = screening_alerts(results, day)
        store_alerts(con, alerts, day, day, source="screening")
    finally:
        con.close()
    log.info(
        "AML screening %s: %d parties against %d listed, %d hits",
        day,
        candidates.height,
        len(parties),
        alerts.height,
    )
    return {
        "business_date": day.isoformat(),
        "screened": candidates.height,
        "listed_parties": len(parties),
        "hits": alerts.height,
    }


def publish_day(day: date) -> dict[str, object]:
    """The day's alerts (monitoring and screening) from the warehouse into the case database,
    where the compliance officer opens cases from them."""
    import duckdb
    import polars as pl

    from hisaab.settings import Settings
    from risk.aml.cases import make_engine, publish_alerts, session_scope
    from risk.aml.scoring import ALERT_SCHEMA, ALERTS_TABLE

    s = Settings()
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        alerts = pl.from_arrow(
            con.execute(
                f"select * from {ALERTS_TABLE} where business_date = ? order by source, alert_id",
                [day],
            ).to_arrow_table()
        )
    assert isinstance(alerts, pl.DataFrame)
    alerts = alerts.select(list(ALERT_SCHEMA)).cast(ALERT_SCHEMA)  # type: ignore[arg-type]
    by_source = dict(sorted(alerts.group_by("source").len().iter_rows()))
    with session_scope(make_engine(s.oltp_url)) as session:
        new = publish_alerts(alerts, session=session, actor="aml-daily")
    log.info("AML alerts %s: %d published (%s), %d new", day, alerts.height, by_source, new)
    return {
        "business_date": day.isoformat(),
        "alerts": alerts.height,
        "by_source": by_source,
        "new": new,
    }

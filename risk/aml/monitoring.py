"""The daily monitoring batch: every enabled rule, as SQL on DuckDB, over the lake's transfers.

Serves the compliance officer's morning: which accounts (or people, across their connected
accounts) did something a rule describes, on which day, with which transfers as evidence. The
transfers of the evaluated days and the week before them, and the per-day groups of the look-back
the rules need (stored per business date, ``risk.aml.history``), are loaded once into compact
tables with integer account keys; every rule then runs on those. Hits land in
``aml.rule_hits`` in the warehouse (the days evaluated are replaced, so re-running is a no-op).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from risk.aml import history, rule_sql
from risk.aml.rulebook import OWNER_KINDS, Rule, load_rules

HITS_TABLE = "aml.rule_hits"
RECENT_DAYS = 8  # the longest rule window (7 days) and a day to spare
# kinds that read single transfers over their window (the monthly CTR rule reads the month's cash)
WINDOWED_KINDS = set(rule_sql.KINDS) - {"structuring_monthly"}
HIT_SCHEMA = {
    "rule_id": pl.String,
    "rule_version": pl.Int64,
    "kind": pl.String,
    "typology": pl.String,
    "severity": pl.String,
    "entity_type": pl.String,
    "entity_id": pl.String,
    "business_date": pl.Date,
    "value": pl.Float64,
    "amount_paise": pl.Int64,
    "detail": pl.String,
    "transfer_ids": pl.List(pl.String),
}


@dataclass
class MonitoringRun:
    start: date
    end: date
    hits: pl.DataFrame
    seconds_by_rule: dict[str, float] = field(default_factory=dict)
    prepare_seconds: float = 0.0
    transfers_loaded: int = 0
    days_grouped: list[date] = field(default_factory=list)  # history days (re)built this run


def history_start(rules: list[Rule], start: date) -> date:
    return start - timedelta(days=max((r.needs_days for r in rules), default=1))


def prepare(
    con: duckdb.DuckDBPyConnection,
    lo: date,
    hi: date,
    source: str | None = None,
    start: date | None = None,
    lake: Path | None = None,
    progress: Callable[[str], None] | None = None,
    edge_days: int = RECENT_DAYS,
) -> tuple[int, list[date]]:
    """Load transfers of ``[lo, hi]`` into the compact tables every rule reads.

    Returns the transfers loaded and the history days grouped from the lake this run.
    ``source`` is a relation with the ``ledger_transfers`` columns (default ``lake.ledger_transfers``).
    ``start`` is the first evaluated day (default ``lo``): every rule fires on an account that
    moved money on an evaluated day, so the per-day history (``aml_acct_day``) is kept for those
    accounts only, and first-contact days (``aml_pair_first``) for the pairs that dealt in the
    evaluated days and the week before them (the longest rule window).

    With ``lake`` (the lake folder behind ``source``), the per-day groups come from the history
    stored in the warehouse (``risk.aml.history``: missing or changed days are grouped first) and
    only the transfers of the week before ``start`` (and the month's cash, for the monthly CTR
    rule) are loaded; without it, every transfer of ``[lo, hi]`` is loaded and grouped here. Both
    give the same tables the rules read.
    """
    start = start or lo
    recent = start - timedelta(days=RECENT_DAYS)
    src = source or "lake.ledger_transfers"
    # Integer keys are the account id's 64-bit hash: the transfers need no join to the accounts
    # to get them. A collision would merge two accounts, so it is checked, never assumed away.
    con.execute(
        """create or replace temp table aml_acct as
        select hash(account_id) as ix, account_id, owner_type,
            coalesce(owner_id, account_id) as owner_id, country, mcc, opened_on
        from lake.ledger_accounts"""
    )
    clash = con.execute(
        "select count(*) - count(distinct ix), count(*) - count(distinct account_id) from aml_acct"
    ).fetchall()[0]
    if clash[1]:
        raise ValueError(f"lake.ledger_accounts repeats {clash[1]} account id(s)")
    if clash[0]:
        raise ValueError(f"{clash[0]} account ids share a 64-bit hash: monitoring cannot key them")
    grouped: list[date] = []
    if lake is not None:
        grouped = history.ensure(con, lake, lo, hi, progress)
        # the rules read single transfers only within their windows (at most ``edge_days``
        # before the evaluated days) and, for the monthly CTR rule, the cash of the month so far
        edge_lo = max(lo, start - timedelta(days=edge_days))
        cash_lo = max(lo, min(start.replace(day=1), edge_lo))
        where = f"""(t.business_date between {_d(edge_lo)} and {_d(hi)}
            or (t.is_cash and t.business_date between {_d(cash_lo)} and {_d(hi)}))"""
        if source is None:  # the days' partitions only: the lake view opens every day's files
            src = history.day_files_relation(lake, cash_lo, hi) or src
    else:
        where = f"t.business_date between {_d(lo)} and {_d(hi)}"
    con.execute(
        f"""create or replace temp table aml_edge as
        select t.transfer_id, hash(t.payer_account_id) as payer,
            hash(t.payee_account_id) as payee, t.amount_paise, t.created_at, t.business_date,
            t.rail, t.is_cash
        from {src} t
        where t.status = 'completed' and {where}"""
    )
    con.execute(
        f"""create or replace temp table aml_active as
        select payer as ix from aml_edge where business_date >= {_d(start)}
        union select payee from aml_edge where business_date >= {_d(start)}"""
    )
    if lake is not None:
        pair_day = (
            f"(select * from {history.PAIR_DAY} where business_date between {_d(lo)} and {_d(hi)})"
        )
        acct_day = (
            f"(select * from {history.ACCT_DAY} where business_date between {_d(lo)} and {_d(hi)})"
        )
    else:
        # One pass over the transfers groups them per payer, payee and day; the per-account
        # days and the first contacts are both built from that (smaller, integer-keyed) table
        # instead of each rescanning the transfers, and counting distinct counterparties becomes
        # counting rows.
        con.execute(
            """create or replace temp table aml_pair_day as
            select payer, payee, business_date, count(*)::bigint as n,
                sum(amount_paise)::bigint as paise,
                coalesce(sum(amount_paise) filter (where is_cash), 0)::bigint as cash_paise
            from aml_edge group by payer, payee, business_date"""
        )
        pair_day = "aml_pair_day"
        acct_day = """(
            with credits as (
                select payee as ix, business_date, sum(n) as in_n, sum(paise) as in_paise,
                    count(*) as payers, sum(cash_paise) as cash_in_paise
                from aml_pair_day group by payee, business_date
            ), debits as (
                select payer as ix, business_date, sum(n) as out_n, sum(paise) as out_paise,
                    count(*) as payees
                from aml_pair_day group by payer, business_date
            )
            select ix, business_date, coalesce(in_n, 0)::bigint as in_n,
                coalesce(in_paise, 0)::bigint as in_paise, coalesce(out_n, 0)::bigint as out_n,
                coalesce(out_paise, 0)::bigint as out_paise, coalesce(payers, 0)::bigint as payers,
                coalesce(payees, 0)::bigint as payees,
                coalesce(cash_in_paise, 0)::bigint as cash_in_paise
            from credits full join debits using (ix, business_date))"""
    con.execute(
        f"""create or replace temp table aml_acct_day as
        with watched as (
            select ix from aml_active
            where ix in (select ix from aml_acct where owner_type <> 'external')
        )
        select * from {acct_day} where ix in (select ix from watched)"""
    )
    # First contact is symmetric (either paid the other), so each unordered pair is grouped once:
    # the pairs that dealt since ``recent``, with their first day in ``[lo, hi]``.
    if lake is not None:  # the stored history: look up only the recent pairs' first days
        pairs = f"""select r.a, r.b, min(p.business_date) as first_d
            from {pair_day} p join recent_pairs r
                on r.a = least(p.payer, p.payee) and r.b = greatest(p.payer, p.payee)
            group by r.a, r.b"""
    else:  # every pair is grouped here anyway: one pass
        pairs = f"""select least(payer, payee) as a, greatest(payer, payee) as b,
                min(business_date) as first_d
            from {pair_day} group by all having max(business_date) >= {_d(recent)}"""
    con.execute(
        f"""create or replace temp table aml_pair_first as
        with recent_pairs as (
            select distinct least(payer, payee) as a, greatest(payer, payee) as b
            from {pair_day} where business_date >= {_d(recent)}
        ), pairs as ({pairs})
        select a as ix, b as cp, first_d from pairs where a in (select ix from aml_active)
        union all
        select b, a, first_d from pairs where a <> b and b in (select ix from aml_active)"""
    )
    return int(con.execute("select count(*) from aml_edge").fetchall()[0][0]), grouped


def _d(x: date) -> str:
    return f"DATE '{x.isoformat()}'"


def evaluate_rule(
    con: duckdb.DuckDBPyConnection, rule: Rule, start: date, end: date
) -> pl.DataFrame:
    """One rule's hits for days in ``[start, end]`` (the tables must be prepared)."""
    body = rule_sql.KINDS[rule.kind](rule, start, end)
    if rule.kind in OWNER_KINDS:
        sql = f"""
        with hits as ({body}),
        owners as (select owner_id, any_value(owner_type) as owner_type from aml_acct
                   group by owner_id)
        select owners.owner_type as entity_type, hits.owner_id as entity_id, hits.*
            exclude (owner_id)
        from hits join owners using (owner_id)"""
    else:
        sql = f"""
        with hits as ({body})
        select 'account' as entity_type, a.account_id as entity_id, hits.* exclude (ix)
        from hits join aml_acct a on a.ix = hits.ix where a.owner_type <> 'external'"""
    rel = con.sql(sql)
    frame = pl.from_arrow(rel.to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    if "transfer_ids" not in frame.columns:
        frame = frame.with_columns(pl.lit([], pl.List(pl.String)).alias("transfer_ids"))
    return frame.select(
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.version, pl.Int64).alias("rule_version"),
        pl.lit(rule.kind).alias("kind"),
        pl.lit(rule.typology, pl.String).alias("typology"),
        pl.lit(rule.severity).alias("severity"),
        "entity_type",
        "entity_id",
        "business_date",
        "value",
        "amount_paise",
        "detail",
        "transfer_ids",
    ).cast(HIT_SCHEMA)  # type: ignore[arg-type]


def run_rules(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    rules: list[Rule] | None = None,
    source: str | None = None,
    prepared: bool = False,
    stored_history: bool = True,
    progress: Callable[[str], None] | None = None,
) -> MonitoringRun:
    """Evaluate every rule for business dates ``[start, end]``.

    ``stored_history``: group the look-back days once and keep them in the warehouse
    (``risk.aml.history``) when the transfers are the lake's; False groups everything here.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    rules = rules if rules is not None else load_rules()
    edge_days = max([RECENT_DAYS] + [r.window_days for r in rules if r.kind in WINDOWED_KINDS])
    lake = history.lake_dir(con) if stored_history and source is None else None
    t0 = time.perf_counter()
    loaded, grouped = (
        prepare(con, history_start(rules, start), end, source, start, lake, progress, edge_days)
        if not prepared
        else (0, [])
    )
    run = MonitoringRun(start, end, pl.DataFrame(schema=HIT_SCHEMA))
    run.prepare_seconds = time.perf_counter() - t0
    run.transfers_loaded = loaded
    run.days_grouped = grouped
    parts = []
    for rule in rules:
        t1 = time.perf_counter()
        parts.append(evaluate_rule(con, rule, start, end))
        run.seconds_by_rule[rule.id] = time.perf_counter() - t1
    if parts:
        run.hits = pl.concat(parts).sort("business_date", "entity_type", "entity_id", "rule_id")
    return run


def store_hits(con: duckdb.DuckDBPyConnection, run: MonitoringRun) -> None:
    """Replace the evaluated days' hits in ``aml.rule_hits``."""
    con.execute("create schema if not exists aml")
    con.execute(
        f"""create table if not exists {HITS_TABLE} (rule_id varchar, rule_version bigint,
        kind varchar, typology varchar, severity varchar, entity_type varchar, entity_id varchar,
        business_date date, value double, amount_paise bigint, detail varchar,
        transfer_ids varchar[])"""
    )
    con.execute(
        f"delete from {HITS_TABLE} where business_date between ? and ?", [run.start, run.end]
    )
    if run.hits.height:
        con.register("_hits", run.hits.to_arrow())
        con.execute(f"insert into {HITS_TABLE} by name select * from _hits")
        con.unregister("_hits")

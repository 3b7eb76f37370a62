"""The monitoring history kept in the warehouse: per business date, the day's transfers grouped.

Serves the compliance officer's daily batch: the rules look back 46 days (baselines, dormancy,
first contacts), but only the newest day is new. Each business date's completed transfers are
grouped once, per payer, payee and day (``aml.pair_day``: count, money, cash) and per account
and day (``aml.acct_day``: money in and out, counts, distinct counterparties), and stored; the
daily run then groups only the days not stored yet and reads the others.

A stored day is trusted only while the lake still holds the same files for it: each day records
a version, a digest of its partition folder's file names, sizes and modification times (and the
DuckDB version, whose ``hash`` gives the integer account keys). A day whose files changed (a
re-extract, a superseded file set aside, a late file), or that was never built, is grouped again
from the lake before the rules run; a re-run of a day whose files did not change reuses it. The
lake's layout puts a day's transfers in ``ledger_transfers/business_date=D/``; the rows are
still filtered on their own ``business_date`` column, as the lake view is.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

log = logging.getLogger("risk.aml.history")

FORMAT = 1  # bump when the stored tables' meaning changes: every stored day is then rebuilt
PAIR_DAY = "aml.pair_day"
ACCT_DAY = "aml.acct_day"
DAYS = "aml.history_days"
DATASET = "ledger_transfers"
#: Stored days are kept this many days before the oldest day a run reads (a re-run of last
#: month reuses them); older days are deleted, so the history does not grow without end.
RETAIN_DAYS = 31


def lake_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The lake folder behind ``lake.ledger_transfers`` (None if the view reads no lake files)."""
    row = con.execute(
        "select sql from duckdb_views() where schema_name = 'lake' and view_name = ? "
        "and database_name = current_database()",
        [DATASET],
    ).fetchall()
    if not row:
        return None
    m = re.search(r"read_parquet\('((?:[^']|'')*)/\*/\*\.parquet'", row[0][0])
    if not m:
        return None
    return Path(m.group(1).replace("''", "'")).parent


def _files(lake: Path, day: date) -> list[Path]:
    return sorted((lake / DATASET / f"business_date={day.isoformat()}").glob("*.parquet"))


def day_files_relation(lake: Path, lo: date, hi: date) -> str | None:
    """``read_parquet`` of the transfers files of days ``[lo, hi]`` (None if there are none)."""
    days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
    files = [str(f) for d in days for f in _files(lake, d)]
    if not files:
        return None
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"read_parquet([{listed}], hive_partitioning = false, union_by_name = true)"


def day_version(lake: Path, day: date) -> str:
    """Digest of the day's lake files (name, size, mtime) and the stored format."""
    h = hashlib.sha256(f"{FORMAT}|{duckdb.__version__}".encode())
    for f in _files(lake, day):
        st = f.stat()
        h.update(f"|{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


def _create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists aml")
    con.execute(
        f"""create table if not exists {PAIR_DAY} (payer ubigint, payee ubigint,
        business_date date, n bigint, paise bigint, cash_paise bigint)"""
    )
    con.execute(
        f"""create table if not exists {ACCT_DAY} (ix ubigint, business_date date, in_n bigint,
        in_paise bigint, out_n bigint, out_paise bigint, payers bigint, payees bigint,
        cash_in_paise bigint)"""
    )
    con.execute(
        f"""create table if not exists {DAYS} (business_date date primary key, version varchar,
        built_at timestamptz)"""
    )


def stale_days(con: duckdb.DuckDBPyConnection, lake: Path, lo: date, hi: date) -> list[date]:
    """Days of ``[lo, hi]`` not stored, or stored from files the lake no longer holds."""
    _create(con)
    stored = dict(
        con.execute(
            f"select business_date, version from {DAYS} where business_date between ? and ?",
            [lo, hi],
        ).fetchall()
    )
    days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
    return [d for d in days if stored.get(d) != day_version(lake, d)]


def build_days(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    days: list[date],
    progress: Callable[[str], None] | None = None,
) -> None:
    """Group ``days``' completed transfers from the lake and store them (replacing the days)."""
    if not days:
        return
    msg = (
        f"AML history: grouping {len(days)} business day(s) from the lake "
        f"({days[0]} … {days[-1]}); stored for the next runs"
    )
    log.info(msg)
    if progress:
        progress(msg)
    _create(con)
    versions = [(d, day_version(lake, d)) for d in days]
    files = [str(f) for d in days for f in _files(lake, d)]
    in_days = ", ".join(f"DATE '{d.isoformat()}'" for d in days)
    con.begin()
    try:
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(
                f"""create or replace temp table aml_new_pair_day as
                select hash(payer_account_id) as payer, hash(payee_account_id) as payee,
                    business_date, count(*)::bigint as n, sum(amount_paise)::bigint as paise,
                    coalesce(sum(amount_paise) filter (where is_cash), 0)::bigint as cash_paise
                from read_parquet([{listed}], hive_partitioning = false, union_by_name = true)
                where status = 'completed' and business_date in ({in_days})
                group by all"""
            )
        else:
            con.execute(
                f"create or replace temp table aml_new_pair_day as select * from {PAIR_DAY} "
                "where false"
            )
        con.execute(f"delete from {PAIR_DAY} where business_date in ({in_days})")
        con.execute(f"delete from {ACCT_DAY} where business_date in ({in_days})")
        con.execute(f"insert into {PAIR_DAY} select * from aml_new_pair_day")
        con.execute(
            f"""insert into {ACCT_DAY}
            with credits as (
                select payee as ix, business_date, sum(n) as in_n, sum(paise) as in_paise,
                    count(*) as payers, sum(cash_paise) as cash_in_paise
                from aml_new_pair_day group by payee, business_date
            ), debits as (
                select payer as ix, business_date, sum(n) as out_n, sum(paise) as out_paise,
                    count(*) as payees
                from aml_new_pair_day group by payer, business_date
            )
            select ix, business_date, coalesce(in_n, 0)::bigint, coalesce(in_paise, 0)::bigint,
                coalesce(out_n, 0)::bigint, coalesce(out_paise, 0)::bigint,
                coalesce(payers, 0)::bigint, coalesce(payees, 0)::bigint,
                coalesce(cash_in_paise, 0)::bigint
            from credits full join debits using (ix, business_date)"""
        )
        con.execute(f"delete from {DAYS} where business_date in ({in_days})")
        con.executemany(f"insert into {DAYS} values (?, ?, now())", versions)
        con.execute("drop table aml_new_pair_day")
        con.commit()
    except Exception:
        con.rollback()
        raise


def prune(con: duckdb.DuckDBPyConnection, before: date) -> int:
    """Delete the stored days before ``before``; returns how many days went."""
    _create(con)
    (n,) = con.execute(f"select count(*) from {DAYS} where business_date < ?", [before]).fetchone()
    if n:
        con.begin()
        try:
            for table in (PAIR_DAY, ACCT_DAY, DAYS):
                con.execute(f"delete from {table} where business_date < ?", [before])
            con.commit()
        except Exception:
            con.rollback()
            raise
        log.info("AML history: %d stored day(s) before %s deleted", n, before)
    return int(n)


def ensure(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    lo: date,
    hi: date,
    progress: Callable[[str], None] | None = None,
) -> list[date]:
    """Make ``[lo, hi]``'s stored days match the lake, and delete stored days older than
    ``RETAIN_DAYS`` before ``lo``; returns the days (re)built."""
    days = stale_days(con, lake, lo, hi)
    build_days(con, lake, days, progress)
    prune(con, lo - timedelta(days=RETAIN_DAYS))
    return days

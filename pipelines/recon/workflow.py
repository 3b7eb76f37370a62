"""The break workflow finance works: status, assignee and reason per break, outside dbt.

Statuses: open, investigating, resolved (with a reason), written_off (with a reason). A row is
keyed by the break's stable ``break_id``, so decisions survive every rebuild; the amount at risk
when the decision was taken is kept, and the break reopens if that amount later changes. Every
action is appended to ``workflow.break_events`` (who, what, when).

The OLTP database owns the decisions (``api.recon.breaks``, used by the CLI and the API alike);
the warehouse keeps a copy in ``workflow.break_status`` / ``workflow.break_events`` for dbt to
join by ``break_id``, refreshed by ``refresh_from_oltp`` before every recon run. Decisions taken
before the OLTP owned them (warehouse only) are adopted into the OLTP on the first refresh.
``set_status`` (warehouse only) remains for tests of the dbt join.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

STATUSES = ("open", "investigating", "resolved", "written_off")
NEEDS_REASON = ("resolved", "written_off")

DDL = (
    "create schema if not exists workflow",
    """create table if not exists workflow.break_status (
        break_id varchar primary key, status varchar not null, reason varchar,
        assignee varchar, amount_at_risk_paise bigint, updated_at timestamptz)""",
    """create table if not exists workflow.break_events (
        break_id varchar not null, action varchar not null, status varchar, reason varchar,
        assignee varchar, comment varchar, actor varchar, happened_at timestamptz)""",
)


class WorkflowError(ValueError):
    """A workflow action that cannot be taken (unknown break, missing reason, bad status)."""


class DecisionClosed(WorkflowError):
    """The break already carries a final decision (resolved or written off) for its current
    amount: an audited decision is not overwritten; reopen the break first."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL:
        con.execute(stmt)


def set_status(
    con: duckdb.DuckDBPyConnection,
    break_id: str,
    status: str,
    *,
    reason: str | None = None,
    assignee: str | None = None,
    comment: str | None = None,
    actor: str = "cli",
) -> None:
    """Record an analyst's decision on a break that is in the current break queue."""
    if status not in STATUSES:
        raise WorkflowError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if status in NEEDS_REASON and not (reason and reason.strip()):
        raise WorkflowError(f"a break is {status.replace('_', ' ')} only with a reason (--reason)")
    ensure_tables(con)
    row = con.execute(
        "select amount_at_risk_paise from marts.fct_recon_breaks where break_id = ?", [break_id]
    ).fetchone()
    if row is None:
        raise WorkflowError(
            f"no break {break_id!r} in the current break queue (run `hisaab recon`)"
        )
    now = datetime.now(UTC)
    con.execute(
        """insert into workflow.break_status values (?, ?, ?, ?, ?, ?)
           on conflict (break_id) do update set status = excluded.status,
             reason = excluded.reason, assignee = coalesce(excluded.assignee, break_status.assignee),
             amount_at_risk_paise = excluded.amount_at_risk_paise, updated_at = excluded.updated_at""",
        [break_id, status, reason, assignee, row[0], now],
    )
    con.execute(
        "insert into workflow.break_events values (?, ?, ?, ?, ?, ?, ?, ?)",
        [break_id, "set_status", status, reason, assignee, comment, actor, now],
    )


def _engine_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _utc(ts: datetime | str | None) -> datetime | None:
    """A UTC timestamp from either database (SQLite hands raw SQL timestamps back as text)."""
    if ts is None:
        return None
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


STATUS_COLS = "break_id, status, reason, assignee, amount_at_risk_paise, updated_at"
EVENT_COLS = "break_id, action, status, reason, assignee, comment, actor, happened_at"


def _fetch_decisions(oltp) -> tuple[list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    """Every decision and every audit event in the OLTP, timestamps in UTC."""
    from sqlalchemy import text

    statuses = oltp.execute(text(f"select {STATUS_COLS} from break_status")).fetchall()
    events = oltp.execute(text(f"select {EVENT_COLS} from break_events order by id")).fetchall()
    return (
        [(*r[:5], _utc(r[5])) for r in statuses],
        [(*r[:7], _utc(r[7])) for r in events],
    )


def oltp_decisions(oltp_url: str) -> tuple[list[tuple], list[tuple]] | None:
    """The OLTP's break decisions and events (rows in ``STATUS_COLS`` / ``EVENT_COLS`` order),
    or ``None`` when there is no OLTP database or it has no workflow tables yet."""
    from sqlalchemy import create_engine, inspect

    if oltp_url.startswith("sqlite:///") and not Path(oltp_url.removeprefix("sqlite:///")).exists():
        return None
    engine = create_engine(_engine_url(oltp_url))
    try:
        with engine.connect() as oltp:
            if not inspect(oltp).has_table("break_status"):
                return None
            return _fetch_decisions(oltp)
    finally:
        engine.dispose()


def refresh_from_oltp(con: duckdb.DuckDBPyConnection, oltp_url: str) -> int | None:
    """Copy the OLTP's break decisions into the warehouse for dbt; returns the decisions copied.

    ``None`` when there is no OLTP database or it has no workflow tables yet (nothing to copy;
    the warehouse keeps what it has). Legacy decisions that exist only in the warehouse are
    first adopted into the OLTP, so nothing an analyst decided is lost in the move.
    """
    from sqlalchemy import create_engine, inspect, text

    if oltp_url.startswith("sqlite:///") and not Path(oltp_url.removeprefix("sqlite:///")).exists():
        return None
    engine = create_engine(_engine_url(oltp_url))
    try:
        with engine.begin() as oltp:
            if not inspect(oltp).has_table("break_status"):
                return None
            ensure_tables(con)
            owned = oltp.execute(text("select count(*) from break_status")).scalar_one()
            if not owned:
                legacy = con.execute(f"select {STATUS_COLS} from workflow.break_status").fetchall()
                legacy_events = con.execute(
                    f"select {EVENT_COLS} from workflow.break_events order by happened_at"
                ).fetchall()
                for row in legacy:
                    oltp.execute(
                        text(
                            f"insert into break_status ({STATUS_COLS}) values "
                            "(:a, :b, :c, :d, :e, :f)"
                        ),
                        dict(
                            zip(
                                "abcdef", (*row[:5], _utc(row[5]) or datetime.now(UTC)), strict=True
                            )
                        ),
                    )
                for row in legacy_events:
                    oltp.execute(
                        text(
                            f"insert into break_events ({EVENT_COLS}) values "
                            "(:a, :b, :c, :d, :e, :f, :g, :h)"
                        ),
                        dict(
                            zip(
                                "abcdefgh",
                                (*row[:6], row[6] or "cli", _utc(row[7]) or datetime.now(UTC)),
                                strict=True,
                            )
                        ),
                    )
            statuses, events = _fetch_decisions(oltp)
    finally:
        engine.dispose()
    con.execute("begin")
    try:
        con.execute("delete from workflow.break_status")
        con.execute("delete from workflow.break_events")
        if statuses:
            con.executemany(
                "insert into workflow.break_status values (?, ?, ?, ?, ?, ?)",
                statuses,
            )
        if events:
            con.executemany(
                "insert into workflow.break_events values (?, ?, ?, ?, ?, ?, ?, ?)",
                events,
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(statuses)

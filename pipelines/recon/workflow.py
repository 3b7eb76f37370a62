"""The break workflow finance works: status, assignee and reason per break, outside dbt.

Statuses: open, investigating, resolved (with a reason), written_off (with a reason). A row is
keyed by the break's stable ``break_id``, so decisions survive every rebuild; the amount at risk
when the decision was taken is kept, and the break reopens if that amount later changes. Every
action is appended to ``workflow.break_events`` (who, what, when). Until the transaction core's
API owns this, it lives in the warehouse, written by the CLI only.
"""

from __future__ import annotations

from datetime import UTC, datetime

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

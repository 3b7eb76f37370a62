"""Reading the break queue from the warehouse (DuckDB, read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from api.errors import ApiError

#: A break's columns in ``marts.fct_recon_breaks`` (its own ``status`` is dbt's view of the
#: decisions copied at the last build; the queue below applies the OLTP's latest instead).
BREAK_COLUMNS = (
    "break_id",
    "kind",
    "recon",
    "severity",
    "amount_at_risk_paise",
    "first_seen_date",
    "age_business_days",
    "gateway",
    "merchant_id",
    "payment_id",
    "gateway_payment_id",
    "refund_id",
    "settlement_id",
    "settlement_utr",
    "payout_id",
    "bank_utr",
    "rrn",
    "ledger_amount_paise",
    "external_amount_paise",
    "detail",
)
_BREAK_COLUMNS = ", ".join(BREAK_COLUMNS)
COLUMNS = _BREAK_COLUMNS + ", status"


def _no_warehouse(warehouse: Path) -> ApiError:
    return ApiError(
        503,
        f"No reconciliation results at {warehouse}: run `hisaab recon` first",
        reason="warehouse_not_built",
        source="NA",
    )


def query_breaks(
    warehouse: Path, where: str = "1=1", params: list[Any] | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    if not Path(warehouse).exists():
        raise _no_warehouse(warehouse)
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            cur = con.execute(
                f"select {COLUMNS} from marts.fct_recon_breaks where {where} "
                f"order by amount_at_risk_paise desc, break_id limit {int(limit)}",
                params or [],
            )
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except duckdb.CatalogException:
        raise _no_warehouse(warehouse) from None


def get_break(warehouse: Path, break_id: str) -> dict[str, Any] | None:
    rows = query_breaks(warehouse, "break_id = ?", [break_id], limit=1)
    return rows[0] if rows else None


#: A decision as the OLTP database holds it: (break_id, status, reason, assignee, amount at risk
#: when decided). The queue below overlays these on the warehouse's breaks inside DuckDB.
Decision = tuple[str, str, str | None, str | None, int | None]

#: Ids an analyst searches by (the ``q`` filter: a case-insensitive substring of any of them).
SEARCH_COLUMNS = (
    "break_id",
    "payment_id",
    "gateway_payment_id",
    "settlement_utr",
    "bank_utr",
    "rrn",
    "merchant_id",
)
REOPENED_REASON = "reopened: amount at risk changed since the last decision"

# The break queue as finance sees it now: the latest decision applied, unless the amount at risk
# moved since a resolution or write-off (then the break is open again). The same rule as
# ``api.recon.breaks.is_reopened``, for the one break an action returns.
_QUEUE = f"""
with queue as (
    select {", ".join(f"b.{c}" for c in BREAK_COLUMNS)},
        d.status in ('resolved', 'written_off')
            and d.amount_at_risk_paise is distinct from b.amount_at_risk_paise as is_reopened,
        case
            when d.break_id is null then 'open'
            when d.status in ('resolved', 'written_off')
                 and d.amount_at_risk_paise is distinct from b.amount_at_risk_paise then 'open'
            else d.status
        end as decided_status,
        case
            when d.status in ('resolved', 'written_off')
                 and d.amount_at_risk_paise is distinct from b.amount_at_risk_paise
                then '{REOPENED_REASON}'
            else d.reason
        end as reason,
        d.assignee
    from marts.fct_recon_breaks b
    left join decisions d using (break_id)
)
"""


@dataclass(frozen=True)
class QueueFilter:
    """What the analyst narrowed the queue to; empty lists mean no filter on that column."""

    kinds: Sequence[str] = ()
    statuses: Sequence[str] = ()
    gateways: Sequence[str] = ()
    min_amount_paise: int = 0
    text: str = ""
    merchant_ids: Sequence[str] = ()
    assignees: Sequence[str] = ()
    min_age_business_days: int | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["1=1"], []
        for column, values in (
            ("kind", self.kinds),
            ("decided_status", self.statuses),
            ("gateway", self.gateways),
            ("merchant_id", self.merchant_ids),
            ("assignee", self.assignees),
        ):
            if values:
                clauses.append(f"{column} in ({', '.join('?' for _ in values)})")
                params += list(values)
        if self.min_amount_paise:
            clauses.append("amount_at_risk_paise >= ?")
            params.append(int(self.min_amount_paise))
        if self.min_age_business_days is not None:
            clauses.append("age_business_days >= ?")
            params.append(int(self.min_age_business_days))
        needle = self.text.strip().lower()
        if needle:
            clauses.append(
                "("
                + " or ".join(f"contains(lower(coalesce({c}, '')), ?)" for c in SEARCH_COLUMNS)
                + ")"
            )
            params += [needle] * len(SEARCH_COLUMNS)
        return " and ".join(clauses), params


@dataclass(frozen=True)
class QueuePage:
    total: int  # breaks matching the filter
    amount_at_risk_paise: int  # their amount at risk, all pages
    rows: list[dict[str, Any]]  # this page, largest amount at risk first


def _with_decisions(warehouse: Path, decisions: Sequence[Decision]) -> duckdb.DuckDBPyConnection:
    import pyarrow as pa

    if not Path(warehouse).exists():
        raise _no_warehouse(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    columns = list(zip(*decisions, strict=True)) if decisions else [[]] * 5
    con.register(
        "decisions",
        pa.table(
            {
                "break_id": pa.array(columns[0], pa.string()),
                "status": pa.array(columns[1], pa.string()),
                "reason": pa.array(columns[2], pa.string()),
                "assignee": pa.array(columns[3], pa.string()),
                "amount_at_risk_paise": pa.array(columns[4], pa.int64()),
            }
        ),
    )
    return con


def queue_page(
    warehouse: Path,
    decisions: Sequence[Decision],
    flt: QueueFilter,
    *,
    offset: int = 0,
    limit: int = 100,
) -> QueuePage:
    """One page of the filtered break queue, and the filter's total count and amount at risk,
    computed in DuckDB (the whole queue never leaves the warehouse)."""
    where, params = flt.where()
    con = _with_decisions(warehouse, decisions)
    try:
        total, at_risk = con.execute(
            f"{_QUEUE} select count(*), cast(coalesce(sum(amount_at_risk_paise), 0) as bigint) "
            f"from queue where {where}",
            params,
        ).fetchone()
        cur = con.execute(
            f"{_QUEUE} select {_BREAK_COLUMNS}, decided_status as status, reason, assignee, "
            "coalesce(is_reopened, false) as is_reopened "
            f"from queue where {where} "
            f"order by amount_at_risk_paise desc, break_id limit {int(limit)} offset {int(offset)}",
            params,
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except duckdb.CatalogException:
        raise _no_warehouse(warehouse) from None
    finally:
        con.close()
    return QueuePage(int(total), int(at_risk), rows)


def queue_summary(warehouse: Path, decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """Breaks and amount at risk per kind, status, first-seen date and age (a few hundred rows
    at most): what the recon overview charts, aggregated in DuckDB."""
    con = _with_decisions(warehouse, decisions)
    try:
        cur = con.execute(
            f"{_QUEUE} select kind, decided_status as status, first_seen_date, "
            "age_business_days, count(*) as breaks, "
            "cast(sum(amount_at_risk_paise) as bigint) as amount_at_risk_paise "
            "from queue group by all order by all"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except duckdb.CatalogException:
        raise _no_warehouse(warehouse) from None
    finally:
        con.close()

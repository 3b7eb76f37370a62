"""Reading the break queue from the warehouse (DuckDB, read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from api.errors import ApiError

COLUMNS = (
    "break_id, kind, recon, severity, amount_at_risk_paise, first_seen_date, age_business_days, "
    "gateway, merchant_id, payment_id, gateway_payment_id, refund_id, settlement_id, "
    "settlement_utr, payout_id, bank_utr, rrn, ledger_amount_paise, external_amount_paise, "
    "detail, status"
)


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

"""Reading reconciliation results from the DuckDB warehouse, read-only.

The API never writes the warehouse (dbt owns it, one writer at a time); it opens it with
``read_only=True`` per call. No warehouse yet, or no recon marts in it, is a normal state for a
fresh install: callers get ``WarehouseState.available = False`` with a message saying what to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EMPTY_HINT = (
    "No reconciliation has run yet: run `hisaab ingest`, `hisaab extract` and `hisaab recon`."
)


@dataclass
class WarehouseState:
    available: bool
    message: str | None = None
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


PAYIN_COLUMNS = (
    "payment_id",
    "gateway",
    "match_status",
    "match_rule",
    "match_confidence",
    "gateway_payment_id",
    "gateway_amount_paise",
    "gateway_fee_paise",
    "gateway_tax_paise",
    "expected_settlement_date",
    "settlement_id",
    "settlement_utr",
    "settlement_date",
    "is_settled_late",
    "bank_match_status",
    "bank_utr",
)


def payin_recon(warehouse: Path, payment_ids: list[str]) -> WarehouseState:
    """``marts.fct_payin_recon`` rows for these payments, keyed by payment id."""
    if not payment_ids:
        return WarehouseState(available=True)
    if not warehouse.exists():
        return WarehouseState(available=False, message=EMPTY_HINT)
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # locked by a running dbt build, or not a DuckDB file
        return WarehouseState(available=False, message=f"The warehouse cannot be read now: {exc}")
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'fct_payin_recon'"
        ).fetchone()
        if not exists or not exists[0]:
            return WarehouseState(available=False, message=EMPTY_HINT)
        cols = ", ".join(PAYIN_COLUMNS)
        placeholders = ", ".join("?" for _ in payment_ids)
        cur = con.execute(
            f"select {cols} from marts.fct_payin_recon where payment_id in ({placeholders})",
            payment_ids,
        )
        rows = {}
        for values in cur.fetchall():
            row = dict(zip(PAYIN_COLUMNS, values, strict=True))
            for k, v in row.items():
                if hasattr(v, "isoformat"):
                    row[k] = v.isoformat()
            rows[row["payment_id"]] = row
        return WarehouseState(available=True, rows=rows)
    finally:
        con.close()

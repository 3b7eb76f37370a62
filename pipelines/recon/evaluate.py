"""Score the break queue against the simulator's ground truth: precision and recall per kind.

A reported break is a true positive when an injected discrepancy of the same kind has the same
key: the gateway payment id for payment-level kinds, our payment id for refunds and chargebacks,
the settlement id for settlement kinds, the bank UTR for unknown credits, the RRN for UPI and
the payout id for returned payouts. Reported breaks that match no injected discrepancy at all
(of any kind) are counted as ``unexplained_breaks``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.warehouse import query_frame

KEY_BY_KIND = {
    "missing_in_gateway": "gateway_payment_id",
    "missing_in_ledger": "gateway_payment_id",
    "amount_mismatch": "gateway_payment_id",
    "fee_mismatch": "gateway_payment_id",
    "tax_mismatch": "gateway_payment_id",
    "duplicate": "gateway_payment_id",
    "status_mismatch": "gateway_payment_id",
    "refund_unreconciled": "payment_id",
    "chargeback_unreconciled": "payment_id",
    "settlement_delayed": "settlement_id",
    "settlement_short": "settlement_id",
    "settlement_excess": "settlement_id",
    "unmatched_bank_credit": "bank_utr",
    "upi_deemed_unresolved": "rrn",
    "payout_returned": "payout_id",
}


def _keys(frame: pl.DataFrame, kind: str) -> set[str]:
    col = KEY_BY_KIND.get(kind)
    if col is None or col not in frame.columns:
        return set()
    return set(frame.filter(pl.col("kind") == kind)[col].drop_nulls().to_list())


def evaluate(breaks: pl.DataFrame, truth: pl.DataFrame) -> dict[str, Any]:
    """``{"kinds": {kind: {precision, recall, support, reported}}, "unexplained_breaks": k}``."""
    truth_breaks = truth.filter(pl.col("is_break"))
    kinds: dict[str, dict[str, float | int]] = {}
    for kind in sorted(set(truth_breaks["kind"].to_list()) | set(breaks["kind"].to_list())):
        expected = _keys(truth_breaks, kind)
        reported = _keys(breaks, kind)
        n_reported = breaks.filter(pl.col("kind") == kind).height
        tp = len(expected & reported)
        kinds[kind] = {
            "precision": round(tp / len(reported), 4)
            if reported
            else (1.0 if not expected else 0.0),
            "recall": round(tp / len(expected), 4) if expected else 1.0,
            "support": len(expected),
            "reported": n_reported,
        }
    every_truth_key: set[str] = set()
    for col in set(KEY_BY_KIND.values()):
        if col in truth.columns:
            every_truth_key |= set(truth[col].drop_nulls().to_list())
    unexplained = 0
    for row in breaks.iter_rows(named=True):
        col = KEY_BY_KIND.get(row["kind"])
        key = row.get(col) if col else None
        if key is None or key not in every_truth_key:
            unexplained += 1
    return {"kinds": kinds, "unexplained_breaks": unexplained}


def load_breaks(warehouse: Path) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return query_frame(con, "select * from marts.fct_recon_breaks")


def evaluate_world(warehouse: Path, truth_dir: Path) -> dict[str, Any]:
    truth = pl.read_parquet(truth_dir / "discrepancies.parquet")
    return evaluate(load_breaks(warehouse), truth)

"""UPI switch reports from our UPI PSP (sponsor bank), in NPCI's raw-data shape.

Two files per day under ``landing/upi_switch/<date>/``:

* ``upi_switch_report_<yyyymmdd>.csv`` — every UPI transaction we acquired that IST day through
  our own PSP: UPI transaction id, 12-digit RRN, payer and payee VPAs, amount in rupees,
  NPCI response code (``00`` approved, ``RB`` deemed approved, ``U30``/``ZM``/``Z9``/… declined)
  and status SUCCESS, FAILURE or DEEMED.
* ``upi_adjustment_report_<yyyymmdd>.csv`` — how deemed transactions resolved the next day:
  ``TCC`` (credit confirmed) or ``RET`` (returned to the payer).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.simulator.writers.common import ist, rupees

SOURCE = "upi_switch"
COLUMNS = (
    "upi_txn_id", "rrn", "txn_type", "txn_date", "txn_time", "payer_vpa", "payer_psp",
    "payee_vpa", "payee_name", "mcc", "amount", "response_code", "status", "merchant_ref",
)  # fmt: skip
ADJUSTMENT_COLUMNS = (
    "adj_date", "adj_type", "upi_txn_id", "rrn", "txn_date", "amount", "reason_code", "reason",
)  # fmt: skip


def file_name(on: date) -> str:
    return f"upi_switch_report_{on:%Y%m%d}.csv"


def adjustment_file_name(on: date) -> str:
    return f"upi_adjustment_report_{on:%Y%m%d}.csv"


def render(txns: pl.DataFrame) -> pl.DataFrame:
    """``txns``: our PSP's attempts with payer ``vpa``, ``merchant_vpa``, ``trade_name``, ``mcc``."""
    status = (
        pl.when(pl.col("gw_status") != "captured")
        .then(pl.lit("FAILURE"))
        .when(pl.col("upi_deemed"))
        .then(pl.lit("DEEMED"))
        .otherwise(pl.lit("SUCCESS"))
    )
    code = (
        pl.when(pl.col("gw_status") != "captured")
        .then(pl.col("error_code"))
        .when(pl.col("upi_deemed"))
        .then(pl.lit("RB"))
        .otherwise(pl.lit("00"))
    )
    return txns.select(
        upi_txn_id=pl.col("upi_txn_id"),
        rrn=pl.col("rrn"),
        txn_type=pl.lit("PAY"),
        txn_date=ist("gw_created_at", "%Y-%m-%d"),
        txn_time=ist("gw_created_at", "%H:%M:%S"),
        payer_vpa=pl.col("vpa"),
        payer_psp=pl.col("vpa").str.split("@").list.last(),
        payee_vpa=pl.col("merchant_vpa"),
        payee_name=pl.col("trade_name").str.to_uppercase(),
        mcc=pl.col("mcc"),
        amount=rupees("gw_amount_paise"),
        response_code=code,
        status=status,
        merchant_ref=pl.col("payment_id"),
    )


def render_adjustments(deemed: pl.DataFrame) -> pl.DataFrame:
    is_ret = pl.col("upi_final") == "RET"
    return deemed.select(
        adj_date=(pl.col("gw_business_date") + pl.duration(days=1)).dt.strftime("%Y-%m-%d"),
        adj_type=pl.col("upi_final"),
        upi_txn_id=pl.col("upi_txn_id"),
        rrn=pl.col("rrn"),
        txn_date=pl.col("gw_business_date").dt.strftime("%Y-%m-%d"),
        amount=rupees("gw_amount_paise"),
        reason_code=pl.when(is_ret).then(pl.lit("RET")).otherwise(pl.lit("TCC")),
        reason=pl.when(is_ret)
        .then(pl.lit("Credit to beneficiary not confirmed; amount returned to remitter"))
        .otherwise(pl.lit("Transaction credit confirmed by beneficiary bank")),
    )

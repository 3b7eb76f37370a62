"""PayU settlement report: one row per settled transaction, amounts in rupee decimals.

Fields follow PayU's settlement report (``payuid``, ``txnid``, ``mer_service_fee``,
``mer_service_tax``, ``mer_net_amount``, ``mer_utr``, …). ``txnid`` is the transaction id we sent
PayU (our payment id); ``payuid`` is PayU's own id. ``action`` is capture, refund or chargeback;
refunds and chargebacks carry a negative ``mer_net_amount``. Dates are IST.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.simulator.writers.common import ist, rupees

SOURCE = "payu"
COLUMNS = (
    "payuid", "txnid", "action", "submerchant_id", "transaction_date", "mode", "bankcode",
    "bank_ref_num", "amount", "mer_service_fee", "mer_service_tax", "mer_net_amount",
    "refund_id", "mer_utr", "settlement_date", "settlement_id",
)  # fmt: skip

_MODES = {"upi": "UPI", "netbanking": "NB", "wallet": "CASH"}


def file_name(settled_on: date) -> str:
    return f"payu_settlement_{settled_on:%d%m%Y}.csv"


def render(lines: pl.DataFrame) -> pl.DataFrame:
    is_pay = pl.col("line_type") == "payment"
    net = (
        pl.when(is_pay)
        .then(pl.col("amount_paise") - pl.col("fee_paise") - pl.col("tax_paise"))
        .otherwise(-pl.col("amount_paise"))
    )
    mode = (
        pl.when(pl.col("method") == "card")
        .then(pl.when(pl.col("card_type") == "credit").then(pl.lit("CC")).otherwise(pl.lit("DC")))
        .otherwise(pl.col("method").replace_strict(_MODES, default="UPI"))
    )
    return lines.select(
        payuid=pl.col("gateway_payment_id"),
        txnid=pl.col("payment_id"),
        action=pl.when(is_pay).then(pl.lit("capture")).otherwise(pl.col("line_type")),
        submerchant_id=pl.col("merchant_id"),
        transaction_date=ist("created_at", "%Y-%m-%d %H:%M:%S"),
        mode=mode,
        bankcode=pl.coalesce(pl.col("bank_code"), pl.col("card_network"), pl.col("wallet"))
        .str.to_uppercase()
        .fill_null(""),
        bank_ref_num=pl.col("rrn").fill_null(""),
        amount=rupees("amount_paise"),
        mer_service_fee=rupees("fee_paise"),
        mer_service_tax=rupees("tax_paise"),
        mer_net_amount=rupees(net),
        refund_id=pl.coalesce(pl.col("refund_id"), pl.col("chargeback_id")).fill_null(""),
        mer_utr=pl.col("settlement_utr"),
        settlement_date=pl.col("settled_on").dt.strftime("%Y-%m-%d"),
        settlement_id=pl.col("settlement_id"),
    )

"""Razorpay settlement recon report, as the Settlements → Recon export and API return it.

Columns follow Razorpay's published settlement recon fields. Amounts are integer paise;
``fee`` includes GST and ``tax`` is the GST inside it; timestamps are Unix epoch seconds.
Payments are credits (``credit = amount - fee``); refunds and dispute adjustments are debits.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.simulator.writers.common import epoch_seconds

SOURCE = "razorpay"
COLUMNS = (
    "entity_id", "type", "debit", "credit", "amount", "currency", "fee", "tax", "on_hold",
    "settled", "created_at", "settled_at", "settlement_id", "posted_at", "credit_type",
    "description", "notes", "payment_id", "settlement_utr", "order_id", "order_receipt",
    "method", "card_network", "card_issuer", "card_type", "dispute_id",
)  # fmt: skip


def file_name(settled_on: date) -> str:
    return f"razorpay_settlement_recon_{settled_on:%Y%m%d}.csv"


def render(lines: pl.DataFrame) -> pl.DataFrame:
    is_pay = pl.col("line_type") == "payment"
    fee_incl = pl.col("fee_paise") + pl.col("tax_paise")
    return lines.select(
        entity_id=pl.col("entity_id"),
        type=pl.when(is_pay)
        .then(pl.lit("payment"))
        .when(pl.col("line_type") == "refund")
        .then(pl.lit("refund"))
        .otherwise(pl.lit("adjustment")),
        debit=pl.when(is_pay).then(0).otherwise(pl.col("amount_paise")).cast(pl.String),
        credit=pl.when(is_pay).then(pl.col("amount_paise") - fee_incl).otherwise(0).cast(pl.String),
        amount=pl.col("amount_paise").cast(pl.String),
        currency=pl.lit("INR"),
        fee=fee_incl.cast(pl.String),
        tax=pl.col("tax_paise").cast(pl.String),
        on_hold=pl.lit("0"),
        settled=pl.lit("1"),
        created_at=epoch_seconds("created_at"),
        settled_at=epoch_seconds("settled_at"),
        settlement_id=pl.col("settlement_id"),
        posted_at=epoch_seconds("settled_at"),
        credit_type=pl.lit("default"),
        description=pl.when(pl.col("line_type") == "chargeback")
        .then(pl.lit("Chargeback debit"))
        .otherwise(pl.lit("")),
        notes=pl.format(
            '{{"merchant_id":"{}","hisaab_payment_id":"{}"}}',
            pl.col("merchant_id"),
            pl.col("payment_id"),
        ),
        payment_id=pl.col("gateway_payment_id"),
        settlement_utr=pl.col("settlement_utr"),
        order_id=pl.col("order_id"),
        order_receipt=pl.col("payment_id"),
        method=pl.col("method"),
        card_network=pl.col("card_network").fill_null(""),
        card_issuer=pl.col("card_issuer").fill_null(""),
        card_type=pl.col("card_type").fill_null(""),
        dispute_id=pl.col("chargeback_id").str.replace("^chb_", "disp_").fill_null(""),
    )

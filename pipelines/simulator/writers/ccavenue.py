"""CCAvenue settlement export.

CCAvenue publishes no specification of its settlement file, so this is the layout Hisaab
chose, modelled on the merchant panel's "Settlement Report" download:

=================  ===========================================================
column             meaning
=================  ===========================================================
Order No           our payment id (the merchant order number sent to CCAvenue)
Reference No       CCAvenue tracking id (12 digits)
Sub Account ID     our merchant id
Order Date         IST, ``dd-mm-yyyy HH:MM:SS``
Transaction Type   ``Sale``, ``Refund`` or ``Chargeback``
Payment Mode       Credit Card, Debit Card, Net Banking, Wallet, Unified Payments
Card Name          card network, bank or wallet name
Bank Ref No        RRN for UPI, otherwise blank
Amount             rupees with two decimals
Fees               CCAvenue's fee excluding GST, rupees
Tax                GST on the fee, rupees
Net Amount         Amount - Fees - Tax for sales; minus Amount for refunds and chargebacks
Settlement Date    ``dd-mm-yyyy``
Payout Reference   CCAvenue's settlement (payout) id
UTR No             the NEFT UTR of the settlement credit
Currency           INR
=================  ===========================================================
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.simulator.writers.common import ist, rupees

SOURCE = "ccavenue"
COLUMNS = (
    "Order No", "Reference No", "Sub Account ID", "Order Date", "Transaction Type",
    "Payment Mode", "Card Name", "Bank Ref No", "Amount", "Fees", "Tax", "Net Amount",
    "Settlement Date", "Payout Reference", "UTR No", "Currency",
)  # fmt: skip

_MODES = {"upi": "Unified Payments", "netbanking": "Net Banking", "wallet": "Wallet"}


def file_name(settled_on: date) -> str:
    return f"CCAvenue_Settlement_{settled_on:%d-%m-%Y}.csv"


def render(lines: pl.DataFrame) -> pl.DataFrame:
    is_pay = pl.col("line_type") == "payment"
    net = (
        pl.when(is_pay)
        .then(pl.col("amount_paise") - pl.col("fee_paise") - pl.col("tax_paise"))
        .otherwise(-pl.col("amount_paise"))
    )
    mode = (
        pl.when(pl.col("method") == "card")
        .then(
            pl.when(pl.col("card_type") == "credit")
            .then(pl.lit("Credit Card"))
            .otherwise(pl.lit("Debit Card"))
        )
        .otherwise(pl.col("method").replace_strict(_MODES, default="Unified Payments"))
    )
    return lines.select(
        pl.col("payment_id").alias("Order No"),
        pl.col("gateway_payment_id").alias("Reference No"),
        pl.col("merchant_id").alias("Sub Account ID"),
        ist("created_at", "%d-%m-%Y %H:%M:%S").alias("Order Date"),
        pl.col("line_type")
        .replace_strict({"payment": "Sale", "refund": "Refund", "chargeback": "Chargeback"})
        .alias("Transaction Type"),
        mode.alias("Payment Mode"),
        pl.coalesce(pl.col("card_network"), pl.col("bank_code"), pl.col("wallet"))
        .fill_null("")
        .alias("Card Name"),
        pl.col("rrn").fill_null("").alias("Bank Ref No"),
        rupees("amount_paise").alias("Amount"),
        rupees("fee_paise").alias("Fees"),
        rupees("tax_paise").alias("Tax"),
        rupees(net).alias("Net Amount"),
        pl.col("settled_on").dt.strftime("%d-%m-%Y").alias("Settlement Date"),
        pl.col("settlement_id").alias("Payout Reference"),
        pl.col("settlement_utr").alias("UTR No"),
        pl.lit("INR").alias("Currency"),
    )

"""Valid synthetic lake frames for the contract tests, built vectorised (millions of rows in ~1 s).

Each builder returns rows that keep every rule of their contract; tests then break one thing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

from data_contracts import duplicate_flag, load_contract

SHA = hashlib.sha256(b"landed file").hexdigest()
T0 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)


def with_ingest_columns(dataset: str, frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """What the ingest layer adds to a parser's output, in the contract's column order."""
    contract = load_contract(dataset)
    out = frame.with_columns(
        source=pl.lit(source),
        file_sha256=pl.lit(SHA),
        has_formula_text=pl.lit(False),
    ).with_columns(is_duplicate_in_file=duplicate_flag(contract))
    return out.select(contract.column_names)


def payu_lines(n: int, seed: int = 1) -> pl.DataFrame:
    """PayU settlement lines: ~90% captures, the rest refunds and chargebacks."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(np.array(["capture", "refund", "chargeback"]), n, p=[0.9, 0.08, 0.02])
    amount = rng.integers(100, 5_000_000, n)
    fee = amount * 145 // 10_000
    tax = fee * 18 // 100
    capture = kind == "capture"
    idx = np.arange(n)
    frame = pl.DataFrame(
        {
            "idx": idx,
            "action": kind,
            "amount_paise": amount,
            "service_fee_paise": np.where(capture, fee, 0),
            "service_tax_paise": np.where(capture, tax, 0),
            "net_amount_paise": np.where(capture, amount - fee - tax, -amount),
        }
    ).select(
        payuid=pl.col("idx").cast(pl.String).str.zfill(11),
        txnid=pl.concat_str(pl.lit("pay_"), pl.col("idx").cast(pl.String).str.zfill(14)),
        action="action",
        submerchant_id=pl.lit("mer_IO9idyW9wlAvNX"),
        transaction_at=pl.lit(T0, pl.Datetime("us", "UTC")),
        mode=pl.when(pl.col("action") == "capture").then(pl.lit("UPI")).otherwise(pl.lit("NB")),
        bankcode=pl.lit("HDFC"),
        bank_ref_num=(pl.col("idx") + 630_600_000_000).cast(pl.String),
        amount_paise="amount_paise",
        service_fee_paise="service_fee_paise",
        service_tax_paise="service_tax_paise",
        net_amount_paise="net_amount_paise",
        refund_id=pl.when(pl.col("action") == "refund").then(
            pl.concat_str(pl.lit("rfnd_"), pl.col("idx").cast(pl.String))
        ),
        mer_utr=pl.lit("HDFCN26307036053"),
        settlement_date=pl.lit(date(2026, 11, 3)),
        settlement_id=pl.lit("setl_sSwGOQajD8LaRM"),
        business_date=pl.lit(date(2026, 11, 2)),
        source_row=pl.col("idx") + 2,
    )
    return with_ingest_columns("payu_settlement_lines", frame, "payu")


def razorpay_lines() -> pl.DataFrame:
    """A payment (fee 8954 incl. GST 1366) and a chargeback adjustment."""
    ts = datetime(2026, 11, 2, 10, 24, 6, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "entity_id": ["pay_I9kUwGv2i70qvr", "chb_UoG14BuUuHzm9n"],
            "type": ["payment", "adjustment"],
            "debit_paise": [0, 363_699],
            "credit_paise": [412_591, 0],
            "amount_paise": [421_545, 363_699],
            "currency": ["INR", "INR"],
            "fee_paise": [8_954, 0],
            "tax_paise": [1_366, 0],
            "on_hold": [False, False],
            "settled": [True, True],
            "created_at": [ts, ts],
            "settled_at": [ts + timedelta(days=1)] * 2,
            "settlement_id": ["setl_rCzVo9M7eHTM6i"] * 2,
            "posted_at": [ts + timedelta(days=1)] * 2,
            "credit_type": ["default"] * 2,
            "description": [None, "Chargeback debit"],
            "notes": ["{}"] * 2,
            "payment_id": ["pay_I9kUwGv2i70qvr", "pay_seVzY7JjZzr27y"],
            "settlement_utr": ["YESBN26307120321"] * 2,
            "order_id": ["order_3gyyAMLHm17Pqh", "order_OZmBEzdSa78Oyj"],
            "order_receipt": ["pay_GKFg0fxI64NdAN", "pay_NZyz54ZdItff1H"],
            "method": ["card", "card"],
            "card_network": ["Mastercard", None],
            "card_issuer": ["Yes Bank", None],
            "card_type": ["credit", None],
            "dispute_id": [None, "disp_UoG14BuUuHzm9n"],
            "business_date": [date(2026, 11, 2)] * 2,
            "settlement_date": [date(2026, 11, 3)] * 2,
            "source_row": [2, 3],
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    ).with_columns(pl.col("settled_at", "posted_at").cast(pl.Datetime("us", "UTC")))
    return with_ingest_columns("razorpay_settlement_lines", frame, "razorpay")


def bank_statements() -> pl.DataFrame:
    """An MT940 day that balances, and an MT942 interim report (exempt from continuity)."""
    frame = pl.DataFrame(
        {
            "statement_id": ["STMT26110300002", "INTR26110300001"],
            "account_number": ["039305012345"] * 2,
            "account_servicer": ["ICIC0000393"] * 2,
            "currency": ["INR"] * 2,
            "statement_date": [date(2026, 11, 3)] * 2,
            "from_date": [date(2026, 11, 3)] * 2,
            "to_date": [date(2026, 11, 3)] * 2,
            "opening_balance_paise": [10_042_085_687, 10_042_085_687],
            "closing_balance_paise": [10_042_085_687, 0],
            "entry_count": [4, 1],
            "total_credits_paise": [7_849_354, 500],
            "total_debits_paise": [7_849_354, 0],
            "format": ["mt940", "mt942"],
            "format_version": [None, None],
            "business_date": [date(2026, 11, 3)] * 2,
            "source_row": [1, 1],
        },
        schema_overrides={"format_version": pl.String},
    )
    return with_ingest_columns("bank_statements", frame, "bank_icici")


def bank_statement_entries() -> pl.DataFrame:
    """A NEFT credit and an IMPS debit."""
    frame = pl.DataFrame(
        {
            "statement_id": ["STMT26110300002"] * 2,
            "entry_seq": [1, 2],
            "booking_date": [date(2026, 11, 3)] * 2,
            "value_date": [date(2026, 11, 3)] * 2,
            "amount_paise": [3_732_934, 4_116_420],
            "direction": ["CR", "DR"],
            "signed_amount_paise": [3_732_934, -4_116_420],
            "channel": ["NEFT", "IMPS"],
            "utr": ["HDFCN26307036053", "630710111482"],
            "bank_reference": ["ICIC261103000001", "ICIC261103000003"],
            "customer_reference": ["HDFCN26307036053", "630710111482"],
            "narration": ["NEFT CR-HDFC0000060-PAYU PAYMENTS", "IMPS-630710111482-PAYOUT"],
            "counterparty_name": ["PAYU PAYMENTS PRIVATE LIMITED", None],
            "counterparty_ifsc": ["HDFC0000060", None],
            "business_date": [date(2026, 11, 3)] * 2,
            "source_row": [1, 2],
        }
    )
    return with_ingest_columns("bank_statement_entries", frame, "bank_icici")


def upi_transactions() -> pl.DataFrame:
    """A SUCCESS and a DEEMED UPI PAY."""
    ts = datetime(2026, 11, 1, 18, 30, 42, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "upi_txn_id": ["HSBz7A8JOlwVn9INb", "HSBY2ZZHCzg8MAkUU"],
            "rrn": ["630600758978", "630600612289"],
            "txn_type": ["PAY", "PAY"],
            "txn_at": [ts, ts],
            "payer_vpa": ["9935481074@ybl", "divya.tiwari@okaxis"],
            "payer_psp": ["ybl", "okaxis"],
            "payee_vpa": ["gangaclasses.hisaab@axisbank", "saicablenetwork.hisaab@axisbank"],
            "payee_name": ["GANGA CLASSES", "SAI CABLE NETWORK"],
            "mcc": ["8299", "4900"],
            "amount_paise": [93_621, 362_800],
            "response_code": ["RB", "00"],
            "status": ["DEEMED", "SUCCESS"],
            "merchant_ref": ["pay_ouEG37aEON5f47", "pay_anaBqP00xRtdCy"],
            "business_date": [date(2026, 11, 2)] * 2,
            "source_row": [2, 3],
        },
        schema_overrides={"txn_at": pl.Datetime("us", "UTC")},
    )
    return with_ingest_columns("upi_switch_transactions", frame, "upi_switch")


def upi_adjustments() -> pl.DataFrame:
    """A TCC and a RET the day after their transactions."""
    frame = pl.DataFrame(
        {
            "adj_date": [date(2026, 11, 3)] * 2,
            "adj_type": ["TCC", "RET"],
            "upi_txn_id": ["HSBz7A8JOlwVn9INb", "HSBQBkjXxJrSrMcWU"],
            "rrn": ["630600758978", "630616574675"],
            "txn_date": [date(2026, 11, 2)] * 2,
            "amount_paise": [93_621, 1_181_200],
            "reason_code": ["TCC", "RET"],
            "reason": ["Transaction credit confirmed by beneficiary bank", "Credit not confirmed"],
            "business_date": [date(2026, 11, 3)] * 2,
            "source_row": [2, 3],
        }
    )
    return with_ingest_columns("upi_switch_adjustments", frame, "upi_switch")

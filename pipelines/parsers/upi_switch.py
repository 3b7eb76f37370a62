"""UPI switch reports from our UPI PSP (sponsor bank) -> ``upi_switch_transactions`` and
``upi_switch_adjustments``.

User need: the recon analyst matches every UPI transaction our PSP switched (by RRN and UPI
transaction id) to our ledger and to the gateway settlement, and follows deemed (``RB``)
transactions to their next-day resolution; so every row must reach the lake exactly (rupees to
integer paise, IST to UTC) or land in quarantine with a reason.

* ``parse`` — the daily switch report in NPCI's raw-data shape: ``upi_txn_id``, ``rrn``
  (12 digits, kept as text), ``txn_type`` (PAY/COLLECT), ``txn_date`` (``YYYY-MM-DD``) and
  ``txn_time`` (``HH:MM:SS``), both IST and combined into ``txn_at`` (UTC), ``payer_vpa``,
  ``payer_psp``, ``payee_vpa``, ``payee_name``, ``mcc``, ``amount`` (rupees),
  ``response_code`` (NPCI: ``00``, ``RB``, ``U30``, ... kept as text), ``status``
  (SUCCESS/FAILURE/DEEMED), ``merchant_ref``. ``business_date`` is the IST date of ``txn_at``.
* ``parse_adjustments`` — the adjustment report: ``adj_date``, ``adj_type`` (TCC/RET),
  ``upi_txn_id``, ``rrn``, ``txn_date``, ``amount`` (rupees), ``reason_code``, ``reason``.
  ``business_date`` is ``adj_date``.

Header names match case-insensitively; extra unknown columns are allowed and ignored; all the
columns above must be present. See ``pipelines.parsers.delimited`` for the rules every CSV parser
keeps (encodings, truncation, rejects).
"""

from __future__ import annotations

import polars as pl

from pipelines.parsers.base import ParsedFile
from pipelines.parsers.delimited import (
    Field,
    IstDate,
    Kind,
    Layout,
    header_looks_like,
    parse_delimited,
)

TABLE = "upi_switch_transactions"
ADJUSTMENT_TABLE = "upi_switch_adjustments"

LAYOUT = Layout(
    format="upi_switch_csv",
    table=TABLE,
    fields=(
        Field("upi_txn_id", "upi_txn_id", required=True),
        Field("rrn", "rrn", required=True),
        Field("txn_type", "txn_type", required=True),
        Field("txn_at", ("txn_date", "txn_time"), Kind.IST_TS, True, "%Y-%m-%d %H:%M:%S"),
        Field("payer_vpa", "payer_vpa", required=True),
        Field("payer_psp", "payer_psp"),
        Field("payee_vpa", "payee_vpa", required=True),
        Field("payee_name", "payee_name"),
        Field("mcc", "mcc"),
        Field("amount_paise", "amount", Kind.RUPEES, required=True),
        Field("response_code", "response_code", required=True),
        Field("status", "status", required=True),
        Field("merchant_ref", "merchant_ref"),
    ),
    derived=(("business_date", IstDate("txn_at")),),
)

ADJUSTMENT_LAYOUT = Layout(
    format="upi_adjustment_csv",
    table=ADJUSTMENT_TABLE,
    fields=(
        Field("adj_date", "adj_date", Kind.DATE, True, "%Y-%m-%d"),
        Field("adj_type", "adj_type", required=True),
        Field("upi_txn_id", "upi_txn_id", required=True),
        Field("rrn", "rrn", required=True),
        Field("txn_date", "txn_date", Kind.DATE, True, "%Y-%m-%d"),
        Field("amount_paise", "amount", Kind.RUPEES, required=True),
        Field("reason_code", "reason_code"),
        Field("reason", "reason"),
    ),
    derived=(("business_date", pl.col("adj_date")),),
)


def parse(data: bytes) -> ParsedFile:
    """UPI switch transaction report CSV -> ``upi_switch_transactions`` + rejects."""
    return parse_delimited(data, LAYOUT)


def parse_adjustments(data: bytes) -> ParsedFile:
    """UPI adjustment (TCC/RET) report CSV -> ``upi_switch_adjustments`` + rejects."""
    return parse_delimited(data, ADJUSTMENT_LAYOUT)


def looks_like(data: bytes) -> bool:
    """True if the header holds the switch report's columns (content sniffing, first 4 KB)."""
    return header_looks_like(data, LAYOUT)


def looks_like_adjustments(data: bytes) -> bool:
    """True if the header holds the adjustment report's columns (content sniffing, first 4 KB)."""
    return header_looks_like(data, ADJUSTMENT_LAYOUT)

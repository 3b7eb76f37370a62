"""PayU settlement report -> ``payu_settlement_lines``.

User need: the recon analyst matches every PayU capture, refund and chargeback to our ledger and
to the settlement UTR credited to our bank, and audits PayU's fee and GST per transaction; so
every line must reach the lake exactly (rupee decimals to integer paise, IST to UTC) or land in
quarantine with a reason.

Layout (PayU's settlement report fields): ``payuid``, ``txnid`` (the id we sent PayU),
``action`` (capture, refund, chargeback), ``submerchant_id``, ``transaction_date`` (IST,
``YYYY-MM-DD HH:MM:SS``), ``mode``, ``bankcode``, ``bank_ref_num``, ``amount``,
``mer_service_fee``, ``mer_service_tax``, ``mer_net_amount`` (negative for refunds and
chargebacks), ``refund_id``, ``mer_utr``, ``settlement_date`` (``YYYY-MM-DD``), ``settlement_id``.
Amounts are rupees with at most two decimals (Indian or Western digit grouping accepted).
Header names match case-insensitively; extra unknown columns are allowed and ignored; all the
columns above must be present. See ``pipelines.parsers.delimited`` for the rules every CSV parser
keeps (encodings, truncation, rejects). ``business_date`` is the IST date of the transaction.
"""

from __future__ import annotations

from pipelines.parsers.base import ParsedFile
from pipelines.parsers.delimited import (
    Field,
    IstDate,
    Kind,
    Layout,
    header_looks_like,
    parse_delimited,
)

TABLE = "payu_settlement_lines"

LAYOUT = Layout(
    format="payu_csv",
    table=TABLE,
    fields=(
        Field("payuid", "payuid", required=True),
        Field("txnid", "txnid", required=True),
        Field("action", "action", required=True),
        Field("submerchant_id", "submerchant_id"),
        Field("transaction_at", "transaction_date", Kind.IST_TS, True, "%Y-%m-%d %H:%M:%S"),
        Field("mode", "mode"),
        Field("bankcode", "bankcode"),
        Field("bank_ref_num", "bank_ref_num"),
        Field("amount_paise", "amount", Kind.RUPEES, required=True),
        Field("service_fee_paise", "mer_service_fee", Kind.RUPEES, required=True),
        Field("service_tax_paise", "mer_service_tax", Kind.RUPEES, required=True),
        Field("net_amount_paise", "mer_net_amount", Kind.RUPEES, required=True),
        Field("refund_id", "refund_id"),
        Field("mer_utr", "mer_utr", required=True),
        Field("settlement_date", "settlement_date", Kind.DATE, True, "%Y-%m-%d"),
        Field("settlement_id", "settlement_id"),
    ),
    derived=(("business_date", IstDate("transaction_at")),),
)


def parse(data: bytes) -> ParsedFile:
    """PayU settlement report CSV -> ``payu_settlement_lines`` + rejects."""
    return parse_delimited(data, LAYOUT)


def looks_like(data: bytes) -> bool:
    """True if the header holds PayU's settlement columns (content sniffing, first 4 KB)."""
    return header_looks_like(data, LAYOUT)

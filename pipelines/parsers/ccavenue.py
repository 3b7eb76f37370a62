"""CCAvenue settlement export -> ``ccavenue_settlement_lines``.

User need: the recon analyst matches every CCAvenue sale, refund and chargeback to our ledger
and to the payout UTR credited to our bank; so every line must reach the lake exactly (rupee
decimals to integer paise, IST to UTC) or land in quarantine with a reason.

CCAvenue publishes no specification of its settlement file; this is the layout Hisaab chose,
modelled on the merchant panel's "Settlement Report" download (the simulator's writer,
``pipelines.simulator.writers.ccavenue``, documents the same layout):

=================  ============================================  ========================
column             meaning                                       output column
=================  ============================================  ========================
Order No           our payment id (merchant order number)        order_no (required)
Reference No       CCAvenue tracking id (12 digits)              reference_no (required)
Sub Account ID     our merchant id                               sub_account_id
Order Date         IST, ``dd-mm-yyyy HH:MM:SS``                  order_at (UTC, required)
Transaction Type   ``Sale``, ``Refund`` or ``Chargeback``        transaction_type (required)
Payment Mode       Credit Card, Debit Card, Net Banking, ...     payment_mode
Card Name          card network, bank or wallet name             card_name
Bank Ref No        RRN for UPI, otherwise blank                  bank_ref_no
Amount             rupees, at most two decimals                  amount_paise (required)
Fees               CCAvenue's fee excluding GST, rupees          fees_paise (required)
Tax                GST on the fee, rupees                        tax_paise (required)
Net Amount         Amount - Fees - Tax for sales; -Amount for    net_amount_paise (required)
                   refunds and chargebacks
Settlement Date    ``dd-mm-yyyy``                                settlement_date (required)
Payout Reference   CCAvenue's settlement (payout) id             payout_reference (required)
UTR No             NEFT UTR of the settlement credit             utr_no (required)
Currency           INR                                           currency (required)
=================  ============================================  ========================

``business_date`` is the IST date of ``Order Date``. Header names match case-insensitively with
whitespace trimmed; extra unknown columns (e.g. a ``Channel`` column some panels add) are allowed
and ignored; all the columns above must be present. See ``pipelines.parsers.delimited`` for the
rules every CSV parser keeps (encodings, truncation, rejects).
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

TABLE = "ccavenue_settlement_lines"

LAYOUT = Layout(
    format="ccavenue_csv",
    table=TABLE,
    fields=(
        Field("order_no", "Order No", required=True),
        Field("reference_no", "Reference No", required=True),
        Field("sub_account_id", "Sub Account ID"),
        Field("order_at", "Order Date", Kind.IST_TS, True, "%d-%m-%Y %H:%M:%S"),
        Field("transaction_type", "Transaction Type", required=True),
        Field("payment_mode", "Payment Mode"),
        Field("card_name", "Card Name"),
        Field("bank_ref_no", "Bank Ref No"),
        Field("amount_paise", "Amount", Kind.RUPEES, required=True),
        Field("fees_paise", "Fees", Kind.RUPEES, required=True),
        Field("tax_paise", "Tax", Kind.RUPEES, required=True),
        Field("net_amount_paise", "Net Amount", Kind.RUPEES, required=True),
        Field("settlement_date", "Settlement Date", Kind.DATE, True, "%d-%m-%Y"),
        Field("payout_reference", "Payout Reference", required=True),
        Field("utr_no", "UTR No", required=True),
        Field("currency", "Currency", required=True),
    ),
    derived=(("business_date", IstDate("order_at")),),
)


def parse(data: bytes) -> ParsedFile:
    """CCAvenue settlement export CSV -> ``ccavenue_settlement_lines`` + rejects."""
    return parse_delimited(data, LAYOUT)


def looks_like(data: bytes) -> bool:
    """True if the header holds CCAvenue's settlement columns (content sniffing, first 4 KB)."""
    return header_looks_like(data, LAYOUT)

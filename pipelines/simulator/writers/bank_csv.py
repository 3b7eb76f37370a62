"""Indian bank CSV statement writer (HDFC-style net banking export).

User need: the finance / recon analyst reconciles escrow accounts whose bank offers only a net
banking download, not MT940 or camt.053. No public specification exists for these exports, so
this is the layout chosen, modelled on HDFC Bank's "Delimited" account statement download. The
bank-CSV parser reads exactly this layout.

File: UTF-8 with a byte-order mark, CRLF line endings, RFC 4180 quoting (a field containing a
comma, a quote or a line break is quoted, so ``"1,23,456.78"`` and narrations with commas
survive)::

    HDFC Bank                                          bank name
    HISAAB PAYMENTS PVT LTD ESCROW A/C                 account name
    Account No :,50200012345678
    IFSC :,HDFC0000240
    Statement From :,27/11/2026,To :,27/11/2026
                                                       blank line
    Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance
    27/11/2026,NEFT CR-...-YESBN52026331123,YESBN52026331123,27/11/2026,,"1,00,000.00",...
    ...                                                one row per entry, in statement order
                                                       blank line
    STATEMENT SUMMARY
    Opening Balance,Dr Count,Cr Count,Debits,Credits,Closing Bal
    "11,34,567.89",0,1,0.00,"1,00,000.00","12,34,567.89"

Dates are ``dd/mm/yyyy`` (``Date`` is the booking date, ``Value Dt`` the value date). Amounts
are rupees in Indian digit grouping with two decimals and no currency symbol
(``hisaab.money.format_inr``); a row fills either ``Withdrawal Amt.`` or ``Deposit Amt.`` and
leaves the other empty. ``Closing Balance`` is the running balance after the row, so
``opening + deposits - withdrawals`` chains row by row to the summary's ``Closing Bal``; a
negative (overdrawn) balance is written with a leading ``-``. ``Chq./Ref.No.`` holds the payment
reference the bank prints: the NEFT/RTGS UTR or the IMPS/UPI RRN.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from hisaab.money import format_inr
from pipelines.simulator.statements import Statement

HEADER = (
    "Date",
    "Narration",
    "Chq./Ref.No.",
    "Value Dt",
    "Withdrawal Amt.",
    "Deposit Amt.",
    "Closing Balance",
)
SUMMARY_TITLE = "STATEMENT SUMMARY"
SUMMARY_HEADER = ("Opening Balance", "Dr Count", "Cr Count", "Debits", "Credits", "Closing Bal")
BOM = "\ufeff"


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def _amount(paise: int) -> str:
    return format_inr(paise, symbol=False)


def _one_line(text: str) -> str:
    """Narrations are single-line in bank exports: fold any line break into a space."""
    return " ".join(text.split())


def render(statement: Statement) -> bytes:
    """Render one day's statement of one account as an HDFC-style CSV (UTF-8 BOM, CRLF)."""
    account = statement.account
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    day = _day(statement.statement_date)
    writer.writerow([account.bank_name])
    writer.writerow([account.account_name])
    writer.writerow(["Account No :", account.account_number])
    writer.writerow(["IFSC :", account.ifsc])
    writer.writerow(["Statement From :", day, "To :", day])
    writer.writerow([])
    writer.writerow(HEADER)

    balance = statement.opening_balance_paise
    for entry in statement.entries:
        balance += entry.signed_paise
        amount = _amount(entry.amount_paise)
        writer.writerow(
            [
                _day(entry.booking_date),
                _one_line(entry.narration),
                entry.utr,
                _day(entry.value_date),
                amount if entry.direction == "DR" else "",
                amount if entry.direction == "CR" else "",
                _amount(balance),
            ]
        )

    debit_count = sum(1 for e in statement.entries if e.direction == "DR")
    writer.writerow([])
    writer.writerow([SUMMARY_TITLE])
    writer.writerow(SUMMARY_HEADER)
    writer.writerow(
        [
            _amount(statement.opening_balance_paise),
            debit_count,
            len(statement.entries) - debit_count,
            _amount(statement.total_debits_paise),
            _amount(statement.total_credits_paise),
            _amount(statement.closing_balance_paise),
        ]
    )
    return (BOM + buffer.getvalue()).encode("utf-8")


def filename(statement: Statement) -> str:
    """``Acct_Statement_<account>_<ddmmyyyy>.csv`` (HDFC masks the account; we keep it whole)."""
    return (
        f"Acct_Statement_{statement.account.account_number}_{statement.statement_date:%d%m%Y}.csv"
    )

"""The bank-statement model shared by the MT940, camt.053 and Indian bank CSV writers.

The simulator builds, per escrow account and calendar day, one ``Statement`` (opening balance,
entries, closing balance); each writer renders it in its bank's format. Amounts are integer paise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Direction = Literal["CR", "DR"]
Channel = Literal["NEFT", "RTGS", "IMPS", "UPI", "OTHER"]
StatementFormat = Literal["bank_csv", "mt940", "camt053"]


@dataclass(frozen=True)
class BankAccount:
    """One of the aggregator's escrow (nodal) accounts and the format its bank sends."""

    source: str  # landing source name, e.g. "bank_hdfc"
    bank_name: str  # "HDFC Bank"
    bic: str  # "HDFCINBB"
    ifsc: str  # "HDFC0000240"
    account_number: str  # "50200012345678"
    account_name: str  # "HISAAB PAYMENTS PVT LTD ESCROW A/C"
    statement_format: StatementFormat
    opening_balance_paise: int
    currency: str = "INR"


@dataclass(frozen=True)
class StatementEntry:
    """One booked line of a statement."""

    booking_date: date
    value_date: date
    amount_paise: int  # always > 0; the sign is ``direction``
    direction: Direction
    channel: Channel
    utr: str  # the payment reference the bank prints: NEFT/RTGS UTR or IMPS/UPI RRN
    narration: str  # as the bank writes it, e.g. "NEFT CR-YESB0000001-RAZORPAY ...-UTR"
    counterparty_name: str
    counterparty_ifsc: str | None
    bank_reference: str  # the bank's own unique id for the entry (AcctSvcrRef)

    @property
    def signed_paise(self) -> int:
        return self.amount_paise if self.direction == "CR" else -self.amount_paise


@dataclass(frozen=True)
class Statement:
    """An account's statement for one day: opening + entries = closing."""

    account: BankAccount
    statement_date: date
    sequence_number: int  # statement number within the year, 1-based
    opening_balance_paise: int
    entries: tuple[StatementEntry, ...] = field(default_factory=tuple)

    @property
    def closing_balance_paise(self) -> int:
        return self.opening_balance_paise + sum(e.signed_paise for e in self.entries)

    @property
    def total_credits_paise(self) -> int:
        return sum(e.amount_paise for e in self.entries if e.direction == "CR")

    @property
    def total_debits_paise(self) -> int:
        return sum(e.amount_paise for e in self.entries if e.direction == "DR")

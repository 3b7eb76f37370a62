"""The payment gateways, the UPI PSP and the escrow accounts they settle into.

Success rates, latencies and error codes are by gateway and method, in the shape the routing
work (issue 6) will later learn from. Each gateway settles into one of the aggregator's escrow
accounts, and each escrow bank sends its statement in its own format.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.simulator.statements import BankAccount

METHODS = ("upi", "card", "netbanking", "wallet")
GATEWAY_NAMES = ("razorpay", "payu", "ccavenue")
UPI_PSP = "upi_psp"
ALL_ROUTES = (*GATEWAY_NAMES, UPI_PSP)


@dataclass(frozen=True)
class GatewayProfile:
    name: str
    legal_name: str  # as it appears in the bank narration of its settlement credit
    remitter_ifsc: str  # the gateway's settlement (nodal) account IFSC
    escrow_source: str  # which of our escrow accounts it credits
    success_rate: dict[str, float]  # by method: share of orders finally captured
    latency_ms_median: dict[str, int]
    errors: dict[str, tuple[tuple[str, str], ...]]  # method -> (code, reason) choices


_CARD_ERRORS = (
    ("BAD_REQUEST_ERROR", "payment_declined_by_issuer"),
    ("BAD_REQUEST_ERROR", "insufficient_funds"),
    ("BAD_REQUEST_ERROR", "authentication_failed"),
    ("GATEWAY_ERROR", "issuer_timeout"),
)
_UPI_ERRORS = (
    ("U30", "debit_failed_at_remitter_bank"),
    ("ZM", "invalid_mpin"),
    ("Z9", "insufficient_funds_in_account"),
    ("U69", "collect_request_expired"),
    ("XB", "remitter_bank_not_available"),
)
_NB_ERRORS = (
    ("BAD_REQUEST_ERROR", "payment_cancelled_by_customer"),
    ("GATEWAY_ERROR", "bank_technical_error"),
)
_WALLET_ERRORS = (
    ("BAD_REQUEST_ERROR", "insufficient_wallet_balance"),
    ("BAD_REQUEST_ERROR", "otp_verification_failed"),
)
_ERRORS = {
    "card": _CARD_ERRORS,
    "upi": _UPI_ERRORS,
    "netbanking": _NB_ERRORS,
    "wallet": _WALLET_ERRORS,
}

GATEWAYS: dict[str, GatewayProfile] = {
    "razorpay": GatewayProfile(
        name="razorpay",
        legal_name="RAZORPAY SOFTWARE PRIVATE LIMITED",
        remitter_ifsc="YESB0000001",
        escrow_source="bank_hdfc",
        success_rate={"upi": 0.91, "card": 0.88, "netbanking": 0.90, "wallet": 0.93},
        latency_ms_median={"upi": 1800, "card": 2400, "netbanking": 4200, "wallet": 1200},
        errors=_ERRORS,
    ),
    "payu": GatewayProfile(
        name="payu",
        legal_name="PAYU PAYMENTS PRIVATE LIMITED",
        remitter_ifsc="HDFC0000060",
        escrow_source="bank_icici",
        success_rate={"upi": 0.89, "card": 0.87, "netbanking": 0.88, "wallet": 0.92},
        latency_ms_median={"upi": 2000, "card": 2600, "netbanking": 4500, "wallet": 1300},
        errors=_ERRORS,
    ),
    "ccavenue": GatewayProfile(
        name="ccavenue",
        legal_name="INFIBEAM AVENUES LIMITED",
        remitter_ifsc="ICIC0000104",
        escrow_source="bank_axis",
        success_rate={"upi": 0.88, "card": 0.85, "netbanking": 0.87, "wallet": 0.90},
        latency_ms_median={"upi": 2200, "card": 2900, "netbanking": 4800, "wallet": 1500},
        errors=_ERRORS,
    ),
    UPI_PSP: GatewayProfile(
        name=UPI_PSP,
        legal_name="NPCI UPI SETTLEMENT",
        remitter_ifsc="RBIS0NPCI01",
        escrow_source="bank_hdfc",
        success_rate={"upi": 0.93, "card": 0.0, "netbanking": 0.0, "wallet": 0.0},
        latency_ms_median={"upi": 1500, "card": 0, "netbanking": 0, "wallet": 0},
        errors=_ERRORS,
    ),
}

ESCROW_ACCOUNTS: dict[str, BankAccount] = {
    "bank_hdfc": BankAccount(
        source="bank_hdfc",
        bank_name="HDFC Bank",
        bic="HDFCINBB",
        ifsc="HDFC0000240",
        account_number="50200061234567",
        account_name="HISAAB PAYMENTS PVT LTD ESCROW A/C",
        statement_format="bank_csv",
        opening_balance_paise=25_00_00_000_00,  # ₹25 crore float kept in escrow
    ),
    "bank_icici": BankAccount(
        source="bank_icici",
        bank_name="ICICI Bank",
        bic="ICICINBB",
        ifsc="ICIC0000393",
        account_number="039305012345",
        account_name="HISAAB PAYMENTS PVT LTD NODAL A/C",
        statement_format="mt940",
        opening_balance_paise=10_00_00_000_00,
    ),
    "bank_axis": BankAccount(
        source="bank_axis",
        bank_name="Axis Bank",
        bic="AXISINBB",
        ifsc="UTIB0000004",
        account_number="921020012345678",
        account_name="HISAAB PAYMENTS PVT LTD ESCROW A/C",
        statement_format="camt053",
        opening_balance_paise=8_00_00_000_00,
    ),
}

# NEFT above this goes by RTGS, as treasury teams do for large settlements and payouts.
RTGS_THRESHOLD_PAISE = 2_00_000_00

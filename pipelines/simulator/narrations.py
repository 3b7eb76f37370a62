"""Bank-statement narrations written the way Indian banks write them, and the UTR read back.

User need: the finance / recon analyst matches bank-statement lines to payouts and settlements by
the UTR (NEFT/RTGS) or RRN (IMPS/UPI) that the bank prints inside a free-text narration. The
simulator writes narrations with these functions so that the statement parsers and the recon
models meet the same shapes real HDFC/ICICI/Axis statements have; the parsers' one reader,
``pipelines.parsers.references.extract_utr``, finds the reference back in any of them.

Shapes (names upper-cased and cut to 35 characters, as core banking systems do):

==================  ==============================================================
NEFT credit         ``NEFT CR-<IFSC>-<REMITTER>-<BENEFICIARY>-<UTR>``
RTGS credit         ``RTGS CR-<IFSC>-<REMITTER>-<BENEFICIARY>-<UTR>``
NEFT debit          ``NEFT DR-<IFSC>-<NAME>-NETBANK, MUM-<UTR>-PAYOUT``
RTGS debit          ``RTGS DR-<IFSC>-<NAME>-NETBANK, MUM-<UTR>-PAYOUT``
IMPS debit          ``IMPS-<RRN>-<NAME>-<BANK CODE>-XXXXXXXX1234-PAYOUT``
UPI settlement      ``UPI SETTLEMENT <ddmmyy> NPCI-<UTR>``
NEFT return         ``NEFT RETURN-<UTR>-<REASON>``
unknown credit      ``NEFT CR-<IFSC>-<NAME>-<UTR>`` or ``BY CLG/<NAME>/<UTR>``
==================  ==============================================================

References: a NEFT UTR is 16 characters (4-letter bank code, ``N``, 11 alphanumerics), an RTGS
UTR 22 (4-letter bank code, ``R``, 17 alphanumerics), an IMPS/UPI RRN 12 digits.
"""

from __future__ import annotations

from datetime import date

NAME_MAX_CHARS = 35

NEFT_RETURN_REASONS = (
    "ACCOUNT DOES NOT EXIST",
    "ACCOUNT CLOSED",
    "INVALID IFSC",
    "BENEFICIARY NAME MISMATCH",
    "ACCOUNT FROZEN",
)


def _name(name: str) -> str:
    """Upper-case, collapse whitespace and cut to the 35 characters banks keep."""
    return " ".join(name.upper().split())[:NAME_MAX_CHARS].rstrip()


def _inward(prefix: str, remitter_ifsc: str, remitter_name: str, beneficiary: str, utr: str) -> str:
    return f"{prefix} CR-{remitter_ifsc.upper()}-{_name(remitter_name)}-{_name(beneficiary)}-{utr}"


def _outward(prefix: str, beneficiary_ifsc: str, beneficiary_name: str, utr: str) -> str:
    ifsc = beneficiary_ifsc.upper()
    return f"{prefix} DR-{ifsc}-{_name(beneficiary_name)}-NETBANK, MUM-{utr}-PAYOUT"


def neft_credit(remitter_ifsc: str, remitter_name: str, beneficiary_name: str, utr: str) -> str:
    """An inward NEFT credit, e.g. a gateway's settlement into the escrow account."""
    return _inward("NEFT", remitter_ifsc, remitter_name, beneficiary_name, utr)


def rtgs_credit(remitter_ifsc: str, remitter_name: str, beneficiary_name: str, utr: str) -> str:
    """An inward RTGS credit (₹2 lakh and above)."""
    return _inward("RTGS", remitter_ifsc, remitter_name, beneficiary_name, utr)


def neft_debit(beneficiary_ifsc: str, beneficiary_name: str, utr: str) -> str:
    """An outward NEFT payout from the escrow account, sent through net banking."""
    return _outward("NEFT", beneficiary_ifsc, beneficiary_name, utr)


def rtgs_debit(beneficiary_ifsc: str, beneficiary_name: str, utr: str) -> str:
    """An outward RTGS payout from the escrow account."""
    return _outward("RTGS", beneficiary_ifsc, beneficiary_name, utr)


def mask_account(account_number: str) -> str:
    """Print an account as eight ``X`` and its last four characters (``XXXXXXXX1234``)."""
    return "X" * 8 + (account_number[-4:] if account_number else "XXXX")


def imps_debit(
    rrn: str, beneficiary_name: str, beneficiary_ifsc: str, *, beneficiary_account: str = ""
) -> str:
    """An outward IMPS payout: the RRN, the payee, the payee bank's code and a masked account."""
    bank_code = beneficiary_ifsc.upper()[:4]
    masked = mask_account(beneficiary_account)
    return f"IMPS-{rrn}-{_name(beneficiary_name)}-{bank_code}-{masked}-PAYOUT"


def upi_settlement_credit(settlement_date: date, utr: str) -> str:
    """The UPI switch's daily settlement credit for a settlement date."""
    return f"UPI SETTLEMENT {settlement_date:%d%m%y} NPCI-{utr}"


def neft_return_credit(utr: str, reason: str) -> str:
    """An outward NEFT that came back; ``utr`` is the original payout's UTR."""
    return f"NEFT RETURN-{utr}-{' '.join(reason.upper().split())}"


def unknown_credit(remitter_name: str, utr: str, *, remitter_ifsc: str | None = None) -> str:
    """A credit nobody expected: a NEFT without beneficiary name, or a clearing credit."""
    if remitter_ifsc:
        return f"NEFT CR-{remitter_ifsc.upper()}-{_name(remitter_name)}-{utr}"
    return f"BY CLG/{_name(remitter_name)}/{utr}"

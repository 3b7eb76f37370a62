"""Narrations read like Indian bank statements, and the UTR/RRN is always found back in them."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.parsers.references import extract_utr
from pipelines.simulator import narrations as n

NEFT_UTR = "YESBN52026331001"  # 4-letter bank code + N + 11
RTGS_UTR = "ICICR52026112700012345"  # 4-letter bank code + R + 17
RRN = "633112345678"  # IMPS / UPI: 12 digits

NARRATIONS = {
    "neft_credit": (
        n.neft_credit("YESB0000001", "Razorpay Software Pvt Ltd", "Hisaab Escrow", NEFT_UTR),
        NEFT_UTR,
    ),
    "rtgs_credit": (
        n.rtgs_credit("ICIC0000104", "PayU Payments Pvt Ltd", "Hisaab Escrow", RTGS_UTR),
        RTGS_UTR,
    ),
    "neft_debit": (n.neft_debit("SBIN0001234", "Sharma Kirana Stores", NEFT_UTR), NEFT_UTR),
    "rtgs_debit": (n.rtgs_debit("SBIN0001234", "Sharma Kirana Stores", RTGS_UTR), RTGS_UTR),
    "imps_debit": (
        n.imps_debit(RRN, "Priya Nair", "UTIB0000123", beneficiary_account="917010012345678"),
        RRN,
    ),
    "upi_settlement_credit": (n.upi_settlement_credit(date(2026, 11, 27), RRN), RRN),
    "upi_settlement_credit_by_neft": (
        n.upi_settlement_credit(date(2026, 11, 27), NEFT_UTR),
        NEFT_UTR,
    ),
    "neft_return_credit": (n.neft_return_credit(NEFT_UTR, "ACCOUNT DOES NOT EXIST"), NEFT_UTR),
    "unknown_credit_neft": (
        n.unknown_credit("Some Unknown Remitter", NEFT_UTR, remitter_ifsc="KKBK0000958"),
        NEFT_UTR,
    ),
    "unknown_credit_clearing": (n.unknown_credit("Some Unknown Remitter", RRN), RRN),
}


@pytest.mark.parametrize("kind", sorted(NARRATIONS))
def test_extract_utr_finds_the_reference_back_in_every_narration_kind(kind: str) -> None:
    narration, utr = NARRATIONS[kind]
    assert extract_utr(narration) == utr


def test_neft_credit_narration_follows_the_bank_layout() -> None:
    text = n.neft_credit("yesb0000001", "Razorpay Software Pvt Ltd", "Hisaab Escrow", NEFT_UTR)
    assert text == f"NEFT CR-YESB0000001-RAZORPAY SOFTWARE PVT LTD-HISAAB ESCROW-{NEFT_UTR}"


def test_rtgs_credit_narration_starts_with_rtgs_cr() -> None:
    assert NARRATIONS["rtgs_credit"][0].startswith("RTGS CR-ICIC0000104-PAYU PAYMENTS PVT LTD-")


def test_outward_neft_narration_names_the_channel_and_payout() -> None:
    text = n.neft_debit("SBIN0001234", "Sharma Kirana Stores", NEFT_UTR)
    assert text == f"NEFT DR-SBIN0001234-SHARMA KIRANA STORES-NETBANK, MUM-{NEFT_UTR}-PAYOUT"
    assert n.rtgs_debit("SBIN0001234", "X", RTGS_UTR).startswith("RTGS DR-SBIN0001234-X-")


def test_counterparty_names_are_upper_cased_and_cut_to_35_characters() -> None:
    long_name = "Sharma Kirana and General Stores Andheri East Mumbai"
    text = n.neft_debit("SBIN0001234", long_name, NEFT_UTR)
    name = text.split("-")[2]
    assert name == long_name.upper()[:35].rstrip()
    assert len(name) <= n.NAME_MAX_CHARS


def test_imps_narration_masks_the_account_and_keeps_the_bank_code() -> None:
    text = n.imps_debit(RRN, "Priya Nair", "UTIB0000123", beneficiary_account="917010012345678")
    assert text == f"IMPS-{RRN}-PRIYA NAIR-UTIB-XXXXXXXX5678-PAYOUT"
    assert "917010012345678" not in text


def test_upi_settlement_narration_carries_the_settlement_date_as_ddmmyy() -> None:
    assert n.upi_settlement_credit(date(2026, 1, 5), RRN) == f"UPI SETTLEMENT 050126 NPCI-{RRN}"


def test_neft_return_narration_carries_the_original_utr_and_reason() -> None:
    for reason in n.NEFT_RETURN_REASONS:
        text = n.neft_return_credit(NEFT_UTR, reason)
        assert text == f"NEFT RETURN-{NEFT_UTR}-{reason}"


def test_unknown_credit_without_ifsc_reads_as_a_clearing_credit() -> None:
    assert n.unknown_credit("abc traders", RRN) == f"BY CLG/ABC TRADERS/{RRN}"


def test_extract_utr_prefers_the_rtgs_utr_over_shorter_references() -> None:
    text = f"RTGS CR-ICIC0000104-PAYU-{RTGS_UTR}-REF {RRN}"
    assert extract_utr(text) == RTGS_UTR


@pytest.mark.parametrize(
    "narration",
    [
        "ATM WDL-HDFC0000240-MUMBAI",  # an IFSC is not a UTR
        "NEFT CR-HDFC0000240-CONSTANTINOPLEAN-TRADERS",  # a 16-letter word with N 5th
        "SALARY 12345678901",  # 11 digits is not an RRN
        "CHQ DEP 1234567890123",  # 13 digits is not an RRN either
    ],
)
def test_extract_utr_returns_none_when_no_reference_is_present(narration: str) -> None:
    assert extract_utr(narration) is None


def test_extract_utr_reads_lower_case_narrations() -> None:
    assert extract_utr(f"neft cr-{NEFT_UTR.lower()}") == NEFT_UTR

"""Money is integer paise: exact parsing, Indian formatting, one rounding rule for MDR and GST."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hisaab.money import (
    MoneyError,
    fee_with_gst,
    format_inr,
    gst_inside,
    gst_on,
    gst_on_array,
    mdr_fee,
    mdr_fee_array,
    paise_to_rupees,
    parse_rupees,
)

paise = st.integers(min_value=-(10**15), max_value=10**15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,23,456.78", 12_345_678),
        ("₹1,23,456.78", 12_345_678),
        ("INR 4,999", 4_99_900),
        ("Rs. 10.5", 1_050),
        ("1,234,567.00", 123_456_700),
        ("-12.34", -1_234),
        ("0.01", 1),
        ("12,34,56,789.05", 12_34_56_789_05),
    ],
)
def test_rupee_strings_parse_to_exact_paise(text: str, expected: int) -> None:
    assert parse_rupees(text) == expected


@pytest.mark.parametrize(
    "text", ["12.345", "1,2,3", "12,3456.00", "1e3", "", "abc", "12.3.4", "NaN", "1,23,4567.00"]
)
def test_inexact_or_malformed_rupee_strings_are_rejected(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_rupees(text)


def test_indian_formatting_groups_lakhs_and_crores() -> None:
    assert format_inr(12_345_678) == "₹1,23,456.78"
    assert format_inr(12_34_56_789_05) == "₹12,34,56,789.05"
    assert format_inr(99_900) == "₹999.00"
    assert format_inr(-1_00_000_00) == "-₹1,00,000.00"
    assert format_inr(5, symbol=False) == "0.05"


@given(paise)
def test_formatted_amount_parses_back_to_the_same_paise(p: int) -> None:
    assert parse_rupees(format_inr(p)) == p
    assert parse_rupees(format_inr(p, symbol=False)) == p
    assert parse_rupees(paise_to_rupees(p)) == p


@given(paise)
def test_plain_rupee_string_matches_decimal(p: int) -> None:
    assert Decimal(paise_to_rupees(p)) * 100 == p


@given(st.integers(0, 10**12), st.integers(0, 500))
def test_mdr_fee_rounds_half_up_like_decimal(amount: int, bps: int) -> None:
    exact = (Decimal(amount) * bps / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert mdr_fee(amount, bps) == int(exact)
    assert int(mdr_fee_array(np.array([amount]), bps)[0]) == int(exact)


@given(st.integers(0, 10**12))
def test_gst_is_18_percent_of_the_fee_rounded_half_up(fee: int) -> None:
    exact = (Decimal(fee) * 18 / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert gst_on(fee) == int(exact)
    assert int(gst_on_array(np.array([fee]))[0]) == int(exact)


@given(st.integers(0, 10**12))
def test_cgst_and_sgst_add_back_to_the_gst_exactly(fee: int) -> None:
    split = fee_with_gst(fee * 100, 100)
    assert split.cgst_paise + split.sgst_paise == split.gst_paise
    assert 0 <= split.sgst_paise - split.cgst_paise <= 1


def test_gst_on_a_card_payment_of_4999_rupees_at_190_bps() -> None:
    split = fee_with_gst(4_99_900, 190)
    assert split.fee_paise == 9_498  # 499900 * 0.019 = 9498.1 -> 9498
    assert split.gst_paise == 1_710  # 9498 * 0.18 = 1709.64 -> 1710
    assert gst_inside(split.total_paise) == 1_710

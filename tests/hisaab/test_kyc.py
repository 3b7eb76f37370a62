"""Onboarding identifier checks: PAN, GSTIN, IFSC and UPI VPA."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.in_ import gstin as stdnum_gstin
from stdnum.in_ import pan as stdnum_pan

from hisaab.kyc import (
    GST_STATE_CODES,
    GSTIN_ALPHABET,
    KycError,
    gstin_check_char,
    is_valid_gstin,
    is_valid_ifsc,
    is_valid_pan,
    is_valid_vpa,
    make_gstin,
    validate_gstin,
    validate_ifsc,
    validate_pan,
    validate_vpa,
)

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
pans = st.builds(
    lambda head, kind, initial, seq, last: f"{head}{kind}{initial}{seq:04d}{last}",
    st.text(UPPER, min_size=3, max_size=3),
    st.sampled_from("ABCFGHJLPT"),
    st.sampled_from(UPPER),
    st.integers(1, 9999),
    st.sampled_from(UPPER),
)


# --- PAN --------------------------------------------------------------------------------------


@pytest.mark.parametrize("pan", ["AAPFU0939F", "AAACR5055K", "ABCPS1234Z", "BNZAA2318J"])
def test_real_shaped_pans_are_valid(pan: str) -> None:
    assert is_valid_pan(pan)
    assert validate_pan(pan) == pan


@pytest.mark.parametrize(
    ("pan", "reason"),
    [
        ("AAPFU0939", "10 characters"),
        ("AAPFU0939FF", "10 characters"),
        ("AAPF10939F", "5 upper-case letters"),
        ("aapfu0939f", "upper case"),
        ("ABMXA3211G", "holder type"),  # X is not a holder type
        ("AAPFU0000F", "0000"),
    ],
)
def test_malformed_pan_is_rejected_with_the_reason(pan: str, reason: str) -> None:
    assert not is_valid_pan(pan)
    with pytest.raises(KycError, match=reason):
        validate_pan(pan)


def test_non_string_is_not_a_pan() -> None:
    assert not is_valid_pan(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a string"):
        validate_pan(1234567890)  # type: ignore[arg-type]


@given(pans)
def test_pan_check_agrees_with_python_stdnum(pan: str) -> None:
    assert is_valid_pan(pan) == stdnum_pan.is_valid(pan) is True


# --- GSTIN ------------------------------------------------------------------------------------


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZV", "33AAACH7409R1Z8", "24AAACC1206D1ZM"])
def test_known_good_gstins_are_valid(gstin: str) -> None:
    assert is_valid_gstin(gstin)
    assert validate_gstin(gstin) == gstin


def test_check_character_of_the_stdnum_example() -> None:
    assert gstin_check_char("27AAPFU0939F1Z") == "V"
    assert make_gstin("27", "AAPFU0939F") == "27AAPFU0939F1ZV"


@pytest.mark.parametrize(("state", "name"), [("38", "Ladakh"), ("97", "Other"), ("99", "Centre")])
def test_state_codes_python_stdnum_does_not_know_are_accepted(state: str, name: str) -> None:
    gstin = make_gstin(state, "AAPFU0939F")
    assert name in GST_STATE_CODES[state]
    assert not stdnum_gstin.is_valid(gstin)  # the gap this module fills
    assert is_valid_gstin(gstin)


def test_ladakh_gstin_with_a_bad_check_character_is_rejected() -> None:
    good = make_gstin("38", "AAPFU0939F")
    bad = good[:14] + ("A" if good[14] != "A" else "B")
    with pytest.raises(KycError, match="check character"):
        validate_gstin(bad)


@pytest.mark.parametrize(
    ("gstin", "reason"),
    [
        ("27AAPFU0939F1ZO", "check character"),
        ("27AAPFU0939F1Z", "15 characters"),
        ("369296450896540", "2 digits"),
        ("27AAPFU0939F1AA", "14th character"),
        ("27AAPFU0939F0ZV", "13th character"),
        ("00AAPFU0939F1ZV", "state code"),
        ("40AAPFU0939F1ZV", "state code"),
        ("27AAPXU0939F1ZV", "PAN"),
        ("27aapfu0939f1zv", "upper case"),
    ],
)
def test_bad_gstin_is_rejected_with_the_reason(gstin: str, reason: str) -> None:
    assert not is_valid_gstin(gstin)
    with pytest.raises(KycError, match=reason):
        validate_gstin(gstin)


@given(st.sampled_from(sorted(GST_STATE_CODES)), pans, st.sampled_from(GSTIN_ALPHABET[1:]))
def test_made_gstins_are_valid_and_agree_with_stdnum(state: str, pan: str, entity: str) -> None:
    gstin = make_gstin(state, pan, entity)
    assert is_valid_gstin(gstin)
    assert gstin[2:12] == pan
    if state not in {"38", "97", "99"}:
        assert stdnum_gstin.is_valid(gstin)


@given(
    st.sampled_from(sorted(GST_STATE_CODES)),
    pans,
    st.integers(0, 14),
    st.sampled_from(GSTIN_ALPHABET),
)
def test_any_single_character_change_is_caught(state: str, pan: str, pos: int, c: str) -> None:
    gstin = make_gstin(state, pan)
    typo = gstin[:pos] + c + gstin[pos + 1 :]
    if typo != gstin:
        assert not is_valid_gstin(typo)


def test_make_gstin_refuses_bad_parts() -> None:
    with pytest.raises(KycError, match="state code"):
        make_gstin("40", "AAPFU0939F")
    with pytest.raises(KycError, match="PAN"):
        make_gstin("27", "AAPXU0939F")
    with pytest.raises(KycError, match="registration number"):
        make_gstin("27", "AAPFU0939F", "0")
    with pytest.raises(KycError, match="14 characters"):
        gstin_check_char("27AAPFU0939F1")


# --- IFSC -------------------------------------------------------------------------------------


@pytest.mark.parametrize("ifsc", ["HDFC0000240", "SBIN0001234", "UTIB0000007", "KKBK0ABC123"])
def test_well_formed_ifsc_is_valid(ifsc: str) -> None:
    assert is_valid_ifsc(ifsc)
    assert validate_ifsc(ifsc) == ifsc


@pytest.mark.parametrize(
    ("ifsc", "reason"),
    [
        ("HDFC000024", "11 characters"),
        ("HDFC1000240", "5th character"),
        ("HDF00000240", "4 upper-case letters"),
        ("hdfc0000240", "upper case"),
        ("HDFC0-00240", "branch code"),
    ],
)
def test_malformed_ifsc_is_rejected_with_the_reason(ifsc: str, reason: str) -> None:
    assert not is_valid_ifsc(ifsc)
    with pytest.raises(KycError, match=reason):
        validate_ifsc(ifsc)


# --- VPA --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vpa",
    [
        "priya.sharma92@okhdfcbank",
        "9876543210@ybl",
        "mohd_irfan-1@paytm",
        "sharmakirana.hisaab@axisbank",
        "a@b",
        "Rahul.K@OKSBI",
    ],
)
def test_well_formed_vpa_is_valid(vpa: str) -> None:
    assert is_valid_vpa(vpa)
    assert validate_vpa(vpa) == vpa


@pytest.mark.parametrize(
    ("vpa", "reason"),
    [
        ("a@", "characters"),
        ("priya.sharma", "exactly one '@'"),
        ("priya@sharma@ybl", "exactly one '@'"),
        ("@okhdfcbank", "handle"),
        ("priya@", "PSP"),
        ("priya sharma@ybl", "handle may only"),
        ("priya+1@ybl", "handle may only"),
        ("priya@ok-hdfc", "only hold letters"),
        ("priya@ybl1", "only hold letters"),
        ("x" * 255 + "@ybl", "3-256"),
    ],
)
def test_malformed_vpa_is_rejected_with_the_reason(vpa: str, reason: str) -> None:
    assert not is_valid_vpa(vpa)
    with pytest.raises(KycError, match=reason):
        validate_vpa(vpa)

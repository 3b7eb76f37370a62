"""Format and checksum validators for the identifiers a merchant gives us at onboarding.

Merchant onboarding (the API) must refuse a PAN, GSTIN, IFSC or UPI VPA that cannot exist before
money is routed to it, and the simulator must only ever invent identifiers that would pass the
same checks. Both call these functions, so they agree.

Every check has two forms: ``is_valid_<x>(value) -> bool`` and ``validate_<x>(value) -> str``,
which returns the value unchanged or raises ``KycError`` (a ``ValueError``) whose message says
what is wrong, fit to show a merchant. Values are checked exactly as given: upper-case PAN,
GSTIN and IFSC, no spaces. Normalising user input (``strip().upper()``) is the caller's choice.

GSTIN: python-stdnum 2.2 only knows state codes 01-37. The GST state code list also has
38 (Ladakh), 97 (Other Territory) and 99 (Centre Jurisdiction); for those this module applies the
same rules itself (format, the PAN inside, 13th character not '0', 14th 'Z', Luhn mod 36 check
character). Non-PAN-based registrations (UIN of UN bodies, NRTP, TDS/TCS deductors) are not
accepted: merchants on a payment aggregator register with a PAN.
"""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.in_ import gstin as stdnum_gstin
from stdnum.in_ import pan as stdnum_pan

GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The GST state / union territory codes (CBIC list), with current names.
GST_STATE_CODES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (before 2014)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
    "99": "Centre Jurisdiction",
}
# Codes python-stdnum 2.2 does not know; validated here instead.
_STATE_CODES_BEYOND_STDNUM = frozenset({"38", "97", "99"})

# PAN 4th character: the holder type (Income Tax Department list).
PAN_HOLDER_TYPES: dict[str, str] = {
    "A": "Association of Persons",
    "B": "Body of Individuals",
    "C": "Company",
    "F": "Firm / Limited Liability Partnership",
    "G": "Government",
    "H": "Hindu Undivided Family",
    "J": "Artificial Juridical Person",
    "L": "Local Authority",
    "P": "Individual",
    "T": "Trust",
}

_PAN_RE = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_GSTIN_RE = re.compile(r"[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]{3}")
_IFSC_RE = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")
_VPA_HANDLE_RE = re.compile(r"[A-Za-z0-9._-]+")
_VPA_PSP_RE = re.compile(r"[A-Za-z]+")
VPA_MIN_LENGTH = 3
VPA_MAX_LENGTH = 256


class KycError(ValueError):
    """An identifier that fails its format or checksum rules; the message says which rule."""


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise KycError(f"{what} must be a string, got {type(value).__name__}")
    return value


# --- PAN --------------------------------------------------------------------------------------


def validate_pan(value: str) -> str:
    """Return ``value`` if it is a well-formed PAN (``AAAPA1234A``), else raise ``KycError``."""
    pan = _require_str(value, "PAN")
    if len(pan) != 10:
        raise KycError(f"PAN must have 10 characters, got {len(pan)}: {pan!r}")
    if pan != pan.upper():
        raise KycError(f"PAN must be upper case: {pan!r}")
    if not _PAN_RE.fullmatch(pan):
        raise KycError(
            f"PAN must be 5 upper-case letters, 4 digits and 1 upper-case letter: {pan!r}"
        )
    if pan[3] not in PAN_HOLDER_TYPES:
        raise KycError(
            f"PAN 4th character {pan[3]!r} is not a holder type "
            f"(one of {''.join(sorted(PAN_HOLDER_TYPES))}): {pan!r}"
        )
    if pan[5:9] == "0000":
        raise KycError(f"PAN sequence number (characters 6-9) cannot be 0000: {pan!r}")
    try:
        stdnum_pan.validate(pan)
    except ValidationError as exc:  # belt and braces: stdnum must agree
        raise KycError(f"PAN rejected: {exc}: {pan!r}") from exc
    return pan


def is_valid_pan(value: str) -> bool:
    """Whether ``value`` is a well-formed PAN (format and holder type; PAN has no public check)."""
    try:
        validate_pan(value)
    except KycError:
        return False
    return True


# --- GSTIN ------------------------------------------------------------------------------------


def gstin_check_char(first14: str) -> str:
    """The 15th (check) character of a GSTIN from its first 14: Luhn mod 36 over ``0-9A-Z``."""
    body = _require_str(first14, "GSTIN body")
    if len(body) != 14 or any(c not in GSTIN_ALPHABET for c in body):
        raise KycError(f"GSTIN body must be 14 characters of 0-9 and A-Z, got {body!r}")
    return luhn.calc_check_digit(body, GSTIN_ALPHABET)


def validate_gstin(value: str) -> str:
    """Return ``value`` if it is a valid GSTIN, else raise ``KycError`` saying which part fails.

    Checks length, format, state code (01-38, 97, 99), the embedded PAN, the 13th character
    (registration number within the state, 1-9 then A-Z), the 14th ('Z') and the check character.
    """
    gstin = _require_str(value, "GSTIN")
    if len(gstin) != 15:
        raise KycError(f"GSTIN must have 15 characters, got {len(gstin)}: {gstin!r}")
    if gstin != gstin.upper():
        raise KycError(f"GSTIN must be upper case: {gstin!r}")
    if not _GSTIN_RE.fullmatch(gstin):
        raise KycError(
            "GSTIN must be 2 digits (state code), a 10-character PAN and 3 characters of "
            f"0-9/A-Z: {gstin!r}"
        )
    state = gstin[:2]
    if state not in GST_STATE_CODES:
        raise KycError(f"GSTIN state code {state!r} is not a GST state or territory: {gstin!r}")
    try:
        validate_pan(gstin[2:12])
    except KycError as exc:
        raise KycError(f"GSTIN characters 3-12 are not a valid PAN ({exc})") from exc
    if gstin[12] == "0":
        raise KycError(f"GSTIN 13th character (registration number) cannot be '0': {gstin!r}")
    if gstin[13] != "Z":
        raise KycError(f"GSTIN 14th character must be 'Z', got {gstin[13]!r}: {gstin!r}")
    expected = gstin_check_char(gstin[:14])
    if gstin[14] != expected:
        raise KycError(
            f"GSTIN check character is {gstin[14]!r} but should be {expected!r}: {gstin!r}"
        )
    if state not in _STATE_CODES_BEYOND_STDNUM and not stdnum_gstin.is_valid(gstin):
        raise KycError(f"GSTIN rejected by python-stdnum: {gstin!r}")  # stdnum must agree
    return gstin


def is_valid_gstin(value: str) -> bool:
    """Whether ``value`` is a valid GSTIN (see ``validate_gstin``)."""
    try:
        validate_gstin(value)
    except KycError:
        return False
    return True


def make_gstin(state_code: str, pan: str, entity_no: str = "1") -> str:
    """Build the GSTIN of ``pan``'s ``entity_no``-th registration in ``state_code``.

    >>> make_gstin("27", "AAPFU0939F")
    '27AAPFU0939F1ZV'
    """
    if state_code not in GST_STATE_CODES:
        raise KycError(f"{state_code!r} is not a GST state code")
    validate_pan(pan)
    if len(entity_no) != 1 or entity_no == "0" or entity_no not in GSTIN_ALPHABET:
        raise KycError(f"GSTIN registration number must be one of 1-9, A-Z, got {entity_no!r}")
    first14 = f"{state_code}{pan}{entity_no}Z"
    return first14 + gstin_check_char(first14)


# --- IFSC -------------------------------------------------------------------------------------


def validate_ifsc(value: str) -> str:
    """Return ``value`` if it is a well-formed IFSC (``HDFC0000240``), else raise ``KycError``.

    4 letters (the bank), a '0' (reserved), 6 letters or digits (the branch). Whether the branch
    exists needs RBI's IFSC list, which is not checked here.
    """
    ifsc = _require_str(value, "IFSC")
    if len(ifsc) != 11:
        raise KycError(f"IFSC must have 11 characters, got {len(ifsc)}: {ifsc!r}")
    if ifsc != ifsc.upper():
        raise KycError(f"IFSC must be upper case: {ifsc!r}")
    if not re.fullmatch(r"[A-Z]{4}", ifsc[:4]):
        raise KycError(f"IFSC must start with 4 upper-case letters (the bank code): {ifsc!r}")
    if ifsc[4] != "0":
        raise KycError(f"IFSC 5th character must be '0', got {ifsc[4]!r}: {ifsc!r}")
    if not _IFSC_RE.fullmatch(ifsc):
        raise KycError(f"IFSC branch code (last 6) must be upper-case letters or digits: {ifsc!r}")
    return ifsc


def is_valid_ifsc(value: str) -> bool:
    """Whether ``value`` is a well-formed IFSC."""
    try:
        validate_ifsc(value)
    except KycError:
        return False
    return True


# --- UPI VPA ----------------------------------------------------------------------------------


def validate_vpa(value: str) -> str:
    """Return ``value`` if it is a well-formed UPI VPA (``handle@psp``), else raise ``KycError``.

    3 to 256 characters; exactly one '@'; the handle is letters, digits, '.', '-' or '_'; the
    PSP handle (``okhdfcbank``, ``ybl``, ``paytm``) is letters. VPAs are case-insensitive, so
    either case is accepted.
    """
    vpa = _require_str(value, "VPA")
    if not VPA_MIN_LENGTH <= len(vpa) <= VPA_MAX_LENGTH:
        raise KycError(
            f"VPA must have {VPA_MIN_LENGTH}-{VPA_MAX_LENGTH} characters, got {len(vpa)}: {vpa!r}"
        )
    if vpa.count("@") != 1:
        raise KycError(f"VPA must contain exactly one '@' (handle@psp): {vpa!r}")
    handle, psp = vpa.split("@")
    if not handle:
        raise KycError(f"VPA handle (before '@') is empty: {vpa!r}")
    if not _VPA_HANDLE_RE.fullmatch(handle):
        raise KycError(f"VPA handle may only hold letters, digits, '.', '-' and '_': {vpa!r}")
    if not psp:
        raise KycError(f"VPA PSP handle (after '@') is empty: {vpa!r}")
    if not _VPA_PSP_RE.fullmatch(psp):
        raise KycError(f"VPA PSP handle (after '@') may only hold letters: {vpa!r}")
    return vpa


def is_valid_vpa(value: str) -> bool:
    """Whether ``value`` is a well-formed UPI VPA."""
    try:
        validate_vpa(value)
    except KycError:
        return False
    return True

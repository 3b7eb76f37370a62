"""Money as integer paise: exact parsing of rupee strings, Indian formatting, MDR and GST.

Finance reads every amount in this product, so there is exactly one way to turn a rupee string
into paise (``parse_rupees``) and one way back (``format_inr`` / ``paise_to_rupees``). No float
ever touches money.

Rounding rule (one rule, used everywhere): an amount computed from a rate (an MDR fee from basis
points, GST on a fee) is rounded to the nearest paisa with halves rounded up (ROUND_HALF_UP),
once per transaction, on that transaction's own amount. GST is charged at 18% on the fee (never on
the payment amount) and the fee and its GST are rounded separately:
``fee = round_half_up(amount * mdr_bps / 10_000)``, ``gst = round_half_up(fee * 18 / 100)``.
Inside a state GST is split as CGST + SGST; CGST takes the half rounded down and SGST the rest,
so the two always add back to the GST exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np

GST_RATE_PERCENT = 18
PAISE_PER_RUPEE = 100

# Either plain digits, or Indian grouping (1,23,45,678: last three, then pairs), or Western
# grouping (1,234,567) which some bank exports use. Up to two decimals.
_RUPEE_RE = re.compile(
    r"""^(?P<sign>[-+])?
        (?P<int>\d+|\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+)
        (?:\.(?P<frac>\d{1,2}))?$""",
    re.VERBOSE,
)
_CURRENCY_PREFIXES = ("₹", "INR", "Rs.", "Rs")


class MoneyError(ValueError):
    """A string that is not an exact rupee amount."""


def parse_rupees(text: str) -> int:
    """Parse a rupee amount string into integer paise, exactly, or raise ``MoneyError``.

    Accepts ``1234.5``, ``1,23,456.78`` (Indian grouping), ``1,234,567.00``, a leading ``₹``/
    ``INR``/``Rs.``, a sign, and a trailing ``Cr``/``Dr`` is *not* accepted (that is a column's job).
    Rejects more than two decimals, misplaced commas, exponents, blanks and anything else.
    """
    if not isinstance(text, str):
        raise MoneyError(f"expected a string, got {type(text).__name__}")
    s = text.strip()
    sign = ""
    if s and s[0] in "+-":
        sign, s = s[0], s[1:].lstrip()
    for prefix in _CURRENCY_PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :].strip()
            break
    m = _RUPEE_RE.match(sign + s)
    if not m:
        raise MoneyError(f"not an exact rupee amount: {text!r}")
    digits = m.group("int").replace(",", "")
    frac = (m.group("frac") or "").ljust(2, "0")
    paise = int(digits) * PAISE_PER_RUPEE + int(frac)
    return -paise if m.group("sign") == "-" else paise


def rupees_decimal_to_paise(value: Decimal) -> int:
    """Convert an exact Decimal rupee amount to paise; more than two decimals is an error."""
    try:
        paise = value * PAISE_PER_RUPEE
        if paise != paise.to_integral_value():
            raise MoneyError(f"more than two decimals: {value}")
        return int(paise)
    except InvalidOperation as exc:  # NaN, infinity
        raise MoneyError(f"not an exact rupee amount: {value}") from exc


def paise_to_rupees(paise: int) -> str:
    """Plain rupee string with two decimals and no grouping, as gateway files write it."""
    sign = "-" if paise < 0 else ""
    rupees, rem = divmod(abs(paise), PAISE_PER_RUPEE)
    return f"{sign}{rupees}.{rem:02d}"


def group_indian(digits: str) -> str:
    """Group an unsigned digit string the Indian way: 1234567 -> 12,34,567."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join(pairs) + "," + tail


def format_inr(paise: int, *, symbol: bool = True, decimals: bool = True) -> str:
    """Format paise the Indian way: ``₹1,23,456.78``; negatives as ``-₹1,234.00``."""
    sign = "-" if paise < 0 else ""
    rupees, rem = divmod(abs(paise), PAISE_PER_RUPEE)
    text = group_indian(str(rupees))
    if decimals:
        text += f".{rem:02d}"
    return f"{sign}{'₹' if symbol else ''}{text}"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Integer division rounded to nearest, halves away from zero (exact, no floats)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q = Decimal(numerator) / Decimal(denominator)
    return int(q.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def mdr_fee(amount_paise: int, mdr_bps: int) -> int:
    """The merchant discount rate fee (excluding GST) on one transaction."""
    return round_half_up_div(amount_paise * mdr_bps, 10_000)


def gst_on(fee_paise: int) -> int:
    """18% GST on a fee, rounded half up to the paisa."""
    return round_half_up_div(fee_paise * GST_RATE_PERCENT, 100)


def gst_inside(fee_incl_gst_paise: int) -> int:
    """The GST contained in a GST-inclusive fee (Razorpay's ``fee`` includes its ``tax``)."""
    return round_half_up_div(fee_incl_gst_paise * GST_RATE_PERCENT, 100 + GST_RATE_PERCENT)


@dataclass(frozen=True)
class GstSplit:
    """A fee and its GST, with the intra-state CGST/SGST halves."""

    fee_paise: int
    gst_paise: int

    @property
    def cgst_paise(self) -> int:
        return self.gst_paise // 2

    @property
    def sgst_paise(self) -> int:
        return self.gst_paise - self.gst_paise // 2

    @property
    def total_paise(self) -> int:
        return self.fee_paise + self.gst_paise


def fee_with_gst(amount_paise: int, mdr_bps: int) -> GstSplit:
    """MDR fee and its GST for one transaction, following the module's rounding rule."""
    fee = mdr_fee(amount_paise, mdr_bps)
    return GstSplit(fee_paise=fee, gst_paise=gst_on(fee))


def mdr_fee_array(amount_paise: np.ndarray, mdr_bps: np.ndarray | int) -> np.ndarray:
    """Vectorised ``mdr_fee`` for non-negative int64 arrays (same half-up rule, no floats)."""
    num = np.asarray(amount_paise, dtype=np.int64) * np.asarray(mdr_bps, dtype=np.int64)
    return (2 * num + 10_000) // 20_000


def gst_on_array(fee_paise: np.ndarray) -> np.ndarray:
    """Vectorised ``gst_on`` for non-negative int64 arrays."""
    num = np.asarray(fee_paise, dtype=np.int64) * GST_RATE_PERCENT
    return (2 * num + 100) // 200

"""Which external format a file is in, decided from its content (never from its name).

Finance analysts hand over files downloaded from bank portals and gateway dashboards with
whatever names the browser gave them; the landing folders can be misfiled too. Each format's
parser module offers a cheap ``looks_like`` sniff; the first format that claims the bytes wins,
most specific first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipelines.parsers import bank_csv, camt053, ccavenue, mt940, payu, razorpay, upi_switch
from pipelines.parsers.base import ParsedFile


@dataclass(frozen=True)
class FileFormat:
    name: str
    family: str  # gateway | upi | bank
    default_source: str  # the landing source a handed-over file of this format belongs to
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes], ParsedFile]


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("camt053", "bank", "bank_upload", camt053.looks_like, camt053.parse),
    FileFormat("mt940", "bank", "bank_upload", mt940.looks_like, mt940.parse),
    FileFormat(
        "razorpay_json", "gateway", "razorpay", razorpay.looks_like_json, razorpay.parse_json
    ),
    FileFormat("razorpay_csv", "gateway", "razorpay", razorpay.looks_like, razorpay.parse),
    FileFormat("payu_csv", "gateway", "payu", payu.looks_like, payu.parse),
    FileFormat("ccavenue_csv", "gateway", "ccavenue", ccavenue.looks_like, ccavenue.parse),
    FileFormat(
        "upi_adjustment_csv",
        "upi",
        "upi_switch",
        upi_switch.looks_like_adjustments,
        upi_switch.parse_adjustments,
    ),
    FileFormat("upi_switch_csv", "upi", "upi_switch", upi_switch.looks_like, upi_switch.parse),
    FileFormat("bank_csv", "bank", "bank_upload", bank_csv.looks_like, bank_csv.parse),
)

SOURCE_FAMILIES = {
    "razorpay": "gateway",
    "payu": "gateway",
    "ccavenue": "gateway",
    "upi_switch": "upi",
    "bank_hdfc": "bank",
    "bank_icici": "bank",
    "bank_axis": "bank",
    "bank_upload": "bank",
}


def detect(data: bytes) -> FileFormat | None:
    """The format whose sniff claims ``data`` first, or None when nobody recognises it."""
    for fmt in FORMATS:
        try:
            if fmt.sniff(data):
                return fmt
        except Exception:  # a sniff must never break ingestion of other files
            continue
    return None


def by_name(name: str) -> FileFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)

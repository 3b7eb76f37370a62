"""Which external format a file is in, decided from its content (never from its name).

Finance analysts hand over files downloaded from bank portals and gateway dashboards with
whatever names the browser gave them; the landing folders can be misfiled too. Each format's
parser module offers a cheap ``looks_like`` sniff (it reads at most the first 64 KB); the first
format that claims the bytes wins, most specific first.

When no sniff claims a CSV whose header still holds most columns of one gateway or UPI layout
(a renamed or dropped column), ``detect`` names that layout anyway, so its parser refuses the
file with ``missing_column`` and the missing names rather than a vague ``unknown_format``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipelines.parsers import bank_csv, camt053, ccavenue, mt940, payu, razorpay, upi_switch
from pipelines.parsers.base import ParsedFile
from pipelines.parsers.delimited import Layout, norm, parse_delimited, read_header

SNIFF_BYTES = 65_536  # no sniff reads further than this
PARTIAL_HEADER_SHARE = 0.75  # share of a layout's columns a damaged header must still hold


@dataclass(frozen=True)
class FileFormat:
    name: str
    family: str  # gateway | upi | bank | ledger
    default_source: str  # the landing source a handed-over file of this format belongs to
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes], ParsedFile]
    # The CSV layout, for formats read by ``pipelines.parsers.delimited``: one header line, then
    # one record per line. Such files can be parsed in record-aligned chunks (big files).
    layout: Layout | None = None

    def parse_chunk(
        self, header: bytes, body: bytes, newlines: np.ndarray | None = None
    ) -> ParsedFile:
        """``parse(header + body)`` for a ``layout`` format, without the copy that joins them:
        ``body`` is a run of whole records that followed the ``header`` line in a big file.
        ``newlines``: ``newline_index(body, header_line=True)``, if the reader has it."""
        assert self.layout is not None, f"{self.name} is not read in chunks"
        return parse_delimited(body, self.layout, header=header, newlines=newlines)


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("camt053", "bank", "bank_upload", camt053.looks_like, camt053.parse),
    FileFormat("mt940", "bank", "bank_upload", mt940.looks_like, mt940.parse),
    FileFormat(
        "razorpay_json", "gateway", "razorpay", razorpay.looks_like_json, razorpay.parse_json
    ),
    FileFormat(
        "razorpay_csv", "gateway", "razorpay", razorpay.looks_like, razorpay.parse, razorpay.LAYOUT
    ),
    FileFormat("payu_csv", "gateway", "payu", payu.looks_like, payu.parse, payu.LAYOUT),
    FileFormat(
        "ccavenue_csv", "gateway", "ccavenue", ccavenue.looks_like, ccavenue.parse, ccavenue.LAYOUT
    ),
    FileFormat(
        "upi_adjustment_csv",
        "upi",
        "upi_switch",
        upi_switch.looks_like_adjustments,
        upi_switch.parse_adjustments,
        upi_switch.ADJUSTMENT_LAYOUT,
    ),
    FileFormat(
        "upi_switch_csv",
        "upi",
        "upi_switch",
        upi_switch.looks_like,
        upi_switch.parse,
        upi_switch.LAYOUT,
    ),
    FileFormat("bank_csv", "bank", "bank_upload", bank_csv.looks_like, bank_csv.parse),
)

# Sniffs that claim many layouts (any header with a date and an amount): tried last.
GENERIC = frozenset({"bank_csv"})

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
    head = data[:SNIFF_BYTES]
    for fmt in FORMATS:
        if fmt.name in GENERIC:
            continue
        if _claims(fmt, head):
            return fmt
    # A gateway or UPI header with a column renamed or missing is that layout, damaged: checked
    # before the generic bank CSV sniff, which accepts any header with a date and an amount.
    damaged = _damaged_header(head)
    if damaged is not None:
        return damaged
    return next((f for f in FORMATS if f.name in GENERIC and _claims(f, head)), None)


def _claims(fmt: FileFormat, head: bytes) -> bool:
    try:
        return fmt.sniff(head)
    except Exception:  # a sniff must never break ingestion of other files
        return False


def _damaged_header(head: bytes) -> FileFormat | None:
    """The one CSV layout whose columns the first line mostly holds (a renamed column...)."""
    try:
        names = {norm(n) for n in read_header(head[:4096])}
    except Exception:
        return None
    scored = []
    for fmt in FORMATS:
        if fmt.layout is None:
            continue
        wanted = {norm(s) for s in fmt.layout.sources}
        share = len(wanted & names) / len(wanted)
        if share >= PARTIAL_HEADER_SHARE:
            scored.append((share, fmt))
    scored.sort(key=lambda t: t[0], reverse=True)
    if len(scored) == 1 or (len(scored) > 1 and scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def belongs_to(fmt: FileFormat, source: str) -> bool:
    """Can a file of ``fmt`` come from landing source ``source``? Unknown sources: yes.

    A gateway's or the UPI switch's file must sit under its own source; any bank statement
    format may come from any bank source.
    """
    family = SOURCE_FAMILIES.get(source)
    if family is None or fmt.family == "ledger":
        return True
    if family == "bank":
        return fmt.family == "bank"
    return fmt.default_source == source


def by_name(name: str) -> FileFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)

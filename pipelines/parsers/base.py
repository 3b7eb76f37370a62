"""The contract every parser keeps: bytes in, typed tables plus rejects out, nothing lost.

``rows_in`` counts the file's data rows (records for statements); every one of them ends up
either in a table or in ``rejects``: ``rows_in == rows_loaded + len(rejects)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

# Reason codes shown to users and stored with quarantined rows and files.
EMPTY_FILE = "empty_file"
TRUNCATED_FILE = "truncated_file"
BAD_ENCODING = "bad_encoding"
MISSING_COLUMN = "missing_column"
UNKNOWN_FORMAT = "unknown_format"
BAD_AMOUNT = "bad_amount"
NEGATIVE_AMOUNT = "negative_amount"
BAD_DATE = "bad_date"
BAD_VALUE = "bad_value"
MISSING_VALUE = "missing_value"
MALFORMED_RECORD = "malformed_record"
BALANCE_MISMATCH = "balance_mismatch"
INVALID_XML = "invalid_xml"
XML_ENTITY_FORBIDDEN = "xml_entity_forbidden"
LINE_TOO_LONG = "line_too_long"
WRONG_COLUMN_COUNT = "wrong_column_count"

MAX_LINE_BYTES = 1_000_000  # no legitimate settlement or statement line comes near 1 MB


class FileRejected(Exception):
    """The whole file cannot be read; it goes to quarantine with ``reason_code``."""

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message


@dataclass(frozen=True)
class RowReject:
    """One input row that could not become a typed row."""

    row_number: int  # 1-based physical line (CSV) or record ordinal (statements, JSON items)
    reason_code: str
    message: str  # says what is wrong and with which field, e.g. "amount 'abc' is not rupees"
    raw: str  # the row as it was in the file


@dataclass
class ParsedFile:
    """What a parser made of one file."""

    format: str  # e.g. "razorpay_csv", "mt940", "camt053.001.08", "bank_csv"
    tables: dict[str, pl.DataFrame]  # dataset name -> typed rows
    rejects: list[RowReject] = field(default_factory=list)
    rows_in: int = 0
    main_table: str = ""  # the dataset whose rows ``rows_in`` counts

    @property
    def rows_loaded(self) -> int:
        return self.tables[self.main_table].height if self.main_table else 0

    def check_accounting(self) -> None:
        """Nothing lost: every input row is loaded or rejected."""
        if self.rows_in != self.rows_loaded + len(self.rejects):
            raise AssertionError(
                f"{self.format}: rows_in {self.rows_in} != loaded {self.rows_loaded}"
                f" + rejected {len(self.rejects)}"
            )

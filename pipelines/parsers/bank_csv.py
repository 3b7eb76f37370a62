"""Indian bank CSV statement parser (HDFC-, ICICI-, SBI-, Axis-style net banking exports).

User need: the finance / recon analyst reconciles escrow accounts whose bank offers only a net
banking download, not MT940 or camt.053; or hands over a statement downloaded from a portal. No
public specification exists for these exports, so this docstring is the layout we read. It turns
one file into one ``bank_statements`` row and one ``bank_statement_entries`` row per
transaction row (the main table; ``rows_in`` counts transaction rows), with the UTR/RRN,
channel and counterparty read out of the narration like the MT940 parser does.

Bytes: a UTF-8 byte-order mark is dropped; UTF-16 (BOM ``FF FE``/``FE FF`` or NUL bytes) is
refused (``bad_encoding``: re-export as UTF-8); text is decoded as UTF-8, else Windows-1252,
else Latin-1. A line over ``MAX_LINE_BYTES`` is refused (``line_too_long``) before anything is
decoded. An empty or blank file is ``empty_file``.

Layout:

- Preamble (before the header): ``Account No :`` / ``Account Number`` / ``A/C No`` (the value in
  the next cell or after the colon), ``IFSC``, ``Currency`` (default INR), the period as
  ``Statement From : <d> To : <d>``, ``Period : <d> to <d>`` or ``From Date``/``To Date``, and
  possibly ``Opening Balance``. A file without an account number is refused
  (``missing_value``): statements are reconciled per account.
- Header: the first of the first 40 lines that, split by ``,``, tab, ``;`` or ``|``, has a
  date column (``Date``, ``Txn Date``, ``Transaction Date``, ``Value Date``, ``Value Dt``, ...)
  and either Debit/Credit columns (``Withdrawal Amt.``/``Deposit Amt.``, ``Debit``/``Credit``,
  ``Dr``/``Cr``, ...) or an ``Amount`` column, with a ``Dr/Cr`` indicator column or signed
  (negative = debit, or a ``Cr``/``Dr`` suffix). Names are matched case- and punctuation-
  insensitively, with ``(INR)``/``Rs.`` decorations ignored. Optional: ``Value Dt``,
  ``Narration``/``Description``/``Particulars``/``Remarks``, ``Chq./Ref.No.``/``Ref No.``/
  ``Cheque No.``, ``Balance``/``Closing Balance``. Unknown columns are ignored. No header ->
  ``unknown_format``.
- Rows: dates ``dd/mm/yyyy``, ``dd/mm/yy``, ``dd-mm-yyyy``, ``dd-Mon-yy``, ``dd-Mon-yyyy``,
  ``dd Mon yyyy`` (also ``dd.mm.yyyy`` and ISO; a trailing time is ignored); amounts in
  rupees with Indian or Western grouping, at most two decimals, optionally ``₹``/``Rs.``/``INR``
  (or the legacy rupee-font backtick) and, on balances, a ``Cr``/``Dr`` suffix (``Dr`` =
  overdrawn). A zero or ``-`` in the unused Debit/Credit column counts as empty.
- Blank rows, separator rows (``*****``), repeated header rows and ``Page n`` rows are skipped.
  The table ends at the first row whose date cell is not a date and whose first cell starts
  with a trailer marker: ``STATEMENT SUMMARY``, ``Opening``/``Closing Balance``, ``Total``,
  ``** End of statement``, ``Generated on``, ``This is a computer generated...``, legends; or
  at a closing-balance line (``Closing Balance``, ``BY BALANCE C/F``) without an amount, dated
  or not. An ``Opening Balance``/``BY BALANCE B/F`` line without an amount before the first
  transaction is the opening balance, not a transaction. Should a readable transaction row
  follow the trailer, the file is refused (``malformed_record``) rather than silently cut
  short.

Rejects: a row whose date or value date is not a real date is ``bad_date``; whose amount,
indicator or balance cannot be read, or that fills neither or both of Debit/Credit (or has a
zero amount), is ``bad_amount``; whose extra fields beyond the header are non-empty (an unquoted
comma shifted the columns) is ``wrong_column_count``. Each names the field and its value.

Statement row: ``statement_id`` = ``<account>-<from yyyymmdd>`` (the period's start, else the
first booking date); ``statement_date`` = the period's end, else the last booking date;
``account_servicer`` = the IFSC when given. Opening balance: the summary's/preamble's when
stated, else the chronologically first row's balance minus its signed amount (null when that
row has no readable amount and balance: then it cannot be known and the contract layer
quarantines the statement); closing: the summary's, else the last row's balance. Newest-first
exports are recognised from the running balance (or the dates) so "first" and "last" are
chronological. ``entry_seq`` is the row's position among the transaction rows (rejects
included) and ``source_row`` its 1-based physical line in the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from hisaab.money import MoneyError, parse_rupees
from pipelines.parsers.base import (
    BAD_AMOUNT,
    BAD_DATE,
    BAD_ENCODING,
    EMPTY_FILE,
    MALFORMED_RECORD,
    MISSING_VALUE,
    UNKNOWN_FORMAT,
    WRONG_COLUMN_COUNT,
    FileRejected,
    ParsedFile,
    RowReject,
)
from pipelines.parsers.mt940 import (
    ENTRIES,
    ENTRIES_SCHEMA,
    IFSC_RE,
    STATEMENTS,
    STATEMENTS_SCHEMA,
    check_line_lengths,
    entry_row,
    frame,
    read_narration,
    statement_row,
)

FORMAT = "bank_csv"
HEADER_SCAN_LINES = 40
DELIMITERS = (",", "\t", ";", "|")

_ROLE_NAMES: dict[str, set[str]] = {
    "date": {
        "date",
        "txn date",
        "transaction date",
        "tran date",
        "trans date",
        "post date",
        "posting date",
        "book date",
        "booking date",
        "txn posted date",
        "transaction posted date",
    },
    "value_date": {"value date", "value dt", "val date", "val dt", "value"},
    "narration": {
        "narration",
        "description",
        "particulars",
        "remarks",
        "transaction remarks",
        "transaction description",
        "transaction particulars",
        "details",
        "transaction details",
        "narrative",
    },
    "reference": {
        "chq ref no",
        "chq no",
        "cheque no",
        "cheque number",
        "chq number",
        "ref no",
        "reference no",
        "reference number",
        "ref no cheque no",
        "chq no ref no",
        "cheque ref no",
        "chq ref number",
        "reference",
        "utr",
        "utr no",
        "utr number",
    },
    "debit": {
        "withdrawal amt",
        "withdrawal amount",
        "withdrawals",
        "withdrawal",
        "withdrawal dr",
        "debit",
        "debits",
        "debit amount",
        "debit amt",
        "dr",
        "dr amount",
        "dr amt",
        "amount dr",
    },
    "credit": {
        "deposit amt",
        "deposit amount",
        "deposits",
        "deposit",
        "deposit cr",
        "credit",
        "credits",
        "credit amount",
        "credit amt",
        "cr",
        "cr amount",
        "cr amt",
        "amount cr",
    },
    "amount": {"amount", "transaction amount", "txn amount", "tran amount", "amt"},
    "indicator": {
        "dr cr",
        "cr dr",
        "debit credit",
        "credit debit",
        "d c",
        "c d",
        "dr cr indicator",
        "dr cr flag",
        "type",
        "txn type",
        "transaction type",
    },
    "balance": {
        "balance",
        "closing balance",
        "running balance",
        "available balance",
        "bal",
        "balance amt",
        "balance amount",
        "closing bal",
        "running bal",
    },
}
_NAME_TO_ROLE = {name: role for role, names in _ROLE_NAMES.items() for name in names}
_DECORATIONS = {"inr", "rs", "in", "rupees"}
_DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d-%m-%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %Y",
    "%d %b %y",
    "%d/%b/%Y",
    "%d/%b/%y",
    "%d-%B-%Y",
    "%d %B %Y",
    "%Y-%m-%d",
)
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?$")
_DATE_TOKEN = r"(\d{1,2}[/\-. ](?:\d{1,2}|[A-Za-z]{3,9})[/\-. ]\d{2,4}|\d{4}-\d{2}-\d{2})"
_PERIOD_RE = re.compile(
    rf"(?i)(?:from|period)\s*(?:date)?\s*[:\-]?\s*{_DATE_TOKEN}\s*(?:to|-)\s*(?:date)?\s*[:\-]?\s*{_DATE_TOKEN}"
)
_FROM_RE = re.compile(rf"(?i)\bfrom\s*(?:date)?\s*[:\-]?\s*{_DATE_TOKEN}")
_TO_RE = re.compile(rf"(?i)\bto\s*(?:date)?\s*[:\-]?\s*{_DATE_TOKEN}")
_ACCOUNT_LABEL = re.compile(
    r"(?i)^\s*(?:account\s*(?:no|number|num)|a\s*/?\s*c\s*(?:no|number)|acct\s*(?:no|number))\b\.?\s*[:\-]?\s*(.*)$"
)
_IFSC_LABEL = re.compile(r"(?i)^\s*ifs\s*c?\s*(?:code)?\s*[:\-]?\s*(.*)$")
_CURRENCY_RE = re.compile(r"(?i)\bcurrency\s*(?:code)?\s*[:\-]?\s*([A-Z]{3})\b")
_SUFFIX_RE = re.compile(r"(?i)^(.*?)\s*\(?\s*(cr|dr)\s*\)?\.?$")
_SEPARATOR_RE = re.compile(r"^[\s*=_\-]+$")
_BY_TO = re.compile(r"(?i)^(?:by|to)\s+")
_MARKERS = (
    ("page", re.compile(r"(?i)^(?:page\s*(?:no\.?\s*)?\d+|page total)")),
    (
        "opening",
        re.compile(
            r"(?i)^(?:opening\s+bal(?:ance)?|balance\s+b\s*/?\s*f|b\s*/\s*f|(?:balance\s+)?brought\s+forward)"
        ),
    ),
    (
        "closing",
        re.compile(
            r"(?i)^(?:closing\s+bal(?:ance)?|balance\s+c\s*/?\s*f|c\s*/\s*f|(?:balance\s+)?carried\s+forward)"
        ),
    ),
    ("summary", re.compile(r"(?i)^(?:statement\s+summary|summary\b|(?:grand\s+)?totals?\b)")),
    (
        "end",
        re.compile(
            r"(?i)^(?:end\s+of\s+statement|generated\s+on|this\s+is\s+a\s+computer|computer\s+generated|"
            r"legends?\b|unless\s+the\s+constituent|disclaimer|abbreviations)"
        ),
    ),
)
_EMPTY_AMOUNTS = {"", "-", "--", "nil", "n/a", "na"}
_INDICATOR = {
    "DR": "DR",
    "D": "DR",
    "DEBIT": "DR",
    "WITHDRAWAL": "DR",
    "CR": "CR",
    "C": "CR",
    "CREDIT": "CR",
    "DEPOSIT": "CR",
}
_SUMMARY_LABELS = {
    "opening": {
        "opening balance",
        "opening bal",
        "balance b f",
        "brought forward",
        "balance brought forward",
    },
    "closing": {
        "closing balance",
        "closing bal",
        "balance c f",
        "carried forward",
        "balance carried forward",
    },
}


@dataclass(frozen=True)
class _Layout:
    roles: dict[str, int]
    width: int
    normalized: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles

    def cell(self, row: list[str], role: str) -> str:
        index = self.roles.get(role)
        if index is None or index >= len(row):
            return ""
        return row[index].strip()


def _normalize(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", name.lower().replace("₹", " ")).split()
    while text and text[-1] in _DECORATIONS:
        text.pop()
    return " ".join(text)


def _layout(cells: list[str]) -> _Layout | None:
    """The column roles of a header row, or ``None`` when it is not a statement header."""
    roles: dict[str, int] = {}
    normalized = tuple(_normalize(c) for c in cells)
    for index, name in enumerate(normalized):
        role = _NAME_TO_ROLE.get(name)
        if role and role not in roles:
            roles[role] = index
    if "date" not in roles and "value_date" in roles:
        roles["date"] = roles.pop("value_date")
    if "date" not in roles:
        return None
    if not (("debit" in roles and "credit" in roles) or "amount" in roles):
        return None
    if "debit" in roles and "credit" in roles:
        roles.pop("amount", None)
        roles.pop("indicator", None)
    return _Layout(roles, len(cells), normalized)


def _is_header(row: list[str], layout: _Layout) -> bool:
    date_at = layout.roles["date"]
    if date_at >= len(row) or _normalize(row[date_at]) != layout.normalized[date_at]:
        return False
    return tuple(_normalize(c) for c in row) == layout.normalized


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _find_header(lines: list[str]) -> tuple[int, str, _Layout] | None:
    for index, line in enumerate(lines[:HEADER_SCAN_LINES]):
        for delimiter in DELIMITERS:
            if delimiter not in line:
                continue
            layout = _layout(_split(line, delimiter))
            if layout is not None:
                return index, delimiter, layout
    return None


def _head_text(data: bytes) -> str:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.decode("utf-8", errors="replace")


def looks_like(data: bytes) -> bool:
    """A bank CSV statement: a header row (date + debit/credit or amount) in the first lines.

    A UTF-16 export is recognised too, so that ``parse`` can refuse it with a helpful message.
    """
    lines = _head_text(data).splitlines()[:HEADER_SCAN_LINES]
    return _find_header(lines) is not None


def _decode(data: bytes) -> str:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body.strip():
        raise FileRejected(EMPTY_FILE, "the file is empty")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body:
        raise FileRejected(
            BAD_ENCODING,
            "the file is UTF-16 (or has NUL bytes); re-export the statement as UTF-8 CSV",
        )
    check_line_lengths(body)
    for encoding in ("utf-8", "cp1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(1-based physical line where the row starts, cells) for every CSV row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    for row in reader:
        start = line + 1
        line = reader.line_num
        yield start, row


def _checked(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The rows, with the csv module's own errors (a giant field...) turned into a refusal."""
    try:
        yield from rows
    except csv.Error as exc:
        raise FileRejected(MALFORMED_RECORD, f"not a readable CSV: {exc}") from exc


@lru_cache(maxsize=4096)
def parse_date(text: str) -> date | None:
    """A statement date in one of the Indian bank formats, or ``None`` (never a guess)."""
    value = " ".join(text.strip().split())
    if not value:
        return None
    value = _TIME_SUFFIX.sub("", value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def parse_money(text: str) -> tuple[int | None, str | None]:
    """(signed paise or ``None`` when blank, ``CR``/``DR`` from a suffix); ``MoneyError`` if bad.

    A ``Dr`` suffix makes the value negative (an overdrawn balance), ``Cr`` leaves it positive.
    """
    value = " ".join(text.strip().split())
    if value.lower() in _EMPTY_AMOUNTS:
        return None, None
    value = value.lstrip("`")
    for tail in (" INR", "INR", "/-"):
        if value.upper().endswith(tail) and len(value) > len(tail):
            value = value[: -len(tail)].strip()
    marker: str | None = None
    suffix = _SUFFIX_RE.match(value)
    if suffix and suffix.group(1):
        value, marker = suffix.group(1).strip(), suffix.group(2).upper()
    negative = value.startswith("(") and value.endswith(")")
    if negative:
        value = value[1:-1].strip()
    paise = parse_rupees(value)
    if negative:
        paise = -abs(paise)
    if marker == "DR":
        paise = -abs(paise)
    return paise, marker


def _has_amount(row: list[str], layout: _Layout) -> bool:
    """Whether the row fills a debit/credit/amount cell with anything but blank or zero."""
    for role in ("debit", "credit", "amount"):
        text = layout.cell(row, role)
        if text.lower() in _EMPTY_AMOUNTS:
            continue
        try:
            paise, _ = parse_money(text)
        except MoneyError:
            return True  # unreadable: a transaction row to reject, not a marker
        if paise:
            return True
    return False


def _marker(row: list[str], layout: _Layout) -> str | None:
    """The trailer/skip marker a non-transaction row carries, if any.

    A row whose date cell is a date is a transaction unless its narration is an opening or
    closing balance line (``BY BALANCE B/F``) without any amount. Otherwise the first non-empty
    cell is tested against every marker, and the narration against the balance markers.
    """
    texts = [c.strip().lstrip("*").strip() for c in row if c.strip()]
    if not texts:
        return None
    narration = layout.cell(row, "narration").lstrip("*").strip()
    dated = parse_date(layout.cell(row, "date")) is not None
    candidates: list[tuple[str, tuple[str, ...]]] = []
    if not dated:
        candidates.append((texts[0], ("page", "opening", "closing", "summary", "end")))
    if narration:
        candidates.append((narration, ("opening", "closing", "end")))
    for text, allowed in candidates:
        for name, pattern in _MARKERS:
            if name in allowed and pattern.match(_BY_TO.sub("", text)):
                if dated and (name == "end" or _has_amount(row, layout)):
                    continue
                return name
        if not dated and "end of statement" in text.lower():
            return "end"
    return None


def _labelled_amounts(rows: list[list[str]]) -> dict[str, int]:
    """Opening/closing balances stated as ``label, value`` or a label row over a value row."""
    found: dict[str, int] = {}
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            label, _, inline = cell.partition(":")
            name = _normalize(_BY_TO.sub("", label.strip()))
            key = next((k for k, names in _SUMMARY_LABELS.items() if name in names), None)
            if key is None or key in found:
                continue
            candidates = [inline] if inline.strip() else []
            candidates += [x for x in row[c + 1 :] if x.strip()][:1]
            if r + 1 < len(rows) and c < len(rows[r + 1]):
                candidates.append(rows[r + 1][c])
            for candidate in candidates:
                try:
                    paise, _ = parse_money(candidate)
                except MoneyError:
                    continue
                if paise is not None:
                    found[key] = paise
                    break
    return found


def _preamble(rows: list[list[str]]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    joined = " ".join(" ".join(c.strip() for c in row if c.strip()) for row in rows)
    for row in rows:
        cells = [c.strip() for c in row]
        for i, cell in enumerate(cells):
            rest = [x.strip(" :'\"") for x in cells[i + 1 :] if x.strip(" :'\"")]
            account = _ACCOUNT_LABEL.match(cell)
            if account and "account" not in info:
                value = account.group(1).strip(" :'\"") or (rest[0] if rest else "")
                token = value.split()[0] if value.split() else ""
                if any(ch.isdigit() for ch in token) or token.upper().startswith("X"):
                    info["account"] = token
            ifsc = _IFSC_LABEL.match(cell)
            if ifsc and "ifsc" not in info:
                value = ifsc.group(1).strip(" :'\"") or (rest[0] if rest else "")
                match = IFSC_RE.search(value.upper())
                if match:
                    info["ifsc"] = match.group(0)
    period = _PERIOD_RE.search(joined)
    start = parse_date(period.group(1)) if period else None
    end = parse_date(period.group(2)) if period else None
    if start is None:
        match = _FROM_RE.search(joined)
        start = parse_date(match.group(1)) if match else None
    if end is None:
        match = _TO_RE.search(joined)
        end = parse_date(match.group(1)) if match else None
    info["from"], info["to"] = start, end
    currency = _CURRENCY_RE.search(joined)
    info["currency"] = currency.group(1).upper() if currency else "INR"
    if "ifsc" not in info:
        match = IFSC_RE.search(joined.upper())
        if match and re.search(r"(?i)\bifs", joined):
            info["ifsc"] = match.group(0)
    return info


@dataclass
class _Row:
    line: int
    seq: int
    signed: int | None = None  # readable amount (even on a rejected row)
    balance: int | None = None
    booking: date | None = None
    entry: dict[str, Any] | None = None


def _amount(row: list[str], layout: _Layout) -> tuple[int, str] | tuple[None, str]:
    """(paise > 0, CR/DR) or (None, why not)."""
    try:
        if layout.has("debit"):
            raw_dr, raw_cr = layout.cell(row, "debit"), layout.cell(row, "credit")
            try:
                debit, _ = parse_money(raw_dr)
            except MoneyError:
                return None, f"withdrawal/debit {raw_dr!r} is not a rupee amount"
            try:
                credit, _ = parse_money(raw_cr)
            except MoneyError:
                return None, f"deposit/credit {raw_cr!r} is not a rupee amount"
            debit = abs(debit) if debit else None
            credit = abs(credit) if credit else None
            if debit and credit:
                return None, f"both debit {raw_dr!r} and credit {raw_cr!r} are filled"
            if not debit and not credit:
                return None, "neither debit nor credit is filled"
            return (debit, "DR") if debit else (credit or 0, "CR")
        raw = layout.cell(row, "amount")
        amount, marker = parse_money(raw)
        if not amount:
            return None, f"amount {raw!r} is empty or zero"
        if layout.has("indicator"):
            flag = layout.cell(row, "indicator")
            direction = _INDICATOR.get(flag.upper().rstrip("."))
            if direction is None:
                return None, f"Dr/Cr indicator {flag!r} is neither Dr nor Cr"
            return abs(amount), direction
        if marker:
            return abs(amount), marker
        return abs(amount), ("DR" if amount < 0 else "CR")
    except MoneyError:
        return None, f"amount {layout.cell(row, 'amount')!r} is not a rupee amount"


def _is_transaction(row: list[str], layout: _Layout) -> bool:
    if parse_date(layout.cell(row, "date")) is None:
        return False
    paise, _ = _amount(row, layout)
    return paise is not None


def _chronological(rows: list[_Row]) -> list[_Row]:
    """The rows oldest first: newest-first exports are recognised by the running balance."""
    usable = [r for r in rows if r.signed is not None and r.balance is not None]
    forward = backward = 0
    for a, b in zip(usable, usable[1:], strict=False):
        if a.balance is None or b.balance is None or a.signed is None or b.signed is None:
            continue
        forward += b.balance == a.balance + b.signed
        backward += a.balance == b.balance + a.signed
    if backward > forward:
        return list(reversed(rows))
    if forward == backward:
        days = [r.booking for r in rows if r.booking is not None]
        if len(days) >= 2 and days[0] > days[-1]:
            return list(reversed(rows))
    return rows


def parse(data: bytes) -> ParsedFile:
    """Parse one bank CSV statement into ``bank_statements`` and ``bank_statement_entries``."""
    text = _decode(data)
    head_lines = [line.rstrip("\r\n") for line in io.StringIO(text[:200_000], newline="")]
    found = _find_header(head_lines)
    if found is None:
        raise FileRejected(
            UNKNOWN_FORMAT,
            f"no statement header (a Date column and Debit/Credit or Amount columns) in the "
            f"first {HEADER_SCAN_LINES} lines",
        )
    header_index, delimiter, layout = found

    preamble_rows: list[list[str]] = []
    trailer_rows: list[list[str]] = []
    table: list[_Row] = []
    rejects: list[RowReject] = []
    opening_row: int | None = None
    stopped_at: int | None = None
    seq = 0
    for line, row in _checked(_rows(text, delimiter)):
        if line <= header_index:
            preamble_rows.append(row)
            continue
        if line == header_index + 1:
            continue  # the header itself
        if stopped_at is not None:
            trailer_rows.append(row)
            if _is_transaction(row, layout):
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"line {line} looks like a transaction but follows the statement's end "
                    f"marker at line {stopped_at}; the layout is ambiguous",
                )
            continue
        cells = [c.strip() for c in row]
        if not any(cells) or all(_SEPARATOR_RE.match(c) for c in cells if c):
            continue
        if _is_header(row, layout):
            continue  # the header repeated on every page
        marker = _marker(row, layout)
        if marker == "page":
            continue
        if marker == "opening" and not table:
            preamble_rows.append(row)
            balance = layout.cell(row, "balance")
            try:
                value, _ = parse_money(balance) if balance else (None, None)
            except MoneyError:
                value = None
            if value is not None:
                opening_row = value
            continue
        if marker is not None:
            stopped_at = line
            trailer_rows.append(row)
            continue
        seq += 1
        table.append(_read_row(row, line, seq, layout, rejects, delimiter))

    info = _preamble(preamble_rows)
    account = info.get("account")
    if not account:
        raise FileRejected(
            MISSING_VALUE,
            "no account number in the statement's preamble (e.g. 'Account No :,<number>')",
        )
    stated = _labelled_amounts(trailer_rows)
    stated_preamble = _labelled_amounts(preamble_rows)
    loaded = [r.entry for r in table if r.entry is not None]
    days = [e["booking_date"] for e in loaded]
    from_date = info["from"] or (min(days) if days else None)
    to_date = info["to"] or (max(days) if days else None)
    statement_date = to_date or from_date
    if statement_date is None:
        raise FileRejected(MISSING_VALUE, "no statement period and no readable transaction date")
    statement_id = f"{account}-{from_date:%Y%m%d}" if from_date else account
    for entry in loaded:
        entry["statement_id"] = statement_id

    ordered = _chronological(table)
    opening = stated.get("opening", stated_preamble.get("opening", opening_row))
    closing = stated.get("closing", stated_preamble.get("closing"))
    if opening is None and ordered:
        first = ordered[0]
        if first.signed is not None and first.balance is not None:
            opening = first.balance - first.signed
    if closing is None and ordered:
        closing = ordered[-1].balance
    if closing is None and not table and opening is not None:
        closing = opening

    statement = statement_row(
        loaded,
        statement_id=statement_id,
        account_number=account,
        account_servicer=info.get("ifsc"),
        currency=info["currency"],
        statement_date=statement_date,
        from_date=from_date,
        to_date=to_date,
        opening_balance_paise=opening,
        closing_balance_paise=closing,
        format=FORMAT,
        source_row=1,
    )
    return ParsedFile(
        format=FORMAT,
        tables={
            STATEMENTS: frame([statement], STATEMENTS_SCHEMA),
            ENTRIES: frame(loaded, ENTRIES_SCHEMA),
        },
        rejects=rejects,
        rows_in=len(table),
        main_table=ENTRIES,
    )


def _raw(row: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(row)
    return buffer.getvalue()


def _read_row(
    row: list[str],
    line: int,
    seq: int,
    layout: _Layout,
    rejects: list[RowReject],
    delimiter: str,
) -> _Row:
    """One transaction row: its entry, or a reject (keeping what was readable for balances)."""
    out = _Row(line=line, seq=seq)
    raw = _raw(row, delimiter)

    def reject(reason: str, message: str) -> _Row:
        rejects.append(RowReject(line, reason, message, raw))
        return out

    extra = [c for c in row[layout.width :] if c.strip()]
    if extra:  # shifted columns: not even the amounts can be trusted
        return reject(
            WRONG_COLUMN_COUNT,
            f"{len(row)} fields where the header has {layout.width} (an unquoted comma?): "
            f"extra {extra!r}",
        )
    amount, direction_or_problem = _amount(row, layout)
    if amount is not None:
        out.signed = amount if direction_or_problem == "CR" else -amount
    balance_text = layout.cell(row, "balance")
    balance_problem = ""
    try:
        out.balance, _ = parse_money(balance_text) if balance_text else (None, None)
    except MoneyError:
        balance_problem = f"balance {balance_text!r} is not a rupee amount"
    date_text = layout.cell(row, "date")
    booking = parse_date(date_text)
    if booking is None:
        return reject(BAD_DATE, f"date {date_text!r} is not a date (dd/mm/yyyy, dd-Mon-yy, ...)")
    out.booking = booking
    value_text = layout.cell(row, "value_date")
    value_day = parse_date(value_text) if value_text else None
    if value_text and value_day is None:
        return reject(BAD_DATE, f"value date {value_text!r} is not a date")
    if amount is None:
        return reject(BAD_AMOUNT, direction_or_problem)
    if balance_problem:
        return reject(BAD_AMOUNT, balance_problem)

    narration = " ".join(layout.cell(row, "narration").split()) or None
    reference = layout.cell(row, "reference").lstrip("'").strip()
    if reference.lower() in _EMPTY_AMOUNTS:
        reference = ""
    info = read_narration(narration, reference or None)
    out.entry = entry_row(
        statement_id="",
        entry_seq=seq,
        booking_date=booking,
        value_date=value_day,
        amount_paise=amount,
        direction=direction_or_problem,
        source_row=line,
        channel=info.channel,
        utr=info.utr,
        bank_reference=reference,
        narration=narration,
        counterparty_name=info.counterparty_name,
        counterparty_ifsc=info.counterparty_ifsc,
    )
    return out

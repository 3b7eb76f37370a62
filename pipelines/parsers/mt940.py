"""SWIFT MT940 (customer statement) and MT942 (interim report) parser, read for Indian recon.

User need: the finance / recon analyst matches every line of the escrow account's statement to
a gateway settlement or a payout by its UTR (NEFT/RTGS) or RRN (IMPS/UPI). Most Indian banks
deliver the day's statement as MT940 over host-to-host SFTP, so this parser turns one file into
typed rows: one ``bank_statements`` row per statement, one ``bank_statement_entries`` row per
``:61:`` (the main table; ``rows_in`` counts ``:61:`` lines), each with the UTR/RRN, channel,
counterparty name and IFSC read out of the Indian ``:86:`` narration.

Reading the format (``parse``):

- Bytes are decoded as UTF-8, else Latin-1 (SWIFT ``X`` is ASCII, but some banks send stray
  binary bytes), UTF-16 when a BOM says so; C0/C1 control characters (SOH/ETX frames, junk)
  are dropped, a BOM too.
  CRLF, LF and CR line ends are all accepted; a line over ``MAX_LINE_BYTES`` rejects the file.
- SWIFT FIN envelopes ``{1:..}{2:..}{3:..}{4: ... -}{5:..}`` are unwrapped; the message type in
  block 2 (``O940``/``O942``) is honoured. Header lines some banks write before ``:20:``
  (``ABNANL2A``, ``940``, ``:940:``) and trailers (``-``, ``-XXX``) are ignored.
- A file may hold several statements: each ``:20:`` starts one. The field grammar (``:61:``
  sub-fields, balance tags, the entry-date year roll-over) is the ``mt-940`` package's
  (``mt940.tags`` patterns run with an ``mt940.models.Transactions`` as context); the structure
  around it is ours so that one bad ``:61:`` cannot take the whole file down, and so that
  ``:86:`` text is attached to the ``:61:`` it follows (not to a statement-level ``:86:``).
- ``:61:`` value date, optional entry date (= booking date; value date when absent), mark
  ``C``/``D``/``RC``/``RD`` (``D`` and ``RC`` take money out: ``DR``; ``C`` and ``RD``: ``CR``),
  optional funds code, amount (decimal comma, at most two decimals: the amount in 1/100 of the
  currency unit, i.e. paise for INR), type code, customer reference ``//`` bank reference, and
  an optional supplementary-details line.
- The ``mt-940`` package's February date "fix-up" (31 Feb -> 28 Feb) is deliberately not used:
  an impossible date rejects the entry instead of being silently moved.

Rejects and whole-file refusals:

- A ``:61:`` whose date or amount cannot be read becomes a ``RowReject`` (``malformed_record``)
  and the rest loads; the statement row still carries the balances the bank stated, so its
  balance no longer chains and the contract layer quarantines the statement.
- A file without any tag is ``unknown_format``; tags without ``:20:``, a statement without
  ``:25:``, an unreadable balance, or a header tag (``:25:``, ``:28C:``, ``:60F:``...) after the
  statement lines began (a mis-tagged line: nothing in it can be trusted) are
  ``malformed_record``. A last statement with an opening balance but no closing ``:62F:`` is a
  ``truncated_file``.

Layout choices (documented because the spec leaves them open):

- ``statement_id`` is the ``:20:`` reference. When a file repeats a reference (ABN AMRO writes
  its bank name there) each such statement gets ``<ref>/<:28C: number>``, and ``#<n>`` if that
  still repeats, so ``(statement_id, entry_seq)`` stays unique within the file.
- ``account_number``/``account_servicer``: ``:25:`` ``<IFSC or BIC or bank code>/<account>``
  is split at the first ``/``; without ``/`` the whole value is the account.
- ``statement_date`` is the closing balance's date, ``from_date``/``to_date`` the opening and
  closing balances' dates. Opening = ``:60F:`` (else ``:60M:``), closing = ``:62F:`` (else
  ``:62M:``). Totals and ``entry_count`` are computed from the loaded entries.
- MT942 (interim, no booked balances): ``format`` ``mt942``, ``opening_balance_paise`` and
  ``closing_balance_paise`` are **null** (inventing 0 would look like a real balance), the
  statement date is the ``:13D:`` date (else the last booking date), from/to the first and last
  booking dates. The contract layer does not balance-check mt942.
- ``entry_seq`` is the ``:61:`` position within its statement and ``source_row`` its ordinal
  across the file, both counting rejected lines too, so a gap shows where a reject was. A
  statement row's ``source_row`` is the statement's ordinal in the file and its
  ``business_date`` the statement date (the data contract's lineage and partition columns).
- ``narration`` is the ``:86:`` text: lines re-joined with a space except after ``-`` or ``/``
  (how our banks wrap), without any separator for German structured ``NNN?20...`` details;
  several ``:86:`` fields for one entry (Rabobank) are joined with a space. Without ``:86:`` the
  supplementary details stand in. ``NONREF`` customer references are null.

Shared by the three statement parsers (``camt053`` and ``bank_csv`` import them from here):
the table schemas, ``read_narration`` (Indian channel/UTR/counterparty extraction) and
``check_line_lengths``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import InvalidOperation
from typing import Any

import mt940 as swift_mt940
import polars as pl

from hisaab.money import MoneyError, parse_rupees
from pipelines.parsers.base import (
    EMPTY_FILE,
    LINE_TOO_LONG,
    MALFORMED_RECORD,
    MAX_LINE_BYTES,
    TRUNCATED_FILE,
    UNKNOWN_FORMAT,
    FileRejected,
    ParsedFile,
    RowReject,
)
from pipelines.parsers.references import extract_utr

# --- shared by the statement parsers -------------------------------------------------------

STATEMENTS = "bank_statements"
ENTRIES = "bank_statement_entries"
DETAILS = "bank_statement_transaction_details"

STATEMENTS_SCHEMA: dict[str, pl.DataType] = {
    "statement_id": pl.String(),
    "account_number": pl.String(),
    "account_servicer": pl.String(),
    "currency": pl.String(),
    "statement_date": pl.Date(),
    "from_date": pl.Date(),
    "to_date": pl.Date(),
    "opening_balance_paise": pl.Int64(),
    "closing_balance_paise": pl.Int64(),
    "entry_count": pl.Int64(),
    "total_credits_paise": pl.Int64(),
    "total_debits_paise": pl.Int64(),
    "format": pl.String(),
    "format_version": pl.String(),
    "business_date": pl.Date(),
    "source_row": pl.Int64(),
}
ENTRIES_SCHEMA: dict[str, pl.DataType] = {
    "statement_id": pl.String(),
    "entry_seq": pl.Int64(),
    "booking_date": pl.Date(),
    "value_date": pl.Date(),
    "amount_paise": pl.Int64(),
    "direction": pl.String(),
    "signed_amount_paise": pl.Int64(),
    "channel": pl.String(),
    "utr": pl.String(),
    "bank_reference": pl.String(),
    "customer_reference": pl.String(),
    "narration": pl.String(),
    "counterparty_name": pl.String(),
    "counterparty_ifsc": pl.String(),
    "business_date": pl.Date(),
    "source_row": pl.Int64(),
}
DETAILS_SCHEMA: dict[str, pl.DataType] = {
    "statement_id": pl.String(),
    "entry_seq": pl.Int64(),
    "detail_seq": pl.Int64(),
    "amount_paise": pl.Int64(),
    "direction": pl.String(),
    "end_to_end_id": pl.String(),
    "clearing_reference": pl.String(),
    "utr": pl.String(),
    "remittance_info": pl.String(),
    "counterparty_name": pl.String(),
    "counterparty_agent": pl.String(),
    "business_date": pl.Date(),
    "source_row": pl.Int64(),
}


def frame(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows (dicts keyed by the schema's columns) as a frame with exactly ``schema``."""
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def entry_row(
    *,
    statement_id: str,
    entry_seq: int,
    booking_date: date,
    value_date: date | None,
    amount_paise: int,
    direction: str,
    source_row: int,
    channel: str | None = None,
    utr: str | None = None,
    bank_reference: str | None = None,
    customer_reference: str | None = None,
    narration: str | None = None,
    counterparty_name: str | None = None,
    counterparty_ifsc: str | None = None,
) -> dict[str, Any]:
    """One ``bank_statement_entries`` row; the signed amount and business date follow."""
    return {
        "statement_id": statement_id,
        "entry_seq": entry_seq,
        "booking_date": booking_date,
        "value_date": value_date,
        "amount_paise": amount_paise,
        "direction": direction,
        "signed_amount_paise": amount_paise if direction == "CR" else -amount_paise,
        "channel": channel,
        "utr": utr,
        "bank_reference": bank_reference or None,
        "customer_reference": customer_reference or None,
        "narration": narration or None,
        "counterparty_name": counterparty_name or None,
        "counterparty_ifsc": counterparty_ifsc or None,
        "business_date": booking_date,
        "source_row": source_row,
    }


def statement_row(
    entries: list[dict[str, Any]],
    *,
    statement_id: str,
    account_number: str,
    account_servicer: str | None,
    currency: str,
    statement_date: date,
    from_date: date | None,
    to_date: date | None,
    opening_balance_paise: int | None,
    closing_balance_paise: int | None,
    format: str,
    source_row: int,
    format_version: str | None = None,
) -> dict[str, Any]:
    """One ``bank_statements`` row; count and totals are computed from the loaded ``entries``.

    ``business_date`` is the statement date; ``source_row`` the statement's 1-based ordinal in
    the file (the contract's lineage column for every statement dataset).
    """
    mine = [e for e in entries if e["statement_id"] == statement_id]
    return {
        "statement_id": statement_id,
        "account_number": account_number,
        "account_servicer": account_servicer or None,
        "currency": currency,
        "statement_date": statement_date,
        "from_date": from_date,
        "to_date": to_date,
        "opening_balance_paise": opening_balance_paise,
        "closing_balance_paise": closing_balance_paise,
        "entry_count": len(mine),
        "total_credits_paise": sum(e["amount_paise"] for e in mine if e["direction"] == "CR"),
        "total_debits_paise": sum(e["amount_paise"] for e in mine if e["direction"] == "DR"),
        "format": format,
        "format_version": format_version,
        "business_date": statement_date,
        "source_row": source_row,
    }


def check_line_lengths(data: bytes, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse a file with a line longer than ``limit`` bytes, without decoding anything.

    Walks the newline positions with ``bytes.find`` (memchr speed), so a 100 MB single line is
    refused in milliseconds. A file with no LF but with CR line ends is measured by its CRs.
    """
    sep = b"\n" if b"\n" in data or b"\r" not in data else b"\r"
    start = 0
    size = len(data)
    while start < size:
        end = data.find(sep, start)
        if end < 0:
            end = size
        if end - start > limit:
            raise FileRejected(
                LINE_TOO_LONG,
                f"line starting at byte {start} is {end - start:,} bytes long, over the "
                f"{limit:,}-byte limit: not a statement line",
            )
        start = end + 1


# --- Indian narrations -----------------------------------------------------------------------

CHANNELS = ("NEFT", "RTGS", "IMPS", "UPI", "NACH", "CLG", "OTHER")
_CHANNEL_WORDS = {
    "NEFT": "NEFT",
    "RTGS": "RTGS",
    "IMPS": "IMPS",
    "MMT": "IMPS",  # ICICI: "MMT/IMPS/<RRN>/..."
    "UPI": "UPI",
    "NACH": "NACH",
    "ECS": "NACH",
    "CLG": "CLG",
    "CLEARING": "CLG",
    "CHQ": "CLG",
    "CHEQUE": "CLG",
    "CTS": "CLG",
}
_CHANNEL_RE = re.compile(r"(?<![A-Z0-9])(" + "|".join(_CHANNEL_WORDS) + r")(?![A-Z0-9])")
IFSC_RE = re.compile(r"(?<![A-Z0-9])[A-Z]{4}0[A-Z0-9]{6}(?![A-Z0-9])")
_IFSC_FULL = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
_RRN_FULL = re.compile(r"^[0-9]{12}$")
_NAME = r"(?P<name>[^-/*]+?)"
# Narration shapes that name the counterparty (and maybe its IFSC); tried in order.
_COUNTERPARTY_SHAPES = tuple(
    re.compile(p)
    for p in (
        # HDFC/Axis: NEFT CR-<IFSC>-<REMITTER>-..., RTGS DR-<IFSC>-<BENEFICIARY>-...
        rf"(?:NEFT|RTGS)\s*(?:CR|DR)?\s*-\s*(?P<ifsc>[A-Z]{{4}}0[A-Z0-9]{{6}})\s*-\s*{_NAME}\s*(?:-|$)",
        # SBI: NEFT*<IFSC>*<UTR>*<NAME>
        r"(?:NEFT|RTGS)\*(?P<ifsc>[A-Z]{4}0[A-Z0-9]{6})\*[A-Z0-9]+\*(?P<name>[^*]+)",
        # IMPS-<RRN>-<NAME>-...
        rf"IMPS\s*-\s*\d{{12}}\s*-\s*{_NAME}\s*(?:-|$)",
        # UPI/CR/<RRN>/<NAME>/..., IMPS/P2A/<RRN>/<NAME>/...
        rf"(?:UPI|IMPS)/(?:CR|DR|P2A|P2P|P2M)/\d{{12}}/{_NAME}\s*(?:/|$)",
        # BY CLG/<NAME>/<UTR>
        rf"(?:BY|TO)\s+CLG\s*/\s*{_NAME}\s*(?:/|$)",
    )
)


@dataclass(frozen=True)
class NarrationInfo:
    """What an Indian bank narration says about a payment."""

    channel: str | None = None
    utr: str | None = None
    counterparty_name: str | None = None
    counterparty_ifsc: str | None = None


def detect_channel(text: str | None) -> str | None:
    """NEFT/RTGS/IMPS/UPI/NACH/CLG: the first channel word in ``text``, else ``None``."""
    if not text:
        return None
    match = _CHANNEL_RE.search(text.upper())
    return _CHANNEL_WORDS[match.group(1)] if match else None


def looks_like_utr(value: str | None, *, allow_rrn: bool) -> str | None:
    """``value`` itself when it is a whole NEFT/RTGS UTR (or, if allowed, a 12-digit RRN)."""
    if not value:
        return None
    text = value.strip().upper()
    found = extract_utr(text)
    if found != text:
        return None
    if _RRN_FULL.match(found) and not allow_rrn:
        return None
    return found


def find_utr(texts: list[str | None], channel: str | None) -> str | None:
    """The UTR/RRN inside the first text that has one (``narrations.extract_utr`` shapes).

    A NEFT (16 characters, ``XXXXN...``) or RTGS (22, ``XXXXR...``) UTR is taken from any text.
    A bare 12-digit number is only an RRN when the channel is IMPS/UPI or the text says ``RRN``:
    elsewhere twelve digits are as likely an account or cheque number.
    """
    rrn: str | None = None
    for text in texts:
        if not text:
            continue
        found = extract_utr(text)
        if found is None:
            continue
        if not _RRN_FULL.match(found):
            return found
        if rrn is None and (channel in ("IMPS", "UPI") or "RRN" in text.upper()):
            rrn = found
    return rrn


def read_narration(
    narration: str | None, *more: str | None, channel: str | None = None
) -> NarrationInfo:
    """Channel, UTR/RRN, counterparty name and IFSC from a narration (and extra reference texts).

    ``channel`` given (e.g. from a camt ``BkTxCd``) wins over the narration's own channel word.
    A UPI/IMPS narration carrying a NEFT/RTGS UTR (NPCI's daily UPI settlement credit) is a
    NEFT/RTGS movement: the UTR's shape decides.
    The counterparty name is only read from shapes that name it (see ``_COUNTERPARTY_SHAPES``);
    the IFSC from such a shape or, failing that, from any IFSC-shaped token.
    """
    text = " ".join((narration or "").split()).upper()
    given = channel
    channel = channel or detect_channel(text)
    utr = find_utr([text, *more], channel)
    if given is None and channel in ("UPI", "IMPS") and utr and not _RRN_FULL.match(utr):
        # "UPI SETTLEMENT ... NPCI-<NEFT UTR>": the money itself moved by NEFT/RTGS.
        channel = "RTGS" if len(utr) == 22 else "NEFT"
    name: str | None = None
    ifsc: str | None = None
    for shape in _COUNTERPARTY_SHAPES:
        match = shape.search(text)
        if match:
            name = " ".join(match.group("name").split()) or None
            ifsc = match.groupdict().get("ifsc")
            break
    if ifsc is None:
        token = IFSC_RE.search(text)
        ifsc = token.group(0) if token else None
    return NarrationInfo(channel, utr, name, ifsc)


def is_ifsc(value: str | None) -> bool:
    return bool(value and _IFSC_FULL.match(value.strip().upper()))


# --- MT940 structure -------------------------------------------------------------------------

FORMAT_MT940 = "mt940"
FORMAT_MT942 = "mt942"

_TAGS = swift_mt940.tags.TAG_BY_ID
_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?|NS):(.*)$")
_TRAILER_LINE = re.compile(r"^-[A-Z0-9}]{0,3}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLOCK_123 = re.compile(r"\{[1235S]:(?:[^{}]|\{[^{}]*\})*\}")
_BLOCK_2_TYPE = re.compile(r"\{2:[IO](\d{3})")
_SWIFT_AMOUNT = re.compile(r"^(\d{1,15}),(\d{0,2})$")
_STRUCTURED_86 = re.compile(r"^\d{3}\?\d{2}")
_DATE_13D = re.compile(r"^(\d{2})(\d{2})(\d{2})")
_HEADER_TAGS = {"21", "25", "28", "28C", "13", "13D", "34F", "60", "60F", "60M"}
_OPENING_TAGS = ("60F", "60M", "60")
_CLOSING_TAGS = ("62F", "62M", "62")
_JOIN_AFTER = "-/"


@dataclass
class _Field:
    tag: str
    lines: list[str]
    line_no: int

    @property
    def value(self) -> str:
        return "\n".join(self.lines).strip()

    def raw(self) -> str:
        return f":{self.tag}:" + "\n".join(self.lines)


@dataclass
class _Entry:
    field: _Field
    details: list[_Field] = field(default_factory=list)


@dataclass
class _Block:
    """The fields of one statement (from its ``:20:`` to the next)."""

    ref: _Field
    header: dict[str, _Field] = field(default_factory=dict)
    opening: _Field | None = None
    closing: _Field | None = None
    entries: list[_Entry] = field(default_factory=list)


def looks_like(data: bytes) -> bool:
    """MT940/MT942: a ``:20:`` tag and a ``:60F:``/``:60M:``/``:61:``/``:34F:`` tag up front."""
    head = data[:65536]
    return bool(re.search(rb"(?m)(?:^|\{4:)[ \t]*:20:", head)) and bool(
        re.search(rb"(?m)^:(?:60[FM]?|61|34F):", head)
    )


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 export: rare, but unambiguous
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body.strip(b" \t\r\n\x00\x01\x02\x03\x04\x1a"):
        raise FileRejected(EMPTY_FILE, "the file is empty")
    check_line_lengths(body)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def _unwrap(text: str) -> tuple[str, str | None]:
    """Strip SWIFT FIN blocks; return the text and the message type from block 2, if any."""
    kind = _BLOCK_2_TYPE.search(text)
    message_type = kind.group(1) if kind else None
    text = _BLOCK_123.sub("", text)
    text = re.sub(r"\{4:(?=[ \t]*(?:\r\n|\r|\n))", "", text).replace("{4:", "\n")
    return text.replace("-}", "-\n"), message_type


def _fields(text: str) -> list[_Field]:
    """Tag fields in file order; continuation lines joined to their tag, junk lines dropped."""
    out: list[_Field] = []
    current: _Field | None = None
    for line_no, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = _CONTROL.sub("", raw.replace("\t", " ")).rstrip()
        if not line.strip():
            continue
        tag = _TAG_LINE.match(line)
        if tag:
            current = _Field(tag.group(1), [tag.group(2)], line_no)
            out.append(current)
        elif _TRAILER_LINE.match(line.strip()):
            current = None  # end of message: lines until the next tag are envelope junk
        elif current is not None:
            current.lines.append(line)
    return out


def _blocks(fields: list[_Field]) -> list[_Block]:
    blocks: list[_Block] = []
    block: _Block | None = None
    last_was_entry = False
    for f in fields:
        if f.tag == "20":
            block = _Block(ref=f)
            blocks.append(block)
            last_was_entry = False
            continue
        if block is None:
            if f.tag == "61":
                raise FileRejected(
                    MALFORMED_RECORD, f"line {f.line_no}: a :61: entry before any :20: statement"
                )
            continue  # stray header tags before the first statement
        ref = block.ref.value
        if f.tag in _HEADER_TAGS and (block.entries or block.closing):
            raise FileRejected(
                MALFORMED_RECORD,
                f"statement {ref!r}: tag :{f.tag}: at line {f.line_no} comes after the "
                "statement lines began (a mis-tagged line?); the statement cannot be trusted",
            )
        if f.tag == "61":
            if block.closing is not None:
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"statement {ref!r}: :61: at line {f.line_no} after the closing balance",
                )
            block.entries.append(_Entry(f))
            last_was_entry = True
            continue
        if f.tag == "86":
            if last_was_entry:
                block.entries[-1].details.append(f)
            continue  # statement-level information to the account owner
        last_was_entry = False
        if f.tag in _OPENING_TAGS:
            if block.opening is not None:
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"statement {ref!r}: second opening balance at line {f.line_no}",
                )
            block.opening = f
        elif f.tag in _CLOSING_TAGS:
            if block.closing is not None:
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"statement {ref!r}: second closing balance at line {f.line_no}",
                )
            block.closing = f
        elif f.tag in _HEADER_TAGS:
            if f.tag in block.header or (
                f.tag in ("28", "28C") and {"28", "28C"} & set(block.header)
            ):
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"statement {ref!r}: tag :{f.tag}: repeated at line {f.line_no}",
                )
            block.header[f.tag] = f
    return blocks


def swift_amount_paise(text: str | None) -> int:
    """A SWIFT amount (``1234,56``, ``15000,``) as paise; ``ValueError`` when it is not one."""
    value = (text or "").strip()
    match = _SWIFT_AMOUNT.match(value)
    if not match:
        raise ValueError(f"amount {value!r} is not a SWIFT amount (digits, decimal comma)")
    whole, frac = match.groups()
    return parse_rupees(f"{whole}.{frac}" if frac else whole)


def _balance(
    txs: swift_mt940.models.Transactions, f: _Field, *, last: bool
) -> tuple[int, date, str]:
    """(signed paise, date, currency) of a balance field, or the file is refused."""
    tag = _TAGS[f.tag] if f.tag in _TAGS else _TAGS[int(f.tag[:2])]
    match = tag.re.match(f.value)
    try:
        if not match:
            raise ValueError(f"{f.value!r} is not <C|D><yymmdd><currency><amount>")
        groups = match.groupdict()
        paise = swift_amount_paise(groups["amount"])
        day = swift_mt940.models.Date(year=groups["year"], month=groups["month"], day=groups["day"])
    except (ValueError, MoneyError) as exc:
        reason = TRUNCATED_FILE if last else MALFORMED_RECORD
        raise FileRejected(
            reason, f"balance :{f.tag}: at line {f.line_no} cannot be read: {exc}"
        ) from exc
    sign = -1 if groups["status"].upper() == "D" else 1
    return sign * paise, date(day.year, day.month, day.day), groups["currency"].upper()


def _statement_line(
    txs: swift_mt940.models.Transactions, entry: _Entry
) -> tuple[dict[str, Any] | None, str]:
    """The ``mt-940`` reading of a ``:61:`` (``None`` and why when it cannot be read)."""
    lines = entry.field.lines
    value = lines[0].strip()
    if len(lines) > 1:
        value += "\n" + " ".join(line.strip() for line in lines[1:])
    tag = _TAGS[61]
    match = tag.re.match(value)
    if not match:
        return None, f":61: {lines[0].strip()!r} does not match <date><mark><amount><type><ref>"
    groups = match.groupdict()
    raw_amount = groups.get("amount")
    try:
        paise = swift_amount_paise(raw_amount)
        parsed = tag(txs, dict(groups))
    except (ValueError, MoneyError, InvalidOperation, KeyError, TypeError) as exc:
        return None, f":61: {lines[0].strip()!r}: {exc}"
    parsed["paise"] = paise
    return parsed, ""


def join_narration(lines: list[str]) -> str:
    """Re-join wrapped ``:86:`` lines: a space between lines, none after ``-`` or ``/``."""
    text = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if text and text[-1] not in _JOIN_AFTER:
            text += " "
        text += line
    return text


def _narration(details: list[_Field]) -> tuple[str | None, str]:
    """(narration, the same lines joined without separators for hard-wrapped references)."""
    parts: list[str] = []
    tight: list[str] = []
    for f in details:
        lines = [line.strip() for line in f.lines]
        tight.append("".join(lines))
        if _STRUCTURED_86.match(lines[0] if lines else ""):
            parts.append("".join(lines))
        else:
            parts.append(join_narration(lines))
    text = " ".join(p for p in parts if p)
    return (text or None), " ".join(tight)


def _none_if_nonref(value: str | None) -> str | None:
    text = (value or "").strip()
    return None if not text or text.upper() == "NONREF" else text


def _unique_ids(blocks: list[_Block]) -> list[str]:
    refs = [b.ref.value.splitlines()[0].strip() if b.ref.value else "" for b in blocks]
    ids = list(refs)
    for i, (block, ref) in enumerate(zip(blocks, refs, strict=True)):
        if refs.count(ref) > 1 or not ref:
            number = block.header.get("28C") or block.header.get("28")
            ids[i] = f"{ref}/{number.value}" if number else ref
    seen: dict[str, int] = {}
    for i, sid in enumerate(ids):
        if ids.count(sid) > 1:
            seen[sid] = seen.get(sid, 0) + 1
            ids[i] = f"{sid}#{seen[sid]}"
    return ids


def _account(value: str) -> tuple[str, str | None]:
    text = value.strip()
    head, sep, tail = text.partition("/")
    if sep and head.strip() and tail.strip():
        return tail.strip(), head.strip()
    return text, None


def parse(data: bytes) -> ParsedFile:
    """Parse one MT940/MT942 file into ``bank_statements`` and ``bank_statement_entries``."""
    text, message_type = _unwrap(_decode(data))
    fields = _fields(text)
    if not fields:
        raise FileRejected(UNKNOWN_FORMAT, "no SWIFT MT940/MT942 tags (:20:, :61:, ...) found")
    blocks = _blocks(fields)
    if not blocks:
        raise FileRejected(MALFORMED_RECORD, "SWIFT tags but no :20: statement reference")

    txs = swift_mt940.models.Transactions(options=swift_mt940.Options.all())
    ids = _unique_ids(blocks)
    statements: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    rejects: list[RowReject] = []
    ordinal = 0
    for index, (block, statement_id) in enumerate(zip(blocks, ids, strict=True)):
        last = index == len(blocks) - 1
        account_field = block.header.get("25")
        if account_field is None or not account_field.value:
            raise FileRejected(
                MALFORMED_RECORD, f"statement {statement_id!r} has no :25: account identification"
            )
        account, servicer = _account(account_field.value)
        is_942 = block.opening is None and (
            message_type == "942" or "34F" in block.header or "13D" in block.header
        )
        opening = closing = None
        currency: str | None = None
        statement_date: date | None = None
        from_date = to_date = None
        if not is_942:
            if block.opening is None:
                cut = last and block.closing is None
                raise FileRejected(
                    TRUNCATED_FILE if cut else MALFORMED_RECORD,
                    f"statement {statement_id!r} has no opening balance :60F:"
                    + (" (the file looks cut off)" if cut else ""),
                )
            if block.closing is None:
                reason = TRUNCATED_FILE if last else MALFORMED_RECORD
                raise FileRejected(
                    reason,
                    f"statement {statement_id!r} has no closing balance :62F:"
                    + (" (the file looks cut off)" if last else ""),
                )
            opening, from_date, currency = _balance(txs, block.opening, last=False)
            closing, to_date, closing_currency = _balance(txs, block.closing, last=last)
            statement_date = to_date
            if closing_currency != currency:
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"statement {statement_id!r}: opening balance in {currency}, "
                    f"closing in {closing_currency}",
                )
        else:
            floor = block.header.get("34F")
            currency = floor.value[:3].upper() if floor and len(floor.value) >= 3 else None
            stamp = block.header.get("13D") or block.header.get("13")
            match = _DATE_13D.match(stamp.value) if stamp else None
            if match:
                try:
                    day = swift_mt940.models.Date(
                        year=match.group(1), month=match.group(2), day=match.group(3)
                    )
                    statement_date = date(day.year, day.month, day.day)
                except ValueError:
                    statement_date = None

        loaded: list[dict[str, Any]] = []
        for seq, entry in enumerate(block.entries, start=1):
            ordinal += 1
            raw = "\n".join([entry.field.raw(), *(d.raw() for d in entry.details)])
            parsed, problem = _statement_line(txs, entry)
            if parsed is None:
                rejects.append(RowReject(ordinal, MALFORMED_RECORD, problem, raw))
                continue
            status = str(parsed.get("status") or "").upper()
            direction = "DR" if status in ("D", "RC") else "CR"
            value_day: date = parsed["date"]
            booked: date = parsed.get("entry_date") or value_day
            narration, tight = _narration(entry.details)
            supplementary = (parsed.get("extra_details") or "").strip() or None
            customer_ref = _none_if_nonref(parsed.get("customer_reference"))
            info = read_narration(narration or supplementary, supplementary, customer_ref)
            utr = info.utr or find_utr([tight], info.channel)
            loaded.append(
                entry_row(
                    statement_id=statement_id,
                    entry_seq=seq,
                    booking_date=date(booked.year, booked.month, booked.day),
                    value_date=date(value_day.year, value_day.month, value_day.day),
                    amount_paise=parsed["paise"],
                    direction=direction,
                    source_row=ordinal,
                    channel=info.channel,
                    utr=utr,
                    bank_reference=(parsed.get("bank_reference") or "").strip(),
                    customer_reference=customer_ref,
                    narration=narration or supplementary,
                    counterparty_name=info.counterparty_name,
                    counterparty_ifsc=info.counterparty_ifsc,
                )
            )
        if is_942:
            days = [e["booking_date"] for e in loaded]
            from_date = min(days) if days else None
            to_date = max(days) if days else None
            statement_date = statement_date or to_date
            if statement_date is None:
                raise FileRejected(
                    MALFORMED_RECORD,
                    f"interim report {statement_id!r} has no :13D: date and no readable entry",
                )
            if currency is None:
                raise FileRejected(
                    MALFORMED_RECORD, f"interim report {statement_id!r} has no :34F: currency"
                )
        entries.extend(loaded)
        if statement_date is None or currency is None:  # unreachable: each branch sets both
            raise FileRejected(MALFORMED_RECORD, f"statement {statement_id!r}: no date/currency")
        statements.append(
            statement_row(
                loaded,
                statement_id=statement_id,
                account_number=account,
                account_servicer=servicer,
                currency=currency,
                statement_date=statement_date,
                from_date=from_date,
                to_date=to_date,
                opening_balance_paise=opening,
                closing_balance_paise=closing,
                format=FORMAT_MT942 if is_942 else FORMAT_MT940,
                source_row=index + 1,
            )
        )

    formats = {s["format"] for s in statements}
    return ParsedFile(
        format=FORMAT_MT942 if formats == {FORMAT_MT942} else FORMAT_MT940,
        tables={
            STATEMENTS: frame(statements, STATEMENTS_SCHEMA),
            ENTRIES: frame(entries, ENTRIES_SCHEMA),
        },
        rejects=rejects,
        rows_in=ordinal,
        main_table=ENTRIES,
    )

"""Razorpay settlement recon report -> ``razorpay_settlement_lines``.

User need: the recon analyst matches every Razorpay payment, refund and dispute adjustment to our
ledger and to the settlement credit in the bank, so each recon line must reach the lake exactly
(integer paise, UTC timestamps, IST business dates) or quarantine with a reason.

Two forms of the same data:

* ``parse`` — the Settlements → Recon CSV export: columns are Razorpay's published settlement
  recon fields (``entity_id``, ``type``, ``debit``, ``credit``, ``amount``, ``currency``, ``fee``,
  ``tax``, ``on_hold``, ``settled``, ``created_at``, ``settled_at``, ``settlement_id``, ``posted_at``,
  ``credit_type``, ``description``, ``notes``, ``payment_id``, ``settlement_utr``, ``order_id``,
  ``order_receipt``, ``method``, ``card_network``, ``card_issuer``, ``card_type``, ``dispute_id``).
  Amounts are integer paise, ``fee`` includes GST and ``tax`` is the GST inside it; timestamps are
  Unix epoch seconds. Header names match case-insensitively; extra unknown columns are allowed
  and ignored; all the columns above must be present. See ``pipelines.parsers.delimited`` for
  the rules every CSV parser keeps (encodings, truncation, rejects).
* ``parse_json`` — the settlement recon API (``GET /v1/settlements/recon/combined``):
  ``{"entity": "collection", "count": N, "items": [{...}, ...]}`` with the same fields, integer
  paise, epoch seconds, booleans, ``notes`` as an object, and nulls where a value is absent.
  ``source_row`` is the item's 1-based position; a reject's ``raw`` is the item as JSON.

``business_date`` is the IST date of ``created_at``; ``settlement_date`` the IST date of
``settled_at``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import polars as pl

from pipelines.parsers.base import (
    BAD_ENCODING,
    EMPTY_FILE,
    MALFORMED_RECORD,
    TRUNCATED_FILE,
    UNKNOWN_FORMAT,
    FileRejected,
    ParsedFile,
    RowReject,
)
from pipelines.parsers.delimited import (
    SNIFF_BYTES,
    UTF8_BOM,
    Field,
    IstDate,
    Kind,
    Layout,
    convert,
    decode,
    header_looks_like,
    parse_delimited,
)

TABLE = "razorpay_settlement_lines"

LAYOUT = Layout(
    format="razorpay_csv",
    table=TABLE,
    fields=(
        Field("entity_id", "entity_id", required=True),
        Field("type", "type", required=True),
        Field("debit_paise", "debit", Kind.PAISE, required=True),
        Field("credit_paise", "credit", Kind.PAISE, required=True),
        Field("amount_paise", "amount", Kind.PAISE, required=True),
        Field("currency", "currency", required=True),
        Field("fee_paise", "fee", Kind.PAISE, required=True),
        Field("tax_paise", "tax", Kind.PAISE, required=True),
        Field("on_hold", "on_hold", Kind.BOOL),
        Field("settled", "settled", Kind.BOOL),
        Field("created_at", "created_at", Kind.EPOCH, required=True),
        Field("settled_at", "settled_at", Kind.EPOCH),
        Field("settlement_id", "settlement_id", required=True),
        Field("posted_at", "posted_at", Kind.EPOCH),
        Field("credit_type", "credit_type"),
        Field("description", "description"),
        Field("notes", "notes"),
        Field("payment_id", "payment_id"),
        Field("settlement_utr", "settlement_utr", required=True),
        Field("order_id", "order_id"),
        Field("order_receipt", "order_receipt"),
        Field("method", "method"),
        Field("card_network", "card_network"),
        Field("card_issuer", "card_issuer"),
        Field("card_type", "card_type"),
        Field("dispute_id", "dispute_id"),
    ),
    derived=(
        ("business_date", IstDate("created_at")),
        ("settlement_date", IstDate("settled_at")),
    ),
)
JSON_LAYOUT = Layout(
    format="razorpay_json", table=TABLE, fields=LAYOUT.fields, derived=LAYOUT.derived
)

_JSON_SNIFF = re.compile(rb'"items"\s*:\s*\[\s*\]')
_RECON_KEYS = (b'"settlement_utr"', b'"settlement_id"', b'"entity_id"')


def parse(data: bytes) -> ParsedFile:
    """Razorpay settlement recon CSV export -> ``razorpay_settlement_lines`` + rejects."""
    return parse_delimited(data, LAYOUT)


def looks_like(data: bytes) -> bool:
    """True if the header holds Razorpay's recon columns (content sniffing, first 4 KB)."""
    return header_looks_like(data, LAYOUT)


def looks_like_json(data: bytes) -> bool:
    """True if the bytes start like a settlement recon API response (a collection of recon items)."""
    head = data[:SNIFF_BYTES].lstrip(UTF8_BOM).lstrip()
    if not head.startswith(b"{") or b'"collection"' not in head or b'"items"' not in head:
        return False
    return any(k in head for k in _RECON_KEYS) or _JSON_SNIFF.search(head) is not None


def _text(value: Any) -> str | None:
    """A JSON value as the CSV export would write it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def parse_json(data: bytes) -> ParsedFile:
    """Razorpay settlement recon API JSON -> ``razorpay_settlement_lines`` + rejects.

    Values are converted exactly like the CSV: a paise value that is not an integer (``100.5``),
    an epoch that is not whole seconds, a required field that is null or absent -> a reject.
    Invalid JSON refuses the file (``truncated_file`` when it just stops early).
    """
    if not data or data.isspace():
        raise FileRejected(EMPTY_FILE, "the file is empty")
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise FileRejected(
            BAD_ENCODING, "the file is UTF-16 (byte-order mark or NUL bytes); re-export as UTF-8"
        )
    text, _ = decode(data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data)
    try:
        doc = json.loads(text, parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as e:
        body = text.rstrip()
        if e.pos >= len(body) or not body.endswith(("}", "]")):
            raise FileRejected(TRUNCATED_FILE, f"the JSON ends early: {e.msg}") from None
        raise FileRejected(
            MALFORMED_RECORD, f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise FileRejected(
            UNKNOWN_FORMAT, 'expected a collection {"entity": "collection", "items": [...]}'
        )

    sources = LAYOUT.sources
    cols: dict[str, list[str | None]] = {s: [] for s in sources}
    rows: list[int] = []
    rejects: list[RowReject] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rejects.append(RowReject(n, MALFORMED_RECORD, "item is not a JSON object", _dump(item)))
            continue
        for s in sources:
            cols[s].append(_text(item.get(s)))
        rows.append(n)
    raw = pl.DataFrame(
        cols | {"source_row": rows},
        schema=dict.fromkeys(sources, pl.String) | {"source_row": pl.Int64},
    )
    table, value_rejects = convert(raw, JSON_LAYOUT, lambda rs: [_dump(items[r - 1]) for r in rs])
    parsed = ParsedFile(
        format=JSON_LAYOUT.format,
        tables={TABLE: table},
        rejects=sorted(rejects + value_rejects, key=lambda r: r.row_number),
        rows_in=len(items),
        main_table=TABLE,
    )
    parsed.check_accounting()
    return parsed


_DECIMAL_MARK = re.compile(r'"\\u0000dec:([-+0-9.eE]+)"')


def _dump(item: Any) -> str:
    """An item back as JSON for a reject's ``raw`` (decimals as the numbers they were)."""
    text = json.dumps(
        item, separators=(",", ":"), ensure_ascii=False, default=lambda d: f"\0dec:{d}"
    )
    return _DECIMAL_MARK.sub(r"\1", text)

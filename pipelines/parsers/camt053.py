"""ISO 20022 camt.053 (bank-to-customer statement) parser, versions .001.02 to .001.10.

User need: the finance / recon analyst reconciles the escrow account against our books; banks on
ISO 20022 host-to-host channels send the day's statement as camt.053. This parser turns one file
into ``bank_statements`` (one row per ``Stmt``), ``bank_statement_entries`` (one row per booked
``Ntry``; the main table) and ``bank_statement_transaction_details`` (one row per ``TxDtls``, so a
batch credit keeps its individual payments), each entry with its UTR/RRN, channel and
counterparty for matching.

Security first: a document with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused
(``xml_entity_forbidden``) before lxml sees it, so an entity-expansion ("billion laughs") bomb or
an external entity is never expanded or fetched; lxml then runs with entity resolution, DTD
loading and network access off and its default size limits (``huge_tree=False``). Malformed XML
(including a file cut off half-way) is ``invalid_xml``.

Reading (namespace-agnostic: elements are matched by local name, so every version from .001.02
to .001.10 and a namespace-less export read alike; the version comes from the namespace URI and
is reported as ``format`` ``camt053.001.NN`` and ``format_version`` ``camt.053.001.NN``):

- ``Stmt/Id`` is the statement id; account = ``Acct/Id/IBAN`` or ``Acct/Id/Othr/Id``; servicer =
  ``Acct/Svcr/FinInstnId`` BIC (``BIC``/``BICFI``), else its ``ClrSysMmbId/MmbId`` (IFSC);
  currency = ``Acct/Ccy``, else the opening balance's, else the first entry's.
- Opening balance = the ``Bal`` typed ``OPBD`` (``PRCD`` when there is no ``OPBD``), closing =
  ``CLBD``; ``DBIT`` makes a balance negative. ``statement_date`` is the closing balance's date;
  from/to come from ``FrToDt`` (else the balance dates). Dates given as ``DtTm`` keep the date
  the bank wrote (its local date, IST for Indian banks), not a UTC conversion.
- Only **booked** entries are statement lines: ``Ntry`` whose status (``<Sts>BOOK</Sts>`` up to
  .001.06, ``<Sts><Cd>BOOK</Cd></Sts>`` from .001.07) is ``PDNG``, ``INFO`` or ``FUTR`` is
  skipped: neither counted in ``rows_in`` nor loaded, because it moved no money yet. An entry
  without any status counts and is rejected (``missing_value``).
- Entry: ``Amt`` (unsigned) and ``CdtDbtInd`` (``CRDT`` -> ``CR``, ``DBIT`` -> ``DR``; the
  indicator already tells the direction of a reversal), ``BookgDt``/``ValDt`` (``Dt`` or
  ``DtTm``), ``AcctSvcrRef`` -> ``bank_reference``; ``customer_reference`` = the single
  ``TxDtls``' ``EndToEndId`` (unless ``NOTPROVIDED``) or ``InstrId``, for a batch the
  ``Btch/PmtInfId`` (the SWIFT MT940 -> camt.053 mapping of "reference for the account owner");
  ``channel`` = ``BkTxCd/Prtry/Cd`` when it names an Indian channel (NEFT, RTGS, IMPS, UPI, NACH,
  CLG, OTHER), else the narration's channel word; ``narration`` = ``AddtlNtryInf``, else the
  single ``TxDtls``' ``RmtInf/Ustrd`` / ``AddtlTxInf``.
- UTR: ``ClrSysRef``, ``EndToEndId``, ``TxId``, ``InstrId`` when one of them *is* a NEFT/RTGS UTR
  (or, for ``ClrSysRef`` or an IMPS/UPI entry, a 12-digit RRN), else read out of the narration
  texts like the MT940 parser does. Counterparty: ``Dbtr`` of a credit, ``Cdtr`` of a debit
  (``Nm`` in .001.02, ``Pty/Nm`` later), its agent's BIC or ``ClrSysMmbId/MmbId`` (an IFSC goes
  to ``counterparty_ifsc``); the narration fills what the details lack.
- An entry whose amount, indicator or booking date cannot be read is rejected (``bad_amount``,
  ``bad_value``, ``bad_date``, ``missing_value``) with its XML as ``raw``; so is an entry whose
  amount is in another currency than the account's, or one of whose ``TxDtls`` amounts is
  unreadable. A ``Stmt`` without ``Id``, account, ``OPBD``/``PRCD`` or ``CLBD`` (or with an
  unreadable balance) makes the file ``malformed_record``; so does a document without any
  ``Stmt``. A camt.052/054 is ``unknown_format``.
- ``entry_seq`` is the ``Ntry`` position within its ``Stmt`` and ``source_row`` (and a reject's
  ``row_number``) its ordinal across the file, counting every ``Ntry`` (skipped ones too), so
  the n-th ``Ntry`` of the document is easy to find; a ``TxDtls`` row's ``source_row`` is its
  ordinal across the file, a statement row's the ``Stmt`` ordinal. Amounts are 1/100 of the currency unit
  (paise for INR), converted exactly through ``Decimal``; more decimals are rejected.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lxml import etree

from hisaab.money import MoneyError, rupees_decimal_to_paise
from pipelines.parsers.base import (
    BAD_AMOUNT,
    BAD_DATE,
    BAD_VALUE,
    EMPTY_FILE,
    INVALID_XML,
    MALFORMED_RECORD,
    MISSING_VALUE,
    UNKNOWN_FORMAT,
    XML_ENTITY_FORBIDDEN,
    FileRejected,
    ParsedFile,
    RowReject,
)
from pipelines.parsers.mt940 import (
    CHANNELS,
    DETAILS,
    DETAILS_SCHEMA,
    ENTRIES,
    ENTRIES_SCHEMA,
    STATEMENTS,
    STATEMENTS_SCHEMA,
    entry_row,
    find_utr,
    frame,
    is_ifsc,
    looks_like_utr,
    read_narration,
    statement_row,
)

FORMAT = "camt053"
_VERSION_RE = re.compile(r"camt\.(\d{3})\.(\d{3})\.(\d{2})")
_DECLARATION_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_AMOUNT_RE = re.compile(r"^\d{1,18}(?:\.\d{1,5})?$")
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|T|Z|[+-]\d{2}:\d{2}$)")
_NOT_BOOKED = {"PDNG", "INFO", "FUTR"}
_RAW_LIMIT = 20_000


def looks_like(data: bytes) -> bool:
    """camt.053: the message name in the first 2 KB (namespace or schema location)."""
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.replace(b"\x00", b"")
    return b"camt.053" in head or (b"<" in head and b"BkToCstmrStmt" in head)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _refuse_declarations(data: bytes) -> None:
    # UTF-16 documents carry NUL bytes between ASCII characters: look through them too.
    if _DECLARATION_RE.search(data) or (
        b"\x00" in data[:4096] and _DECLARATION_RE.search(data.replace(b"\x00", b""))
    ):
        raise FileRejected(
            XML_ENTITY_FORBIDDEN,
            "the document declares a DOCTYPE/ENTITY; statements never need one and entity "
            "expansion is refused",
        )


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


@lru_cache(maxsize=256)
def _any_ns(path: str) -> str:
    """``A/B`` as an lxml path matching those local names in any (or no) namespace."""
    return "/".join(f"{{*}}{name}" for name in path.split("/"))


class _Index:
    """The texts of every element below ``element``, by local-name path (``Refs/EndToEndId``).

    One C-speed walk of an entry's subtree replaces dozens of ElementPath searches (which run in
    Python), and only strings are kept, so a 40,000-entry statement parses in seconds. Each
    ``NtryDtls/TxDtls`` subtree gets its own index (``details``), paths relative to it.
    """

    __slots__ = ("ccy", "details", "element", "texts")

    def __init__(self, element: etree._Element | None, split: str | None = None) -> None:
        self.element = element
        self.texts: dict[str, list[str | None]] = {}
        self.ccy: dict[str, str] = {}
        self.details: list[_Index] = []
        if element is None:
            return
        stack: list[str] = []
        detail: _Index | None = None
        detail_depth = 0
        for event, node in etree.iterwalk(element, events=("start", "end")):
            if event == "end":
                if detail is not None and len(stack) == detail_depth:
                    detail = None
                stack.pop()
                continue
            tag = node.tag
            stack.append(tag.rpartition("}")[2] if isinstance(tag, str) else "")
            if len(stack) == 1:
                continue
            if detail is None:
                path = "/".join(stack[1:])
                if path == split:
                    detail = _Index(None)
                    detail.element = node
                    self.details.append(detail)
                    detail_depth = len(stack)
                    continue
                target = self
            else:
                path = "/".join(stack[detail_depth:])
                target = detail
            target.texts.setdefault(path, []).append(node.text)
            currency = node.get("Ccy")
            if currency:
                target.ccy.setdefault(path, currency)


_Node = etree._Element | _Index | None


def _kids(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else el.findall(_any_ns(name))


def _find(el: etree._Element | None, path: str) -> etree._Element | None:
    """The first element along ``A/B/C`` (local names) below ``el``."""
    return None if el is None else el.find(_any_ns(path))


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = " ".join(raw.split())
    return value or None


def _text(el: _Node, path: str | None = None) -> str | None:
    if isinstance(el, _Index):
        values = el.texts.get(path or "")
        return _clean(values[0]) if values else None
    node = _find(el, path) if path else el
    return None if node is None else _clean(node.text)


def _all_texts(index: _Index, path: str) -> list[str]:
    return [t for t in (_clean(v) for v in index.texts.get(path, [])) if t]


def _first(el: _Node, *paths: str) -> str | None:
    for path in paths:
        value = _text(el, path)
        if value:
            return value
    return None


def _amount(text: str | None) -> int:
    """An ISO amount (``1234.56``, unsigned) as paise, or ``ValueError``/``MoneyError``."""
    value = (text or "").strip()
    if not _AMOUNT_RE.match(value):
        raise ValueError(f"{value!r} is not an unsigned decimal amount")
    try:
        return rupees_decimal_to_paise(Decimal(value))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise ValueError(f"{value!r} is not an amount") from exc


def _date(el: _Node, path: str) -> date | None:
    """The date of the ``Dt``/``DtTm`` choice at ``path`` (the date as written, e.g. IST for
    an Indian bank, not a UTC conversion), or of a bare date-time element; ``ValueError`` if
    invalid, ``None`` if absent."""
    value = _first(el, f"{path}/Dt", f"{path}/DtTm", path)
    if value is None:
        return None
    match = _DATE_RE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not an ISO date")
    return date.fromisoformat(match.group(1))


def _signed(el: etree._Element, what: str) -> int:
    paise = _amount(_text(el, "Amt"))
    indicator = _text(el, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise ValueError(f"{what} credit/debit indicator {indicator!r} is not CRDT or DBIT")
    return -paise if indicator == "DBIT" else paise


def _balance_code(bal: etree._Element) -> str | None:
    return _first(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")


def _version(root: etree._Element) -> tuple[str, str | None]:
    """(ParsedFile format, format_version) from the root namespace; refuses camt.052/054."""
    namespace = etree.QName(root).namespace or ""
    match = _VERSION_RE.search(namespace)
    if match is None:
        return FORMAT, None
    message, variant, version = match.groups()
    if message != "053":
        raise FileRejected(
            UNKNOWN_FORMAT,
            f"this is a camt.{message} message ({namespace}), not a camt.053 statement",
        )
    return f"{FORMAT}.{variant}.{version}", f"camt.053.{variant}.{version}"


def _party_name(el: _Node, side: str) -> str | None:
    return _first(el, f"RltdPties/{side}/Pty/Nm", f"RltdPties/{side}/Nm")


def _agent(el: _Node, side: str) -> str | None:
    agent = f"RltdAgts/{side}Agt/FinInstnId"
    return _first(el, f"{agent}/BICFI", f"{agent}/BIC", f"{agent}/ClrSysMmbId/MmbId", f"{agent}/Nm")


def _raw(el: etree._Element) -> str:
    text: str = etree.tostring(el, encoding="unicode")
    return text[:_RAW_LIMIT]


def _detail(tx: _Index, entry_direction: str, channel: str | None) -> dict[str, Any]:
    """One TxDtls as a details row (without the statement keys); ``ValueError`` on a bad amount."""
    amount_text = _first(tx, "AmtDtls/TxAmt/Amt", "Amt")
    amount = _amount(amount_text) if amount_text is not None else None
    indicator = _text(tx, "CdtDbtInd")
    direction = {"CRDT": "CR", "DBIT": "DR"}.get(indicator or "", entry_direction)
    side = "Dbtr" if direction == "CR" else "Cdtr"
    end_to_end = _text(tx, "Refs/EndToEndId")
    clearing = _text(tx, "Refs/ClrSysRef")
    remittance = " ".join(_all_texts(tx, "RmtInf/Ustrd"))
    if not remittance:
        remittance = _text(tx, "RmtInf/Strd/CdtrRefInf/Ref") or ""
    additional = _text(tx, "AddtlTxInf")
    name = _party_name(tx, side)
    agent = _agent(tx, side)
    utr = looks_like_utr(clearing, allow_rrn=True)
    for ref in (end_to_end, _text(tx, "Refs/TxId"), _text(tx, "Refs/InstrId")):
        utr = utr or looks_like_utr(ref, allow_rrn=channel in ("IMPS", "UPI"))
    info = read_narration(remittance or additional, additional, channel=channel)
    return {
        "amount_paise": amount,
        "direction": direction,
        "end_to_end_id": end_to_end,
        "clearing_reference": clearing,
        "utr": utr or info.utr,
        "remittance_info": remittance or None,
        "counterparty_name": name or info.counterparty_name,
        "counterparty_agent": agent,
        "_ifsc": agent if is_ifsc(agent) else info.counterparty_ifsc,
        "_instr_id": _text(tx, "Refs/InstrId"),
        "_narration": remittance or additional,
    }


def _stated_currency(elements: list[etree._Element]) -> str | None:
    """The ``Ccy`` of the first of these elements' ``Amt`` that has one."""
    for element in elements:
        amount = _find(element, "Amt")
        if amount is not None and amount.get("Ccy"):
            return str(amount.get("Ccy"))
    return None


def _status(ntry: _Node) -> str | None:
    return _first(ntry, "Sts/Cd", "Sts/Prtry", "Sts")


def parse(data: bytes) -> ParsedFile:
    """Parse one camt.053 document (any number of ``Stmt``) into the three statement tables."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileRejected(EMPTY_FILE, "the file is empty")
    _refuse_declarations(data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if body[:1].isspace():
        body = body.lstrip()  # a blank line before <?xml ...?> is common and harmless
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        last_line = body.rstrip().count(b"\n") + 1
        cut = "premature end" in str(exc).lower() or (exc.lineno or 0) >= last_line
        hint = " (the file looks cut off)" if cut else ""
        raise FileRejected(INVALID_XML, f"not well-formed XML{hint}: {exc}") from exc
    if root is None:
        raise FileRejected(INVALID_XML, "no XML document")
    if _local(root) not in ("Document", "BkToCstmrStmt"):
        raise FileRejected(
            UNKNOWN_FORMAT, f"root element <{_local(root)}> is not a camt.053 Document"
        )
    file_format, format_version = _version(root)
    message = root if _local(root) == "BkToCstmrStmt" else _find(root, "BkToCstmrStmt")
    if message is None:
        raise FileRejected(UNKNOWN_FORMAT, "no BkToCstmrStmt: not a bank-to-customer statement")
    stmts = _kids(message, "Stmt")
    if not stmts:
        raise FileRejected(MALFORMED_RECORD, "BkToCstmrStmt holds no Stmt: there is no statement")

    statements: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    rejects: list[RowReject] = []
    rows_in = 0
    ordinal = 0
    seen_ids: set[str] = set()
    for number, stmt in enumerate(stmts, start=1):
        statement_id = _text(stmt, "Id")
        where = f"Stmt {number}" + (f" ({statement_id})" if statement_id else "")
        if not statement_id:
            raise FileRejected(MALFORMED_RECORD, f"{where} has no Id")
        if statement_id in seen_ids:
            raise FileRejected(MALFORMED_RECORD, f"{where}: statement Id repeated in the file")
        seen_ids.add(statement_id)
        account = _first(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
        if not account:
            raise FileRejected(MALFORMED_RECORD, f"{where} has no account (Acct/Id)")
        servicer = _first(
            stmt,
            "Acct/Svcr/FinInstnId/BICFI",
            "Acct/Svcr/FinInstnId/BIC",
            "Acct/Svcr/FinInstnId/ClrSysMmbId/MmbId",
        )
        balances: dict[str, etree._Element] = {}
        for bal in _kids(stmt, "Bal"):
            code = _balance_code(bal)
            if code and code not in balances:
                balances[code] = bal
        opening_bal = balances.get("OPBD")
        if opening_bal is None:
            opening_bal = balances.get("PRCD")
        closing_bal = balances.get("CLBD")
        if opening_bal is None or closing_bal is None:
            missing = "OPBD/PRCD opening" if opening_bal is None else "CLBD closing"
            raise FileRejected(MALFORMED_RECORD, f"{where} has no {missing} balance")
        try:
            opening = _signed(opening_bal, "opening balance")
            closing = _signed(closing_bal, "closing balance")
            opening_date = _date(opening_bal, "Dt")
            closing_date = _date(closing_bal, "Dt")
            from_date = _date(stmt, "FrToDt/FrDtTm") or opening_date
            to_date = _date(stmt, "FrToDt/ToDtTm") or closing_date
        except (ValueError, MoneyError) as exc:
            raise FileRejected(MALFORMED_RECORD, f"{where}: {exc}") from exc
        statement_date = closing_date or to_date
        if statement_date is None:
            raise FileRejected(MALFORMED_RECORD, f"{where}: the closing balance has no date")
        ntries = _kids(stmt, "Ntry")
        currency = _text(stmt, "Acct/Ccy") or _stated_currency([opening_bal, *ntries])
        if not currency:
            raise FileRejected(MALFORMED_RECORD, f"{where} names no currency")

        loaded: list[dict[str, Any]] = []
        for seq, element in enumerate(ntries, start=1):
            ordinal += 1
            ntry = _Index(element, split="NtryDtls/TxDtls")
            status = _status(ntry)
            if status in _NOT_BOOKED:
                continue
            rows_in += 1
            row = _entry(ntry, statement_id, seq, ordinal, currency, status)
            if isinstance(row, RowReject):
                rejects.append(row)
                continue
            entry, entry_details = row
            loaded.append(entry)
            for detail_seq, detail in enumerate(entry_details, start=1):
                details.append(
                    {
                        **detail,
                        "statement_id": statement_id,
                        "entry_seq": seq,
                        "detail_seq": detail_seq,
                        "business_date": entry["business_date"],
                        "source_row": len(details) + 1,
                    }
                )
        entries.extend(loaded)
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
                format=FORMAT,
                format_version=format_version,
                source_row=number,
            )
        )

    return ParsedFile(
        format=file_format,
        tables={
            STATEMENTS: frame(statements, STATEMENTS_SCHEMA),
            ENTRIES: frame(entries, ENTRIES_SCHEMA),
            DETAILS: frame(details, DETAILS_SCHEMA),
        },
        rejects=rejects,
        rows_in=rows_in,
        main_table=ENTRIES,
    )


def _entry(
    ntry: _Index,
    statement_id: str,
    seq: int,
    ordinal: int,
    currency: str,
    status: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]] | RowReject:
    """One booked ``Ntry`` as an entry row plus its details rows, or the reason it is rejected."""

    def reject(reason: str, message: str) -> RowReject:
        return RowReject(
            ordinal, reason, f"Ntry {seq} of {statement_id}: {message}", _raw(ntry.element)
        )

    if status is None:
        return reject(MISSING_VALUE, "no status (Sts)")
    if "Amt" not in ntry.texts:
        return reject(MISSING_VALUE, "no amount (Amt)")
    try:
        amount = _amount(ntry.texts["Amt"][0])
    except (ValueError, MoneyError) as exc:
        return reject(BAD_AMOUNT, f"amount {exc}")
    entry_currency = ntry.ccy.get("Amt")
    if entry_currency and entry_currency != currency:
        return reject(BAD_VALUE, f"amount in {entry_currency}, the account is in {currency}")
    indicator = _text(ntry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        return reject(BAD_VALUE, f"CdtDbtInd {indicator!r} is not CRDT or DBIT")
    direction = "CR" if indicator == "CRDT" else "DR"
    try:
        booked = _date(ntry, "BookgDt")
        valued = _date(ntry, "ValDt")
    except ValueError as exc:
        return reject(BAD_DATE, f"booking/value date {exc}")
    if booked is None:
        return reject(MISSING_VALUE, "no booking date (BookgDt)")

    code = (_text(ntry, "BkTxCd/Prtry/Cd") or "").upper()
    bank_channel = code if code in CHANNELS else None
    try:
        rows = [_detail(tx, direction, bank_channel) for tx in ntry.details]
    except (ValueError, MoneyError) as exc:
        return reject(BAD_AMOUNT, f"transaction details amount {exc}")

    entry_text = _text(ntry, "AddtlNtryInf")
    single = rows[0] if len(rows) == 1 else None
    narration = entry_text or (single["_narration"] if single else None)
    info = read_narration(narration, channel=bank_channel)
    if single:
        customer_ref = single["end_to_end_id"]
        if not customer_ref or customer_ref.upper() == "NOTPROVIDED":
            customer_ref = single["_instr_id"]
        utr = single["utr"] or info.utr
        name = single["counterparty_name"] or info.counterparty_name
        ifsc = single["_ifsc"] or info.counterparty_ifsc
    else:
        customer_ref = _text(ntry, "NtryDtls/Btch/PmtInfId")
        utr = info.utr or find_utr([_text(ntry, "NtryRef")], info.channel)
        name = info.counterparty_name
        ifsc = info.counterparty_ifsc
    entry = entry_row(
        statement_id=statement_id,
        entry_seq=seq,
        booking_date=booked,
        value_date=valued,
        amount_paise=amount,
        direction=direction,
        source_row=ordinal,
        channel=info.channel,
        utr=utr,
        bank_reference=_text(ntry, "AcctSvcrRef"),
        customer_reference=customer_ref,
        narration=narration,
        counterparty_name=name,
        counterparty_ifsc=ifsc,
    )
    for row in rows:
        for key in ("_ifsc", "_instr_id", "_narration"):
            row.pop(key)
    return entry, rows

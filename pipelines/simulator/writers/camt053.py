"""ISO 20022 camt.053.001.08 (bank-to-customer statement) writer.

User need: the finance / recon analyst reconciles the escrow account against our books; banks on
ISO 20022 host-to-host channels send the day's statement as camt.053. The simulator renders each
``Statement`` with ``render`` so the camt.053 parser and the recon models see the real format.

One ``Document/BkToCstmrStmt`` with one ``Stmt`` per file:

- ``GrpHdr``: ``MsgId``, ``CreDtTm``. Creation time is derived from the statement date (the next
  day, 06:00 IST), never the wall clock, so the simulator is byte-for-byte deterministic.
- ``Stmt``: ``Id``, ``ElctrncSeqNb`` (the statement's sequence number), ``CreDtTm``, ``FrToDt``
  (the statement day in IST), ``Acct`` (``Id/Othr/Id`` account number, ``Ccy``, ``Nm``,
  ``Svcr/FinInstnId`` BIC, IFSC as ``ClrSysMmbId`` under clearing system ``INFSC``, bank name),
  ``Bal`` ``OPBD`` and ``CLBD``, ``TxsSummry`` and one ``Ntry`` per entry.
- ``Ntry``: ``NtryRef`` (1-based position), ``Amt``, ``CdtDbtInd``, ``Sts/Cd`` ``BOOK``,
  ``BookgDt``, ``ValDt``, ``AcctSvcrRef`` (the bank's reference), ``BkTxCd/Prtry/Cd`` (channel:
  NEFT, RTGS, IMPS, UPI, OTHER), ``NtryDtls/TxDtls`` (``Refs/EndToEndId`` and ``Refs/ClrSysRef``
  = UTR, amount, counterparty as ``Dbtr`` for credits / ``Cdtr`` for debits, its IFSC as
  ``DbtrAgt`` / ``CdtrAgt``, narration as ``RmtInf/Ustrd`` (140 characters) and ``AddtlTxInf``)
  and the narration again as ``AddtlNtryInf``.

Amounts are written from integer paise as ``1234.56`` (never through a float); ISO amounts are
unsigned, the sign is ``CdtDbtInd`` (``CRDT``/``DBIT``). Element order follows the
camt.053.001.08 schema.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from lxml import etree

from hisaab.money import paise_to_rupees
from pipelines.simulator.statements import Statement, StatementEntry

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
IST = timezone(timedelta(hours=5, minutes=30), "IST")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
IFSC_CLEARING_SYSTEM = "INFSC"  # ISO external clearing system code for India's IFSC

# Characters XML 1.0 cannot carry; a narration with one would make the document unreadable.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def creation_time(statement_date: date) -> datetime:
    """When the bank generated the statement: 06:00 IST the day after the statement date."""
    return datetime.combine(statement_date + timedelta(days=1), time(6, 0), tzinfo=IST)


def _text(value: str, max_chars: int) -> str:
    return _XML_INVALID.sub(" ", value).strip()[:max_chars]


def _sub(
    parent: etree._Element, path: str, text: str | None = None, **attrib: str
) -> etree._Element:
    """Append the chain of elements ``path`` (``A/B/C``) under ``parent``; set the last's text."""
    node = parent
    for tag in path.split("/"):
        node = etree.SubElement(node, f"{{{NAMESPACE}}}{tag}")
    for key, value in attrib.items():
        node.set(key, value)
    if text is not None:
        node.text = text
    return node


def _amount(parent: etree._Element, paise: int, currency: str) -> None:
    _sub(parent, "Amt", paise_to_rupees(abs(paise)), Ccy=currency)


def _cdt_dbt(paise_or_direction: int | str) -> str:
    if isinstance(paise_or_direction, str):
        return "CRDT" if paise_or_direction == "CR" else "DBIT"
    return "CRDT" if paise_or_direction >= 0 else "DBIT"


def _balance(stmt: etree._Element, code: str, paise: int, statement: Statement) -> None:
    bal = _sub(stmt, "Bal")
    _sub(bal, "Tp/CdOrPrtry/Cd", code)
    _amount(bal, paise, statement.account.currency)
    _sub(bal, "CdtDbtInd", _cdt_dbt(paise))
    _sub(bal, "Dt/Dt", statement.statement_date.isoformat())


def _summary(stmt: etree._Element, statement: Statement) -> None:
    entries = statement.entries
    credits = [e for e in entries if e.direction == "CR"]
    debits = [e for e in entries if e.direction == "DR"]
    net = statement.total_credits_paise - statement.total_debits_paise
    summary = _sub(stmt, "TxsSummry")
    total = _sub(summary, "TtlNtries")
    _sub(total, "NbOfNtries", str(len(entries)))
    _sub(total, "Sum", paise_to_rupees(sum(e.amount_paise for e in entries)))
    net_entry = _sub(total, "TtlNetNtry")
    _sub(net_entry, "Amt", paise_to_rupees(abs(net)))
    _sub(net_entry, "CdtDbtInd", _cdt_dbt(net))
    for tag, group in (("TtlCdtNtries", credits), ("TtlDbtNtries", debits)):
        node = _sub(summary, tag)
        _sub(node, "NbOfNtries", str(len(group)))
        _sub(node, "Sum", paise_to_rupees(sum(e.amount_paise for e in group)))


def _agent(parent: etree._Element, tag: str, ifsc: str) -> None:
    member = _sub(parent, f"{tag}/FinInstnId/ClrSysMmbId")
    _sub(member, "ClrSysId/Cd", IFSC_CLEARING_SYSTEM)
    _sub(member, "MmbId", _text(ifsc, 35))


def _entry(stmt: etree._Element, position: int, entry: StatementEntry, currency: str) -> None:
    ntry = _sub(stmt, "Ntry")
    _sub(ntry, "NtryRef", str(position))
    _amount(ntry, entry.amount_paise, currency)
    _sub(ntry, "CdtDbtInd", _cdt_dbt(entry.direction))
    _sub(ntry, "Sts/Cd", "BOOK")
    _sub(ntry, "BookgDt/Dt", entry.booking_date.isoformat())
    _sub(ntry, "ValDt/Dt", entry.value_date.isoformat())
    if bank_reference := _text(entry.bank_reference, 35):
        _sub(ntry, "AcctSvcrRef", bank_reference)
    _sub(ntry, "BkTxCd/Prtry/Cd", entry.channel)

    tx = _sub(ntry, "NtryDtls/TxDtls")
    utr = _text(entry.utr, 35)
    refs = _sub(tx, "Refs")
    _sub(refs, "EndToEndId", utr)
    _sub(refs, "ClrSysRef", utr)
    _amount(tx, entry.amount_paise, currency)
    _sub(tx, "CdtDbtInd", _cdt_dbt(entry.direction))
    counterparty = "Dbtr" if entry.direction == "CR" else "Cdtr"
    name = _text(entry.counterparty_name, 140)
    if name:
        _sub(tx, f"RltdPties/{counterparty}/Pty/Nm", name)
    if entry.counterparty_ifsc:
        _agent(_sub(tx, "RltdAgts"), f"{counterparty}Agt", entry.counterparty_ifsc)
    narration = _text(entry.narration, 500)
    if narration:
        _sub(tx, "RmtInf/Ustrd", narration[:140].rstrip())
        _sub(tx, "AddtlTxInf", narration)
        _sub(ntry, "AddtlNtryInf", narration)


def build(statement: Statement) -> etree._Element:
    """The camt.053 ``Document`` element for one statement."""
    account = statement.account
    day = statement.statement_date
    created = creation_time(day).isoformat()
    doc = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    root = _sub(doc, "BkToCstmrStmt")
    header = _sub(root, "GrpHdr")
    message_id = f"C53{day:%Y%m%d}{statement.sequence_number:05d}{account.account_number}"
    _sub(header, "MsgId", _text(message_id, 35))
    _sub(header, "CreDtTm", created)

    stmt = _sub(root, "Stmt")
    _sub(stmt, "Id", f"{account.account_number}-{day:%Y%m%d}-{statement.sequence_number:05d}"[:35])
    _sub(stmt, "ElctrncSeqNb", str(statement.sequence_number))
    _sub(stmt, "CreDtTm", created)
    period = _sub(stmt, "FrToDt")
    _sub(period, "FrDtTm", datetime.combine(day, time(0, 0), tzinfo=IST).isoformat())
    _sub(period, "ToDtTm", datetime.combine(day, time(23, 59, 59), tzinfo=IST).isoformat())
    acct = _sub(stmt, "Acct")
    _sub(acct, "Id/Othr/Id", _text(account.account_number, 34))
    _sub(acct, "Ccy", account.currency)
    _sub(acct, "Nm", _text(account.account_name, 70))
    institution = _sub(acct, "Svcr/FinInstnId")
    _sub(institution, "BICFI", account.bic)
    member = _sub(institution, "ClrSysMmbId")
    _sub(member, "ClrSysId/Cd", IFSC_CLEARING_SYSTEM)
    _sub(member, "MmbId", _text(account.ifsc, 35))
    _sub(institution, "Nm", _text(account.bank_name, 140))

    _balance(stmt, "OPBD", statement.opening_balance_paise, statement)
    _balance(stmt, "CLBD", statement.closing_balance_paise, statement)
    _summary(stmt, statement)
    for position, entry in enumerate(statement.entries, start=1):
        _entry(stmt, position, entry, account.currency)
    return doc


def render(statement: Statement) -> bytes:
    """Render one day's statement of one account as camt.053.001.08 XML (UTF-8)."""
    body: bytes = etree.tostring(build(statement), encoding="UTF-8", pretty_print=True)
    return XML_DECLARATION + body


def filename(statement: Statement) -> str:
    """``camt053_<account>_<yyyymmdd>_<sequence>.xml``."""
    account, day, seq = statement.account, statement.statement_date, statement.sequence_number
    return f"camt053_{account.account_number}_{day:%Y%m%d}_{seq:05d}.xml"

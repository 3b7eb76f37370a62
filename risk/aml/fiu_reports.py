"""STR and CTR batches in FIU-IND's XML reporting layout, validated against our XSDs.

Serves the compliance officer's statutory filing: a suspicious transaction report (STR) from
a case (its persons, its transactions, the grounds of suspicion) and the monthly cash
transaction report (CTR: every person whose cash in one month, across connected accounts,
reaches ₹10 lakh, with all of that month's cash transactions). The layout follows FIU-IND's
XML reporting format (Batch → ReportType, BatchHeader, ReportingEntity, PrincipalOfficer,
BatchDetails, Report → Person, Transaction, SuspicionDetails); the XSDs in ``reports/`` are ours,
written from that layout. A batch that does not validate is refused with ``ReportError``
naming the element at fault; nothing is written.

Amounts are rupees with two decimals, converted exactly from integer paise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from lxml import etree

from hisaab.calendar import IST
from hisaab.money import paise_to_rupees

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
ENTITY_FILE = Path(__file__).resolve().parent / "reporting_entity.yaml"
CTR_THRESHOLD_PAISE = 10_00_000 * 100  # ₹10 lakh of cash in a month


class ReportError(ValueError):
    """A report that FIU-IND would refuse; the message names the element at fault."""


@dataclass(frozen=True)
class Person:
    name: str
    person_type: str  # IND or ENT
    customer_id: str
    account_id: str
    nationality: str
    relation: str
    date_of_birth: date | None = None


@dataclass(frozen=True)
class Transaction:
    transaction_id: str
    at: datetime  # UTC
    mode: str
    debit_credit: str  # D or C, seen from account_id
    amount_paise: int
    account_id: str
    counterparty_account: str
    counterparty_country: str
    is_cash: bool = False
    counterparty_name: str | None = None
    currency: str = "INR"


@dataclass(frozen=True)
class Suspicion:
    source_of_alert: str  # TM transaction monitoring, WL watch list
    alert_indicators: tuple[str, ...]
    grounds_of_suspicion: str | None
    details_of_investigation: str | None
    proceeds_of_crime: bool = False
    complex_transactions: bool = False
    no_economic_rationale: bool = True
    financing_of_terrorism: bool = False
    attempted: bool = False
    lea_informed: bool = False
    priority: str = "P2"
    coverage: str = "C"


@dataclass
class ReportBody:
    main_person_name: str
    persons: list[Person]
    transactions: list[Transaction]
    suspicion: Suspicion | None = None


@dataclass
class Batch:
    kind: str  # STR or CTR
    batch_number: int
    month: int
    year: int
    batch_date: date
    reports: list[ReportBody] = field(default_factory=list)


@cache
def reporting_entity() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(ENTITY_FILE.read_text(encoding="utf-8"))
    return doc


@cache
def schema(kind: str) -> etree.XMLSchema:
    path = REPORTS_DIR / f"fiu_ind_{kind.lower()}.xsd"
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _opt(parent: etree._Element, tag: str, text: object | None) -> None:
    """Leave the element out when there is nothing to say; the XSD decides if it was required."""
    if text is not None and str(text) != "":
        _sub(parent, tag, text)


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def render(batch: Batch) -> bytes:
    """The batch as XML bytes (not yet validated)."""
    ent = reporting_entity()
    re_, po = ent["reporting_entity"], ent["principal_officer"]
    root = etree.Element("Batch")
    _sub(root, "ReportType", batch.kind)
    _sub(root, "ReportFormatType", "TRF")
    hdr = _sub(root, "BatchHeader")
    _sub(hdr, "DataStructureVersion", "2")
    _sub(hdr, "GenerationUtilityVersion", "hisaab-0.1")
    _sub(hdr, "DataSource", "XML")
    rent = _sub(root, "ReportingEntity")
    _opt(rent, "ReportingEntityName", re_.get("name"))
    _opt(rent, "ReportingEntityCategory", re_.get("category"))
    _opt(rent, "RERegistrationNumber", re_.get("registration_number"))
    _opt(rent, "FIUREID", re_.get("fiu_reid"))
    pof = _sub(root, "PrincipalOfficer")
    _opt(pof, "POName", po.get("name"))
    _opt(pof, "PODesignation", po.get("designation"))
    addr = _sub(pof, "POAddress")
    for tag, key in (
        ("Address", "address"),
        ("City", "city"),
        ("StateCode", "state_code"),
        ("PinCode", "pin_code"),
        ("CountryCode", "country_code"),
    ):
        _opt(addr, tag, po.get(key))
    _opt(_sub(pof, "POPhone"), "Mobile", po.get("mobile"))
    _opt(pof, "POEmail", po.get("email"))
    det = _sub(root, "BatchDetails")
    _sub(det, "BatchNumber", batch.batch_number)
    _sub(det, "BatchType", "N")
    _sub(det, "MonthOfReport", f"{batch.month:02d}")
    _sub(det, "YearOfReport", batch.year)
    _sub(det, "OperationalMode", ent.get("operational_mode", "T"))
    _sub(det, "BatchDate", batch.batch_date.isoformat())
    for serial, body in enumerate(batch.reports, start=1):
        rep = _sub(root, "Report")
        _sub(rep, "ReportSerialNum", serial)
        _opt(rep, "MainPersonName", body.main_person_name)
        for p in body.persons:
            el = _sub(rep, "Person")
            _opt(el, "PersonName", p.name)
            _sub(el, "PersonType", p.person_type)
            _opt(el, "CustomerId", p.customer_id)
            _opt(el, "AccountId", p.account_id)
            _opt(el, "DateOfBirth", p.date_of_birth.isoformat() if p.date_of_birth else None)
            _opt(el, "Nationality", p.nationality)
            _opt(el, "Relation", p.relation)
        for t in body.transactions:
            el = _sub(rep, "Transaction")
            _opt(el, "TransactionId", t.transaction_id)
            _sub(el, "DateOfTransaction", t.at.astimezone(IST).isoformat(timespec="seconds"))
            _opt(el, "TransactionMode", t.mode)
            _sub(el, "DebitCredit", t.debit_credit)
            _sub(el, "Amount", paise_to_rupees(t.amount_paise))
            _sub(el, "Currency", t.currency)
            _opt(el, "AccountId", t.account_id)
            _sub(el, "CashFlag", _yn(t.is_cash))
            _opt(el, "CounterpartyName", t.counterparty_name)
            _opt(el, "CounterpartyAccount", t.counterparty_account)
            _opt(el, "CounterpartyCountry", t.counterparty_country)
        s = body.suspicion
        if s is not None:
            el = _sub(rep, "SuspicionDetails")
            _sub(el, "SourceOfAlert", s.source_of_alert)
            for ind in s.alert_indicators:
                _opt(el, "AlertIndicator", ind)
            _sub(el, "SuspicionDueToProceedsOfCrime", _yn(s.proceeds_of_crime))
            _sub(el, "SuspicionDueToComplexTrans", _yn(s.complex_transactions))
            _sub(el, "SuspicionDueToNoEcoRationale", _yn(s.no_economic_rationale))
            _sub(el, "SuspicionOfFinancingOfTerrorism", _yn(s.financing_of_terrorism))
            _sub(el, "AttemptedTransaction", _yn(s.attempted))
            _opt(el, "GroundsOfSuspicion", s.grounds_of_suspicion)
            _opt(el, "DetailsOfInvestigation", s.details_of_investigation)
            _sub(el, "LEAInformed", _yn(s.lea_informed))
            _sub(el, "PriorityRating", s.priority)
            _sub(el, "ReportCoverage", s.coverage)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate(xml: bytes, kind: str) -> None:
    """Validate against our XSD of ``kind``; ``ReportError`` names every element at fault."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ReportError(f"not well-formed XML: {exc}") from exc
    xsd = schema(kind)
    if not xsd.validate(doc):
        problems = [f"line {e.line}: {e.message}" for e in xsd.error_log]  # type: ignore[attr-defined]
        raise ReportError(f"{kind} refused by the XSD: " + " | ".join(problems))


def build(batch: Batch) -> bytes:
    """Render and validate; the bytes are returned only when the batch is valid."""
    xml = render(batch)
    validate(xml, batch.kind)
    return xml

"""Bank statement parsers (MT940/MT942, camt.053, Indian bank CSV) against the recon rules.

A recon analyst matches every statement line by its UTR/RRN and trusts that opening + entries =
closing; so each format is rendered by the simulator's writers and read back exactly (amounts to
the paisa, dates, UTRs, balances), and every kind of bad input either loads what is readable and
rejects the rest with a reason, or refuses the whole file; nothing is lost, nothing crashes.
"""

from __future__ import annotations

import random
import time
from datetime import date
from typing import Any

import polars as pl
import pytest
from lxml import etree

from pipelines.parsers import bank_csv, camt053, mt940
from pipelines.parsers.base import (
    BAD_AMOUNT,
    BAD_DATE,
    BAD_ENCODING,
    EMPTY_FILE,
    INVALID_XML,
    LINE_TOO_LONG,
    MALFORMED_RECORD,
    MISSING_VALUE,
    TRUNCATED_FILE,
    UNKNOWN_FORMAT,
    WRONG_COLUMN_COUNT,
    XML_ENTITY_FORBIDDEN,
    FileRejected,
    ParsedFile,
)
from pipelines.simulator import narrations as n
from pipelines.simulator.corruption import BOMB
from pipelines.simulator.statements import BankAccount, Statement, StatementEntry
from pipelines.simulator.writers import bank_csv as csv_writer
from pipelines.simulator.writers import camt053 as camt_writer
from pipelines.simulator.writers import mt940 as mt940_writer

DAY = date(2026, 11, 27)
PREVIOUS_DAY = date(2026, 11, 26)
ESCROW = "HISAAB PAYMENTS PVT LTD ESCROW A/C"
ACCOUNT = BankAccount(
    source="bank_icici",
    bank_name="ICICI Bank",
    bic="ICICINBB",
    ifsc="ICIC0000104",
    account_number="000405123456",
    account_name=ESCROW,
    statement_format="mt940",
    opening_balance_paise=98_76_543_21,
)


def _entry(
    paise: int,
    direction: str,
    channel: str,
    utr: str,
    narration: str,
    name: str,
    ifsc: str | None,
    ref: str,
    value_date: date = DAY,
) -> StatementEntry:
    return StatementEntry(
        booking_date=DAY,
        value_date=value_date,
        amount_paise=paise,
        direction=direction,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        utr=utr,
        narration=narration,
        counterparty_name=name,
        counterparty_ifsc=ifsc,
        bank_reference=ref,
    )


ENTRIES = (
    _entry(
        4_99_900_50,
        "CR",
        "NEFT",
        "YESBN52026331001",
        n.neft_credit(
            "YESB0000001", "Razorpay Software Private Limited", ESCROW, "YESBN52026331001"
        ),
        "Razorpay Software Private Limited",
        "YESB0000001",
        "ICIC0000000000001",
    ),
    _entry(
        12_34_56_789_05,
        "CR",
        "RTGS",
        "HDFCR52026112700012345",
        n.rtgs_credit(
            "HDFC0000240", "PayU Payments Private Limited", ESCROW, "HDFCR52026112700012345"
        ),
        "PayU Payments Private Limited",
        "HDFC0000240",
        "ICIC0000000000002",
    ),
    _entry(
        8_76_543_21,
        "CR",
        "NEFT",  # NPCI settles UPI by NEFT: the narration says UPI, the UTR says NEFT
        "UTIBN52026331777",
        n.upi_settlement_credit(PREVIOUS_DAY, "UTIBN52026331777"),
        "NPCI",
        "UTIB0000007",
        "ICIC0000000000003",
    ),
    _entry(
        1_50_000_00,
        "DR",
        "NEFT",
        "ICICN52026331002",
        n.neft_debit("SBIN0001234", "Sharma Kirana & General Stores, Andheri", "ICICN52026331002"),
        "Sharma Kirana & General Stores, Andheri",
        "SBIN0001234",
        "ICIC0000000000004",
        value_date=PREVIOUS_DAY,
    ),
    _entry(
        25_00_000_00,
        "DR",
        "RTGS",
        "ICICR52026112700099999",
        n.rtgs_debit("KKBK0000958", "Navkar Impex", "ICICR52026112700099999"),
        "Navkar Impex",
        "KKBK0000958",
        "ICIC0000000000005",
    ),
    _entry(
        2_499_00,
        "DR",
        "IMPS",
        "633112345678",
        n.imps_debit(
            "633112345678", "Priya Nair", "UTIB0000123", beneficiary_account="917010012345678"
        ),
        "Priya Nair",
        "UTIB0000123",
        "ICIC0000000000006",
    ),
    _entry(
        1_50_000_00,
        "CR",
        "NEFT",
        "ICICN52026331002",
        n.neft_return_credit("ICICN52026331002", "ACCOUNT CLOSED"),
        "Sharma Kirana & General Stores, Andheri",
        "SBIN0001234",
        "ICIC0000000000007",
    ),
    _entry(
        1_000_00,
        "CR",
        "NEFT",
        "KKBKN52026331004",
        n.unknown_credit("Café Ñandú Traders", "KKBKN52026331004", remitter_ifsc="KKBK0000958"),
        "Café Ñandú Traders",
        "KKBK0000958",
        "ICIC0000000000008",
    ),
)
STATEMENT = Statement(ACCOUNT, DAY, 331, ACCOUNT.opening_balance_paise, ENTRIES)
EMPTY = Statement(ACCOUNT, DAY, 332, 5_00_000_00)
OVERDRAWN = Statement(ACCOUNT, DAY, 333, -10_000_00, (ENTRIES[5],))
STATEMENTS = {"day": STATEMENT, "empty": EMPTY, "overdrawn": OVERDRAWN}

WRITERS = {"mt940": mt940_writer, "camt053": camt_writer, "bank_csv": csv_writer}
PARSERS = {"mt940": mt940, "camt053": camt053, "bank_csv": bank_csv}


def _parsed(module: Any, data: bytes) -> ParsedFile:
    """Parse and check the contract every parser keeps: schemas exact, nothing lost."""
    parsed: ParsedFile = module.parse(data)
    parsed.check_accounting()
    assert parsed.main_table == mt940.ENTRIES
    assert dict(parsed.tables[mt940.STATEMENTS].schema) == mt940.STATEMENTS_SCHEMA
    assert dict(parsed.tables[mt940.ENTRIES].schema) == mt940.ENTRIES_SCHEMA
    if mt940.DETAILS in parsed.tables:
        assert dict(parsed.tables[mt940.DETAILS].schema) == mt940.DETAILS_SCHEMA
    return parsed


def _refused(module: Any, data: bytes) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        module.parse(data)
    return info.value


def _statement(parsed: ParsedFile) -> dict[str, Any]:
    rows = parsed.tables[mt940.STATEMENTS].to_dicts()
    assert len(rows) == 1
    return rows[0]


def _entries(parsed: ParsedFile) -> list[dict[str, Any]]:
    return parsed.tables[mt940.ENTRIES].to_dicts()


def _chains(statement: dict[str, Any]) -> bool:
    return (
        statement["opening_balance_paise"]
        + statement["total_credits_paise"]
        - statement["total_debits_paise"]
        == statement["closing_balance_paise"]
    )


# --- round trips against the simulator's writers ---------------------------------------------


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("name", list(STATEMENTS))
def test_every_format_reads_back_amounts_dates_utrs_and_balances_to_the_paisa(
    fmt: str, name: str
) -> None:
    source = STATEMENTS[name]
    parsed = _parsed(PARSERS[fmt], WRITERS[fmt].render(source))
    statement = _statement(parsed)
    assert statement["account_number"] == ACCOUNT.account_number
    assert statement["currency"] == "INR"
    assert statement["statement_date"] == DAY
    assert statement["opening_balance_paise"] == source.opening_balance_paise
    assert statement["closing_balance_paise"] == source.closing_balance_paise
    assert statement["total_credits_paise"] == source.total_credits_paise
    assert statement["total_debits_paise"] == source.total_debits_paise
    assert statement["entry_count"] == len(source.entries)
    assert (statement["business_date"], statement["source_row"]) == (DAY, 1)
    assert _chains(statement)
    entries = _entries(parsed)
    assert parsed.rows_in == parsed.rows_loaded == len(source.entries)
    for row, entry in zip(entries, source.entries, strict=True):
        assert row["amount_paise"] == entry.amount_paise
        assert row["direction"] == entry.direction
        assert row["signed_amount_paise"] == entry.signed_paise
        assert row["booking_date"] == row["business_date"] == entry.booking_date
        assert row["value_date"] == entry.value_date
        assert row["utr"] == entry.utr
        assert row["statement_id"] == statement["statement_id"]
    assert [r["entry_seq"] for r in entries] == list(range(1, len(entries) + 1))


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_channel_counterparty_and_ifsc_come_out_of_the_indian_narration(fmt: str) -> None:
    entries = _entries(_parsed(PARSERS[fmt], WRITERS[fmt].render(STATEMENT)))
    assert [r["channel"] for r in entries] == [e.channel for e in ENTRIES]
    for row, entry in zip(entries, ENTRIES, strict=True):
        if entry.counterparty_ifsc and entry.counterparty_ifsc in entry.narration:
            assert row["counterparty_ifsc"] == entry.counterparty_ifsc
    names = {r["entry_seq"]: r["counterparty_name"] for r in entries}
    # Narrations cut names to 35 upper-case characters; camt carries the full name.
    expected = "SHARMA KIRANA & GENERAL STORES, AND"
    if fmt == "mt940":
        expected = "SHARMA KIRANA GENERAL STORES, AND"  # '&' is outside SWIFT X
    if fmt == "camt053":
        expected = "Sharma Kirana & General Stores, Andheri"
    assert names[4] == expected
    assert names[6].upper() == "PRIYA NAIR"


def test_mt940_keeps_the_bank_references_and_the_full_narration() -> None:
    entries = _entries(_parsed(mt940, mt940_writer.render(STATEMENT)))
    for row, entry in zip(entries, ENTRIES, strict=True):
        wrapped = mt940_writer.wrap_narration(entry.narration)
        assert row["narration"] == mt940_writer.join_narration_lines(wrapped)
        assert row["customer_reference"] == entry.utr[:16]
        assert row["bank_reference"] == entry.bank_reference[:16]
    assert _statement(_parsed(mt940, mt940_writer.render(STATEMENT)))["statement_id"] == (
        "STMT26112700331"
    )


def test_camt053_details_table_keeps_end_to_end_ids_agents_and_names() -> None:
    parsed = _parsed(camt053, camt_writer.render(STATEMENT))
    assert parsed.format == "camt053.001.08"
    statement = _statement(parsed)
    assert statement["format"] == "camt053"
    assert statement["format_version"] == "camt.053.001.08"
    assert statement["account_servicer"] == ACCOUNT.bic
    details = parsed.tables[mt940.DETAILS].to_dicts()
    assert len(details) == len(ENTRIES)
    for row, entry in zip(details, ENTRIES, strict=True):
        assert row["end_to_end_id"] == row["clearing_reference"] == row["utr"] == entry.utr
        assert row["amount_paise"] == entry.amount_paise
        assert row["direction"] == entry.direction
        assert row["counterparty_name"] == entry.counterparty_name
        assert row["counterparty_agent"] == entry.counterparty_ifsc
        assert row["business_date"] == DAY
    entries = _entries(parsed)
    assert [r["bank_reference"] for r in entries] == [e.bank_reference for e in ENTRIES]
    assert [r["narration"] for r in entries] == [e.narration for e in ENTRIES]


def test_bank_csv_keeps_reference_narration_and_physical_line_numbers() -> None:
    parsed = _parsed(bank_csv, csv_writer.render(STATEMENT))
    statement = _statement(parsed)
    assert statement["statement_id"] == f"{ACCOUNT.account_number}-20261127"
    assert statement["account_servicer"] == ACCOUNT.ifsc
    assert (statement["from_date"], statement["to_date"]) == (DAY, DAY)
    entries = _entries(parsed)
    assert [r["bank_reference"] for r in entries] == [e.utr for e in ENTRIES]
    assert [r["narration"] for r in entries] == [e.narration for e in ENTRIES]
    assert [r["source_row"] for r in entries] == list(range(8, 8 + len(ENTRIES)))


# --- MT940: what real banks send ---------------------------------------------------------------


def _enveloped(*statements: Statement, message_type: str = "940") -> bytes:
    """Several statements in SWIFT FIN envelopes, LF line ends (as some banks' gateways do)."""
    parts = []
    for statement in statements:
        body = mt940_writer.render(statement).decode("ascii").replace("\r\n", "\n")
        parts.append(
            "{1:F01ICICINBBAXXX0000000000}{2:O"
            + message_type
            + "1200261127ICICINBBAXXX00000000002611271200N}{3:{108:MT940}}{4:\n"
            + body
            + "-}{5:{CHK:ABCDEF123456}}"
        )
    return "\n".join(parts).encode("ascii")


def test_mt940_reads_several_statements_inside_swift_envelopes() -> None:
    parsed = _parsed(mt940, _enveloped(STATEMENT, OVERDRAWN))
    statements = parsed.tables[mt940.STATEMENTS].to_dicts()
    assert [s["statement_id"] for s in statements] == ["STMT26112700331", "STMT26112700333"]
    assert [s["source_row"] for s in statements] == [1, 2]
    assert all(_chains(s) for s in statements)
    entries = _entries(parsed)
    assert len(entries) == len(ENTRIES) + 1
    assert [r["source_row"] for r in entries] == list(range(1, len(entries) + 1))
    assert entries[-1]["statement_id"] == "STMT26112700333"
    assert entries[-1]["entry_seq"] == 1


def test_mt940_repeated_statement_reference_gets_its_statement_number() -> None:
    text = mt940_writer.render(STATEMENT) + mt940_writer.render(EMPTY)
    text = text.replace(b":20:STMT26112700332", b":20:STMT26112700331")
    statements = _parsed(mt940, text).tables[mt940.STATEMENTS]
    assert statements["statement_id"].to_list() == [
        "STMT26112700331/00331/001",
        "STMT26112700331/00332/001",
    ]


def test_mt940_utr_split_by_a_hard_65_character_wrap_is_still_found() -> None:
    text = (
        b":20:HARDWRAP\r\n:25:ICIC0000104/000405123456\r\n:28C:1/1\r\n:60F:C261127INR100,00\r\n"
        b":61:2611271127C50,00NTRFNONREF//X1\r\n"
        b":86:NEFT CR-YESB0000001-SOME VERY LONG REMITTER NAME PVT LTD-YESBN5202\r\n"
        b"6331009\r\n:62F:C261127INR150,00\r\n"
    )
    (row,) = _entries(_parsed(mt940, text))
    assert row["utr"] == "YESBN52026331009"
    assert row["channel"] == "NEFT"


def test_mt940_reversal_marks_move_money_the_other_way() -> None:
    text = (
        b":20:REVERSALS\n:25:000405123456\n:28C:1/1\n:60F:C261127INR100,00\n"
        b":61:2611271127RC10,00NTRFNONREF\n:86:REVERSAL OF CREDIT\n"
        b":61:2611271127RD4,00NTRFNONREF\n:86:REVERSAL OF DEBIT\n"
        b":62F:C261127INR94,00\n"
    )
    parsed = _parsed(mt940, text)
    assert [r["direction"] for r in _entries(parsed)] == ["DR", "CR"]
    assert _chains(_statement(parsed))


def test_mt942_interim_report_has_no_booked_balances_and_is_marked_so() -> None:
    text = (
        b":20:INTRADAY1\n:25:ICIC0000104/000405123456\n:28C:1/1\n:34F:INR0,\n"
        b":13D:2611271415+0530\n"
        b":61:2611271127C1000,00NTRFYESBN52026331001//X1\n"
        b":86:NEFT CR-YESB0000001-RAZORPAY-HISAAB-YESBN52026331001\n"
        b":90C:1INR1000,00\n:90D:0INR0,\n"
    )
    assert mt940.looks_like(text)
    parsed = _parsed(mt940, text)
    assert parsed.format == "mt942"
    statement = _statement(parsed)
    assert statement["format"] == "mt942"
    assert statement["opening_balance_paise"] is None
    assert statement["closing_balance_paise"] is None
    assert statement["statement_date"] == DAY
    assert statement["currency"] == "INR"
    assert _entries(parsed)[0]["utr"] == "YESBN52026331001"


def test_mt940_broken_61_rejects_only_that_entry_and_the_balance_no_longer_chains() -> None:
    data = mt940_writer.render(STATEMENT)
    lines = data.split(b"\r\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(b":61:"))
    # The simulator's corruption: a garbled value date and amount.
    lines[first] = lines[first][:4] + b"2611XX" + lines[first][10:].replace(b",", b"#", 1)
    parsed = _parsed(mt940, b"\r\n".join(lines))
    assert parsed.rows_in == len(ENTRIES)
    assert parsed.rows_loaded == len(ENTRIES) - 1
    (reject,) = parsed.rejects
    assert reject.reason_code == MALFORMED_RECORD
    assert reject.row_number == 1
    assert "2611XX" in reject.message
    assert reject.raw.startswith(":61:2611XX") and ":86:NEFT CR-" in reject.raw
    statement = _statement(parsed)
    assert statement["closing_balance_paise"] == STATEMENT.closing_balance_paise  # as stated
    assert not _chains(statement)  # the contract layer quarantines the statement
    # The :86: of the broken line did not leak onto its neighbour.
    assert _entries(parsed)[0]["utr"] == ENTRIES[1].utr


def test_mt940_impossible_date_is_rejected_not_moved_to_the_28th() -> None:
    text = (
        b":20:BADDATE\n:25:000405123456\n:28C:1/1\n:60F:C260227INR100,00\n"
        b":61:2602310227C10,00NTRFNONREF\n:86:31 FEB\n"
        b":61:2602270227C5,00NTRFNONREF\n:86:OK\n"
        b":62F:C260227INR115,00\n"
    )
    parsed = _parsed(mt940, text)
    (reject,) = parsed.rejects
    assert reject.reason_code == MALFORMED_RECORD
    assert [r["amount_paise"] for r in _entries(parsed)] == [500]


def test_mt940_amount_without_decimal_comma_is_rejected() -> None:
    text = (
        b":20:NOCOMMA\n:25:000405123456\n:28C:1/1\n:60F:C261127INR100,00\n"
        b":61:2611271127C1000NTRFNONREF\n:62F:C261127INR100,00\n"
    )
    parsed = _parsed(mt940, text)
    assert parsed.rows_loaded == 0
    assert parsed.rejects[0].reason_code == MALFORMED_RECORD


def test_mt940_mis_tagged_line_after_the_entries_refuses_the_file() -> None:
    data = mt940_writer.render(STATEMENT).replace(b":86:RTGS CR", b":25:RTGS CR", 1)
    assert _refused(mt940, data).reason_code == MALFORMED_RECORD


def test_mt940_cut_in_half_is_a_truncated_file() -> None:
    data = mt940_writer.render(STATEMENT)
    assert _refused(mt940, data[: len(data) // 2]).reason_code == TRUNCATED_FILE


def test_mt940_latin1_bytes_decode_instead_of_crashing() -> None:
    text = (
        b":20:LATIN1\n:25:000405123456\n:28C:1/1\n:60F:C261127INR100,00\n"
        b":61:2611271127C10,00NTRFNONREF\n:86:BY CLG/CAF\xc9 \x9cTRADERS/KKBKN52026331004\n"
        b":62F:C261127INR110,00\n"
    )
    (row,) = _entries(_parsed(mt940, text))
    assert row["narration"] == "BY CLG/CAF\u00c9 TRADERS/KKBKN52026331004"
    assert row["utr"] == "KKBKN52026331004"


def test_mt940_utf16_export_with_bom_reads_like_ascii() -> None:
    data = mt940_writer.render(STATEMENT).decode("ascii").encode("utf-16")
    assert _entries(_parsed(mt940, data)) == _entries(
        _parsed(mt940, mt940_writer.render(STATEMENT))
    )


def test_mt940_text_without_tags_is_unknown_and_tags_without_20_are_malformed() -> None:
    assert _refused(mt940, b"hello world\nnot a statement\n").reason_code == UNKNOWN_FORMAT
    no_20 = b":25:000405123456\n:60F:C261127INR100,00\n:62F:C261127INR100,00\n"
    assert _refused(mt940, no_20).reason_code == MALFORMED_RECORD


# --- camt.053 ---------------------------------------------------------------------------------


def _camt_version(data: bytes, version: str) -> bytes:
    """The simulator's .001.08 document re-labelled as another version, in that version's dress."""
    root = etree.fromstring(data)
    if int(version) <= 6:  # before .001.07: <Sts>BOOK</Sts>, Dbtr/Nm, BIC
        for el in list(root.iter()):
            local = etree.QName(el).localname
            if local == "Sts" and len(el):
                el.text = el[0].text
                el.remove(el[0])
            elif local in ("Dbtr", "Cdtr") and len(el) and etree.QName(el[0]).localname == "Pty":
                party = el[0]
                el.remove(party)
                el.extend(list(party))
            elif local == "BICFI":
                el.tag = el.tag.replace("BICFI", "BIC")
    text = etree.tostring(root, encoding="unicode")
    return text.replace("camt.053.001.08", f"camt.053.001.{version}").encode()


@pytest.mark.parametrize("version", [f"{v:02d}" for v in range(2, 11)])
def test_camt053_versions_02_to_10_read_alike(version: str) -> None:
    reference = _parsed(camt053, camt_writer.render(STATEMENT))
    data = _camt_version(camt_writer.render(STATEMENT), version)
    if int(version) <= 6:
        assert b"<Sts>BOOK</Sts>" in data and b"<Pty>" not in data
    parsed = _parsed(camt053, data)
    assert parsed.format == f"camt053.001.{version}"
    assert _statement(parsed)["format_version"] == f"camt.053.001.{version}"
    assert _entries(parsed) == _entries(reference)
    assert parsed.tables[mt940.DETAILS].equals(reference.tables[mt940.DETAILS])


def _ntry(amount: str, indicator: str, status: str, booked: str = "<Dt>2026-11-27</Dt>") -> str:
    return (
        f"<Ntry><Amt Ccy='INR'>{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>"
        f"<Sts><Cd>{status}</Cd></Sts><BookgDt>{booked}</BookgDt>"
        "<ValDt><Dt>2026-11-27</Dt></ValDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>"
    )


def _camt(*ntries: str, opening: str = "100.00", closing: str = "150.00") -> bytes:
    def bal(code: str, amount: str) -> str:
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='INR'>{amount}</Amt>"
            "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>"
        )

    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.10'><BkToCstmrStmt>"
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-28T06:00:00+05:30</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><Acct><Id><Othr><Id>000405123456</Id></Othr></Id><Ccy>INR</Ccy></Acct>"
        + bal("OPBD", opening)
        + bal("CLBD", closing)
        + "".join(ntries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def test_camt053_pending_entries_are_neither_counted_nor_loaded() -> None:
    parsed = _parsed(
        camt053,
        _camt(
            _ntry("50.00", "CRDT", "BOOK"),
            _ntry("999.00", "CRDT", "PDNG"),
            _ntry("1.00", "DBIT", "INFO"),
        ),
    )
    assert parsed.rows_in == parsed.rows_loaded == 1
    assert _chains(_statement(parsed))


def test_camt053_booking_datetime_keeps_the_banks_local_date() -> None:
    late_evening_ist = "<DtTm>2026-11-27T23:30:00+05:30</DtTm>"  # 18:00 UTC, same IST day
    (row,) = _entries(_parsed(camt053, _camt(_ntry("50.00", "CRDT", "BOOK", late_evening_ist))))
    assert row["booking_date"] == DAY


@pytest.mark.parametrize(
    ("amount", "indicator", "booked", "reason"),
    [
        ("12O.50", "CRDT", "<Dt>2026-11-27</Dt>", BAD_AMOUNT),
        ("-50.00", "CRDT", "<Dt>2026-11-27</Dt>", BAD_AMOUNT),
        ("50.001", "CRDT", "<Dt>2026-11-27</Dt>", BAD_AMOUNT),
        ("50.00", "CRDT", "<Dt>2026-02-31</Dt>", BAD_DATE),
        ("50.00", "CREDIT", "<Dt>2026-11-27</Dt>", "bad_value"),
        ("50.00", "CRDT", "", MISSING_VALUE),
    ],
)
def test_camt053_unreadable_entry_is_rejected_with_its_xml_and_the_rest_loads(
    amount: str, indicator: str, booked: str, reason: str
) -> None:
    parsed = _parsed(
        camt053, _camt(_ntry(amount, indicator, "BOOK", booked), _ntry("50.00", "CRDT", "BOOK"))
    )
    assert parsed.rows_in == 2 and parsed.rows_loaded == 1
    (reject,) = parsed.rejects
    assert reject.reason_code == reason
    assert reject.row_number == 1
    assert reject.raw.startswith("<Ntry")


def test_camt053_batch_entry_keeps_every_transaction_detail() -> None:
    batch = (
        "<Ntry><Amt Ccy='INR'>300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
        "<BookgDt><Dt>2026-11-27</Dt></BookgDt><BkTxCd><Prtry><Cd>NEFT</Cd></Prtry></BkTxCd>"
        "<NtryDtls><Btch><PmtInfId>BATCH-7</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>"
        "<TxDtls><Refs><EndToEndId>E2E-1</EndToEndId><ClrSysRef>HDFCN52026331101</ClrSysRef></Refs>"
        "<AmtDtls><TxAmt><Amt Ccy='INR'>100.00</Amt></TxAmt></AmtDtls>"
        "<RltdPties><Dbtr><Nm>RAZORPAY</Nm></Dbtr></RltdPties>"
        "<RltdAgts><DbtrAgt><FinInstnId><ClrSysMmbId><MmbId>HDFC0000001</MmbId></ClrSysMmbId>"
        "</FinInstnId></DbtrAgt></RltdAgts><RmtInf><Ustrd>SETTLEMENT 1</Ustrd></RmtInf></TxDtls>"
        "<TxDtls><Refs><EndToEndId>HDFCN52026331102</EndToEndId></Refs>"
        "<Amt Ccy='INR'>200.00</Amt><RltdPties><Dbtr><Pty><Nm>PAYU</Nm></Pty></Dbtr></RltdPties>"
        "</TxDtls></NtryDtls></Ntry>"
    )
    parsed = _parsed(camt053, _camt(batch, closing="400.00"))
    (entry,) = _entries(parsed)
    assert entry["customer_reference"] == "BATCH-7"
    assert entry["channel"] == "NEFT"
    assert entry["amount_paise"] == 30000
    details = parsed.tables[mt940.DETAILS].to_dicts()
    assert [(d["detail_seq"], d["amount_paise"], d["utr"]) for d in details] == [
        (1, 10000, "HDFCN52026331101"),
        (2, 20000, "HDFCN52026331102"),
    ]
    assert [d["counterparty_name"] for d in details] == ["RAZORPAY", "PAYU"]
    assert [d["source_row"] for d in details] == [1, 2]
    assert details[0]["counterparty_agent"] == "HDFC0000001"
    assert _chains(_statement(parsed))


def test_camt053_billion_laughs_is_refused_before_expansion_in_well_under_a_second() -> None:
    started = time.perf_counter()
    assert _refused(camt053, BOMB).reason_code == XML_ENTITY_FORBIDDEN
    assert time.perf_counter() - started < 0.5


def test_camt053_external_entity_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>'
    )
    assert _refused(camt053, xxe).reason_code == XML_ENTITY_FORBIDDEN


def test_camt053_invalid_xml_is_refused() -> None:
    data = camt_writer.render(STATEMENT).replace(b"</Stmt>", b"</Statement>", 1)
    assert _refused(camt053, data).reason_code == INVALID_XML


def test_camt053_cut_in_half_is_refused_as_invalid_xml() -> None:
    data = camt_writer.render(STATEMENT)
    refused = _refused(camt053, data[: len(data) // 2])
    assert refused.reason_code == INVALID_XML
    assert "cut off" in refused.message


def test_camt053_other_camt_messages_are_not_statements() -> None:
    data = camt_writer.render(STATEMENT).replace(b"camt.053.001.08", b"camt.054.001.08")
    assert _refused(camt053, data).reason_code == UNKNOWN_FORMAT


# --- Indian bank CSV --------------------------------------------------------------------------

ICICI_SIGNED = """Detailed Statement
Account Number,000405123456 ( INR ) - HISAAB PAYMENTS PVT LTD
Transaction Period,From 01-Nov-26 To 30-Nov-26

S No.,Value Date,Transaction Date,Cheque Number,Transaction Remarks,Amount (INR),Balance (INR)
1,26-Nov-26,27-Nov-26,-,"NEFT-YESBN52026331001-RAZORPAY SOFTWARE-HISAAB",4999.50,"1,04,999.50"
2,27-Nov-26,27-Nov-26,-,IMPS/P2A/633112345678/PRIYANAIR/UTIB,-2499.00,"1,02,500.50"
3,27-Nov-26,27-Nov-26,000123,CHQ DEP - MICR 400240002,"1,000.00 Cr","1,03,500.50"
** End of statement **
"""


def test_bank_csv_with_dd_mon_yy_dates_and_a_signed_amount_column() -> None:
    parsed = _parsed(bank_csv, ICICI_SIGNED.encode())
    statement = _statement(parsed)
    assert statement["statement_id"] == "000405123456-20261101"
    assert (statement["from_date"], statement["to_date"]) == (date(2026, 11, 1), date(2026, 11, 30))
    assert statement["opening_balance_paise"] == 1_00_000_00  # derived from the first row
    assert statement["closing_balance_paise"] == 1_03_500_50
    assert _chains(statement)
    entries = _entries(parsed)
    assert [(r["direction"], r["amount_paise"]) for r in entries] == [
        ("CR", 4_999_50),
        ("DR", 2_499_00),
        ("CR", 1_000_00),
    ]
    assert [r["booking_date"] for r in entries] == [DAY] * 3
    assert entries[0]["value_date"] == PREVIOUS_DAY
    assert [r["utr"] for r in entries] == ["YESBN52026331001", "633112345678", None]
    assert [r["channel"] for r in entries] == ["NEFT", "IMPS", "CLG"]
    assert entries[1]["counterparty_name"] == "PRIYANAIR"
    assert entries[2]["bank_reference"] == "000123"


SBI_TABS = (
    "Account Name\t:\tHISAAB PAYMENTS PVT LTD\n"
    "Account Number\t:\t00000038765432190\n"
    "IFS Code\t:\tSBIN0001234\n"
    "Start Date\t:\t27 Nov 2026\n"
    "Txn Date\tValue Date\tDescription\tRef No./Cheque No.\tDebit\tCredit\tBalance\n"
    '27 Nov 2026\t27 Nov 2026\tBY BALANCE B/F\t\t\t\t"10,00,000.00 CR"\n'
    "27 Nov 2026\t27 Nov 2026\tBY TRANSFER-NEFT*HDFC0000240*HDFCN52026331011*RAZORPAY SOFTWARE\t"
    'TRANSFER FROM 123\t\t"5,00,000.00"\t"15,00,000.00 CR"\n'
    "27 Nov 2026\t27 Nov 2026\tTO TRANSFER-UPI/DR/633112340000/RAVI KUMAR/SBIN/ravi@sbi\t"
    'TRANSFER TO 456\t"1,500.00"\t\t"14,98,500.00 CR"\n'
)


def test_bank_csv_tab_separated_debit_credit_export_with_cr_suffixed_balances() -> None:
    parsed = _parsed(bank_csv, SBI_TABS.encode())
    assert parsed.rows_in == 2  # the B/F line is the opening balance, not a transaction
    statement = _statement(parsed)
    assert statement["account_number"] == "00000038765432190"
    assert statement["account_servicer"] == "SBIN0001234"
    assert statement["opening_balance_paise"] == 10_00_000_00
    assert statement["closing_balance_paise"] == 14_98_500_00
    assert _chains(statement)
    entries = _entries(parsed)
    assert [r["utr"] for r in entries] == ["HDFCN52026331011", "633112340000"]
    assert [r["counterparty_name"] for r in entries] == ["RAZORPAY SOFTWARE", "RAVI KUMAR"]
    assert entries[0]["counterparty_ifsc"] == "HDFC0000240"
    assert [r["channel"] for r in entries] == ["NEFT", "UPI"]


AMOUNT_WITH_INDICATOR = """Account No :,XXXXXXXX5678
Period :,01/11/2026 to 27/11/2026
Tran Date,Particulars,Amount,Dr/Cr,Balance
27/11/2026,RTGS DR-KKBK0000958-NAVKAR IMPEX-NETBANK- ICICR52026112700099999,"25,00,000.00",DR,"75,00,000.00"
26/11/2026,NEFT CR-YESB0000001-RAZORPAY-YESBN52026331001,"50,00,000.00",CR,"1,00,00,000.00"
Opening Balance,"50,00,000.00"
Closing Balance,"75,00,000.00"
"""


def test_bank_csv_amount_with_dr_cr_column_newest_first_and_stated_balances() -> None:
    parsed = _parsed(bank_csv, AMOUNT_WITH_INDICATOR.encode())
    statement = _statement(parsed)
    assert statement["account_number"] == "XXXXXXXX5678"
    assert statement["opening_balance_paise"] == 50_00_000_00
    assert statement["closing_balance_paise"] == 75_00_000_00
    assert _chains(statement)
    assert [r["direction"] for r in _entries(parsed)] == ["DR", "CR"]
    assert _entries(parsed)[0]["utr"] == "ICICR52026112700099999"


def test_bank_csv_newest_first_export_derives_opening_from_the_oldest_row() -> None:
    text = AMOUNT_WITH_INDICATOR.rsplit("Opening Balance", 1)[0]
    statement = _statement(_parsed(bank_csv, text.encode()))
    assert statement["opening_balance_paise"] == 50_00_000_00
    assert statement["closing_balance_paise"] == 75_00_000_00


HDFC_HEAD = (
    "HDFC Bank\nAccount No :,50200012345678\nStatement From :,27/11/2026,To :,27/11/2026\n\n"
    "Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance\n"
)


def _hdfc(*rows: str, tail: str = "") -> bytes:
    return (HDFC_HEAD + "".join(r + "\n" for r in rows) + tail).encode()


GOOD_ROW = '27/11/2026,NEFT CR-YESB0000001-RAZORPAY-YESBN52026331001,YESBN52026331001,27/11/2026,,"1,000.00","2,000.00"'


@pytest.mark.parametrize(
    ("row", "reason", "field_text"),
    [
        ('31/02/2026,X,,27/11/2026,,"1,000.00","3,000.00"', BAD_DATE, "'31/02/2026'"),
        ('27/11/2026,X,,30/02/2026,,"1,000.00","3,000.00"', BAD_DATE, "value date '30/02/2026'"),
        ('27/11/2026,X,,27/11/2026,,12O.50,"3,000.00"', BAD_AMOUNT, "'12O.50'"),
        ('27/11/2026,X,,27/11/2026,,1000.505,"3,000.00"', BAD_AMOUNT, "'1000.505'"),
        ('27/11/2026,X,,27/11/2026,,,"3,000.00"', BAD_AMOUNT, "neither debit nor credit"),
        ('27/11/2026,X,,27/11/2026,5.00,"1,000.00","3,000.00"', BAD_AMOUNT, "both debit"),
        ('27/11/2026,X,,27/11/2026,,"1,000.00",abc', BAD_AMOUNT, "balance 'abc'"),
        (
            "27/11/2026,NEFT CR, RAZORPAY,,27/11/2026,,1000.00,3000.00",
            WRONG_COLUMN_COUNT,
            "8 fields",
        ),
    ],
)
def test_bank_csv_bad_row_is_rejected_naming_field_and_value_and_the_rest_loads(
    row: str, reason: str, field_text: str
) -> None:
    parsed = _parsed(bank_csv, _hdfc(GOOD_ROW, row, GOOD_ROW.replace('"2,000.00"', '"3,000.00"')))
    assert parsed.rows_in == 3 and parsed.rows_loaded == 2
    (reject,) = parsed.rejects
    assert reject.reason_code == reason
    assert field_text in reject.message
    assert reject.row_number == 7  # the physical line
    assert reject.raw.startswith(row.split(",")[0])


def test_bank_csv_zero_in_the_unused_column_counts_as_empty() -> None:
    row = '27/11/2026,NEFT CR-X-YESBN52026331001,,27/11/2026,0.00,"1,000.00","2,000.00"'
    (entry,) = _entries(_parsed(bank_csv, _hdfc(row)))
    assert (entry["direction"], entry["amount_paise"]) == ("CR", 1_000_00)


def test_bank_csv_stops_at_trailing_summary_rows_and_reads_the_stated_balances() -> None:
    tail = (
        "\n,,,,,,\nSTATEMENT SUMMARY :-\n"
        "Opening Balance,Dr Count,Cr Count,Debits,Credits,Closing Bal\n"
        '"1,000.00",0,1,0.00,"1,000.00","2,000.00"\n'
        "Generated On: 28-Nov-2026 06:00:00\n"
        "This is a computer generated statement and does not require signature.\n"
    )
    parsed = _parsed(bank_csv, _hdfc(GOOD_ROW, tail=tail))
    assert parsed.rows_in == 1 and not parsed.rejects
    statement = _statement(parsed)
    assert statement["opening_balance_paise"] == 1_000_00
    assert statement["closing_balance_paise"] == 2_000_00


def test_bank_csv_transaction_after_the_end_marker_refuses_the_file() -> None:
    data = _hdfc(GOOD_ROW, "** End of statement **", GOOD_ROW)
    assert _refused(bank_csv, data).reason_code == MALFORMED_RECORD


def test_bank_csv_repeated_page_headers_and_separators_are_skipped() -> None:
    header = HDFC_HEAD.strip().splitlines()[-1]
    data = _hdfc(
        "********,********,********,********,********,********,********",
        GOOD_ROW,
        "Page 2 of 2",
        header,
        GOOD_ROW.replace('"2,000.00"', '"3,000.00"'),
    )
    parsed = _parsed(bank_csv, data)
    assert parsed.rows_in == parsed.rows_loaded == 2
    assert _chains(_statement(parsed))


def test_bank_csv_windows_1252_export_with_non_ascii_narration_loads() -> None:
    row = '27/11/2026,BY CLG/CAFÉ ÑANDÚ TRADERS/KKBKN52026331004,,27/11/2026,,"1,000.00","2,000.00"'
    (entry,) = _entries(_parsed(bank_csv, _hdfc(row).decode().encode("cp1252")))
    assert entry["narration"] == "BY CLG/CAFÉ ÑANDÚ TRADERS/KKBKN52026331004"
    assert entry["counterparty_name"] == "CAFÉ ÑANDÚ TRADERS"
    assert entry["utr"] == "KKBKN52026331004"


def test_bank_csv_rupee_symbols_on_amounts_are_read() -> None:
    row = '27/11/2026,NEFT CR-X-YESBN52026331001,,27/11/2026,,"₹1,000.00","Rs. 2,000.00"'
    (entry,) = _entries(_parsed(bank_csv, _hdfc(row)))
    assert entry["amount_paise"] == 1_000_00


def test_bank_csv_utf16_export_is_refused_with_a_re_export_hint() -> None:
    data = csv_writer.render(STATEMENT).decode("utf-8").encode("utf-16")
    assert bank_csv.looks_like(data)  # recognised, so the user gets the helpful refusal
    refused = _refused(bank_csv, data)
    assert refused.reason_code == BAD_ENCODING
    assert "UTF-8" in refused.message


def test_bank_csv_without_account_number_is_refused() -> None:
    data = _hdfc(GOOD_ROW).replace(b"Account No :,50200012345678\n", b"")
    assert _refused(bank_csv, data).reason_code == MISSING_VALUE


def test_bank_csv_without_a_statement_header_is_unknown() -> None:
    assert _refused(bank_csv, b"name,city\nasha,pune\n").reason_code == UNKNOWN_FORMAT


# --- every parser: empty, huge lines, sniffing -------------------------------------------------


@pytest.mark.parametrize("fmt", list(PARSERS))
@pytest.mark.parametrize(
    "data", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom"]
)
def test_empty_file_is_refused_as_empty(fmt: str, data: bytes) -> None:
    assert _refused(PARSERS[fmt], data).reason_code == EMPTY_FILE


@pytest.mark.parametrize("fmt", ["mt940", "bank_csv"])
def test_a_100_mb_single_line_is_refused_quickly(fmt: str) -> None:
    head = b"Date,Narration,Debit,Credit,Balance\n" if fmt == "bank_csv" else b":20:X\n:61:"
    data = head + b"x" * 100_000_000
    started = time.perf_counter()
    assert _refused(PARSERS[fmt], data).reason_code == LINE_TOO_LONG
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_each_format_is_recognised_by_its_own_sniff_only(fmt: str) -> None:
    data = WRITERS[fmt].render(STATEMENT)
    claims = {name for name, module in PARSERS.items() if module.looks_like(data)}
    assert claims == {fmt}


def test_read_narration_reads_real_bank_shapes() -> None:
    upi = mt940.read_narration("UPI/CR/612345678901/JOHN DOE/HDFC/john@okhdfcbank/Payment")
    assert (upi.channel, upi.utr, upi.counterparty_name) == ("UPI", "612345678901", "JOHN DOE")
    mmt = mt940.read_narration("MMT/IMPS/633112345678/PAYOUT/PRIYA/UTIB0000123")
    assert (mmt.channel, mmt.utr, mmt.counterparty_ifsc) == ("IMPS", "633112345678", "UTIB0000123")
    # Twelve digits in a NEFT narration are an account number, not an RRN.
    neft = mt940.read_narration("NEFT CR-SBIN0001234-RAVI-A/C 123456789012")
    assert (neft.channel, neft.utr) == ("NEFT", None)
    # A European narration yields nothing Indian.
    sepa = mt940.read_narration("000>100987654321 >20ALGEMENE TUSSENREKENING")
    assert sepa == mt940.NarrationInfo()


def test_parsers_never_produce_float_money_columns() -> None:
    for fmt, module in PARSERS.items():
        parsed = _parsed(module, WRITERS[fmt].render(STATEMENT))
        for table in parsed.tables.values():
            money = [c for c in table.columns if c.endswith("_paise")]
            assert all(table.schema[c] == pl.Int64 for c in money)


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_damaged_statements_never_crash_and_never_lose_an_entry(fmt: str) -> None:
    """Cut, flipped, deleted and inserted bytes: a ParsedFile that accounts for every row, or a
    FileRejected with a reason; never any other exception."""
    rng = random.Random(f"hisaab-{fmt}")
    base = WRITERS[fmt].render(STATEMENT)
    for _ in range(300):
        data = bytearray(base)
        kind = rng.randrange(4)
        at = rng.randrange(len(data))
        if kind == 0:
            del data[at:]
        elif kind == 1:
            for _ in range(rng.randrange(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 2:
            del data[at : at + rng.randrange(1, 200)]
        else:
            data[at:at] = bytes(rng.choice(b":,-/\r\n0123456789CDRX<>\"'") for _ in range(20))
        PARSERS[fmt].looks_like(bytes(data))
        try:
            parsed = PARSERS[fmt].parse(bytes(data))
        except FileRejected as exc:
            assert exc.reason_code and exc.message
            continue
        parsed.check_accounting()

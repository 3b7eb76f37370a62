"""Bank-statement writers: MT940, camt.053.001.08 and the HDFC-style CSV.

Each format is read back with an independent reader (the ``mt-940`` package, lxml, the csv
module) and checked against the accounting rules a recon analyst relies on: opening + entries =
closing, totals add up, and every line carries its UTR.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import mt940
import pytest
from lxml import etree

from hisaab.money import parse_rupees, rupees_decimal_to_paise
from pipelines.simulator import narrations as n
from pipelines.simulator.statements import BankAccount, Statement, StatementEntry
from pipelines.simulator.writers import bank_csv, camt053
from pipelines.simulator.writers import mt940 as mt940_writer

DAY = date(2026, 11, 27)
PREVIOUS_DAY = date(2026, 11, 26)
LARGE_RTGS_PAISE = 12_34_56_789_05  # ₹12,34,56,789.05
ESCROW_NAME = "HISAAB PAYMENTS PVT LTD ESCROW A/C"

ACCOUNT = BankAccount(
    source="bank_hdfc",
    bank_name="HDFC Bank",
    bic="HDFCINBB",
    ifsc="HDFC0000240",
    account_number="50200012345678",
    account_name=ESCROW_NAME,
    statement_format="mt940",
    opening_balance_paise=1_23_45_678_90,
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
            "YESB0000001", "Razorpay Software Private Limited", ESCROW_NAME, "YESBN52026331001"
        ),
        "Razorpay Software Private Limited",
        "YESB0000001",
        "HDFC0000000000001",
    ),
    _entry(
        LARGE_RTGS_PAISE,
        "CR",
        "RTGS",
        "ICICR52026112700012345",
        n.rtgs_credit(
            "ICIC0000104", "PayU Payments Private Limited", ESCROW_NAME, "ICICR52026112700012345"
        ),
        "PayU Payments Private Limited",
        "ICIC0000104",
        "HDFC0000000000002",
    ),
    _entry(
        1_50_000_00,
        "DR",
        "NEFT",
        "HDFCN52026331002",
        n.neft_debit("SBIN0001234", "Sharma Kirana & General Stores, Andheri", "HDFCN52026331002"),
        "Sharma Kirana & General Stores, Andheri",
        "SBIN0001234",
        "HDFC0000000000003",
        value_date=PREVIOUS_DAY,
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
        "HDFC0000000000004",
    ),
    _entry(
        8_76_543_21,
        "CR",
        "UPI",
        "633100098765",
        n.upi_settlement_credit(PREVIOUS_DAY, "633100098765"),
        "NPCI",
        None,
        "HDFC0000000000005",
    ),
    _entry(
        1_000_00,
        "CR",
        "OTHER",
        "KKBKN52026331004",
        n.unknown_credit("Café Ñandú Traders", "KKBKN52026331004"),
        "Café Ñandú Traders",
        None,
        "HDFC0000000000006",
    ),
)

STATEMENT = Statement(
    account=ACCOUNT,
    statement_date=DAY,
    sequence_number=331,
    opening_balance_paise=ACCOUNT.opening_balance_paise,
    entries=ENTRIES,
)
EMPTY = Statement(
    account=ACCOUNT, statement_date=DAY, sequence_number=332, opening_balance_paise=5_00_000_00
)
OVERDRAWN = Statement(
    account=ACCOUNT,
    statement_date=DAY,
    sequence_number=333,
    opening_balance_paise=-10_000_00,
    entries=(ENTRIES[3],),
)


def _paise(amount: Decimal) -> int:
    return rupees_decimal_to_paise(amount)


# --- MT940 -----------------------------------------------------------------------------------


def _parse_mt940(statement: Statement) -> mt940.models.Transactions:
    transactions = mt940.models.Transactions()
    transactions.parse(mt940_writer.render(statement).decode("ascii"))
    return transactions


@pytest.mark.parametrize("statement", [STATEMENT, EMPTY, OVERDRAWN], ids=["day", "empty", "od"])
def test_mt940_balances_chain_opening_plus_entries_equals_closing(statement: Statement) -> None:
    parsed = _parse_mt940(statement)
    opening = _paise(parsed.data["final_opening_balance"].amount.amount)
    closing = _paise(parsed.data["final_closing_balance"].amount.amount)
    moved = sum(_paise(t.data["amount"].amount) for t in parsed)
    assert opening == statement.opening_balance_paise
    assert closing == statement.closing_balance_paise
    assert opening + moved == closing
    assert _paise(parsed.data["available_balance"].amount.amount) == closing


@pytest.mark.parametrize("statement", [STATEMENT, EMPTY], ids=["day", "empty"])
def test_mt940_has_one_transaction_per_statement_entry(statement: Statement) -> None:
    assert len(_parse_mt940(statement)) == len(statement.entries)


def test_mt940_every_transaction_details_line_carries_the_utr() -> None:
    for transaction, entry in zip(_parse_mt940(STATEMENT), ENTRIES, strict=True):
        assert entry.utr in transaction.data["transaction_details"]
        assert transaction.data["customer_reference"] == entry.utr[:16]
        assert transaction.data["extra_details"] == entry.utr  # full 22-char RTGS UTR too


def test_mt940_large_rtgs_amount_is_exact_to_the_paisa() -> None:
    text = mt940_writer.render(STATEMENT).decode("ascii")
    assert "C123456789,05NTRFICICR52026112700//" in text
    rtgs = _parse_mt940(STATEMENT)[1]
    assert rtgs.data["amount"].amount == Decimal("123456789.05")


def test_mt940_statement_lines_carry_value_date_entry_date_and_direction() -> None:
    parsed = _parse_mt940(STATEMENT)
    payout = parsed[2]
    assert payout.data["status"] == "D"
    assert payout.data["date"] == PREVIOUS_DAY
    assert payout.data["entry_date"] == DAY
    assert payout.data["bank_reference"] == "HDFC000000000000"  # cut to the field's 16 chars


def test_mt940_header_identifies_statement_account_and_sequence() -> None:
    parsed = _parse_mt940(STATEMENT)
    assert parsed.data["transaction_reference"] == "STMT26112700331"
    assert parsed.data["account_identification"] == "HDFC0000240/50200012345678"
    assert parsed.data["statement_number"] == "00331"
    assert parsed.data["sequence_number"] == "001"


def test_mt940_overdrawn_balance_is_marked_debit() -> None:
    text = mt940_writer.render(OVERDRAWN).decode("ascii")
    assert ":60F:D261127INR10000,00\r\n" in text
    assert ":62F:D261127INR12499,00\r\n" in text


def test_mt940_is_ascii_swift_x_with_crlf_line_endings() -> None:
    raw = mt940_writer.render(STATEMENT)
    text = raw.decode("ascii")  # raises on any non-ASCII byte
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    allowed = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]*$")
    assert all(allowed.match(line) for line in lines)
    assert "CAFE NANDU TRADERS" in text  # accents transliterated, not dropped


def test_mt940_narration_is_at_most_six_lines_of_65_characters() -> None:
    long_narration = (
        "NEFT CR-" + "-".join(["VERY LONG REMITTER NAME PART"] * 20) + "-YESBN52026331001"
    )
    lines = mt940_writer.wrap_narration(long_narration)
    assert len(lines) == mt940_writer.NARRATION_MAX_LINES
    assert all(len(line) <= mt940_writer.NARRATION_LINE_CHARS for line in lines)
    assert not any(line.startswith((":", "-", " ")) for line in lines[1:])


@pytest.mark.parametrize("entry", ENTRIES[:5], ids=lambda e: e.channel)
def test_mt940_narration_wrap_round_trips_and_never_splits_the_utr(entry: StatementEntry) -> None:
    lines = mt940_writer.wrap_narration(entry.narration, width=30, max_lines=20)
    assert mt940_writer.join_narration_lines(lines) == mt940_writer.swift_x(entry.narration)
    assert all(len(line) <= 30 for line in lines)
    assert any(entry.utr in line for line in lines)


def test_swift_x_maps_characters_outside_the_set_to_spaces() -> None:
    assert mt940_writer.swift_x("A&B_C{D}₹5") == "A B C D  5"
    assert mt940_writer.swift_x("Café Ñandú") == "Cafe Nandu"
    assert mt940_writer.swift_x("a/b-c?d:e(f).g,h'i+j") == "a/b-c?d:e(f).g,h'i+j"


def test_mt940_render_is_deterministic_and_named_by_account_and_date() -> None:
    assert mt940_writer.render(STATEMENT) == mt940_writer.render(STATEMENT)
    assert mt940_writer.filename(STATEMENT) == "MT940_50200012345678_20261127.sta"


# --- camt.053 --------------------------------------------------------------------------------

NS = {"c": camt053.NAMESPACE}


def _parse_camt(statement: Statement) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(camt053.render(statement), parser)


def _signed(node: etree._Element) -> int:
    paise = _paise(Decimal(node.findtext("c:Amt", namespaces=NS)))
    return paise if node.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -paise


def _balance(root: etree._Element, code: str) -> int:
    (bal,) = root.xpath(f"//c:Bal[c:Tp/c:CdOrPrtry/c:Cd='{code}']", namespaces=NS)
    return _signed(bal)


@pytest.mark.parametrize("statement", [STATEMENT, EMPTY, OVERDRAWN], ids=["day", "empty", "od"])
def test_camt053_balances_chain_opening_plus_entries_equals_closing(statement: Statement) -> None:
    root = _parse_camt(statement)
    opening, closing = _balance(root, "OPBD"), _balance(root, "CLBD")
    moved = sum(_signed(ntry) for ntry in root.iterfind(".//c:Ntry", NS))
    assert opening == statement.opening_balance_paise
    assert closing == statement.closing_balance_paise
    assert opening + moved == closing
    assert len(root.findall(".//c:Ntry", NS)) == len(statement.entries)


@pytest.mark.parametrize("statement", [STATEMENT, EMPTY], ids=["day", "empty"])
def test_camt053_transaction_summary_counts_and_sums_the_entries(statement: Statement) -> None:
    summary = _parse_camt(statement).find(".//c:TxsSummry", NS)
    ntries = _parse_camt(statement).findall(".//c:Ntry", NS)
    signed = [_signed(ntry) for ntry in ntries]

    def number_and_sum(tag: str) -> tuple[int, int]:
        node = summary.find(f"c:{tag}", NS)
        count = int(node.findtext("c:NbOfNtries", namespaces=NS))
        return count, _paise(Decimal(node.findtext("c:Sum", namespaces=NS)))

    assert number_and_sum("TtlNtries") == (len(signed), sum(abs(p) for p in signed))
    assert number_and_sum("TtlCdtNtries") == (
        sum(1 for p in signed if p > 0),
        statement.total_credits_paise,
    )
    assert number_and_sum("TtlDbtNtries") == (
        sum(1 for p in signed if p < 0),
        statement.total_debits_paise,
    )
    assert _signed(summary.find("c:TtlNtries/c:TtlNetNtry", NS)) == sum(signed)


def test_camt053_every_entry_carries_its_utr_and_bank_reference() -> None:
    ntries = _parse_camt(STATEMENT).findall(".//c:Ntry", NS)
    for ntry, entry in zip(ntries, ENTRIES, strict=True):
        refs = ntry.find("c:NtryDtls/c:TxDtls/c:Refs", NS)
        assert refs.findtext("c:EndToEndId", namespaces=NS) == entry.utr
        assert refs.findtext("c:ClrSysRef", namespaces=NS) == entry.utr
        assert entry.utr in ntry.findtext("c:AddtlNtryInf", namespaces=NS)
        assert ntry.findtext("c:AcctSvcrRef", namespaces=NS) == entry.bank_reference
        assert ntry.findtext("c:BkTxCd/c:Prtry/c:Cd", namespaces=NS) == entry.channel
        assert ntry.findtext("c:Sts/c:Cd", namespaces=NS) == "BOOK"


def test_camt053_amounts_are_two_decimal_strings_including_the_large_rtgs() -> None:
    root = _parse_camt(STATEMENT)
    amounts = [node.text for node in root.iter(f"{{{camt053.NAMESPACE}}}Amt") if node.text]
    assert all(re.fullmatch(r"\d+\.\d{2}", a) for a in amounts)
    assert "123456789.05" in amounts
    assert all(node.get("Ccy") == "INR" for node in root.iterfind(".//c:Ntry/c:Amt", NS))


def test_camt053_counterparty_is_debtor_for_credits_and_creditor_for_debits() -> None:
    ntries = _parse_camt(STATEMENT).findall(".//c:Ntry", NS)
    credit, debit = ntries[1], ntries[2]
    path = "c:NtryDtls/c:TxDtls/c:RltdPties/c:{}/c:Pty/c:Nm"
    assert credit.findtext(path.format("Dbtr"), namespaces=NS) == ENTRIES[1].counterparty_name
    assert debit.findtext(path.format("Cdtr"), namespaces=NS) == ENTRIES[2].counterparty_name
    agent = "c:NtryDtls/c:TxDtls/c:RltdAgts/c:{}/c:FinInstnId/c:ClrSysMmbId/c:MmbId"
    assert credit.findtext(agent.format("DbtrAgt"), namespaces=NS) == "ICIC0000104"
    assert debit.findtext(agent.format("CdtrAgt"), namespaces=NS) == "SBIN0001234"
    upi = ntries[4]  # no counterparty IFSC: no agent
    assert upi.find("c:NtryDtls/c:TxDtls/c:RltdAgts", NS) is None


def test_camt053_header_and_account_identify_the_statement() -> None:
    root = _parse_camt(STATEMENT)
    assert root.tag == f"{{{camt053.NAMESPACE}}}Document"
    stmt = root.find("c:BkToCstmrStmt/c:Stmt", NS)
    assert stmt.findtext("c:ElctrncSeqNb", namespaces=NS) == "331"
    assert stmt.findtext("c:Acct/c:Id/c:Othr/c:Id", namespaces=NS) == ACCOUNT.account_number
    assert stmt.findtext("c:Acct/c:Ccy", namespaces=NS) == "INR"
    assert stmt.findtext("c:Acct/c:Svcr/c:FinInstnId/c:BICFI", namespaces=NS) == "HDFCINBB"
    assert stmt.findtext("c:FrToDt/c:FrDtTm", namespaces=NS) == "2026-11-27T00:00:00+05:30"


def test_camt053_creation_time_comes_from_the_statement_date_not_the_clock() -> None:
    root = _parse_camt(STATEMENT)
    created = {node.text for node in root.iter(f"{{{camt053.NAMESPACE}}}CreDtTm")}
    assert created == {"2026-11-28T06:00:00+05:30"}
    assert camt053.render(STATEMENT) == camt053.render(STATEMENT)


def test_camt053_is_utf8_with_xml_declaration_and_keeps_names() -> None:
    raw = camt053.render(STATEMENT)
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Café Ñandú Traders".encode() in raw
    assert camt053.filename(STATEMENT) == "camt053_50200012345678_20261127_00331.xml"


# --- HDFC-style CSV --------------------------------------------------------------------------


def _read_csv(statement: Statement) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """(preamble rows, entry rows, summary values) of a rendered CSV statement."""
    text = bank_csv.render(statement).decode("utf-8")
    assert text.startswith(bank_csv.BOM)
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    header_at = rows.index(list(bank_csv.HEADER))
    summary_at = rows.index([bank_csv.SUMMARY_TITLE])
    assert rows[summary_at + 1] == list(bank_csv.SUMMARY_HEADER)
    body = rows[header_at + 1 : summary_at - 1]
    assert rows[summary_at - 1] == []
    return rows[:header_at], body, rows[summary_at + 2]


def _money(cell: str) -> int:
    return parse_rupees(cell) if cell else 0


@pytest.mark.parametrize("statement", [STATEMENT, EMPTY, OVERDRAWN], ids=["day", "empty", "od"])
def test_bank_csv_running_balance_chains_row_by_row_to_the_closing_balance(
    statement: Statement,
) -> None:
    _, body, summary = _read_csv(statement)
    opening, _, _, debits, credits, closing = summary
    balance = parse_rupees(opening)
    for row in body:
        balance += _money(row[5]) - _money(row[4])
        assert parse_rupees(row[6]) == balance
    assert balance == parse_rupees(closing) == statement.closing_balance_paise
    assert parse_rupees(opening) + parse_rupees(credits) - parse_rupees(debits) == balance
    assert len(body) == len(statement.entries)


def test_bank_csv_summary_counts_debits_and_credits() -> None:
    _, body, summary = _read_csv(STATEMENT)
    assert int(summary[1]) == sum(1 for row in body if row[4])
    assert int(summary[2]) == sum(1 for row in body if row[5])
    assert parse_rupees(summary[3]) == STATEMENT.total_debits_paise
    assert parse_rupees(summary[4]) == STATEMENT.total_credits_paise


def test_bank_csv_rows_keep_narration_reference_dates_and_one_sided_amounts() -> None:
    _, body, _ = _read_csv(STATEMENT)
    for row, entry in zip(body, ENTRIES, strict=True):
        assert row[1] == entry.narration  # commas inside the narration survive the quoting
        assert row[2] == entry.utr
        assert row[0] == f"{entry.booking_date:%d/%m/%Y}"
        assert row[3] == f"{entry.value_date:%d/%m/%Y}"
        used, unused = (row[5], row[4]) if entry.direction == "CR" else (row[4], row[5])
        assert parse_rupees(used) == entry.amount_paise
        assert unused == ""


def test_bank_csv_amounts_use_indian_digit_grouping_and_are_quoted() -> None:
    text = bank_csv.render(STATEMENT).decode("utf-8")
    assert ',"12,34,56,789.05",' in text
    assert '"1,50,000.00"' in text


def test_bank_csv_preamble_names_bank_account_ifsc_and_period() -> None:
    preamble, _, _ = _read_csv(STATEMENT)
    assert preamble[0] == ["HDFC Bank"]
    assert preamble[1] == [ESCROW_NAME]
    assert ["Account No :", "50200012345678"] in preamble
    assert ["IFSC :", "HDFC0000240"] in preamble
    assert ["Statement From :", "27/11/2026", "To :", "27/11/2026"] in preamble
    assert preamble[-1] == []


def test_bank_csv_starts_with_bom_and_uses_crlf() -> None:
    raw = bank_csv.render(STATEMENT)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.endswith(b"\r\n")
    assert bank_csv.filename(STATEMENT) == "Acct_Statement_50200012345678_27112026.csv"

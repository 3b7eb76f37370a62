"""Real banks' statement files (``../shared/fixtures/statements``) through our parsers.

Parsers must serve real banks' files, not only the simulator's: MT940/MT942 from ABN AMRO, ING,
Rabobank, Triodos, mBank, Citi and a German savings bank (other currencies, European
narrations, control bytes, SWIFT header junk), camt.053 .001.02 and .001.08 from genkgo/camt
and viafintech/camt_parser. Valid files must load with every entry; malformed ones must be
refused, never silently loaded. Where genkgo ships its own parse result (``genkgo_*.json``), our
entries must agree with it; for MT940 the ``mt-940`` package reading the whole file is the
oracle for amounts and balances.

Several files named valid by the fixtures' README do not chain (opening + entries != closing):
they are excerpts or anonymised samples. The parser must still load them faithfully, with the
balances the bank stated, so that the contract layer's balance rule quarantines exactly those
statements; ``CHAINS`` lists, per statement, which is which (checked against the ``mt-940``
package's own reading, so the mismatch is the file's, not ours).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import mt940 as swift_mt940
import pytest

from hisaab.money import rupees_decimal_to_paise
from pipelines.parsers import camt053, mt940
from pipelines.parsers.base import MALFORMED_RECORD, FileRejected, ParsedFile

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
STATEMENTS = FIXTURES / "statements"
if not STATEMENTS.is_dir():
    pytest.skip(
        f"real-world statement fixtures not found at {STATEMENTS} (they live next to the "
        "project in ../shared/fixtures, not in a fresh clone)",
        allow_module_level=True,
    )

MT940_DIR = STATEMENTS / "mt940"
CAMT_DIR = STATEMENTS / "camt053"

# file -> (format, per statement: does opening + entries = closing?) ; None = not checkable (MT942)
MT940_VALID: dict[str, tuple[str, list[bool | None]]] = {
    "wolph_betterplace_sepa_snippet.sta": ("mt940", [True, False]),
    "wolph_betterplace_with_binary_character.sta": ("mt940", [True, True]),
    "wolph_citi_mt940.txt": ("mt940", [True]),
    "wolph_jejik_abnamro.sta": ("mt940", [False, False]),
    "wolph_jejik_ing.sta": ("mt940", [False]),
    "wolph_jejik_rabobank.sta": ("mt940", [False, True, False, True]),
    "wolph_jejik_triodos.sta": ("mt940", [False]),
    "wolph_mBank_mt940.sta": ("mt940", [True]),
    "wolph_mBank_mt942.sta": ("mt942", [None]),
}
CAMT_VALID: dict[str, tuple[str, list[bool]]] = {
    "genkgo_camt053.v2.minimal.xml": ("camt053.001.02", [False]),  # closing is DBIT, in SEK
    "genkgo_camt053.v2.multi.statement.xml": ("camt053.001.02", [True, True]),
    "genkgo_camt053.v8.xml": ("camt053.001.08", [False]),  # closing is DBIT, in SEK
    "viafintech_valid_example.xml": ("camt053.001.02", [True]),  # PRCD as the opening
    "viafintech_valid_example_with_batch.xml": ("camt053.001.02", [False]),  # 3 of 35 entries
    "viafintech_valid_example_with_debit.xml": ("camt053.001.02", [False]),  # opening made DBIT
}
MALFORMED = {
    MT940_DIR / "wolph_betterplace_sepa_snippet_broken.sta": (mt940, MALFORMED_RECORD),
    CAMT_DIR / "genkgo_camt053.v2.wrong.xml": (camt053, MALFORMED_RECORD),
}


def _parse(module: Any, path: Path) -> ParsedFile:
    parsed: ParsedFile = module.parse(path.read_bytes())
    parsed.check_accounting()
    return parsed


def _chains(statement: dict[str, Any]) -> bool | None:
    if statement["opening_balance_paise"] is None or statement["closing_balance_paise"] is None:
        return None
    return (
        statement["opening_balance_paise"]
        + statement["total_credits_paise"]
        - statement["total_debits_paise"]
        == statement["closing_balance_paise"]
    )


def test_every_fixture_file_is_classified() -> None:
    data_files = {
        p for d in (MT940_DIR, CAMT_DIR) for p in d.iterdir() if not p.name.startswith("LICENSE")
    }
    json_files = {p for p in data_files if p.suffix == ".json"}
    known = (
        {MT940_DIR / f for f in MT940_VALID} | {CAMT_DIR / f for f in CAMT_VALID} | set(MALFORMED)
    )
    assert data_files - json_files == known


@pytest.mark.parametrize("name", sorted(MT940_VALID))
def test_valid_mt940_statement_loads_every_entry_and_chains_where_its_balances_add_up(
    name: str,
) -> None:
    path = MT940_DIR / name
    assert mt940.looks_like(path.read_bytes())
    parsed = _parse(mt940, path)
    fmt, chains = MT940_VALID[name]
    assert parsed.format == fmt
    assert not parsed.rejects and parsed.rows_loaded == parsed.rows_in
    statements = parsed.tables[mt940.STATEMENTS].to_dicts()
    assert [_chains(s) for s in statements] == chains
    assert len({s["statement_id"] for s in statements}) == len(statements)


@pytest.mark.parametrize("name", sorted(MT940_VALID))
def test_mt940_amounts_dates_and_balances_agree_with_the_mt940_package(name: str) -> None:
    path = MT940_DIR / name
    parsed = _parse(mt940, path)
    oracle = swift_mt940.parse_statements(path.read_bytes())
    statements = parsed.tables[mt940.STATEMENTS].to_dicts()
    entries = parsed.tables[mt940.ENTRIES].to_dicts()
    assert len(oracle) == len(statements)
    theirs = [
        (
            rupees_decimal_to_paise(t.data["amount"].amount),
            t.data["date"],
            t.data.get("entry_date") or t.data["date"],
        )
        for block in oracle
        for t in block
    ]
    ours = [(e["signed_amount_paise"], e["value_date"], e["booking_date"]) for e in entries]
    assert ours == theirs
    for block, statement in zip(oracle, statements, strict=True):
        opening = block.data.get("final_opening_balance") or block.data.get(
            "intermediate_opening_balance"
        )
        closing = block.data.get("final_closing_balance") or block.data.get(
            "intermediate_closing_balance"
        )
        if opening is None:
            assert statement["opening_balance_paise"] is None
            continue
        assert statement["opening_balance_paise"] == rupees_decimal_to_paise(opening.amount.amount)
        assert statement["closing_balance_paise"] == rupees_decimal_to_paise(closing.amount.amount)
        assert statement["currency"] == opening.amount.currency
        assert statement["statement_date"] == date(
            closing.date.year, closing.date.month, closing.date.day
        )


def test_mt940_with_control_and_non_ascii_bytes_loads_with_its_reference_intact() -> None:
    parsed = _parse(mt940, MT940_DIR / "wolph_betterplace_with_binary_character.sta")
    ids = parsed.tables[mt940.STATEMENTS]["statement_id"].to_list()
    assert ids == ["STAR1ÜTßUMS", "STAR1ÜTUMS"]


def test_mt942_interim_report_totals_match_its_90c_90d_fields() -> None:
    parsed = _parse(mt940, MT940_DIR / "wolph_mBank_mt942.sta")
    (statement,) = parsed.tables[mt940.STATEMENTS].to_dicts()
    assert (statement["format"], statement["currency"]) == ("mt942", "PLN")
    # :90C:3PLN0,03 and :90D:0PLN0,00
    assert (statement["entry_count"], statement["total_credits_paise"]) == (3, 3)
    assert statement["total_debits_paise"] == 0
    assert statement["statement_date"] == date(2017, 1, 19)


def test_repeated_mt940_reference_is_made_unique_by_statement_number() -> None:
    parsed = _parse(mt940, MT940_DIR / "wolph_jejik_abnamro.sta")
    assert parsed.tables[mt940.STATEMENTS]["statement_id"].to_list() == [
        "ABN AMRO BANK NV/19321/1",
        "ABN AMRO BANK NV/19322/1",
    ]


@pytest.mark.parametrize("name", sorted(CAMT_VALID))
def test_valid_camt053_statement_loads_every_entry_and_chains_where_its_balances_add_up(
    name: str,
) -> None:
    path = CAMT_DIR / name
    assert camt053.looks_like(path.read_bytes())
    parsed = _parse(camt053, path)
    fmt, chains = CAMT_VALID[name]
    assert parsed.format == fmt
    assert not parsed.rejects and parsed.rows_loaded == parsed.rows_in
    statements = parsed.tables[mt940.STATEMENTS].to_dicts()
    assert [_chains(s) for s in statements] == chains


def _genkgo_date(value: dict[str, str] | None) -> date | None:
    return datetime.fromisoformat(value["0"]).date() if value else None


GENKGO = sorted(p.name for p in CAMT_DIR.glob("genkgo_*.json"))


@pytest.mark.parametrize("name", GENKGO)
def test_camt053_entries_match_genkgos_own_parse_result(name: str) -> None:
    expected = json.loads((CAMT_DIR / name).read_text())
    parsed = _parse(camt053, CAMT_DIR / name.replace(".json", ".xml"))
    statements = {s["statement_id"]: s for s in parsed.tables[mt940.STATEMENTS].to_dicts()}
    entries = {
        (e["statement_id"], e["entry_seq"]): e for e in parsed.tables[mt940.ENTRIES].to_dicts()
    }
    details = {
        (d["statement_id"], d["entry_seq"], d["detail_seq"]): d
        for d in parsed.tables[mt940.DETAILS].to_dicts()
    }
    assert expected["getEntries"], "genkgo's result lists entries"
    for their in expected["getEntries"]:
        record = their["getRecord"]
        statement = statements[record["getId"]]
        ours = entries[(record["getId"], their["getIndex"] + 1)]
        amount = their["getAmount"]
        assert ours["signed_amount_paise"] == int(amount["getAmount"])
        assert statement["currency"] == amount["getCurrency"]["getCode"]
        assert ours["direction"] == {"CRDT": "CR", "DBIT": "DR"}[their["getCreditDebitIndicator"]]
        assert ours["booking_date"] == _genkgo_date(their["getBookingDate"])
        assert ours["value_date"] == _genkgo_date(their["getValueDate"])
        assert their["getStatus"] == "BOOK"
        assert ours["bank_reference"] == their["getAccountServicerReference"]
        assert statement["account_number"] == record["getAccount"]["getIdentification"]
        if record["getFromDate"]:  # without FrToDt we fall back to the opening balance's date
            assert statement["from_date"] == _genkgo_date(record["getFromDate"])
        balances = {b["getType"]: int(b["getAmount"]["getAmount"]) for b in record["getBalances"]}
        assert statement["opening_balance_paise"] == balances["opening"]
        assert statement["closing_balance_paise"] == balances["closing"]

        tx = their["getTransactionDetail"]
        detail = details[(record["getId"], their["getIndex"] + 1, 1)]
        assert detail["end_to_end_id"] == tx["getReference"]["getEndToEndId"]
        assert detail["clearing_reference"] == tx["getReference"]["getClearingSystemReference"]
        assert detail["remittance_info"] == tx["getRemittanceInformation"]["getMessage"]
        tx_amount = tx["getAmount"]
        assert detail["amount_paise"] == (int(tx_amount["getAmount"]) if tx_amount else None)
        parties = {
            p["getRelatedPartyType"]["__CLASS__"].rpartition("\\")[2]: p["getRelatedPartyType"][
                "getName"
            ]
            for p in tx["getRelatedParties"]
        }
        side = "Debtor" if ours["direction"] == "CR" else "Creditor"
        assert detail["counterparty_name"] == parties.get(side)


def test_camt053_batch_debit_keeps_its_two_transfers_as_details() -> None:
    parsed = _parse(camt053, CAMT_DIR / "viafintech_valid_example.xml")
    details = parsed.tables[mt940.DETAILS].filter(entry_seq=4).to_dicts()
    assert [d["amount_paise"] for d in details] == [350, 250]
    assert sum(d["amount_paise"] for d in details) == (
        parsed.tables[mt940.ENTRIES].filter(entry_seq=4)["amount_paise"].item()
    )
    assert [d["end_to_end_id"] for d in details] == [
        "STZV-EtE27122013-11:02-1",
        "STZV-EtE27122013-11:02-2",
    ]


@pytest.mark.parametrize("path", sorted(MALFORMED), ids=lambda p: p.name)
def test_malformed_fixture_is_refused_not_loaded(path: Path) -> None:
    module, reason = MALFORMED[path]
    with pytest.raises(FileRejected) as info:
        module.parse(path.read_bytes())
    assert info.value.reason_code == reason


def test_mt940_fixture_balances_that_do_not_add_up_are_the_files_own() -> None:
    """The non-chaining MT940 statements fail the same way in the mt-940 package's reading."""
    for name, (_, chains) in MT940_VALID.items():
        blocks = swift_mt940.parse_statements((MT940_DIR / name).read_bytes())
        for block, chained in zip(blocks, chains, strict=True):
            opening = block.data.get("final_opening_balance") or block.data.get(
                "intermediate_opening_balance"
            )
            closing = block.data.get("final_closing_balance") or block.data.get(
                "intermediate_closing_balance"
            )
            if opening is None:
                continue
            moved = sum((t.data["amount"].amount for t in block), Decimal(0))
            assert (opening.amount.amount + moved == closing.amount.amount) is chained, name

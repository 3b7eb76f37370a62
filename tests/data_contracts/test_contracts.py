"""Data contracts: every dataset has one, each rule kind catches its violation and passes clean
data, bad contracts fail fast, and Great Expectations agrees with the polars row rules."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from data_contracts import (
    CONTRACTS_DIR,
    ContractError,
    build_suite,
    duplicate_flag,
    list_datasets,
    load_contract,
    load_contract_file,
    row_failures,
    schema_problems,
    table_problems,
    validate_with_gx,
)
from tests.data_contracts import frames

PARSER_DATASETS = [
    "razorpay_settlement_lines",
    "payu_settlement_lines",
    "ccavenue_settlement_lines",
    "upi_switch_transactions",
    "upi_switch_adjustments",
    "bank_statements",
    "bank_statement_entries",
    "bank_statement_transaction_details",
]
LEDGER_BOOKS = {  # dataset -> parquet glob under the simulator's books/
    "ledger_payments": "payments/**/*.parquet",
    "ledger_refunds": "refunds/**/*.parquet",
    "ledger_chargebacks": "chargebacks/**/*.parquet",
    "ledger_payouts": "payouts/*.parquet",
    "ledger_settlements": "settlements/*.parquet",
    "merchants": "merchants/*.parquet",
    "customers": "customers/*.parquet",
    "bnpl_applications": "bnpl_applications/*.parquet",
    "ledger_accounts": "accounts/*.parquet",
    "ledger_transfers": "transfers/**/*.parquet",
}
# Natural keys as the dataset spec (issue 3) lists them; the last three are this package's choice.
SPEC_NATURAL_KEYS = {
    "razorpay_settlement_lines": ("entity_id", "type"),
    "payu_settlement_lines": ("payuid", "action", "refund_id"),
    "ccavenue_settlement_lines": ("reference_no", "transaction_type", "order_no", "amount_paise"),
    "upi_switch_transactions": ("upi_txn_id",),
    "upi_switch_adjustments": ("upi_txn_id", "adj_type"),
    "bank_statement_entries": ("statement_id", "entry_seq"),
}
INGEST_COLUMNS = {
    "source": pl.String(),
    "file_sha256": pl.String(),
    "source_row": pl.Int64(),
    "is_duplicate_in_file": pl.Boolean(),
    "has_formula_text": pl.Boolean(),
}
PAYU = "payu_settlement_lines"


def failures_of(dataset: str, frame: pl.DataFrame) -> pl.DataFrame:
    return row_failures(load_contract(dataset), frame)


def rule_ids(failures: pl.DataFrame) -> list[str]:
    return failures.get_column("rule_id").to_list()


def set_value(frame: pl.DataFrame, row: int, **values: Any) -> pl.DataFrame:
    """``frame`` with ``values`` written into one row (types kept)."""
    at_row = pl.int_range(pl.len()) == row
    return frame.with_columns(
        pl.when(at_row).then(pl.lit(v, dtype=frame.schema[c])).otherwise(pl.col(c)).alias(c)
        for c, v in values.items()
    )


def first_row(frame: pl.DataFrame, **where: Any) -> int:
    cond = pl.all_horizontal(pl.col(c) == v for c, v in where.items())
    return int(frame.with_row_index().filter(cond).get_column("index")[0])


# ------------------------------------------------------------------------------ the contracts


def test_every_dataset_in_the_spec_and_the_books_has_a_contract() -> None:
    assert sorted(PARSER_DATASETS + list(LEDGER_BOOKS)) == list_datasets()


@pytest.mark.parametrize("dataset", sorted(PARSER_DATASETS + list(LEDGER_BOOKS)))
def test_every_contract_parses_with_the_odcs_v3_fundamentals(dataset: str) -> None:
    doc = yaml.safe_load((CONTRACTS_DIR / f"{dataset}.yaml").read_text(encoding="utf-8"))
    for key in ("apiVersion", "kind", "id", "version", "status", "schema"):
        assert doc.get(key), f"{dataset}: {key} missing"
    assert doc["apiVersion"].startswith("v3.")
    assert doc["kind"] == "DataContract"
    assert doc["description"]["purpose"]
    (obj,) = doc["schema"]
    assert obj["logicalType"] == "object" and obj["physicalName"]
    for prop in obj["properties"]:
        assert {"name", "logicalType", "physicalType", "required", "description"} <= set(prop)
    contract = load_contract(dataset)
    assert contract.natural_key and contract.rules
    assert all(r.rule_id.startswith(f"{dataset}.") and r.description for r in contract.rules)


def test_contracts_are_loaded_once_per_process() -> None:
    assert load_contract(PAYU) is load_contract(PAYU)


@pytest.mark.parametrize("dataset", sorted(PARSER_DATASETS + list(LEDGER_BOOKS)))
def test_money_is_int64_paise_and_time_is_utc(dataset: str) -> None:
    for name, dtype in load_contract(dataset).polars_schema.items():
        if name.endswith("_paise"):
            assert dtype == pl.Int64(), name
        if isinstance(dtype, pl.Datetime):
            assert dtype == pl.Datetime("us", "UTC"), name


@pytest.mark.parametrize("dataset", PARSER_DATASETS)
def test_lake_datasets_carry_the_ingest_columns(dataset: str) -> None:
    contract = load_contract(dataset)
    schema = contract.polars_schema
    for name, dtype in INGEST_COLUMNS.items():
        assert schema[name] == dtype, name
    assert set(contract.ingest_columns) == set(INGEST_COLUMNS) - {"source_row"}
    assert "source_row" in contract.parsed_schema  # the parser reports it
    assert schema["business_date"] == pl.Date() and "business_date" in contract.required_columns


@pytest.mark.parametrize(("dataset", "key"), sorted(SPEC_NATURAL_KEYS.items()))
def test_natural_keys_follow_the_spec(dataset: str, key: tuple[str, ...]) -> None:
    assert load_contract(dataset).natural_key == key


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.simulator.config import WorldConfig
    from pipelines.simulator.world import build_world

    out = tmp_path_factory.mktemp("dc_world")
    # Big enough that every books table (chargebacks are rare) has rows.
    cfg = WorldConfig(days=5, merchants=8, payments=30_000, seed=11)
    return build_world(cfg, out).out_dir


@pytest.fixture(scope="module")
def books(world: Path) -> Path:
    return world / "books"


@pytest.mark.parametrize("dataset", sorted(LEDGER_BOOKS))
def test_ledger_contracts_match_the_simulators_books(books: Path, dataset: str) -> None:
    frame = pl.read_parquet(books / LEDGER_BOOKS[dataset], hive_partitioning=False)
    contract = load_contract(dataset)
    assert schema_problems(contract, frame) == []
    assert table_problems(contract, frame) == []
    assert row_failures(contract, frame).height == 0


# (landing glob, parser module, parser function) for every file the simulator lands.
PARSERS = [
    ("razorpay/*/*.csv", "razorpay", "parse"),
    ("payu/*/*.csv", "payu", "parse"),
    ("ccavenue/*/*.csv", "ccavenue", "parse"),
    ("upi_switch/*/upi_switch_report_*", "upi_switch", "parse"),
    ("upi_switch/*/upi_adjustment_report_*", "upi_switch", "parse_adjustments"),
    ("bank_*/*/*.xml", "camt053", "parse"),
    ("bank_*/*/*.sta", "mt940", "parse"),
    ("bank_*/*/*.csv", "bank_csv", "parse"),
]


def test_every_parsers_output_keeps_its_contract(world: Path) -> None:
    import importlib

    seen: set[str] = set()
    for pattern, module, function in PARSERS:
        parse = getattr(importlib.import_module(f"pipelines.parsers.{module}"), function)
        files = sorted((world / "landing").glob(pattern))
        assert files, pattern
        for path in files:
            for dataset, frame in parse(path.read_bytes()).tables.items():
                contract = load_contract(dataset)
                assert schema_problems(contract, frame, stage="parsed") == [], path.name
                assert row_failures(contract, frame).height == 0, path.name
                seen.add(dataset)
    assert seen == set(PARSER_DATASETS)


# ----------------------------------------------------------------------------- schema checks


def test_clean_frames_keep_every_rule() -> None:
    for dataset, frame in [
        (PAYU, frames.payu_lines(2_000)),
        ("razorpay_settlement_lines", frames.razorpay_lines()),
        ("bank_statements", frames.bank_statements()),
        ("bank_statement_entries", frames.bank_statement_entries()),
        ("upi_switch_transactions", frames.upi_transactions()),
        ("upi_switch_adjustments", frames.upi_adjustments()),
    ]:
        contract = load_contract(dataset)
        assert schema_problems(contract, frame) == [], dataset
        assert row_failures(contract, frame).height == 0, dataset


def test_a_missing_or_mistyped_or_unknown_column_rejects_the_file() -> None:
    contract = load_contract(PAYU)
    frame = (
        frames.payu_lines(10)
        .drop("mer_utr")
        .with_columns(pl.col("amount_paise").cast(pl.Float64), extra=pl.lit(1))
    )
    assert schema_problems(contract, frame) == [
        "column 'amount_paise' is Float64, the contract says Int64",
        "missing column 'mer_utr' (String)",
        "unexpected column 'extra': not in the payu_settlement_lines contract",
    ]


def test_a_parsers_output_is_checked_without_the_ingest_columns() -> None:
    contract = load_contract(PAYU)
    parsed = frames.payu_lines(10).drop(contract.ingest_columns)
    assert schema_problems(contract, parsed, stage="parsed") == []
    assert "missing column 'file_sha256' (String)" in schema_problems(contract, parsed)
    assert row_failures(contract, parsed).height == 0  # rules on absent ingest columns skipped


def test_row_rules_refuse_a_frame_without_a_contract_column() -> None:
    with pytest.raises(ValueError, match="net_amount_paise.*schema_problems"):
        failures_of(PAYU, frames.payu_lines(10).drop("net_amount_paise"))


# --------------------------------------------------------------------------------- row rules


def test_payu_capture_net_must_equal_amount_minus_fee_and_tax() -> None:
    frame = frames.payu_lines(200)
    row = first_row(frame, action="capture")
    amount, fee, tax = 120_000, 1_740, 313
    frame = set_value(
        frame,
        row,
        amount_paise=amount,
        service_fee_paise=fee,
        service_tax_paise=tax,
        net_amount_paise=amount - fee - tax,
    )
    assert failures_of(PAYU, frame).height == 0
    broken = set_value(frame, row, net_amount_paise=100_000)
    (failure,) = failures_of(PAYU, broken).to_dicts()
    assert failure == {
        "row_index": row,
        "rule_id": "payu_settlement_lines.net_equals_amount_minus_fee_and_tax",
        "reason_code": "contract:payu_settlement_lines.net_equals_amount_minus_fee_and_tax",
        "severity": "error",
        "message": "net_amount_paise 100000 ≠ amount_paise 120000 − service_fee_paise 1740"
        " − service_tax_paise 313 (off by -17947)",
    }


def test_payu_refund_takes_back_the_full_amount() -> None:
    frame = frames.payu_lines(200)
    row = first_row(frame, action="refund")
    broken = set_value(frame, row, net_amount_paise=-1)
    failures = failures_of(PAYU, broken)
    assert rule_ids(failures) == ["payu_settlement_lines.reversal_net_equals_minus_amount"]
    assert failures["message"][0].startswith("net_amount_paise -1 ≠ −amount_paise ")


def test_payu_refund_must_name_the_refund_it_settles() -> None:
    frame = frames.payu_lines(200)
    refund, capture = first_row(frame, action="refund"), first_row(frame, action="capture")
    assert frame["refund_id"][capture] is None  # captures have none, and that is fine
    broken = set_value(frame, refund, refund_id=None)
    (failure,) = failures_of(PAYU, broken).to_dicts()
    assert failure["rule_id"] == "payu_settlement_lines.refund_has_refund_id"
    assert failure["message"] == "refund_id is missing (required when action is refund)"


def test_razorpay_gst_is_inside_the_fee_and_cannot_exceed_it() -> None:
    broken = set_value(frames.razorpay_lines(), 0, tax_paise=9_000)
    (failure,) = failures_of("razorpay_settlement_lines", broken).to_dicts()
    assert failure["rule_id"] == "razorpay_settlement_lines.tax_within_fee"
    assert failure["message"] == "tax_paise 9000 > fee_paise 8954"


def test_razorpay_payment_credit_is_amount_less_fee() -> None:
    broken = set_value(frames.razorpay_lines(), 0, credit_paise=421_545)
    (failure,) = failures_of("razorpay_settlement_lines", broken).to_dicts()
    assert failure["rule_id"] == "razorpay_settlement_lines.payment_net_equals_amount_minus_fee"
    assert failure["message"] == (
        "credit_paise 421545 − debit_paise 0 ≠ amount_paise 421545 − fee_paise 8954 (off by 8954)"
    )


def test_razorpay_chargeback_adjustment_debits_the_full_amount() -> None:
    broken = set_value(frames.razorpay_lines(), 1, debit_paise=1)
    assert rule_ids(failures_of("razorpay_settlement_lines", broken)) == [
        "razorpay_settlement_lines.reversal_debit_equals_amount"
    ]


def test_bank_statement_balance_must_be_continuous() -> None:
    broken = set_value(frames.bank_statements(), 0, closing_balance_paise=10_042_085_000)
    (failure,) = failures_of("bank_statements", broken).to_dicts()
    assert failure["rule_id"] == "bank_statements.balance_continuity"
    assert failure["message"] == (
        "closing_balance_paise 10042085000 ≠ opening_balance_paise 10042085687"
        " + total_credits_paise 7849354 − total_debits_paise 7849354 (off by -687)"
    )


def test_mt942_interim_report_is_exempt_from_balance_continuity() -> None:
    statements = frames.bank_statements()
    assert statements["format"][1] == "mt942"  # closing 0 ≠ opening + 500: would break it
    assert failures_of("bank_statements", statements).height == 0
    as_mt940 = set_value(statements, 1, format="mt940")
    assert rule_ids(failures_of("bank_statements", as_mt940)) == [
        "bank_statements.balance_continuity"
    ]


def test_bank_entry_signed_amount_follows_its_direction() -> None:
    entries = frames.bank_statement_entries()
    flipped = set_value(entries, 0, signed_amount_paise=-3_732_934)
    flipped = set_value(flipped, 1, signed_amount_paise=4_116_420)
    failures = failures_of("bank_statement_entries", flipped)
    assert rule_ids(failures) == [
        "bank_statement_entries.credit_signed_amount_is_amount",
        "bank_statement_entries.debit_signed_amount_is_minus_amount",
    ]
    assert failures["row_index"].to_list() == [0, 1]


def test_a_required_column_must_have_a_value() -> None:
    broken = set_value(frames.payu_lines(20), 3, mer_utr=None)
    (failure,) = failures_of(PAYU, broken).to_dicts()
    assert (failure["rule_id"], failure["message"]) == (
        "payu_settlement_lines.mer_utr.required",
        "mer_utr is missing",
    )


def test_a_missing_amount_is_reported_once_not_by_every_arithmetic_rule() -> None:
    broken = set_value(frames.payu_lines(20), 0, service_fee_paise=None)
    assert rule_ids(failures_of(PAYU, broken)) == [
        "payu_settlement_lines.service_fee_paise.required"
    ]


def test_payu_action_must_be_capture_refund_or_chargeback() -> None:
    broken = set_value(frames.payu_lines(20), 5, action="void")
    (failure,) = failures_of(PAYU, broken).to_dicts()
    assert failure["rule_id"] == "payu_settlement_lines.action.valid_values"
    assert failure["message"] == "action 'void' is not one of capture, refund, chargeback"


def test_upi_rrn_must_be_twelve_ascii_digits() -> None:
    frame = frames.upi_transactions()
    for bad in ("63060075897", "6306007589781", "६३०६००७५८९७८", "63060075897X"):
        (failure,) = failures_of("upi_switch_transactions", set_value(frame, 0, rrn=bad)).to_dicts()
        assert failure["rule_id"] == "upi_switch_transactions.rrn.pattern"
        assert failure["message"] == f"rrn '{bad}' does not match ^[0-9]{{12}}$"


def test_a_malformed_vpa_is_flagged_as_a_warning_not_quarantined() -> None:
    broken = set_value(frames.upi_transactions(), 1, payer_vpa="divya tiwari")
    (failure,) = failures_of("upi_switch_transactions", broken).to_dicts()
    assert (failure["rule_id"], failure["severity"]) == (
        "upi_switch_transactions.payer_vpa.pattern",
        "warning",
    )


def test_settlement_amounts_cannot_be_negative() -> None:
    frame = frames.payu_lines(200)
    broken = set_value(frame, first_row(frame, action="refund"), service_tax_paise=-5)
    (failure,) = failures_of(PAYU, broken).to_dicts()
    assert failure["rule_id"] == "payu_settlement_lines.service_tax_paise.range"
    assert failure["message"] == "service_tax_paise is -5, must be ≥ 0"


def test_a_upi_payment_of_zero_is_not_a_payment() -> None:
    broken = set_value(frames.upi_transactions(), 0, amount_paise=0)
    assert rule_ids(failures_of("upi_switch_transactions", broken)) == [
        "upi_switch_transactions.amount_paise.range"
    ]


def test_an_adjustment_cannot_predate_its_transaction() -> None:
    broken = set_value(frames.upi_adjustments(), 0, txn_date=date(2026, 11, 4))
    (failure,) = failures_of("upi_switch_adjustments", broken).to_dicts()
    assert failure["rule_id"] == "upi_switch_adjustments.adjustment_not_before_transaction"
    assert failure["message"] == "txn_date 2026-11-04 > adj_date 2026-11-03"


def test_optional_values_may_be_null_without_breaking_their_value_rules() -> None:
    entries = set_value(frames.bank_statement_entries(), 0, channel=None, counterparty_ifsc=None)
    assert failures_of("bank_statement_entries", entries).height == 0


def test_failures_are_listed_by_row_then_in_contract_order() -> None:
    frame = frames.payu_lines(50)
    row = first_row(frame, action="capture")
    broken = set_value(frame, row, action="void", mer_utr=None)
    broken = set_value(broken, 1, source="razorpay")
    failures = failures_of(PAYU, broken)
    assert list(zip(failures["row_index"], rule_ids(failures), strict=True)) == sorted(
        [
            (row, "payu_settlement_lines.action.valid_values"),
            (row, "payu_settlement_lines.mer_utr.required"),
            (1, "payu_settlement_lines.source.valid_values"),
        ]
    )
    assert failures.schema == {
        "row_index": pl.Int64,
        "rule_id": pl.String,
        "reason_code": pl.String,
        "severity": pl.String,
        "message": pl.String,
    }


def test_the_merchant_master_must_not_be_empty() -> None:
    contract = load_contract("merchants")
    empty = pl.DataFrame(schema=contract.polars_schema)
    assert table_problems(contract, empty) == ["merchants.row_count: 0 rows, must be > 0"]


def test_duplicates_are_flagged_by_natural_key_never_failed() -> None:
    frame = frames.payu_lines(30)
    doubled = pl.concat([frame, frame.head(2)])
    flags = doubled.select(duplicate_flag(load_contract(PAYU))).to_series().to_list()
    assert flags == [False] * 30 + [True, True]
    assert failures_of(PAYU, doubled).height == 0


# ------------------------------------------------------------------------ failing fast on YAML


def _mutated(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    path = tmp_path / f"{PAYU}.yaml"
    shutil.copy(CONTRACTS_DIR / f"{PAYU}.yaml", path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _prop(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in doc["schema"][0]["properties"] if p["name"] == name)


def _custom(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["schema"][0]["quality"][0]


BAD_CONTRACTS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "unknown rule type",
        lambda d: _custom(d).update(type="magic"),
        "schema[0].quality[0].type: unknown rule type 'magic'",
    ),
    (
        "unknown custom engine",
        lambda d: _custom(d).update(engine="soda"),
        "schema[0].quality[0].engine: 'soda' is not run here",
    ),
    (
        "expression string instead of structure",
        lambda d: _custom(d)["implementation"].update(expr="net == amount - fee"),
        "schema[0].quality[0].implementation.expr: unknown or unsupported key",
    ),
    (
        "term naming no column",
        lambda d: _custom(d)["implementation"]["equals"].update(right=["amount_paise", "-fees"]),
        "implementation.equals.right[1]: 'fees' is not a property",
    ),
    (
        "unknown library metric",
        lambda d: _prop(d, "action")["quality"][0].update(metric="validValues"),
        "properties[2](action).quality[0].metric: unknown library metric 'validValues'",
    ),
    (
        "tolerance on a row rule",
        lambda d: _prop(d, "action")["quality"][0].update(mustBe=5),
        "properties[2](action).quality[0]: row rules quarantine every offending row",
    ),
    (
        "typo in a property key",
        lambda d: _prop(d, "mer_utr").update(requried=True),
        "properties[13](mer_utr).requried: unknown or unsupported key",
    ),
    (
        "money that is not Int64",
        lambda d: _prop(d, "amount_paise").update(physicalType="Float64", logicalType="number"),
        "properties[8](amount_paise).physicalType: money is integer paise: must be Int64",
    ),
    (
        "unknown dtype",
        lambda d: _prop(d, "payuid").update(physicalType="Varchar(20)"),
        "properties[0](payuid).physicalType: unknown physicalType 'Varchar(20)'",
    ),
    (
        "ODCS v2 contract",
        lambda d: d.update(apiVersion="v2.2.2"),
        "apiVersion: 'v2.2.2' is not an ODCS v3 version",
    ),
    (
        "no natural key",
        lambda d: d["schema"][0].update(customProperties=[]),
        "schema[0].customProperties: needs a naturalKey entry",
    ),
    (
        "when value of the wrong type",
        lambda d: _custom(d)["implementation"]["when"].update(**{"in": [1]}),
        "implementation.when.in: 1 is not a string value like column 'action'",
    ),
    (
        "nullValues instead of required",
        lambda d: _prop(d, "mer_utr").update(quality=[{"metric": "nullValues", "mustBe": 0}]),
        "write required: true on the property instead of nullValues",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=name) for name, m, e in BAD_CONTRACTS],
)
def test_a_bad_contract_fails_fast_naming_the_file_and_field(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = _mutated(tmp_path, mutate)
    with pytest.raises(ContractError) as caught:
        load_contract_file(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_an_unchanged_copy_loads(tmp_path: Path) -> None:
    assert load_contract_file(_mutated(tmp_path, lambda d: None)).rules == load_contract(PAYU).rules


# --------------------------------------------------------------------------- Great Expectations


def test_the_gx_suite_states_every_rule_once() -> None:
    contract = load_contract(PAYU)
    suite = build_suite(contract)
    metas = [e.meta.get("rule_id") for e in suite.expectations]
    assert sorted(m for m in metas if m) == sorted(r.rule_id for r in contract.rules)
    types = {e.expectation_type for e in suite.expectations}
    assert types == {
        "expect_column_to_exist",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
    }
    exists = [e for e in suite.expectations if e.expectation_type == "expect_column_to_exist"]
    assert len(exists) == len(contract.columns)


def _payu_with_violations() -> pl.DataFrame:
    frame = frames.payu_lines(3_000, seed=5)
    captures = frame.with_row_index().filter(pl.col("action") == "capture")["index"]
    refunds = frame.with_row_index().filter(pl.col("action") == "refund")["index"]
    broken = frame
    for row in captures[:7]:
        broken = set_value(broken, row, net_amount_paise=1)
    for row in captures[7:10]:
        broken = set_value(broken, row, action="void")
    for row in captures[10:12]:
        broken = set_value(broken, row, service_fee_paise=None)
    broken = set_value(broken, captures[12], service_tax_paise=-3)
    broken = set_value(broken, captures[13], mer_utr=None)
    broken = set_value(broken, refunds[0], refund_id=None)
    broken = set_value(broken, refunds[1], net_amount_paise=0)
    return set_value(broken, 0, file_sha256="not-a-digest", source="payu ")


def _statements_with_violations() -> pl.DataFrame:
    broken = set_value(frames.bank_statements(), 0, closing_balance_paise=1, currency="inr")
    interim = set_value(
        frames.bank_statements(), 1, from_date=date(2026, 11, 4), format_version=None
    )
    return pl.concat([broken, interim])


def _upi_with_violations() -> pl.DataFrame:
    frame = pl.concat([frames.upi_transactions()] * 3)
    frame = set_value(frame, 0, rrn="12345", payer_vpa="no at sign")
    return set_value(frame, 3, amount_paise=0, status="PENDING", mcc=None)


def _razorpay_with_violations() -> pl.DataFrame:
    frame = pl.concat([frames.razorpay_lines()] * 2)
    frame = set_value(frame, 0, tax_paise=10_000, credit_paise=5)
    return set_value(frame, 1, debit_paise=None, type="transfer")


def _adjustments_with_violations() -> pl.DataFrame:
    frame = set_value(frames.upi_adjustments(), 0, txn_date=date(2026, 11, 9), adj_type="CHB")
    return set_value(frame, 1, business_date=date(2026, 11, 4), rrn=None)


def _entries_with_violations() -> pl.DataFrame:
    frame = set_value(frames.bank_statement_entries(), 0, direction="DR", counterparty_ifsc="HDFC1")
    return set_value(frame, 1, business_date=None, channel="SWIFT", entry_seq=0)


@pytest.mark.parametrize(
    ("dataset", "build"),
    [
        (PAYU, _payu_with_violations),
        ("bank_statements", _statements_with_violations),
        ("upi_switch_transactions", _upi_with_violations),
        ("razorpay_settlement_lines", _razorpay_with_violations),
        ("bank_statement_entries", _entries_with_violations),
        ("upi_switch_adjustments", _adjustments_with_violations),
    ],
)
def test_gx_agrees_with_the_polars_row_rules(
    dataset: str, build: Callable[[], pl.DataFrame]
) -> None:
    contract = load_contract(dataset)
    frame = build()
    polars_counts = dict(row_failures(contract, frame).group_by("rule_id").len().iter_rows())
    report = validate_with_gx(contract, frame)
    assert not [r for r in report.results if r.exception], "GE raised on an expectation"
    gx_counts = report.unexpected_by_rule()
    expected = {r.rule_id: polars_counts.get(r.rule_id, 0) for r in contract.row_rules}
    assert gx_counts == expected
    assert sum(expected.values()) >= 3  # the frame really breaks rules
    assert report.success is False


def test_gx_agrees_on_the_simulators_ledger_with_injected_violations(books: Path) -> None:
    contract = load_contract("ledger_payments")
    frame = pl.read_parquet(books / LEDGER_BOOKS["ledger_payments"], hive_partitioning=False)
    captured = first_row(frame, status="captured")
    failed = first_row(frame, status="failed")
    broken = set_value(frame, captured, captured_at=None, mdr_bps=20_000, gateway="stripe")
    broken = set_value(broken, failed, error_code=None, rrn="12", attempt_no=0)
    polars_counts = dict(row_failures(contract, broken).group_by("rule_id").len().iter_rows())
    assert len(polars_counts) == 6
    report = validate_with_gx(contract, broken)
    assert not [r for r in report.results if r.exception]
    assert report.unexpected_by_rule() == {
        r.rule_id: polars_counts.get(r.rule_id, 0) for r in contract.row_rules
    }


def test_gx_report_says_what_failed_with_example_values() -> None:
    contract = load_contract(PAYU)
    report = validate_with_gx(contract, set_value(frames.payu_lines(500), 4, action="void"))
    (failed,) = report.failed()
    assert (failed.expectation_type, failed.column, failed.rule_id) == (
        "expect_column_values_to_be_in_set",
        "action",
        "payu_settlement_lines.action.valid_values",
    )
    assert (failed.unexpected_count, failed.unexpected_values) == (1, ("void",))
    assert report.statistics["unsuccessful_expectations"] == 1
    assert report.rows == 500 and report.seconds > 0


def test_gx_passes_clean_data() -> None:
    report = validate_with_gx(load_contract(PAYU), frames.payu_lines(1_000))
    assert report.success and report.error_free, report.failed()


def test_loaded_rows_with_warnings_only_are_error_free_for_gx() -> None:
    flagged = set_value(frames.upi_transactions(), 0, payer_vpa="not a vpa")
    report = validate_with_gx(load_contract("upi_switch_transactions"), flagged)
    assert (report.success, report.error_free) == (False, True)


@pytest.mark.slow
def test_row_rules_check_ten_million_rows() -> None:
    frame = frames.payu_lines(10_000_000)
    broken = frame.with_columns(
        net_amount_paise=pl.when(pl.int_range(pl.len()) % 1_000 == 0)
        .then(pl.col("net_amount_paise") + 1)
        .otherwise(pl.col("net_amount_paise"))
    )
    failures = failures_of(PAYU, broken)
    assert failures.height == 10_000

"""``hisaab extract --from api``: the API's database lands in the lake as our books.

The same ledger datasets and contracts as the simulator's books, through the same ingest path
and manifest: amounts stay integer paise, only final payment attempts are books rows, a re-run
is a no-op, and a day that changed replaces its older rows.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from hisaab.cli import app as cli
from hisaab.money import fee_with_gst
from pipelines import orchestration as orch
from pipelines.extract import extract_api
from tests.api.conftest import CARD, UPI, captured_payment, create_order, pay

runner = CliRunner()


def _url(db) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _lake(data_dir: Path, dataset: str) -> pl.DataFrame:
    return pl.read_parquet(data_dir / "lake" / dataset / "**" / "*.parquet")


def test_the_apis_books_land_under_the_ledger_contracts(client, merchant, db, tmp_path):
    card = captured_payment(client, merchant, amount=499_900, instrument=CARD)
    upi = captured_payment(client, merchant, amount=25_000, instrument=UPI)
    pay(client, merchant, create_order(client, merchant, 10_000))  # authorised only
    declined = pay(
        client,
        merchant,
        create_order(client, merchant, 10_000),
        {"method": "upi", "vpa": "decline@okaxis"},
    ).json()
    reports = extract_api(tmp_path, _url(db), run_gx=False)
    assert reports and all(r.outcome == "loaded" and r.rows_quarantined == 0 for r in reports)

    payments = _lake(tmp_path, "ledger_payments").sort("amount_paise")
    assert payments["payment_id"].to_list() == [declined["id"], upi["id"], card["id"]]
    assert payments["status"].to_list() == ["failed", "captured", "captured"]
    row = payments.row(2, named=True)
    split = fee_with_gst(499_900, 200)
    assert (row["fee_paise"], row["gst_paise"]) == (split.fee_paise, split.gst_paise)
    assert row["fee_paise"] + row["gst_paise"] == card["fee"], "the API's fee includes GST"
    assert payments.schema["amount_paise"] == pl.Int64 and payments.schema["fee_paise"] == pl.Int64
    assert row["captured_at"] is not None and row["customer_id"].startswith("cust_")

    merchants = _lake(tmp_path, "merchants")
    m = merchants.row(0, named=True)
    assert (m["merchant_id"], m["settlement_cycle_days"], m["mdr_bps_card"]) == (
        merchant.id,
        2,
        200,
    )
    assert m["gateways"] == ["razorpay"] and m["gst_state_code"] == "27"


def test_rerunning_is_a_no_op_and_a_changed_day_replaces_its_rows(client, merchant, db, tmp_path):
    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    extract_api(tmp_path, _url(db), run_gx=False)
    again = extract_api(tmp_path, _url(db), run_gx=False)
    assert {r.outcome for r in again} == {"skipped"}

    client.post(f"/v1/payments/{p['id']}/refund", json={"amount": 10_000}, headers=merchant.auth)
    third = extract_api(tmp_path, _url(db), run_gx=False)
    changed = {r.landing_path for r in third if r.outcome == "loaded"}
    assert any(path.startswith("api/refunds/") for path in changed)
    assert not any(path.startswith("api/payments/") for path in changed), "payments unchanged"
    refunds = _lake(tmp_path, "ledger_refunds")
    assert refunds["amount_paise"].to_list() == [10_000]
    client.post(f"/v1/payments/{p['id']}/refund", json={"amount": 5_000}, headers=merchant.auth)
    extract_api(tmp_path, _url(db), run_gx=False)
    refunds = _lake(tmp_path, "ledger_refunds")
    assert sorted(refunds["amount_paise"].to_list()) == [5_000, 10_000], "old version set aside"


def test_the_cli_extracts_from_the_api_and_refuses_what_it_cannot_read(
    client, merchant, db, tmp_path
):
    captured_payment(client, merchant, amount=100_000)
    ok = runner.invoke(
        cli,
        ["extract", "--from", "api", "--database-url", _url(db), "--data-dir", str(tmp_path), "--no-gx", "-q"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(
        cli, ["extract", "--from", "api", "--data-dir", str(tmp_path / "nowhere"), "-q"]
    )
    assert missing.exit_code == 1 and "No API database" in missing.output
    wrong = runner.invoke(cli, ["extract", "--database-url", _url(db), "--data-dir", str(tmp_path)])
    assert wrong.exit_code == 2 and "--from api" in wrong.output
    assert "--from" in runner.invoke(cli, ["extract", "--help"]).output


def test_the_dags_ledger_extract_step_reads_the_api_database_when_asked(
    client, merchant, db, tmp_path, monkeypatch
):
    card = captured_payment(client, merchant, amount=12_345, instrument=CARD)
    monkeypatch.setenv("HISAAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", _url(db))
    summary = orch.extract_ledger(run_gx=False, source="api")
    assert summary.rows_loaded > 0 and not summary.quarantined
    assert card["id"] in _lake(tmp_path, "ledger_payments")["payment_id"].to_list()


def test_the_dags_ledger_extract_step_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("HISAAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(FileNotFoundError, match="DATABASE_URL"):
        orch.extract_ledger(source="api")
    with pytest.raises(ValueError, match="books, api"):
        orch.extract_ledger(source="ftp")

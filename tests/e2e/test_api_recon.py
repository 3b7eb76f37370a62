"""API traffic reconciles end to end: payments through the API, the emulated gateways' settlement
files and escrow statements, ingest, extract of the API's books, dbt recon.

A clean world has zero breaks; a gateway that drops a line, overcharges a fee or credits a
settlement short shows exactly those breaks, on exactly those payments and settlements. The API
runs on SQLite and on Postgres (the extract reads either); the recon runs on DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.db import Database
from api.gateways.emulator import build_emulators
from api.gateways.escrow import nodal_payouts, settlements_frame, write_escrow_statements
from api.gateways.faults import FaultConfig, FaultInjector
from api.gateways.journal import GatewayJournal
from api.gateways.settlement import (
    DROP_LINE,
    FEE_OVERCHARGE,
    SettlementFault,
    record_emulated_settlements,
    write_settlement_files,
)
from api.ledger.check import check_ledger
from api.ledger.service import balances
from api.operations.ratelimit import RateLimit
from api.payments.gateway_port import ConnectorGatewayPort
from api.routing.router import Router
from api.routing.rules import RoutingRule
from api.settlements.service import settle_due
from hisaab.calendar import next_business_day
from hisaab.cli import app as cli
from hisaab.settings import Settings
from pipelines.extract import extract_api
from pipelines.ingest import ingest_landing
from pipelines.recon.runner import run_recon
from pipelines.warehouse import query_frame
from tests.api.conftest import (  # noqa: F401  (fixtures: the API database on both backends)
    CARD,
    NETBANKING,
    UPI,
    WALLET,
    MerchantAccount,
    _databases,
    basic,
    db,
    onboard,
    pg_url,
)
from tests.api.conftest import create_order as api_order
from tests.api.conftest import pay as api_pay

SEED = 7
runner = CliRunner()

# Method rules, as operations would set them: each gateway carries traffic.
RULES = [
    RoutingRule(name="upi_on_razorpay", methods=frozenset({"upi"}), allowed=("razorpay",)),
    RoutingRule(name="cards_on_payu", methods=frozenset({"card"}), allowed=("payu",)),
    RoutingRule(name="netbanking_on_ccavenue", methods=frozenset({"netbanking"}), allowed=("ccavenue",)),
    RoutingRule(name="wallets_off_ccavenue", methods=frozenset({"wallet"}), blocked=("ccavenue",)),
]  # fmt: skip
INSTRUMENTS = (UPI, CARD, NETBANKING, WALLET)


@dataclass
class ApiWorld:
    db: Database
    client: TestClient
    journal: GatewayJournal
    platform: dict[str, str]
    merchants: list[MerchantAccount] = field(default_factory=list)
    captured: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def api_world(db: Database, tmp_path: Path) -> Iterator[ApiWorld]:  # noqa: F811
    from api.app import create_app
    from api.auth.service import issue_key

    journal = GatewayJournal(tmp_path / "journal.sqlite3")
    gateways = build_emulators(
        journal,
        FaultInjector(FaultConfig.none(seed=SEED)),
        latency_scale=0.0,
        sleep=lambda _s: None,
    )
    port = ConnectorGatewayPort(Router(rules=RULES), connector_for=gateways.__getitem__)
    app = create_app(
        Settings(data_dir=tmp_path / "api"),
        database=db,
        gateway_port=port,
        migrate=False,
        rate_limit=RateLimit(rate_per_s=10_000, burst=10_000),
    )
    with db.session() as session:
        key = issue_key(session, merchant_id=None, scope="platform")
    with TestClient(app, raise_server_exceptions=True) as client:
        yield ApiWorld(db, client, journal, basic(key.key_id, key.key_secret))
    journal.close()


def drive_traffic(w: ApiWorld) -> None:
    """Three merchants (T+1 and T+2), every method, two refunds, one authorised-only payment."""
    specs = [
        {"name": "Chai Point Retail Pvt Ltd", "pan": "AAPFU0939F", "gstin": "27AAPFU0939F1ZV",
         "settlement_cycle_days": 1},
        {"name": "Kirana Junction LLP", "pan": "AAAFB1234C", "gstin": None,
         "settlement_cycle_days": 2},
        {"name": "Tiffin Box Foods Pvt Ltd", "pan": "AABCT3518Q", "gstin": None,
         "settlement_cycle_days": 1, "mdr_bps": {"upi": 0, "card": 180, "netbanking": 150,
                                                 "wallet": 195}},
    ]  # fmt: skip
    w.merchants = [onboard(w.client, w.platform, **s) for s in specs]
    for i in range(24):
        m = w.merchants[i % 3]
        amount = 10_000 + 7_919 * i
        order = api_order(w.client, m, amount)
        r = api_pay(w.client, m, order, INSTRUMENTS[i % 4])
        assert r.status_code == 200 and r.json()["status"] == "authorized", r.text
        if i == 23:
            continue  # authorised, never captured: in no settlement file and not in the books
        r = w.client.post(
            f"/v1/payments/{r.json()['id']}/capture",
            json={"amount": amount, "currency": "INR"},
            headers=m.auth,
        )
        assert r.status_code == 200, r.text
        w.captured.append({**r.json(), "merchant": m})
    for k, p in enumerate(w.captured[:2]):
        body = {} if k == 0 else {"amount": p["amount"] // 3}
        r = w.client.post(f"/v1/payments/{p['id']}/refund", json=body, headers=p["merchant"].auth)
        assert r.status_code == 200 and r.json()["status"] == "processed", r.text
    disputed = w.captured[5]
    r = w.client.post(
        "/v1/chargebacks",
        json={"payment_id": disputed["id"], "gateway_dispute_id": "disp_E2E0000000001",
              "reason_code": "fraud"},
        headers=w.platform,
    )  # fmt: skip
    assert r.status_code == 200, r.text


@dataclass
class Outside:
    """What the gateways and banks sent us: landing files, and the dates they cover."""

    data_dir: Path
    first_day: date
    last_day: date


def gateways_settle_and_banks_report(
    w: ApiWorld,
    data_dir: Path,
    *,
    faults: list[SettlementFault] = (),  # type: ignore[assignment]
    short_credits: dict[str, int] | None = None,
) -> Outside:
    """Every settlement day: gateway files, the ledger's record of each settlement, merchant
    payouts; then the escrow statements from the first settlement day to the next business day
    after the last one (so a dropped line is past its grace by the recon's as-of date)."""
    days = w.journal.settlement_days()
    landing = data_dir / "landing"
    for day in days:
        for gateway in ("razorpay", "payu", "ccavenue"):
            write_settlement_files(
                gateway, day, landing, journal=w.journal, seed=SEED,
                faults=[f for f in faults if _settles(w, gateway, f.reference) == day],
            )  # fmt: skip
        with w.db.session() as session:
            record_emulated_settlements(session, day, journal=w.journal, seed=SEED)
            settle_due(session, as_of=day)
    last_day = next_business_day(max(days) + timedelta(days=1))
    with w.db.read_session() as session:
        payouts = nodal_payouts(session)
    assert payouts, "merchants were paid"
    write_escrow_statements(
        min(days), last_day, landing, journal=w.journal, seed=SEED,
        credit_adjustments=short_credits, payouts=payouts,
    )  # fmt: skip
    return Outside(data_dir, min(days), last_day)


def extract_from_api(w: ApiWorld, data_dir: Path) -> Any:
    url = w.db.engine.url.render_as_string(hide_password=False)
    return runner.invoke(
        cli, ["extract", "--from", "api", "--database-url", url, "--data-dir", str(data_dir),
              "--no-gx", "--quiet"],
    )  # fmt: skip


def reconcile(outside: Outside) -> pl.DataFrame:
    data_dir = outside.data_dir
    reports = ingest_landing(data_dir, run_gx=False)
    assert [r.landing_path for r in reports if r.outcome != "loaded" or r.rows_quarantined] == []
    # As of the last statement day (the default is the last day with a bank entry).
    outcome = run_recon(data_dir, data_dir / "warehouse.duckdb", as_of=outside.last_day)
    assert outcome.dbt.success, outcome.dbt.failures[:5]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return query_frame(
            con,
            "select kind, payment_id, settlement_id, gateway, amount_at_risk_paise"
            " from marts.fct_recon_breaks order by kind, payment_id, settlement_id",
        )


def test_api_payments_reconcile_with_zero_breaks_and_the_ledger_holds(
    api_world: ApiWorld, tmp_path: Path
) -> None:
    w = api_world
    drive_traffic(w)
    data_dir = tmp_path / "data"
    outside = gateways_settle_and_banks_report(w, data_dir)
    with w.db.read_session() as session:
        ledger = check_ledger(session)
    assert ledger.ok, ledger.violations
    assert ledger.total_debits_paise == ledger.total_credits_paise

    first = extract_from_api(w, data_dir)
    assert first.exit_code == 0, first.output
    assert "0 files ingested" not in first.output
    url = w.db.engine.url.render_as_string(hide_password=False)
    again = extract_api(data_dir, url, run_gx=False)
    assert again and {r.outcome for r in again} == {"skipped"}, "re-running is a no-op"

    # Each routing decision is stored with every gateway it considered, next to its reason.
    from api.payments.models import Payment

    with w.db.read_session() as session:
        upi = session.get(Payment, w.captured[0]["id"])
        assert upi is not None and upi.gateway == "razorpay" and upi.routing_reason
        considered = {c["gateway"]: c for c in upi.routing_candidates or []}
    assert set(considered) == {"razorpay", "payu", "ccavenue"}
    assert considered["razorpay"]["eligible"] and considered["razorpay"]["score"] is not None
    assert "upi_on_razorpay" in (considered["payu"]["excluded_reason"] or "")

    lake = data_dir / "lake"
    payments = pl.read_parquet(lake / "ledger_payments" / "**" / "*.parquet")
    assert payments.height == len(w.captured), "captured payments are books rows; authorised not"
    assert set(payments["gateway"]) == {"razorpay", "payu", "ccavenue"}
    assert payments["amount_paise"].dtype == pl.Int64
    assert pl.read_parquet(lake / "ledger_refunds" / "**" / "*.parquet").height == 2
    assert pl.read_parquet(lake / "ledger_chargebacks" / "**" / "*.parquet").height == 1
    # What our books expect each gateway to settle is what the gateways settled (the emulators
    # deduct no chargebacks, so those are left out of the comparison).
    expected = pl.read_parquet(lake / "ledger_settlements" / "**" / "*.parquet")
    paid = settlements_frame(outside.first_day, outside.last_day, journal=w.journal, seed=SEED)
    cols = ["gross_paise", "fee_paise", "tax_paise", "refunds_paise"]
    assert sorted(
        expected.select("route", "merchant_id", "expected_settlement_date", *cols).rows()
    ) == sorted(paid.select("gateway", "merchant_id", "settled_on", *cols).rows())
    payouts = pl.read_parquet(lake / "ledger_payouts" / "**" / "*.parquet")
    assert payouts.height >= 3 and (payouts["amount_paise"] > 0).all()

    breaks = reconcile(outside)
    assert breaks.height == 0, breaks.to_dicts()

    # The ledger's escrow accounts moved exactly as the banks say they did.
    entries = pl.read_parquet(lake / "bank_statement_entries" / "**" / "*.parquet")
    moved = dict(entries.group_by("source").agg(pl.col("signed_amount_paise").sum()).iter_rows())
    with w.db.read_session() as session:
        escrow = balances(session, account_prefix="escrow_bank:")
    assert escrow == {f"escrow_bank:{src}": paise for src, paise in moved.items() if paise}


# The breaks are the recon's, whichever database the books came from: SQLite shows them.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_gateway_faults_show_as_the_right_breaks_on_the_right_payments(
    api_world: ApiWorld, tmp_path: Path
) -> None:
    w = api_world
    drive_traffic(w)
    by_gateway: dict[str, list[dict[str, Any]]] = {}
    for p in w.captured[2:]:  # not refunded, so a payment line of its own
        by_gateway.setdefault(_gateway_of(w, p["id"]), []).append(p)
    dropped = by_gateway["razorpay"][0]
    overcharged = next(p for p in by_gateway["payu"] if p["fee"] > 0)
    batches = settlements_frame(
        min(w.journal.settlement_days()), max(w.journal.settlement_days()), journal=w.journal,
        seed=SEED,
    )  # fmt: skip
    short = batches.filter(pl.col("gateway") == "ccavenue").sort("settlement_id").row(0, named=True)
    data_dir = tmp_path / "data"
    outside = gateways_settle_and_banks_report(
        w, data_dir,
        faults=[SettlementFault(DROP_LINE, dropped["id"]),
                SettlementFault(FEE_OVERCHARGE, overcharged["id"], delta_paise=500)],
        short_credits={short["settlement_id"]: -2_500},
    )  # fmt: skip
    assert extract_from_api(w, data_dir).exit_code == 0
    breaks = reconcile(outside)

    found = {(r["kind"], r["payment_id"] or r["settlement_id"]) for r in breaks.to_dicts()}
    assert ("missing_in_gateway", dropped["id"]) in found
    assert ("fee_mismatch", overcharged["id"]) in found
    assert ("settlement_short", short["settlement_id"]) in found
    short_break = breaks.filter(pl.col("kind") == "settlement_short").row(0, named=True)
    assert short_break["amount_at_risk_paise"] == 2_500
    # Nothing else breaks, except the batches the faulted lines belong to, whose file totals now
    # differ from the bank credit: the analyst sees the cause and its settlement-level echo.
    echoes = {
        b["settlement_id"] for b in batches.to_dicts() if b["merchant_id"] in
        {dropped["merchant"].id, overcharged["merchant"].id}
    }  # fmt: skip
    unexplained = [
        r for r in breaks.to_dicts()
        if (r["kind"], r["payment_id"] or r["settlement_id"]) not in {
            ("missing_in_gateway", dropped["id"]), ("fee_mismatch", overcharged["id"]),
            ("settlement_short", short["settlement_id"])}
        and r["settlement_id"] not in echoes
    ]  # fmt: skip
    assert unexplained == []


def _gateway_of(w: ApiWorld, payment_id: str) -> str:
    from api.payments.models import Payment

    with w.db.read_session() as session:
        p = session.get(Payment, payment_id)
        assert p is not None and p.gateway
        return p.gateway


def _settles(w: ApiWorld, gateway: str, payment_id: str) -> date | None:
    """The day ``gateway`` settles our payment (None: not that gateway's payment)."""
    row = w.journal.payment(gateway, payment_id)
    return date.fromisoformat(row.settled_on) if row and row.settled_on else None

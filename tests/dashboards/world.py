"""A small world for the dashboard tests, built in seconds rather than the demo's minutes.

The warehouse gets the marts and ingestion tables the pages read, with the dbt models' own
column names (``test_world_tables_use_the_dbt_models_column_names`` holds them to the YAML),
and deterministic rows; the credit model is trained by the real trainer on a BNPL features
table drawn from a known latent PD; AML alerts are published through ``risk.aml.cases``; staff
users are created through ``api.users``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "dashboard-pass-1"
USERS = {"fin": "finance", "risky": "risk", "comp": "compliance", "opsy": "ops", "root": "admin"}
DAYS = [date(2026, 11, 2) + timedelta(days=i) for i in range(4)]
SOURCES = ["payin:razorpay", "payin:payu", "settlement:bank_hdfc"]
KINDS = ["amount_mismatch", "missing_in_gateway", "settlement_short", "fee_mismatch"]
GATEWAYS = ["razorpay", "payu", "ccavenue"]


def _recon_daily() -> pd.DataFrame:
    rows = []
    for i, d in enumerate(DAYS):
        for j, s in enumerate(SOURCES):
            items = 400 + 10 * i + 7 * j
            matched = items - (i + j + 1)
            rows.append(
                {
                    "source": s,
                    "business_date": d,
                    "items": items,
                    "matched_items": matched,
                    "pending_items": 1,
                    "match_rate": round(matched / items, 6),
                    "amount_paise": items * 250_000,
                    "matched_amount_paise": matched * 250_000,
                    "unmatched_amount_paise": (items - matched) * 250_000,
                }
            )
    return pd.DataFrame(rows)


def _breaks() -> pd.DataFrame:
    rows = []
    for i in range(24):
        kind = KINDS[i % len(KINDS)]
        amount = 49_900 + 125_000 * i
        rows.append(
            {
                "break_id": f"brk{i:04d}" + "a" * 20,
                "break_key": f"key{i}",
                "kind": kind,
                "recon": "settlement" if kind.startswith("settlement") else "payin",
                "severity": "high" if amount > 1_000_000 else "medium",
                "amount_at_risk_paise": amount,
                "first_seen_date": DAYS[i % len(DAYS)],
                "age_business_days": i % 9,
                "gateway": GATEWAYS[i % 3],
                "merchant_id": f"mer_{i % 5:03d}",
                "payment_id": f"pay_{i:06d}",
                "gateway_payment_id": f"gw_{i:06d}",
                "refund_id": None,
                "settlement_id": f"setl_{i % 4}" if kind.startswith("settlement") else None,
                "settlement_utr": f"HDFCN2026110{i:07d}" if kind.startswith("settlement") else None,
                "payout_id": None,
                "bank_utr": None,
                "rrn": None,
                "ledger_amount_paise": amount + 100_000,
                "external_amount_paise": 100_000,
                "detail": f"{kind.replace('_', ' ')} on payment {i}",
                "status": "open",
                "status_reason": None,
                "assignee": None,
                "status_updated_at": None,
                "is_reopened": False,
            }
        )
    return pd.DataFrame(rows)


def _settlements() -> pd.DataFrame:
    rows = []
    for i in range(12):
        gross = 10_000_000 + 500_000 * i
        fee, tax = gross * 2 // 100, gross * 2 // 100 * 18 // 100
        net = gross - fee - tax
        rows.append(
            {
                "gateway": GATEWAYS[i % 3],
                "settlement_id": f"setl_{i}",
                "settlement_utr": f"HDFCN20261102{i:06d}",
                "merchant_id": f"mer_{i % 5:03d}",
                "settlement_date": DAYS[i % 4],
                "due_date": DAYS[i % 4],
                "is_delayed": i % 5 == 0,
                "gross_paise": gross,
                "fee_paise": fee,
                "tax_paise": tax,
                "refunds_paise": 0,
                "chargebacks_paise": 0,
                "net_paise": net,
                "line_count": 40,
                "bank_source": "bank_hdfc",
                "bank_booking_date": DAYS[i % 4],
                "bank_amount_paise": net - (5_000 if i == 3 else 0),
                "bank_difference_paise": -5_000 if i == 3 else 0,
                "bank_match_status": "short" if i == 3 else "matched",
            }
        )
    return pd.DataFrame(rows)


def _fee_audit() -> pd.DataFrame:
    rows = []
    for i in range(60):
        amount = 100_000 + 1_000 * i
        expected = amount * 2 // 100
        charged = expected + (700 if i % 13 == 0 else 0)
        rows.append(
            {
                "payment_id": f"pay_{i:06d}",
                "gateway": GATEWAYS[i % 3],
                "merchant_id": f"mer_{i % 5:03d}",
                "method": ["card", "upi", "netbanking"][i % 3],
                "gateway_payment_id": f"gw_{i:06d}",
                "settlement_id": f"setl_{i % 12}",
                "business_date": DAYS[i % 4],
                "gateway_amount_paise": amount,
                "contracted_mdr_bps": 200,
                "charged_fee_paise": charged,
                "charged_tax_paise": charged * 18 // 100,
                "expected_fee_paise": expected,
                "expected_tax_paise": expected * 18 // 100,
                "fee_difference_paise": charged - expected,
                "tax_difference_paise": (charged - expected) * 18 // 100,
                "is_fee_mismatch": charged != expected,
                "is_tax_mismatch": charged != expected,
            }
        )
    return pd.DataFrame(rows)


def _manifest() -> tuple[pd.DataFrame, pd.DataFrame]:
    now = datetime(2026, 11, 6, 4, 30, tzinfo=UTC)
    files, quarantined = [], []
    for i, source in enumerate(["razorpay", "payu", "bank_hdfc", "bank_icici"]):
        path = f"landing/{source}/2026-11-0{i + 2}/file{i}.csv"
        bad = 3 if source == "payu" else 0
        files.append(
            {
                "landing_path": path,
                "source": source,
                "business_date": DAYS[i],
                "sha256": f"{i:064d}",
                "size_bytes": 10_000 + i,
                "format": source,
                "parser_version": "1",
                "outcome": "loaded",
                "rows_in": 120 + i,
                "rows_loaded": 120 + i - bad,
                "rows_quarantined": bad,
                "version": 1,
                "is_current": True,
                "ingested_at": now,
            }
        )
        for r in range(bad):
            quarantined.append(
                {
                    "file_sha256": f"{i:064d}",
                    "landing_path": path,
                    "source": source,
                    "dataset": "payu_settlement",
                    "row_number": 10 + r,
                    "reason_code": "net_mismatch",
                    "message": "amount - fee - GST != net",
                    "raw": "txn,1000.00,20.00,3.60,980.00",
                }
            )
    return pd.DataFrame(files), pd.DataFrame(quarantined)


def _file_reports(manifest: pd.DataFrame) -> pd.DataFrame:
    out = manifest[
        [
            "landing_path",
            "source",
            "business_date",
            "sha256",
            "size_bytes",
            "format",
            "outcome",
            "rows_in",
            "rows_loaded",
            "rows_quarantined",
        ]
    ].copy()
    out.insert(0, "run_at", manifest["ingested_at"])
    out["reasons"] = ""
    out["datasets"] = ""
    out["duplicate_rows_flagged"] = 0
    out["formula_cells_flagged"] = 0
    out["gx_success"] = True
    out["message"] = ""
    return out


def _bnpl_features(n: int = 1500, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    period = np.repeat([f"P{i}" for i in range(1, 7)], n // 6)
    n = len(period)
    bureau = rng.integers(550, 850, n)
    enquiries = rng.poisson(1.5, n)
    delinq = rng.poisson(0.4, n)
    income = rng.integers(2_000_000, 15_000_000, n)
    emi = (income * rng.uniform(0.0, 0.6, n)).astype(np.int64)
    attempts = rng.integers(1, 60, n)
    failed = rng.binomial(attempts, rng.uniform(0.02, 0.4, n))
    captured = attempts - failed
    refunds = rng.binomial(np.maximum(captured, 0), 0.05)
    chargebacks = rng.binomial(1, 0.05, n)
    tenure = rng.integers(10, 900, n)
    age = rng.integers(21, 65, n)
    logit = (
        -2.6
        - 0.012 * (bureau - 700)
        + 0.25 * enquiries
        + 0.6 * delinq
        + 2.0 * (emi / income)
        + 2.0 * (failed / attempts)
        + 0.8 * chargebacks
        - 0.001 * tenure
    )
    latent = 1 / (1 + np.exp(-logit))
    start = date(2026, 5, 1)
    applied = [start + timedelta(days=30 * int(p[1:]) - 15) for p in period]
    return pd.DataFrame(
        {
            "application_id": [f"app_{i:06d}" for i in range(n)],
            "customer_id": [f"cust_{i:06d}" for i in range(n)],
            "applied_at": [datetime(d.year, d.month, d.day, 6, tzinfo=UTC) for d in applied],
            "applied_on": applied,
            "application_period": period,
            "requested_amount_paise": rng.integers(500_000, 6_000_000, n),
            "tenor_months": rng.choice([3, 6, 9], n).astype(np.int32),
            "monthly_income_paise": income,
            "existing_emi_paise": emi,
            "applicant_age_years": age.astype(np.int32),
            "employment_type": rng.choice(["salaried", "self_employed", "student"], n),
            "bureau_score": bureau.astype(np.int32),
            "bureau_enquiries_6m": enquiries.astype(np.int32),
            "delinquencies_24m": delinq.astype(np.int32),
            "open_credit_lines": rng.integers(0, 8, n).astype(np.int32),
            "gender": rng.choice(["female", "male"], n),
            "city_tier": rng.integers(1, 4, n).astype(np.int32),
            "tenure_days": tenure.astype(np.int32),
            "payment_attempts": attempts,
            "failed_attempts": failed,
            "captured_payments": captured,
            "captured_amount_paise": captured * 150_000,
            "active_days": np.minimum(attempts, 30),
            "distinct_merchants": rng.integers(1, 10, n),
            "max_attempts_in_a_day": rng.integers(1, 6, n),
            "refunds": refunds,
            "chargebacks": chargebacks,
            "days_since_last_payment": rng.integers(0, 60, n).astype(np.int32),
            "is_defaulted": rng.uniform(size=n) < latent,
        }
    )


def _aml_accounts_and_transfers() -> tuple[pd.DataFrame, pd.DataFrame]:
    accounts = pd.DataFrame(
        {
            "account_id": ["acc_mule", "acc_src1", "acc_src2", "acc_sink"],
            "owner_type": ["customer", "customer", "customer", "customer"],
            "owner_id": ["cust_mule", "cust_s1", "cust_s2", "cust_sink"],
            "holder_name": ["Ramesh Kumar", "Sita Devi", "Anil Shah", "Vikram Rao"],
            "country": ["IN", "IN", "IN", "IN"],
            "date_of_birth": [date(1990, 1, 1)] * 4,
        }
    )
    t0 = datetime(2026, 11, 3, 5, tzinfo=UTC)
    transfers = pd.DataFrame(
        {
            "transfer_id": ["trf_1", "trf_2", "trf_3"],
            "rail": ["upi", "upi", "imps"],
            "created_at": [t0, t0 + timedelta(minutes=5), t0 + timedelta(hours=1)],
            "amount_paise": [4_900_000, 4_800_000, 9_600_000],
            "is_cash": [False, False, False],
            "business_date": [date(2026, 11, 3)] * 3,
            "payer_account_id": ["acc_src1", "acc_src2", "acc_mule"],
            "payee_account_id": ["acc_mule", "acc_mule", "acc_sink"],
        }
    )
    return accounts, transfers


TABLES = {
    "marts.agg_recon_daily": _recon_daily,
    "marts.fct_recon_breaks": _breaks,
    "marts.fct_settlement_recon": _settlements,
    "marts.fct_fee_audit": _fee_audit,
    "marts.fct_bnpl_application_features": _bnpl_features,
}


def write_warehouse(warehouse: Path) -> None:
    manifest, quarantined = _manifest()
    accounts, transfers = _aml_accounts_and_transfers()
    frames = {name: make() for name, make in TABLES.items()}
    frames["ingest.manifest"] = manifest
    frames["ingest.quarantined_rows"] = quarantined
    frames["ingest.file_reports"] = _file_reports(manifest)
    frames["lake.ledger_accounts"] = accounts
    frames["lake.ledger_transfers"] = transfers
    with duckdb.connect(str(warehouse)) as con:
        for name, frame in frames.items():
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.register("_frame", frame)
            con.execute(f"create or replace table {name} as select * from _frame")
            con.unregister("_frame")


def train_two_versions(data_dir: Path, warehouse: Path) -> None:
    """v0001 by the real trainer; v0002 the same files registered again (for side by side)."""
    from risk.credit.service import train_and_register
    from risk.registry import Registry

    registry = Registry(data_dir / "registry")
    trained = train_and_register(REPO / "models" / "bnpl_credit.yaml", warehouse, registry)
    meta = trained.version.metadata
    files = {f: (trained.version.path / f).read_bytes() for f in meta["files"]}
    keep = ("algorithm", "data_hash", "spec_hash", "spec_path", "train_rows", "metrics", "plots")
    registry.register("bnpl_credit", files, {k: meta[k] for k in keep if k in meta})


def publish_alerts(oltp_url: str) -> list[str]:
    from risk.aml import cases

    alerts = pl.DataFrame(
        {
            "alert_id": ["alrt_mule_1", "alrt_struct_2", "alrt_screen_3"],
            "source": ["monitoring", "monitoring", "screening"],
            "entity_type": ["account", "account", "merchant"],
            "entity_id": ["acc_mule", "acc_src1", "mer_001"],
            "business_date": [date(2026, 11, 3)] * 3,
            "risk_score": [0.93, 0.71, 0.88],
            "priority": ["high", "normal", "high"],
            "rules": [["rapid_pass_through", "fan_in"], ["structuring"], ["sanctions_name_match"]],
            "typologies": [["mule", "fan_in"], ["structuring"], ["sanctions"]],
            "amount_paise": [9_700_000, 4_900_000, None],
            "summary": [
                "₹97,000 in from 2 payers and out within an hour",
                "deposits just below the reporting threshold",
                "merchant name matches a UN list entry",
            ],
            "transfer_ids": [["trf_1", "trf_2", "trf_3"], ["trf_1"], []],
        }
    )
    engine = cases.make_engine(oltp_url)
    with cases.session_scope(engine) as session:
        cases.publish_alerts(alerts, session=session, actor="test-batch")
    engine.dispose()
    return alerts["alert_id"].to_list()


def create_users(oltp_url: str) -> None:
    from api.db import Database
    from api.migrate import upgrade
    from api.users.service import create_user

    upgrade(oltp_url)
    db = Database(oltp_url)
    with db.session() as session:
        for username, role in USERS.items():
            create_user(session, username=username, password=PASSWORD, role=role)
    db.dispose()


def build(data_dir: Path) -> str:
    """The whole small world under ``data_dir``; returns its OLTP URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    warehouse = data_dir / "warehouse.duckdb"
    write_warehouse(warehouse)
    train_two_versions(data_dir, warehouse)
    oltp_url = f"sqlite:///{data_dir / 'hisaab.sqlite3'}"
    create_users(oltp_url)
    publish_alerts(oltp_url)
    return oltp_url

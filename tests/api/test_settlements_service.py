"""Settlements on the T+N business-day cycle, with fees, tax, refunds, UTR and recon status."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
from sqlalchemy import update

from api.ledger.check import check_ledger
from api.ledger.service import merchant_balance_paise
from api.payments.models import Payment
from api.refunds.models import Refund
from api.settlements.service import settle_due
from tests.api.conftest import CARD, captured_payment

# Friday 6 Nov 2026 in IST; T+2 business days: Sat 7 Nov (1st Saturday, open), Sun 8, Mon 9 Nov
# (a bank holiday in hisaab/data/bank_holidays.csv), so the money is due on Tue 10 Nov.
CAPTURED_AT = datetime(2026, 11, 6, 6, 0, tzinfo=UTC)


def _backdate(db, payment_id, refund_ids=()):
    with db.session() as s:
        s.execute(update(Payment).where(Payment.id == payment_id).values(captured_at=CAPTURED_AT))
        for rid in refund_ids:
            s.execute(update(Refund).where(Refund.id == rid).values(processed_at=CAPTURED_AT))


@pytest.fixture
def settled(client, merchant, db):
    p = captured_payment(client, merchant, amount=500_000, instrument=CARD)
    r = client.post(
        f"/v1/payments/{p['id']}/refund", json={"amount": 100_000}, headers=merchant.auth
    )
    _backdate(db, p["id"], [r.json()["id"]])
    with db.session() as s:
        assert settle_due(s, as_of=date(2026, 11, 9)) == []  # only T+1 so far: not yet due
    with db.session() as s:
        created = settle_due(s, as_of=date(2026, 11, 10))
        assert len(created) == 1
        setl_id = created[0].id
    return p, r.json(), setl_id


def test_settlement_nets_fees_tax_and_refunds_and_has_a_utr(client, merchant, db, settled):
    p, refund, setl_id = settled
    s = client.get(f"/v1/settlements/{setl_id}", headers=merchant.auth).json()
    assert s["gross_amount"] == 500_000 and s["fees"] == p["fee"] and s["tax"] == p["tax"]
    assert s["refunds"] == 100_000
    assert s["amount"] == 500_000 - p["fee"] - 100_000
    # a NEFT UTR names the sending bank: our nodal HDFC escrow account, not the merchant's ICICI
    assert s["utr"].startswith("HDFCN26314") and len(s["utr"]) == 16
    assert s["settlement_date"] == "2026-11-10"
    with db.read_session() as session:
        assert merchant_balance_paise(session, merchant_id=merchant.id) == 0
        report = check_ledger(session)
    assert report.ok, report.violations


def test_settling_again_pays_nothing_twice(client, merchant, db, settled):
    with db.session() as s:
        assert settle_due(s, as_of=date(2026, 11, 30)) == []


def test_settlement_lists_its_transactions(client, merchant, settled):
    p, refund, setl_id = settled
    txns = client.get(f"/v1/settlements/{setl_id}/transactions", headers=merchant.auth).json()
    kinds = {(i["type"], i["entity_id"]): i for i in txns["items"]}
    assert kinds[("payment", p["id"])]["credit"] == 500_000 - p["fee"]
    assert kinds[("refund", refund["id"])]["debit"] == 100_000
    assert all(i["settlement_utr"] for i in txns["items"])


def test_recon_report_without_a_warehouse_says_so(client, merchant, settled):
    p, _, _ = settled
    report = client.get(
        "/v1/settlements/recon/combined?year=2026&month=11&day=10", headers=merchant.auth
    ).json()
    assert report["count"] == 2 and all(i["recon_status"] is None for i in report["items"])
    recon = client.get(f"/v1/payments/{p['id']}/recon", headers=merchant.auth).json()
    assert recon["available"] is False and "hisaab recon" in recon["message"]


def test_recon_status_is_read_from_the_marts(client, app, merchant, settled, tmp_path):
    p, _, _ = settled
    warehouse = app.state.settings.warehouse
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_payin_recon as select ? as payment_id, 'razorpay' as gateway, "
        "'matched' as match_status, 'gateway_payment_id' as match_rule, 1.0 as match_confidence, "
        "'pay_x' as gateway_payment_id, 500000::bigint as gateway_amount_paise, "
        "0::bigint as gateway_fee_paise, 0::bigint as gateway_tax_paise, "
        "date '2026-11-09' as expected_settlement_date, 'setl_x' as settlement_id, "
        "'UTR1' as settlement_utr, date '2026-11-09' as settlement_date, false as is_settled_late, "
        "'matched' as bank_match_status, 'UTR1' as bank_utr",
        [p["id"]],
    )
    con.close()
    recon = client.get(f"/v1/payments/{p['id']}/recon", headers=merchant.auth).json()
    assert recon["available"] is True
    assert recon["recon"]["match_status"] == "matched"
    assert recon["recon"]["expected_settlement_date"] == "2026-11-09"
    report = client.get(
        "/v1/settlements/recon/combined?year=2026&month=11", headers=merchant.auth
    ).json()
    assert {i["recon_status"] for i in report["items"]} == {"matched"}


def test_bad_recon_report_query_is_422(client, merchant):
    r = client.get("/v1/settlements/recon/combined?year=2026&month=13", headers=merchant.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "month"

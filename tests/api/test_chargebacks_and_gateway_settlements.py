"""Chargebacks and gateway settlements post balanced entries, and the ledger check holds them.

A gateway takes a disputed amount back when the dispute opens and returns it when the merchant
wins; a gateway's settlement clears its receivable into our escrow account net of its charge and
GST. Balances are derived from the entries, and ``check_ledger`` catches a tampered posting.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from api.ledger.check import check_ledger
from api.ledger.models import JournalEntry, LedgerLine
from api.ledger.service import balances, gateway_settlement_lines, merchant_balance_paise
from api.settlements.service import record_gateway_settlement
from tests.api.conftest import CARD, captured_payment


def _entries(db, ref_id):
    with db.read_session() as s:
        rows = s.execute(
            select(JournalEntry.kind, LedgerLine.account, LedgerLine.side, LedgerLine.amount_paise)
            .join(LedgerLine)
            .where(JournalEntry.ref_id == ref_id)
            .order_by(LedgerLine.id)
        ).all()
    return [tuple(r) for r in rows]


def _dispute(client, platform_auth, payment_id, dispute_id="disp_Test0000000001", **kw):
    body = {"payment_id": payment_id, "gateway_dispute_id": dispute_id, "reason_code": "fraud"}
    return client.post("/v1/chargebacks", json={**body, **kw}, headers=platform_auth)


def test_an_opened_chargeback_takes_the_amount_back_from_the_merchant(
    client, merchant, db, platform_auth
):
    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    r = _dispute(client, platform_auth, p["id"], amount=60_000)
    assert r.status_code == 200, r.text
    cb = r.json()
    assert (cb["status"], cb["amount"], cb["gateway"]) == ("open", 60_000, "razorpay")
    payable = f"merchant_payable:{merchant.id}"
    assert _entries(db, cb["id"]) == [
        ("chargeback.opened", payable, "debit", 60_000),
        ("chargeback.opened", "gateway_receivable:razorpay", "credit", 60_000),
    ]
    with db.read_session() as s:
        assert merchant_balance_paise(s, merchant_id=merchant.id) == 100_000 - p["fee"] - 60_000
        report = check_ledger(s)
    assert report.ok, report.violations


def test_the_same_dispute_reported_twice_is_one_chargeback(client, merchant, db, platform_auth):
    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    first = _dispute(client, platform_auth, p["id"]).json()
    again = _dispute(client, platform_auth, p["id"]).json()
    assert again["id"] == first["id"] and first["amount"] == 100_000
    with db.read_session() as s:
        assert s.scalar(select(JournalEntry.id).where(JournalEntry.kind == "chargeback.opened"))
        assert check_ledger(s).ok


def test_disputes_cannot_exceed_what_was_captured_and_not_refunded(client, merchant, platform_auth):
    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    client.post(f"/v1/payments/{p['id']}/refund", json={"amount": 30_000}, headers=merchant.auth)
    r = _dispute(client, platform_auth, p["id"], amount=70_001)
    assert r.status_code == 400
    assert r.json()["error"]["reason"] == "chargeback_amount_exceeds_balance"
    assert _dispute(client, platform_auth, p["id"], amount=70_000).status_code == 200
    r = _dispute(client, platform_auth, p["id"], dispute_id="disp_Test0000000002", amount=100)
    assert r.status_code == 400, "the first dispute holds the rest"


def test_a_won_chargeback_returns_the_amount_and_a_lost_one_keeps_it(
    client, merchant, db, platform_auth
):
    won = _dispute(client, platform_auth, captured_payment(client, merchant, amount=50_000)["id"])
    lost = _dispute(
        client,
        platform_auth,
        captured_payment(client, merchant, amount=70_000)["id"],
        dispute_id="disp_Test0000000002",
    )
    cb_won, cb_lost = won.json()["id"], lost.json()["id"]
    r = client.post(
        f"/v1/chargebacks/{cb_won}/resolve", json={"status": "won"}, headers=platform_auth
    )
    assert r.json()["status"] == "won" and r.json()["resolved_at"]
    r = client.post(
        f"/v1/chargebacks/{cb_lost}/resolve", json={"status": "lost"}, headers=platform_auth
    )
    assert r.json()["status"] == "lost"
    assert [k for k, *_ in _entries(db, cb_won)] == ["chargeback.opened"] * 2 + [
        "chargeback.won"
    ] * 2
    assert [k for k, *_ in _entries(db, cb_lost)] == ["chargeback.opened"] * 2
    r = client.post(
        f"/v1/chargebacks/{cb_won}/resolve", json={"status": "lost"}, headers=platform_auth
    )
    assert r.status_code == 400 and r.json()["error"]["reason"] == "chargeback_status_invalid"
    with db.read_session() as s:
        assert merchant_balance_paise(s, merchant_id=merchant.id) == 50_000  # UPI: zero MDR
        assert check_ledger(s).ok
    assert client.get(f"/v1/chargebacks/{cb_won}", headers=merchant.auth).status_code == 403


def test_only_captured_payments_can_be_disputed(client, merchant, platform_auth):
    from tests.api.conftest import create_order, pay

    authorised = pay(client, merchant, create_order(client, merchant, 10_000)).json()
    r = _dispute(client, platform_auth, authorised["id"])
    assert r.status_code == 400 and r.json()["error"]["reason"] == "payment_not_disputable"
    assert _dispute(client, platform_auth, "pay_00000000000000").status_code == 404


def _settle(db, merchant_id, **kw):
    args = {
        "settlement_id": "setl_Gateway0000001",
        "gateway": "razorpay",
        "merchant_id": merchant_id,
        "bank_source": "bank_hdfc",
        "utr": "HDFCN26335000001",
        "settled_on": date(2026, 12, 1),
        "gross_paise": 200_000,
        "fee_paise": 3_000,
        "tax_paise": 540,
        "refunds_paise": 40_000,
        **kw,
    }
    with db.session() as s:
        return record_gateway_settlement(s, **args)


def test_a_gateway_settlement_clears_the_receivable_into_escrow_net_of_its_charge(db, merchant):
    row = _settle(db, merchant.id)
    assert row.net_paise == 200_000 - 3_000 - 540 - 40_000
    assert _entries(db, row.id) == [
        ("gateway_settlement", "escrow_bank:bank_hdfc", "debit", 156_460),
        ("gateway_settlement", "gateway_fees:razorpay", "debit", 3_000),
        ("gateway_settlement", "gst_input_credit", "debit", 540),
        ("gateway_settlement", "gateway_receivable:razorpay", "credit", 160_000),
    ]
    _settle(db, merchant.id)  # the same batch recorded again: nothing posts twice
    with db.read_session() as s:
        b = balances(s)
        assert sum(b.values()) == 0
        assert b["escrow_bank:bank_hdfc"] == 156_460
        report = check_ledger(s)
    # The receivable was never built up by captures here, but every entry still balances.
    assert report.ok, report.violations


def test_a_settlement_whose_refunds_exceed_its_sales_is_a_recovery_from_escrow():
    lines = gateway_settlement_lines(
        gateway="payu", bank_source="bank_icici", gross_paise=10_000, fee_paise=200,
        tax_paise=36, refunds_paise=50_000, chargebacks_paise=0,
    )  # fmt: skip
    by_account = {(x.account, x.side): x.amount_paise for x in lines}
    assert by_account == {
        ("escrow_bank:bank_icici", "credit"): 40_236,
        ("gateway_fees:payu", "debit"): 200,
        ("gst_input_credit", "debit"): 36,
        ("gateway_receivable:payu", "debit"): 40_000,
    }


@pytest.mark.parametrize("tamper", ["chargeback", "gateway_settlement"])
def test_ledger_check_finds_a_tampered_chargeback_or_settlement_posting(
    client, merchant, db, platform_auth, tamper
):
    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    ref = (
        _dispute(client, platform_auth, p["id"]).json()["id"]
        if tamper == "chargeback"
        else _settle(db, merchant.id).id
    )
    with db.session() as s:
        entry_id = s.scalar(select(JournalEntry.id).where(JournalEntry.ref_id == ref))
        first_line = s.scalar(select(LedgerLine.id).where(LedgerLine.entry_id == entry_id))
        s.execute(
            update(LedgerLine)
            .where(LedgerLine.id == first_line)
            .values(amount_paise=LedgerLine.amount_paise + 1)
        )
    with db.read_session() as s:
        report = check_ledger(s)
    assert not report.ok
    assert any(ref in v for v in report.violations), report.violations


def test_a_dispute_is_deducted_from_the_merchants_settlement_and_paid_back_once_won(
    client, merchant, db, platform_auth
):
    from datetime import UTC, datetime

    from api.chargebacks.models import Chargeback
    from api.payments.models import Payment
    from api.settlements.service import settle_due

    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    cb = _dispute(client, platform_auth, p["id"], amount=30_000).json()
    monday = datetime(2026, 11, 2, 6, tzinfo=UTC)
    with db.session() as s:  # captured and disputed on a Monday: due on Wednesday (T+2)
        s.execute(update(Payment).where(Payment.id == p["id"]).values(captured_at=monday))
        s.execute(update(Chargeback).where(Chargeback.id == cb["id"]).values(created_at=monday))
    with db.session() as s:
        (first,) = settle_due(s, as_of=date(2026, 11, 10), merchant_id=merchant.id)
        assert (first.chargebacks_paise, first.amount_paise) == (
            30_000,
            100_000 - p["fee"] - 30_000,
        )
    r = client.post(
        f"/v1/chargebacks/{cb['id']}/resolve", json={"status": "won"}, headers=platform_auth
    )
    assert r.status_code == 200
    with db.session() as s:
        s.execute(
            update(Chargeback)
            .where(Chargeback.id == cb["id"])
            .values(resolved_at=datetime(2026, 11, 12, 6, tzinfo=UTC))
        )
    with db.session() as s:
        assert settle_due(s, as_of=date(2026, 11, 13), merchant_id=merchant.id) == []  # due 16th
        (back,) = settle_due(s, as_of=date(2026, 11, 20), merchant_id=merchant.id)
        assert (back.gross_paise, back.chargebacks_paise, back.amount_paise) == (0, -30_000, 30_000)
    report = client.get(
        "/v1/settlements/recon/combined", params={"year": 2026, "month": 11}, headers=merchant.auth
    ).json()
    adjustments = [i for i in report["items"] if i["type"] == "adjustment"]
    assert sorted((i["debit"], i["credit"]) for i in adjustments) == [(0, 30_000), (30_000, 0)]
    with db.read_session() as s:
        ledger = check_ledger(s)
        assert merchant_balance_paise(s, merchant_id=merchant.id) == 0, "paid in full, net"
    assert ledger.ok, ledger.violations

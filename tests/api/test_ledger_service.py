"""Every capture, fee, GST and refund posts balanced entries; balances come from entries."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from api.ledger.check import check_ledger
from api.ledger.models import JournalEntry, LedgerLine
from api.ledger.service import Line, UnbalancedEntry, balances, merchant_balance_paise, post_entry
from tests.api.conftest import CARD, UPI, captured_payment


def _entries(db, ref_id):
    with db.read_session() as s:
        rows = s.execute(
            select(JournalEntry.kind, LedgerLine.account, LedgerLine.side, LedgerLine.amount_paise)
            .join(LedgerLine)
            .where(JournalEntry.ref_id == ref_id)
            .order_by(LedgerLine.id)
        ).all()
    return [tuple(r) for r in rows]


def test_card_capture_posts_the_amount_then_fee_and_gst(client, merchant, db):
    p = captured_payment(client, merchant, amount=499_900, instrument=CARD)
    fee, gst = 9_998, 1_800  # 2% of ₹4,999 = ₹99.98; 18% GST = ₹17.9964 → ₹18.00 half up
    assert (p["fee"], p["tax"]) == (fee + gst, gst)
    payable = f"merchant_payable:{merchant.id}"
    assert _entries(db, p["id"]) == [
        ("payment.captured", "gateway_receivable:razorpay", "debit", 499_900),
        ("payment.captured", payable, "credit", 499_900),
        ("payment.fee", payable, "debit", fee + gst),
        ("payment.fee", "fee_revenue", "credit", fee),
        ("payment.fee", "gst_payable", "credit", gst),
    ]
    with db.read_session() as s:
        assert merchant_balance_paise(s, merchant_id=merchant.id) == 499_900 - fee - gst


def test_zero_mdr_upi_posts_no_fee_entry(client, merchant, db):
    p = captured_payment(client, merchant, instrument=UPI)
    assert [k for k, *_ in _entries(db, p["id"])] == ["payment.captured"] * 2


def test_refunds_post_against_the_merchant_and_the_books_stay_balanced(client, merchant, db):
    p = captured_payment(client, merchant, amount=100_000, instrument=CARD)
    r = client.post(
        f"/v1/payments/{p['id']}/refund", json={"amount": 40_000}, headers=merchant.auth
    )
    assert _entries(db, r.json()["id"]) == [
        ("refund.processed", f"merchant_payable:{merchant.id}", "debit", 40_000),
        ("refund.processed", "gateway_receivable:razorpay", "credit", 40_000),
    ]
    with db.read_session() as s:
        b = balances(s)
        report = check_ledger(s)
    assert sum(b.values()) == 0
    assert b["gateway_receivable:razorpay"] == 60_000
    assert report.ok, report.violations
    assert report.total_debits_paise == report.total_credits_paise


def test_post_entry_refuses_unbalanced_or_non_positive_lines(db, merchant):
    with db.session() as s, pytest.raises(UnbalancedEntry):
        post_entry(
            s,
            merchant_id=merchant.id,
            kind="test",
            ref_type="test",
            ref_id="x",
            description="unbalanced",
            lines=[Line("a", "debit", 100), Line("b", "credit", 99)],
        )
    with db.session() as s, pytest.raises(UnbalancedEntry):
        post_entry(
            s,
            merchant_id=merchant.id,
            kind="test",
            ref_type="test",
            ref_id="y",
            description="zero",
            lines=[Line("a", "debit", 0), Line("b", "credit", 0)],
        )


def test_a_capture_cannot_be_posted_twice(client, merchant, db):
    from sqlalchemy.exc import IntegrityError

    from api.ledger.service import post_capture

    p = captured_payment(client, merchant, amount=10_000)
    with pytest.raises(IntegrityError), db.session() as s:
        post_capture(
            s,
            merchant_id=merchant.id,
            payment_id=p["id"],
            gateway="razorpay",
            amount_paise=10_000,
            fee_paise=0,
            gst_paise=0,
        )


def test_ledger_check_finds_a_tampered_line(client, merchant, db):
    p = captured_payment(client, merchant, amount=10_000, instrument=CARD)
    with db.session() as s:
        entry_id = s.scalar(
            select(JournalEntry.id).where(
                JournalEntry.ref_id == p["id"], JournalEntry.kind == "payment.captured"
            )
        )
        s.execute(
            update(LedgerLine)
            .where(LedgerLine.entry_id == entry_id, LedgerLine.side == "credit")
            .values(amount_paise=9_000)
        )
    with db.read_session() as s:
        report = check_ledger(s)
    assert not report.ok
    text = "\n".join(report.violations)
    assert "debits 10000 != credits 9000" in text
    assert "books do not balance" in text
    assert f"merchant {merchant.id}" in text


def test_ledger_check_command_exits_1_on_violations(client, merchant, db, monkeypatch):
    from api.cli import api_app

    captured_payment(client, merchant, amount=10_000, instrument=CARD)
    url = db.url
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HISAAB_DATA_DIR", "/nonexistent-not-used")
    from hisaab.settings import get_settings

    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(api_app, ["ledger-check", "--json"])
        assert ok.exit_code == 0, ok.output
        assert json.loads(ok.output)["ok"] is True
        with db.session() as s:
            s.execute(
                update(LedgerLine).where(LedgerLine.account == "fee_revenue").values(amount_paise=1)
            )
        bad = CliRunner().invoke(api_app, ["ledger-check"])
        assert bad.exit_code == 1 and "VIOLATION" in bad.output
    finally:
        get_settings.cache_clear()

"""Orders → payments → capture → refunds, with statuses and amounts enforced."""

from __future__ import annotations

import pytest

from tests.api.conftest import (
    CARD,
    NETBANKING,
    UPI,
    WALLET,
    captured_payment,
    create_order,
    pay,
)
from tests.api.fakes import REFUND_FAIL_AMOUNT
from tests.api.test_errors_and_health import assert_razorpay_error


@pytest.mark.parametrize("instrument", [UPI, CARD, NETBANKING, WALLET], ids=lambda i: i["method"])
def test_each_method_is_authorised_then_captured_with_mdr_and_gst(client, merchant, instrument):
    p = captured_payment(client, merchant, amount=499_900, instrument=instrument)
    assert p["status"] == "captured" and p["captured"] is True
    mdr = {"upi": 0, "card": 200, "netbanking": 190, "wallet": 175}[instrument["method"]]
    fee = (499_900 * mdr * 2 + 10_000) // 20_000  # half up
    gst = (fee * 18 * 2 + 100) // 200
    assert (p["fee"], p["tax"]) == (fee + gst, gst)
    order = client.get(f"/v1/orders/{p['order_id']}", headers=merchant.auth).json()
    assert order["status"] == "paid" and order["amount_due"] == 0 and order["attempts"] == 1


def test_payment_records_the_routing_decision(client, merchant, gateway, db):
    order = create_order(client, merchant)
    r = pay(client, merchant, order)
    assert r.json()["gateway"] == "razorpay"
    from api.payments.models import Payment

    with db.read_session() as s:
        assert "only razorpay" in s.get(Payment, r.json()["id"]).routing_reason
    assert gateway.outcomes == [("razorpay", "upi", True)]


def test_declined_payment_is_failed_with_the_gateways_error(client, merchant):
    order = create_order(client, merchant)
    r = pay(client, merchant, order, {"method": "upi", "vpa": "decline@okaxis"})
    body = r.json()
    assert r.status_code == 200 and body["status"] == "failed"
    assert body["error_code"] == "BAD_REQUEST_ERROR" and body["error_source"] == "gateway"
    # The order can still be paid by another attempt.
    assert pay(client, merchant, order).json()["status"] == "authorized"
    assert client.get(f"/v1/orders/{order['id']}", headers=merchant.auth).json()["attempts"] == 2


def test_unknown_gateway_outcome_is_pending_and_never_retried(client, merchant, gateway):
    order = create_order(client, merchant)
    r = pay(client, merchant, order, {"method": "upi", "vpa": "timeout@okaxis"})
    payment = r.json()
    assert payment["status"] == "pending"
    assert [c for c in gateway.calls if c[0] == "authorize"] == [("authorize", payment["id"])]
    checked = client.post(f"/v1/payments/{payment['id']}/status_check", headers=merchant.auth)
    assert checked.json()["status"] == "authorized"
    assert len([c for c in gateway.calls if c[0] == "authorize"]) == 1


def test_capture_of_a_failed_payment_is_refused_with_allowed_moves(client, merchant):
    order = create_order(client, merchant)
    p = pay(client, merchant, order, {"method": "upi", "vpa": "decline@okaxis"}).json()
    r = client.post(
        f"/v1/payments/{p['id']}/capture", json={"amount": p["amount"]}, headers=merchant.auth
    )
    err = assert_razorpay_error(r, 400)
    assert err["reason"] == "invalid_status_transition" and "failed" in err["description"]


def test_capturing_twice_is_refused(client, merchant):
    p = captured_payment(client, merchant)
    r = client.post(
        f"/v1/payments/{p['id']}/capture", json={"amount": p["amount"]}, headers=merchant.auth
    )
    assert assert_razorpay_error(r, 400)["reason"] == "invalid_status_transition"


def test_capture_amount_must_equal_the_authorised_amount(client, merchant):
    order = create_order(client, merchant, 10_000)
    p = pay(client, merchant, order).json()
    r = client.post(
        f"/v1/payments/{p['id']}/capture", json={"amount": 9_999}, headers=merchant.auth
    )
    assert assert_razorpay_error(r, 400)["field"] == "amount"


def test_payment_amount_must_match_the_order_due(client, merchant):
    order = create_order(client, merchant, 10_000)
    r = pay(client, merchant, order, amount=9_000)
    err = assert_razorpay_error(r, 400)
    assert err["reason"] == "amount_mismatch" and err["metadata"]["amount_due"] == 10_000


def test_a_paid_order_takes_no_more_payments(client, merchant):
    p = captured_payment(client, merchant, amount=10_000)
    order = client.get(f"/v1/orders/{p['order_id']}", headers=merchant.auth).json()
    r = pay(client, merchant, {**order, "amount_due": 10_000})
    assert assert_razorpay_error(r, 400)["reason"] == "order_already_paid"


def test_partial_refunds_add_up_to_a_full_refund(client, merchant):
    p = captured_payment(client, merchant, amount=100_000)
    r1 = client.post(
        f"/v1/payments/{p['id']}/refund", json={"amount": 30_000}, headers=merchant.auth
    )
    assert r1.status_code == 200 and r1.json()["status"] == "processed"
    after1 = client.get(f"/v1/payments/{p['id']}", headers=merchant.auth).json()
    assert (after1["status"], after1["refund_status"], after1["amount_refunded"]) == (
        "captured",
        "partial",
        30_000,
    )
    r2 = client.post(f"/v1/payments/{p['id']}/refund", json={}, headers=merchant.auth)
    assert r2.json()["amount"] == 70_000
    after2 = client.get(f"/v1/payments/{p['id']}", headers=merchant.auth).json()
    assert (after2["status"], after2["refund_status"], after2["amount_refunded"]) == (
        "refunded",
        "full",
        100_000,
    )
    listed = client.get(f"/v1/payments/{p['id']}/refunds", headers=merchant.auth).json()
    assert listed["count"] == 2
    one = client.get(f"/v1/refunds/{r1.json()['id']}", headers=merchant.auth).json()
    assert one["payment_id"] == p["id"] and one["amount"] == 30_000


def test_refund_above_the_refundable_balance_is_refused(client, merchant):
    p = captured_payment(client, merchant, amount=100_000)
    client.post(f"/v1/payments/{p['id']}/refund", json={"amount": 60_000}, headers=merchant.auth)
    r = client.post(
        f"/v1/payments/{p['id']}/refund", json={"amount": 40_001}, headers=merchant.auth
    )
    err = assert_razorpay_error(r, 400)
    assert (
        err["reason"] == "refund_amount_exceeds_balance" and err["metadata"]["refundable"] == 40_000
    )


def test_refund_of_an_uncaptured_payment_is_refused(client, merchant):
    order = create_order(client, merchant)
    p = pay(client, merchant, order).json()
    r = client.post(f"/v1/payments/{p['id']}/refund", json={}, headers=merchant.auth)
    assert assert_razorpay_error(r, 400)["reason"] == "payment_not_refundable"


def test_failed_refund_releases_its_reserve(client, merchant):
    p = captured_payment(client, merchant, amount=100_000)
    r = client.post(
        f"/v1/payments/{p['id']}/refund", json={"amount": REFUND_FAIL_AMOUNT}, headers=merchant.auth
    )
    assert r.json()["status"] == "failed"
    after = client.get(f"/v1/payments/{p['id']}", headers=merchant.auth).json()
    assert after["amount_refunded"] == 0 and after["refund_status"] is None


def test_lists_are_scoped_paginated_and_newest_first(client, merchant, other_merchant):
    ids = [create_order(client, merchant, 1000 + i)["id"] for i in range(3)]
    create_order(client, other_merchant)
    page = client.get("/v1/orders?count=2", headers=merchant.auth).json()
    assert page["entity"] == "collection" and page["count"] == 2
    rest = client.get("/v1/orders?count=2&skip=2", headers=merchant.auth).json()
    seen = [o["id"] for o in page["items"] + rest["items"]]
    assert sorted(seen) == sorted(ids)

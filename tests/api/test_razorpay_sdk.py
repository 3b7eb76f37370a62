"""The official Razorpay Python SDK works against a real uvicorn process serving this API."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import razorpay
from razorpay.errors import BadRequestError
from sqlalchemy import update

from api.auth.service import issue_key
from api.payments.models import Payment
from api.refunds.models import Refund
from api.settlements.service import settle_due
from tests.api.conftest import VALID_MERCHANT
from tests.api.server import running_api


@pytest.fixture
def sdk(db, tmp_path):
    with db.session() as s:
        platform = issue_key(s, merchant_id=None, scope="platform")
    with running_api(db.url, tmp_path) as base:
        onboarded = httpx.post(
            f"{base}/v1/merchants",
            json=VALID_MERCHANT,
            auth=(platform.key_id, platform.key_secret),
        ).json()
        client = razorpay.Client(
            auth=(onboarded["key"]["id"], onboarded["key"]["secret"]), base_url=base
        )
        yield client


def test_orders_payments_refunds_and_settlements_through_the_sdk(sdk, db):
    """One server start per backend (uvicorn takes seconds to import), so one long story."""
    order = sdk.order.create({"amount": 250_000, "currency": "INR", "receipt": "rcpt-42"})
    assert order["entity"] == "order" and order["status"] == "created"
    assert sdk.order.fetch(order["id"])["receipt"] == "rcpt-42"
    all_orders = sdk.order.all({"count": 10})
    assert all_orders["count"] == 1 and all_orders["items"][0]["id"] == order["id"]

    payment = sdk.payment.createPaymentJson(
        {
            "order_id": order["id"],
            "amount": 250_000,
            "currency": "INR",
            "method": "card",
            "token": "token_4lx9XhY2Jq0aZb",
        }
    )
    assert payment["status"] == "authorized", payment
    assert sdk.payment.fetch(payment["id"])["status"] == "authorized"
    captured = sdk.payment.capture(payment["id"], 250_000, {"currency": "INR"})
    assert captured["status"] == "captured" and captured["fee"] > 0
    refund = sdk.payment.refund(payment["id"], {"amount": 50_000})
    assert refund["entity"] == "refund" and refund["status"] == "processed"
    assert sdk.refund.fetch(refund["id"])["amount"] == 50_000
    assert sdk.payment.fetch(payment["id"])["amount_refunded"] == 50_000
    assert sdk.order.fetch(order["id"])["status"] == "paid"

    with pytest.raises(BadRequestError, match="more than what is left to refund"):
        sdk.payment.refund(payment["id"], {"amount": 500_000})

    friday = datetime(2026, 11, 6, 6, tzinfo=UTC)
    with db.session() as s:
        s.execute(update(Payment).where(Payment.id == payment["id"]).values(captured_at=friday))
        s.execute(update(Refund).where(Refund.id == refund["id"]).values(processed_at=friday))
    with db.session() as s:
        (settlement,) = settle_due(s, as_of=date(2026, 11, 10))
    settlements = sdk.settlement.all()
    assert settlements["count"] == 1 and settlements["items"][0]["id"] == settlement.id
    fetched = sdk.settlement.fetch(settlement.id)
    assert fetched["amount"] == 250_000 - captured["fee"] - 50_000 and fetched["utr"]
    report = sdk.settlement.report({"year": 2026, "month": 11, "day": 10})
    assert {(i["type"], i["entity_id"]) for i in report["items"]} == {
        ("payment", payment["id"]),
        ("refund", refund["id"]),
    }

    # Errors reach the SDK in Razorpay's shape, so it raises its own exception types.
    with pytest.raises(BadRequestError, match="does not exist"):
        sdk.order.fetch("order_00000000000000")

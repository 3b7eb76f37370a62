"""A merchant never sees or changes another merchant's objects: 404, on every route."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from api.app import API_PREFIX, _routers
from api.payments.models import Payment
from api.settlements.service import settle_due
from tests.api.conftest import captured_payment, create_order, pay
from tests.api.test_errors_and_health import assert_razorpay_error

ROUTES = sorted(
    (method, API_PREFIX + route.path)
    for router in _routers()
    for route in router.routes
    for method in route.methods
)
# Finance's break workflow and the gateways' chargebacks are platform-only: a merchant's key
# gets 403 there (tested below).
PLATFORM_ONLY = [r for r in ROUTES if r[1].startswith(("/v1/recon/", "/v1/chargebacks"))]
ROUTES_WITH_IDS = [r for r in ROUTES if "{" in r[1] and r not in PLATFORM_ONLY]
LIST_ROUTES = [
    r
    for r in ROUTES
    if "{" not in r[1] and r[0] == "GET" and not r[1].endswith("/me") and r not in PLATFORM_ONLY
]

# A valid body per route with a body, so validation cannot answer before the ownership check.
BODIES = {
    "capture": {"amount": 10_000, "currency": "INR"},
    "refund": {"amount": 1_000},
    "rotate": {"overlap_seconds": 60},
}


@pytest.fixture
def victim_objects(client, other_merchant, db):
    paid = captured_payment(client, other_merchant, amount=10_000)
    refund = client.post(
        f"/v1/payments/{paid['id']}/refund", json={"amount": 1_000}, headers=other_merchant.auth
    ).json()
    settled = captured_payment(client, other_merchant, amount=20_000)
    with db.session() as s:
        s.execute(
            update(Payment)
            .where(Payment.id == settled["id"])
            .values(captured_at=datetime(2026, 11, 2, 6, tzinfo=UTC))
        )
    with db.session() as s:
        (settlement,) = settle_due(s, as_of=date(2026, 11, 10), merchant_id=other_merchant.id)
    authorised = pay(client, other_merchant, create_order(client, other_merchant, 10_000)).json()
    return {
        "order_id": paid["order_id"],
        "payment_id": authorised["id"],  # capturable, refundable after capture: the worst case
        "captured_payment_id": paid["id"],
        "refund_id": refund["id"],
        "merchant_id": other_merchant.id,
        "key_id": other_merchant.key_id,
        "settlement_id": settlement.id,
    }


def test_the_route_table_is_covered():
    params = {p for _, path in ROUTES_WITH_IDS for p in re.findall(r"{(\w+)}", path)}
    known = {"order_id", "payment_id", "refund_id", "merchant_id", "key_id", "settlement_id"}
    assert params <= known, params


@pytest.mark.parametrize(
    ("method", "path"), ROUTES_WITH_IDS, ids=[f"{m} {p}" for m, p in ROUTES_WITH_IDS]
)
def test_another_merchants_object_is_404_on(client, merchant, victim_objects, method, path):
    ids = dict(victim_objects)
    if path.endswith("/refund") or "/refunds" in path:
        ids["payment_id"] = victim_objects["captured_payment_id"]
    url = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], path)
    body = next((b for k, b in BODIES.items() if path.endswith(k)), None)
    r = client.request(method, url, json=body, headers=merchant.auth)
    assert_razorpay_error(r, 404)


@pytest.mark.parametrize(("method", "path"), LIST_ROUTES, ids=[f"{m} {p}" for m, p in LIST_ROUTES])
def test_lists_show_only_the_callers_objects(client, merchant, victim_objects, method, path):
    params = {"year": 2026, "month": 11} if path.endswith("/recon/combined") else None
    r = client.request(method, path, params=params, headers=merchant.auth)
    assert r.status_code == 200, r.text
    text = r.text
    for value in victim_objects.values():
        assert value not in text


def test_paying_another_merchants_order_is_404(client, merchant, victim_objects):
    order = {"id": victim_objects["order_id"], "amount_due": 10_000}
    assert_razorpay_error(pay(client, merchant, order), 404)


def test_victims_objects_are_untouched_after_the_attempts(
    client, merchant, other_merchant, victim_objects
):
    for method, path in ROUTES_WITH_IDS:
        url = re.sub(r"{(\w+)}", lambda m: victim_objects[m.group(1)], path)
        body = next((b for k, b in BODIES.items() if path.endswith(k)), None)
        client.request(method, url, json=body, headers=merchant.auth)
    p = client.get(f"/v1/payments/{victim_objects['payment_id']}", headers=other_merchant.auth)
    assert p.json()["status"] == "authorized"
    c = client.get(
        f"/v1/payments/{victim_objects['captured_payment_id']}", headers=other_merchant.auth
    )
    assert c.json()["amount_refunded"] == 1_000
    assert client.get("/v1/orders", headers=other_merchant.auth).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"), PLATFORM_ONLY, ids=[f"{m} {p}" for m, p in PLATFORM_ONLY]
)
def test_a_merchant_key_cannot_use_finance_routes(client, merchant, method, path):
    url = path.replace("{break_id}", "brk_0123456789abcdef").replace(
        "{chargeback_id}", "chb_0123456789abcd"
    )
    r = client.request(
        method, url, json={"reason": "x", "assignee": "x", "comment": "x"}, headers=merchant.auth
    )
    assert_razorpay_error(r, 403)

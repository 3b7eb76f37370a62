"""Idempotency-Key: a retry replays, a different body is refused, a duplicate in flight waits."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from api.idempotency.models import IdempotencyKey
from api.idempotency.service import purge_expired
from api.ledger.models import JournalEntry, LedgerLine
from api.payments.models import Payment
from tests.api.conftest import UPI, create_order
from tests.api.test_errors_and_health import assert_razorpay_error


def _post(client, merchant, path, body, key):
    return client.post(path, json=body, headers={**merchant.auth, "Idempotency-Key": key})


def test_same_key_and_body_replays_the_first_response(client, merchant):
    first = _post(client, merchant, "/v1/orders", {"amount": 5_000, "receipt": "r-1"}, "k-1")
    again = _post(client, merchant, "/v1/orders", {"receipt": "r-1", "amount": 5_000}, "k-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert client.get("/v1/orders", headers=merchant.auth).json()["count"] == 1


def test_errors_are_replayed_too(client, merchant):
    order = create_order(client, merchant, 10_000)
    body = {"order_id": order["id"], "amount": 9_999, **UPI}
    first = _post(client, merchant, "/v1/payments/create/json", body, "k-err")
    assert_razorpay_error(first, 400)
    again = _post(client, merchant, "/v1/payments/create/json", body, "k-err")
    assert again.status_code == 400 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


def test_same_key_with_a_different_body_is_422(client, merchant):
    _post(client, merchant, "/v1/orders", {"amount": 5_000}, "k-2")
    r = _post(client, merchant, "/v1/orders", {"amount": 5_001}, "k-2")
    err = assert_razorpay_error(r, 422)
    assert err["reason"] == "idempotency_key_reused" and err["field"] == "Idempotency-Key"


def test_same_key_on_a_different_path_is_422(client, merchant):
    _post(client, merchant, "/v1/orders", {"amount": 5_000}, "k-3")
    r = _post(client, merchant, "/v1/keys/whatever/rotate", {"amount": 5_000}, "k-3")
    assert_razorpay_error(r, 422)


def test_keys_belong_to_one_merchant(client, merchant, other_merchant):
    a = _post(client, merchant, "/v1/orders", {"amount": 5_000}, "shared")
    b = _post(client, other_merchant, "/v1/orders", {"amount": 5_000}, "shared")
    assert a.status_code == b.status_code == 200 and a.json()["id"] != b.json()["id"]


def test_unauthenticated_requests_store_nothing_under_the_key(client, merchant, db):
    r = client.post("/v1/orders", json={"amount": 5_000}, headers={"Idempotency-Key": "k-4"})
    assert_razorpay_error(r, 401)
    assert _post(client, merchant, "/v1/orders", {"amount": 5_000}, "k-4").status_code == 200


def test_an_invalid_key_is_400(client, merchant):
    err = assert_razorpay_error(
        _post(client, merchant, "/v1/orders", {"amount": 500}, "x" * 256), 400
    )
    assert err["reason"] == "invalid_idempotency_key"


def test_keys_are_kept_24_hours_and_purged_after(client, merchant, db):
    _post(client, merchant, "/v1/orders", {"amount": 5_000}, "k-5")
    with db.read_session() as s:
        row = s.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "k-5"))
    assert row.expires_at - row.created_at >= timedelta(hours=24)
    assert purge_expired(db) == 0
    with db.session() as s:
        s.get(IdempotencyKey, row.id).expires_at = row.created_at
    assert purge_expired(db) == 1


class BlockingPort:
    """Authorisation waits until the test releases it, so a duplicate arrives mid-flight."""

    def __init__(self, inner):
        self.inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def authorize(self, gateway, ctx):
        self.entered.set()
        assert self.release.wait(30)
        return self.inner.authorize(gateway, ctx)


def test_a_duplicate_while_the_first_is_in_flight_is_409(client, app, merchant, gateway):
    order = create_order(client, merchant, 10_000)
    body = {"order_id": order["id"], "amount": 10_000, **UPI}
    port = BlockingPort(gateway)
    app.state.gateway_port = port
    results = {}
    t = threading.Thread(
        target=lambda: results.setdefault(
            "first", _post(client, merchant, "/v1/payments/create/json", body, "k-6")
        )
    )
    t.start()
    assert port.entered.wait(30)
    dup = _post(client, merchant, "/v1/payments/create/json", body, "k-6")
    err = assert_razorpay_error(dup, 409)
    assert err["reason"] == "idempotency_key_in_flight"
    port.release.set()
    t.join(30)
    assert results["first"].status_code == 200
    replay = _post(client, merchant, "/v1/payments/create/json", body, "k-6")
    assert replay.json() == results["first"].json()


async def _storm(app, merchant, path, body, key, n):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        headers = {**merchant.auth, "Idempotency-Key": key}
        return await asyncio.gather(*(c.post(path, json=body, headers=headers) for _ in range(n)))


@pytest.mark.parametrize("n", [200])
def test_200_concurrent_requests_with_one_key_make_one_payment_and_one_ledger_posting(
    client, app, merchant, gateway, db, n
):
    order = create_order(client, merchant, 250_000)
    body = {
        "order_id": order["id"],
        "amount": 250_000,
        "method": "card",
        "token": "token_4lx9XhY2Jq0aZb",
    }
    created = asyncio.run(_storm(app, merchant, "/v1/payments/create/json", body, "pay-once", n))
    statuses = {r.status_code for r in created}
    print("create:", {s: sum(r.status_code == s for r in created) for s in statuses})
    assert statuses <= {200, 409}, statuses
    oks = [r.json() for r in created if r.status_code == 200]
    assert oks and all(o == oks[0] for o in oks)
    payment_id = oks[0]["id"]
    capture = {"amount": 250_000, "currency": "INR"}
    captured = asyncio.run(
        _storm(app, merchant, f"/v1/payments/{payment_id}/capture", capture, "capture-once", n)
    )
    assert {r.status_code for r in captured} <= {200, 409}
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        entries = s.scalars(
            select(JournalEntry.kind).where(JournalEntry.ref_id == payment_id)
        ).all()
        lines = s.scalar(select(func.count()).select_from(LedgerLine))
    assert sorted(entries) == ["payment.captured", "payment.fee"]
    assert lines == 5
    assert [c[0] for c in gateway.calls] == ["authorize", "capture"]

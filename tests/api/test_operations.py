"""Rate limits per key (in process and in Redis), Prometheus metrics, masked request logs."""

from __future__ import annotations

import json
import logging
import secrets

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.operations.masking import mask_text
from api.operations.ratelimit import InProcessLimiter, RateLimit, RedisLimiter
from hisaab.settings import Settings
from tests.api.conftest import UPI, captured_payment, create_order, onboard, pay
from tests.api.test_errors_and_health import assert_razorpay_error


def _limited_client(db, gateway, tmp_path, redis_url=None):
    app = create_app(
        Settings(data_dir=tmp_path, redis_url=redis_url),
        database=db,
        gateway_port=gateway,
        migrate=False,
        rate_limit=RateLimit(rate_per_s=1, burst=5),
    )
    return TestClient(app)


@pytest.mark.parametrize("store", ["in_process", "redis"])
def test_a_key_over_its_burst_gets_429_with_retry_after(
    db, gateway, tmp_path, platform_auth, store
):
    redis_url = "redis://127.0.0.1:6379/0" if store == "redis" else None
    if redis_url:
        redis.Redis.from_url(redis_url).ping()  # Redis must be running for this test
    with _limited_client(db, gateway, tmp_path, redis_url) as c:
        m = onboard(c, platform_auth)
        other = onboard(c, platform_auth, pan="AAAFB1234C", gstin=None)
        codes = [c.get("/v1/orders", headers=m.auth).status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429
        r = c.get("/v1/orders", headers=m.auth)
        err = assert_razorpay_error(r, 429)
        assert err["reason"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        assert c.get("/v1/orders", headers=other.auth).status_code == 200  # per key


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    limiter = InProcessLimiter(RateLimit(rate_per_s=2, burst=2), clock=lambda: now[0])
    assert [limiter.hit("k").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("k").retry_after_s == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.hit("k").allowed and not limiter.hit("k").allowed


def test_redis_buckets_are_shared_between_limiters():
    key = f"test-{secrets.token_hex(4)}"
    a = RedisLimiter(RateLimit(rate_per_s=0.001, burst=3), "redis://127.0.0.1:6379/0")
    b = RedisLimiter(RateLimit(rate_per_s=0.001, burst=3), "redis://127.0.0.1:6379/0")
    assert [a.hit(key).allowed, b.hit(key).allowed, a.hit(key).allowed] == [True] * 3
    assert not b.hit(key).allowed


def test_metrics_need_a_platform_key_and_count_requests_routing_and_backlog(
    client, merchant, platform_auth
):
    captured_payment(client, merchant)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=merchant.auth).status_code == 403
    text = client.get("/metrics", headers=platform_auth).text
    assert 'hisaab_api_requests_total{method="POST",route="/v1/orders",status="200"} 1.0' in text
    assert 'hisaab_routing_decisions_total{gateway="razorpay",method="upi"} 1.0' in text
    assert (
        'hisaab_gateway_outcomes_total{gateway="razorpay",method="upi",outcome="success"} 1.0'
        in text
    )
    assert 'hisaab_webhook_events{state="pending"} 2.0' in text  # authorized + captured
    assert "hisaab_api_request_duration_seconds_bucket" in text


def test_request_logs_mask_personal_data_and_never_carry_secrets(client, merchant, caplog):
    order = create_order(client, merchant)
    with caplog.at_level(logging.INFO, logger="hisaab.api.requests"):
        pay(client, merchant, order, UPI, email="asha.verma@example.com", contact="+919876543210")
        client.get(
            "/v1/orders?email=asha.verma@example.com&vpa=asha.verma@okhdfcbank",
            headers=merchant.auth,
        )
    lines = [r for r in caplog.records if r.name == "hisaab.api.requests"]
    assert lines
    dumped = json.dumps([r.fields for r in lines])
    for secret in ("asha.verma", "9876543210", merchant.secret, merchant.key_id):
        assert secret not in dumped
    assert any(r.fields["route"] == "/v1/payments/create/json" for r in lines)


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("mail asha.verma@example.com", "asha.verma"),
        ("vpa ravi.k@ybl", "ravi.k"),
        ("card 4111 1111 1111 1111", "4111 1111 1111"),
        ("phone +919876543210", "98765"),
        ("key_secret=abc123&x=1", "abc123"),
    ],
)
def test_masking_hides_personal_data(text, hidden):
    assert hidden not in mask_text(text)

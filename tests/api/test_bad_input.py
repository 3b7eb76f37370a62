"""Bad input gets a precise 4xx naming the field; nothing is created."""

from __future__ import annotations

import pytest

from tests.api.conftest import create_order, pay
from tests.api.test_errors_and_health import assert_razorpay_error


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"amount": -100}, "amount", "greater_than_equal"),
        ({"amount": 0}, "amount", "greater_than_equal"),
        ({"amount": 99}, "amount", "greater_than_equal"),
        ({"amount": 10**15}, "amount", "less_than_equal"),
        ({"amount": "500"}, "amount", "int_type"),
        ({"amount": 500.0}, "amount", "int_type"),
        ({"amount": True}, "amount", "int_type"),
        ({"amount": 500, "currency": "USD"}, "currency", "literal_error"),
        ({"amount": 500, "currency": "inr"}, "currency", "literal_error"),
        ({"amount": 500, "receipt": "r" * 41}, "receipt", "string_too_long"),
        ({"amount": 500, "coupon": "FREE"}, "coupon", "extra_forbidden"),
        ({"amount": 500, "notes": {f"k{i}": "v" for i in range(16)}}, "notes", "value_error"),
        ({"amount": 500, "notes": {"k": "v" * 257}}, "notes", "value_error"),
        ({}, "amount", "missing"),
    ],
)
def test_order_payload_errors_name_the_field(client, merchant, body, field, reason):
    r = client.post("/v1/orders", json=body, headers=merchant.auth)
    err = assert_razorpay_error(r, 422)
    assert (err["field"], err["reason"]) == (field, reason), err
    assert client.get("/v1/orders", headers=merchant.auth).json()["count"] == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"card": {"number": "4111111111111111", "cvv": "123"}},
        {"notes": {"memo": "4111 1111 1111 1111"}},
        {"contact": "4111111111111111"},
        {"email": "5500-0000-0000-0004@example.com"},
    ],
    ids=["card-object", "in-notes", "as-contact", "dashed-in-email"],
)
def test_anything_that_looks_like_a_card_number_is_refused_and_not_echoed(client, merchant, extra):
    order = create_order(client, merchant)
    r = pay(client, merchant, order, {"method": "card", "token": "token_4lx9XhY2Jq0aZb"}, **extra)
    err = assert_razorpay_error(r, 422)
    assert err["reason"] == "card_number_not_accepted"
    assert "4111" not in r.text and "5500" not in r.text
    assert client.get("/v1/payments", headers=merchant.auth).json()["count"] == 0


@pytest.mark.parametrize(
    "notes",
    [{"ref": "4234567812345678"}, {"rrn": "400012345676"}, {"phone": "+919876543210"}],
    ids=["16-digits-bad-luhn", "12-digit-rrn", "phone"],
)
def test_numbers_that_are_not_card_numbers_pass(client, merchant, notes):
    order = create_order(client, merchant)
    r = pay(client, merchant, order, notes=notes)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("instrument", "field", "reason"),
    [
        ({"method": "upi"}, "vpa", "instrument_missing"),
        ({"method": "upi", "vpa": "no-at-sign"}, "vpa", "value_error"),
        ({"method": "card", "token": "4111111111111111"}, None, "card_number_not_accepted"),
        ({"method": "card", "token": "tok_short"}, "token", "string_pattern_mismatch"),
        ({"method": "netbanking", "bank": "hdfc"}, "bank", "string_pattern_mismatch"),
        ({"method": "wallet", "wallet": "bitcoin"}, "wallet", "literal_error"),
        ({"method": "upi", "vpa": "a@ybl", "bank": "HDFC"}, "bank", "instrument_mismatch"),
        ({"method": "cash"}, "method", "literal_error"),
    ],
)
def test_payment_instrument_errors_name_the_field(client, merchant, instrument, field, reason):
    order = create_order(client, merchant)
    r = pay(client, merchant, order, instrument)
    err = assert_razorpay_error(r, 422)
    assert err["reason"] == reason, err
    if field:
        assert err["field"] == field, err


def test_payment_for_an_unknown_order_is_404(client, merchant):
    r = pay(client, merchant, {"id": "order_00000000000000", "amount_due": 500})
    assert assert_razorpay_error(r, 404)["field"] == "id"


def test_bad_pagination_is_422(client, merchant):
    err = assert_razorpay_error(client.get("/v1/orders?count=101", headers=merchant.auth), 422)
    assert err["field"] == "count"


def test_a_time_filter_past_year_9999_is_422_not_a_server_error(client, merchant):
    # Found by schemathesis: from=253402300800 (10000-01-01) overflowed the date type: a 500.
    err = assert_razorpay_error(
        client.get("/v1/orders?from=253402300800", headers=merchant.auth), 422
    )
    assert err["field"] == "from"
    last = client.get("/v1/orders?from=0&to=253402300799", headers=merchant.auth)
    assert last.status_code == 200, last.text

"""Gateway callbacks: each gateway's own format verifies, parses, and refuses tampering."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from api.gateways.base import WebhookRejected
from api.gateways.ccavenue import decrypt, encrypt
from api.gateways.faults import FaultConfig, FaultRates
from tests.api.gateways.conftest import World, make_world, request

GATEWAYS = ("razorpay", "payu", "ccavenue")


@pytest.mark.parametrize("name", GATEWAYS)
def test_captured_and_refunded_callbacks_parse_to_the_same_event_for_every_gateway(
    world: World, name: str
) -> None:
    gw = world.gateways[name]
    req = request("upi", amount_paise=1_999_99)
    auth = gw.authorize(req)
    gw.capture(auth.gateway_payment_id or "", req.amount_paise)
    headers, body = gw.render_webhook(auth.gateway_payment_id or "")
    ev = gw.parse_webhook(headers, body)
    assert (ev.event_type, ev.state) == ("payment.captured", "captured")
    assert (ev.gateway_payment_id, ev.payment_id) == (auth.gateway_payment_id, req.payment_id)
    assert ev.amount_paise == 1_999_99 and ev.rrn == auth.rrn
    gw.refund(auth.gateway_payment_id or "", 50_00, "rfnd_Callback01")
    ev = gw.parse_webhook(*gw.render_webhook("rfnd_Callback01"))
    assert (ev.event_type, ev.amount_paise, ev.payment_id) == (
        "refund.processed",
        50_00,
        req.payment_id,
    )


@pytest.mark.parametrize("name", GATEWAYS)
def test_failed_payment_callback_carries_the_decline(tmp_path: Path, name: str) -> None:
    w = make_world(tmp_path / "j.sqlite3", FaultConfig(seed=1, rates={"*": FaultRates(1.0)}))
    gw = w.gateways[name]
    res = gw.authorize(request("card"))
    ev = gw.parse_webhook(*gw.render_webhook(res.gateway_payment_id or ""))
    assert (ev.event_type, ev.state) == ("payment.failed", "failed")
    assert ev.error_code and ev.error_description


@pytest.mark.parametrize("name", GATEWAYS)
def test_tampered_callback_is_rejected(world: World, name: str) -> None:
    gw = world.gateways[name]
    auth = gw.authorize(request("card", amount_paise=10_000))
    headers, body = gw.render_webhook(auth.gateway_payment_id or "")
    if name == "razorpay":
        tampered = body.replace(b'"amount":10000', b'"amount":99900')
    elif name == "payu":
        tampered = body.replace(b"amount=100.00", b"amount=999.00")
    else:  # flip one byte of the ciphertext: CBC garbles the block and the padding fails
        form = dict(parse_qsl(body.decode()))
        enc = form["encResp"]
        form["encResp"] = enc[:-2] + ("00" if enc[-2:] != "00" else "11")
        tampered = urlencode(form).encode()
    assert tampered != body
    with pytest.raises(WebhookRejected):
        gw.parse_webhook(headers, tampered)


def test_razorpay_signature_header_is_required_and_matched_case_insensitively(
    world: World,
) -> None:
    gw = world.gateways["razorpay"]
    auth = gw.authorize(request("netbanking"))
    headers, body = gw.render_webhook(auth.gateway_payment_id or "")
    lower = {k.lower(): v for k, v in headers.items()}
    assert gw.parse_webhook(lower, body).event_type == "payment.authorized"
    assert json.loads(body)["payload"]["payment"]["entity"]["status"] == "authorized"
    with pytest.raises(WebhookRejected, match="missing"):
        gw.parse_webhook({}, body)


def test_payu_callback_from_another_salt_is_rejected(world: World, tmp_path: Path) -> None:
    gw = world.gateways["payu"]
    auth = gw.authorize(request("wallet"))
    headers, body = gw.render_webhook(auth.gateway_payment_id or "")
    gw.salt = "someone_elses_salt"
    with pytest.raises(WebhookRejected, match="hash"):
        gw.parse_webhook(headers, body)


def test_ccavenue_encryption_round_trips_and_needs_the_working_key() -> None:
    plain = "order_id=pay_1&order_status=Success&amount=10.00"
    enc = encrypt(plain, "key-one")
    assert decrypt(enc, "key-one") == plain
    assert len(enc) % 32 == 0  # AES blocks, hex
    with pytest.raises(WebhookRejected):
        decrypt(enc, "key-two")

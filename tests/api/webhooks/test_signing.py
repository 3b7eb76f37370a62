"""Webhook signatures: the merchant's verify accepts ours and nothing else."""

from __future__ import annotations

import hashlib
import hmac

from api.webhooks import signing
from api.webhooks.signing import parse_header, sign, sign_with_secrets, verify

BODY = b'{"entity":"event","id":"evt_29QQoUBi66xm2f","event":"payment.captured"}'
T = 1_793_687_526


def test_signature_is_hmac_sha256_of_timestamp_dot_raw_body() -> None:
    expected = hmac.new(b"whsec_1", f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign("whsec_1", T, BODY) == f"t={T},v1={expected}"


def test_the_documented_example_is_what_sign_produces() -> None:
    header = sign("whsec_example", 1793687526, b'{"id":"evt_1"}')
    assert header in (signing.__doc__ or "")


def test_verify_accepts_our_signature_within_the_tolerance() -> None:
    header = sign("whsec_1", T, BODY)
    assert verify("whsec_1", header, BODY, now=T)
    assert verify("whsec_1", header, BODY, tolerance_s=300, now=T + 300)
    assert verify("whsec_1", header.replace(",", ", "), BODY, now=T), "spaces after commas"


def test_verify_refuses_altered_bodies_other_secrets_and_replays() -> None:
    header = sign("whsec_1", T, BODY)
    assert not verify("whsec_1", header, BODY + b" ", now=T)
    assert not verify("whsec_2", header, BODY, now=T)
    assert not verify("whsec_1", header, BODY, now=T + 301), "replayed after the tolerance"
    assert not verify("whsec_1", header, BODY, now=T - 301), "timestamp from the future"
    forged_time = header.replace(f"t={T}", f"t={T + 100}")
    assert not verify("whsec_1", forged_time, BODY, now=T + 100), "t is covered by the HMAC"


def test_verify_treats_malformed_headers_as_invalid_without_raising() -> None:
    for bad in ("", "garbage", f"t={T}", "v1=abc", f"t=abc,v1={'0' * 64}", "t=,v1=", ",,,="):
        assert not verify("whsec_1", bad, BODY, now=T)
    assert not verify("", sign("x", T, BODY), BODY, now=T)


def test_during_a_secret_rotation_either_secret_verifies() -> None:
    header = sign_with_secrets(["whsec_old", "whsec_new"], T, BODY)
    ts, sigs = parse_header(header)
    assert ts == T and len(sigs) == 2
    assert verify("whsec_old", header, BODY, now=T)
    assert verify("whsec_new", header, BODY, now=T)
    assert not verify("whsec_other", header, BODY, now=T)

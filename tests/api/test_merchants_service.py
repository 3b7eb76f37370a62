"""Merchant onboarding with real KYC checks, and API keys: hashed, rotated with overlap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.auth.models import ApiKey
from api.auth.service import Principal, authenticate, rotate_key
from hisaab.kyc import make_gstin
from tests.api.conftest import VALID_MERCHANT, basic, onboard
from tests.api.test_errors_and_health import assert_razorpay_error


def test_onboarding_returns_the_merchant_a_key_and_a_webhook_secret(client, platform_auth):
    r = client.post("/v1/merchants", json=VALID_MERCHANT, headers=platform_auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["merchant"]["id"].startswith("mer_")
    assert body["merchant"]["mdr_bps"] == VALID_MERCHANT["mdr_bps"]
    assert body["merchant"]["settlement_account_number"] == "XXXXXXXXXX5678"
    assert body["key"]["id"].startswith("rzp_live_") and len(body["key"]["secret"]) == 32
    me = client.get("/v1/merchants/me", headers=basic(body["key"]["id"], body["key"]["secret"]))
    assert me.status_code == 200 and me.json()["id"] == body["merchant"]["id"]


@pytest.mark.parametrize("state", ["38", "97", "99"])
def test_gstin_state_codes_stdnum_lacks_are_accepted(client, platform_auth, state):
    gstin = make_gstin(state, "AAPFU0939F")
    onboard(client, platform_auth, gstin=gstin)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("pan", "AAPFU0939", "10 characters"),
        ("pan", "AAPZU0939F", "holder type"),
        ("gstin", "27AAPFU0939F1ZA", "check character"),
        ("gstin", "40AAPFU0939F1Z" + "V", "state code"),
        ("gstin", make_gstin("27", "AAAFB1234C"), "merchant's PAN"),
        ("settlement_ifsc", "HDFC1000240", "5th character"),
        ("settlement_account_number", "12AB", "pattern"),
        ("mcc", "58141", "pattern"),
        ("email", "not-an-email", "e-mail"),
        ("webhook_url", "ftp://example.com/x", "http(s) URL"),
    ],
)
def test_invalid_kyc_is_refused_naming_the_field(client, platform_auth, field, value, fragment):
    r = client.post("/v1/merchants", json={**VALID_MERCHANT, field: value}, headers=platform_auth)
    err = assert_razorpay_error(r, 422)
    assert err["field"] == field or (field == "gstin" and "gstin" in err["description"])
    assert fragment in err["description"], err


def test_mdr_above_ten_percent_is_refused(client, platform_auth):
    body = {**VALID_MERCHANT, "mdr_bps": {**VALID_MERCHANT["mdr_bps"], "card": 1001}}
    err = assert_razorpay_error(client.post("/v1/merchants", json=body, headers=platform_auth), 422)
    assert err["field"] == "mdr_bps.card"


def test_a_merchant_key_cannot_onboard_merchants(client, merchant):
    r = client.post("/v1/merchants", json=VALID_MERCHANT, headers=merchant.auth)
    assert_razorpay_error(r, 403)


def test_secrets_are_stored_only_as_hashes(client, merchant, db):
    with db.read_session() as session:
        rows = session.scalars(select(ApiKey)).all()
    assert rows and all(merchant.secret not in (r.secret_sha256, r.id) for r in rows)
    assert all(len(r.secret_sha256) == 64 for r in rows)


def test_rotation_keeps_the_old_key_working_for_the_overlap_only(client, merchant, db):
    r = client.post(
        f"/v1/keys/{merchant.key_id}/rotate", json={"overlap_seconds": 3600}, headers=merchant.auth
    )
    assert r.status_code == 200, r.text
    new = r.json()["key"]
    assert r.json()["previous_key"]["replaced_by"] == new["id"]
    assert client.get("/v1/orders", headers=merchant.auth).status_code == 200  # overlap
    assert client.get("/v1/orders", headers=basic(new["id"], new["secret"])).status_code == 200
    # A second rotation of the same key is refused.
    again = client.post(f"/v1/keys/{merchant.key_id}/rotate", json={}, headers=merchant.auth)
    assert_razorpay_error(again, 400)


def test_rotation_with_zero_overlap_retires_the_old_key_at_once(client, merchant, db):
    r = client.post(
        f"/v1/keys/{merchant.key_id}/rotate", json={"overlap_seconds": 0}, headers=merchant.auth
    )
    assert r.status_code == 200
    assert_razorpay_error(client.get("/v1/orders", headers=merchant.auth), 401)


def test_expired_key_does_not_authenticate(db, merchant, client):
    principal = Principal(merchant.key_id, "merchant", merchant.id)
    with db.session() as session:
        rotate_key(session, principal=principal, key_id=merchant.key_id, overlap=timedelta(0))
    with db.read_session() as session:
        assert authenticate(session, merchant.key_id, merchant.secret) is None


def test_rotating_another_merchants_key_is_404(client, merchant, other_merchant):
    r = client.post(f"/v1/keys/{other_merchant.key_id}/rotate", json={}, headers=merchant.auth)
    assert_razorpay_error(r, 404)

"""The API's contract with every client: Razorpay's error shape, auth everywhere, no 204."""

from __future__ import annotations

import pytest

ERROR_KEYS = {"code", "description", "source", "step", "reason", "metadata", "field"}


def assert_razorpay_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, body
    return body["error"]


def test_health_needs_no_key(client):
    r = client.get("/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_docs_and_openapi_need_no_key(client):
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200


STAFF_PREFIXES = ("/v1/auth/", "/v1/staff/", "/v1/aml/", "/v1/ops/")


def test_every_operation_requires_authentication_except_health(client):
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method in ops:
            url = path.replace("{", "").replace("}", "")
            r = client.request(method.upper(), url, json={})
            if path in ("/v1/health", "/v1/auth/login"):
                continue
            err = assert_razorpay_error(r, 401)
            if path.startswith(STAFF_PREFIXES):  # dashboard routes: a staff session token
                assert err["reason"] == "session_invalid", (method, path)
                assert r.headers["www-authenticate"].startswith("Bearer")
                continue
            assert err["reason"] == "authentication_failed", (method, path)
            assert r.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header",
    ["Basic !!!", "Bearer abc", "Basic " + "cnpwX2xpdmVfeDp5", ""],
    ids=["not-base64", "not-basic", "unknown-key", "empty"],
)
def test_bad_credentials_are_401_in_razorpay_shape(client, header):
    err = assert_razorpay_error(client.get("/v1/orders", headers={"Authorization": header}), 401)
    assert err["code"] == "BAD_REQUEST_ERROR"


def test_wrong_secret_is_401(client, merchant):
    from tests.api.conftest import basic

    r = client.get("/v1/orders", headers=basic(merchant.key_id, merchant.secret + "x"))
    assert_razorpay_error(r, 401)


def test_unknown_route_is_404_in_razorpay_shape(client, merchant):
    assert_razorpay_error(client.get("/v1/nothing-here", headers=merchant.auth), 404)


def test_wrong_method_is_405_in_razorpay_shape(client, merchant):
    assert_razorpay_error(client.delete("/v1/orders", headers=merchant.auth), 405)


def test_malformed_json_is_422_naming_the_problem(client, merchant):
    r = client.post(
        "/v1/orders",
        content=b'{"amount": 100,',
        headers={**merchant.auth, "Content-Type": "application/json"},
    )
    err = assert_razorpay_error(r, 422)
    assert err["reason"] == "json_invalid"


def test_no_operation_documents_a_204(client):
    spec = client.get("/openapi.json").json()
    codes = {c for ops in spec["paths"].values() for op in ops.values() for c in op["responses"]}
    assert "204" not in codes


def test_all_paths_are_under_v1(client):
    spec = client.get("/openapi.json").json()
    assert all(p.startswith("/v1/") for p in spec["paths"])

"""The API against the emulated Razorpay, PayU and CCAvenue connectors (no fakes)."""

from __future__ import annotations

import pytest

from api.gateways.emulator import build_emulators
from api.gateways.faults import FaultConfig, FaultInjector
from api.gateways.journal import GatewayJournal
from api.ledger.check import check_ledger
from api.payments.gateway_port import ConnectorGatewayPort
from tests.api.conftest import CARD, NETBANKING, UPI, create_order, pay


def _port(tmp_path, faults: FaultConfig, gateway: str):
    emulators = build_emulators(
        GatewayJournal(tmp_path / "journal.sqlite3"), FaultInjector(faults), latency_scale=0.0
    )

    port = ConnectorGatewayPort(connector_for=emulators.__getitem__, pinned_gateway=gateway)
    return port, emulators


@pytest.mark.parametrize("gateway", ["razorpay", "payu", "ccavenue"])
def test_orders_are_paid_captured_and_refunded_through_each_emulated_gateway(
    client, app, merchant, db, tmp_path, gateway
):
    port, _ = _port(tmp_path, FaultConfig.none(7), gateway)
    app.state.gateway_port = port
    for instrument in (UPI, CARD, NETBANKING, {"method": "wallet", "wallet": "mobikwik"}):
        order = create_order(client, merchant, 123_456)
        p = pay(client, merchant, order, instrument)
        assert p.status_code == 200 and p.json()["status"] == "authorized", p.text
        assert p.json()["gateway"] == gateway and p.json()["acquirer_data"]["gateway_payment_id"]
        c = client.post(
            f"/v1/payments/{p.json()['id']}/capture",
            json={"amount": 123_456},
            headers=merchant.auth,
        )
        assert c.status_code == 200 and c.json()["status"] == "captured", c.text
        r = client.post(
            f"/v1/payments/{p.json()['id']}/refund", json={"amount": 23_456}, headers=merchant.auth
        )
        assert r.status_code == 200 and r.json()["status"] == "processed", r.text
    with db.read_session() as s:
        report = check_ledger(s)
    assert report.ok, report.violations


def test_realistic_faults_leave_payments_failed_or_pending_never_double_charged(
    client, app, merchant, db, tmp_path
):
    port, _ = _port(tmp_path, FaultConfig.realistic(3), "razorpay")
    app.state.gateway_port = port
    statuses = []
    for _ in range(60):
        order = create_order(client, merchant, 50_000)
        r = pay(client, merchant, order, UPI)
        assert r.status_code == 200, r.text
        statuses.append(r.json()["status"])
    assert set(statuses) <= {"authorized", "failed", "pending"}
    assert "authorized" in statuses and "failed" in statuses
    for payment in client.get("/v1/payments?count=100", headers=merchant.auth).json()["items"]:
        if payment["status"] == "failed":
            assert payment["error_code"] and payment["error_description"]

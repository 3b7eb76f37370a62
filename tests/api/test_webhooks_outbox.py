"""Webhook events leave through the outbox: same transaction as the change, signed, retried."""

from __future__ import annotations

import json
import random
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select

from api.db import utcnow
from api.webhooks.models import WebhookEvent
from api.webhooks.outbox import enqueue_event
from api.webhooks.signing import SIGNATURE_HEADER, verify
from api.webhooks.worker import deliver_due
from tests.api.conftest import captured_payment, onboard


class Receiver:
    """A real HTTP endpoint on localhost that answers with scripted status codes."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.script.pop(0) if receiver.script else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooked(client, platform_auth, receiver):
    return onboard(client, platform_auth, webhook_url=receiver.url)


def _events(db):
    with db.read_session() as s:
        return list(s.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at)))


def test_capture_writes_signed_events_that_the_worker_delivers(client, db, hooked, receiver):
    p = captured_payment(client, hooked)
    assert [e.event for e in _events(db)] == ["payment.authorized", "payment.captured"]
    with httpx.Client() as http:
        run = deliver_due(db, client=http)
    assert (run.claimed, run.delivered) == (2, 2)
    assert {e.state for e in _events(db)} == {"delivered"}
    for headers, body in receiver.requests:
        assert verify(hooked.webhook_secret, headers[SIGNATURE_HEADER], body)
        assert not verify("another-secret", headers[SIGNATURE_HEADER], body)
    captured = json.loads(receiver.requests[1][1])
    assert captured["event"] == "payment.captured"
    assert captured["payload"]["payment"]["entity"]["id"] == p["id"]
    assert captured["payload"]["payment"]["entity"]["status"] == "captured"


def test_failed_delivery_is_retried_later_with_the_same_id_and_bytes(client, db, hooked, receiver):
    captured_payment(client, hooked)
    receiver.script = [500, 503]
    with httpx.Client() as http:
        first = deliver_due(db, client=http, rng=random.Random(1))
        assert (first.delivered, first.retrying) == (0, 2)
        pending = _events(db)
        assert all(e.attempts == 1 and e.last_error.startswith("http_50") for e in pending)
        assert all(e.next_attempt_at <= utcnow() + timedelta(seconds=31) for e in pending)
        assert deliver_due(db, client=http).claimed == 0  # not due yet
        later = deliver_due(db, client=http, now=utcnow() + timedelta(minutes=5))
    assert later.delivered == 2
    by_id: dict[str, set[bytes]] = {}
    for headers, body in receiver.requests:
        by_id.setdefault(headers["X-Hisaab-Event-Id"], set()).add(body)
    assert len(by_id) == 2 and all(len(bodies) == 1 for bodies in by_id.values())


def test_gone_endpoint_fails_the_event_for_good(client, db, hooked, receiver):
    captured_payment(client, hooked)
    receiver.script = [410, 410]
    with httpx.Client() as http:
        run = deliver_due(db, client=http)
    assert run.failed == 2 and {e.state for e in _events(db)} == {"failed"}


def test_events_older_than_24_hours_stop_retrying(client, db, hooked, receiver):
    captured_payment(client, hooked)
    receiver.script = [500, 500]
    with httpx.Client() as http:
        run = deliver_due(db, client=http, now=utcnow() + timedelta(hours=25))
    # The events were created 25 h before this pass: the 24 h retry horizon is over.
    assert (run.claimed, run.failed) == (2, 2)
    assert {(e.state, e.last_error) for e in _events(db)} == {("failed", "http_500")}


def test_merchant_without_a_webhook_url_gets_nothing_sent(client, db, merchant, platform_auth):
    m = onboard(client, platform_auth, webhook_url=None, pan="AAAFB1234C", gstin=None)
    captured_payment(client, m)
    with httpx.Client() as http:
        run = deliver_due(db, client=http)
    assert run.failed == 2


def test_an_event_commits_only_with_its_change(db, merchant):
    with pytest.raises(RuntimeError), db.session() as s:
        enqueue_event(
            s, merchant_id=merchant.id, event="payment.captured", entity="payment", body={}
        )
        raise RuntimeError("the change failed")
    assert _events(db) == []

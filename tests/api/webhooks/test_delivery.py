"""Webhook delivery against a real HTTP receiver on 127.0.0.1: retries, timeouts, dedupe."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from api.webhooks.delivery import (
    DEFAULT_POLICY,
    RetryPolicy,
    WebhookEvent,
    deliver,
    next_attempt_at,
)
from api.webhooks.signing import verify

SECRET = "whsec_merchant_A"


@dataclass
class Receiver:
    """A merchant's endpoint: verifies, deduplicates by event id, answers from a script."""

    script: list[object] = field(default_factory=list)  # int status, or ("sleep", seconds)
    deliveries: list[dict[str, object]] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)  # event ids, once each
    url: str = ""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        event_id = handler.headers.get("X-Hisaab-Event-Id", "")
        valid = verify(SECRET, handler.headers.get("X-Hisaab-Signature", ""), body)
        self.deliveries.append({"event_id": event_id, "valid": valid, "body": body,
                                "attempt": handler.headers.get("X-Hisaab-Delivery-Attempt")})  # fmt: skip
        if valid and event_id not in self.processed:
            self.processed.append(event_id)  # processed before answering, as merchants do
        step = self.script.pop(0) if self.script else 200
        if isinstance(step, tuple):
            time.sleep(float(step[1]))  # type: ignore[arg-type]
            step = 200
        status = int(step) if valid else 400  # type: ignore[call-overload]
        payload = b'{"ok":true}'
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            rec.handle(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/hisaab"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def event(n: int = 1) -> WebhookEvent:
    return WebhookEvent(
        event_id=f"evt_Test{n:010d}",
        event_type="payment.captured",
        created_at=1_793_687_526,
        payload={"payment": {"entity": {"id": "pay_29QQoUBi66xm2f", "amount": 49_900}}},
        account_id="mer_A",
    )


def test_a_delivery_arrives_signed_byte_for_byte(receiver: Receiver, client: httpx.Client) -> None:
    out = deliver(event(), receiver.url, SECRET, client=client)
    assert out.delivered and out.status_code == 200 and not out.retryable
    (got,) = receiver.deliveries
    assert got["valid"] is True and got["body"] == event().body()
    assert json.loads(got["body"])["payload"]["payment"]["entity"]["amount"] == 49_900  # type: ignore[arg-type]


def test_server_errors_and_timeouts_are_retried_until_delivered_and_processed_once(
    receiver: Receiver, client: httpx.Client
) -> None:
    receiver.script = [500, 503, ("sleep", 1.5), 502, 200]
    rng = random.Random(42)
    first = now = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    attempts, outcomes = 0, []
    while True:  # the outbox worker's loop, with a clock that jumps instead of sleeping
        attempts += 1
        # Signed at the real time (the receiver checks it); the schedule's clock jumps.
        out = deliver(
            event(7), receiver.url, SECRET, client=client, timeout_s=0.5, attempt=attempts
        )
        outcomes.append(out.error)
        if out.delivered or out.dead:
            break
        nxt = next_attempt_at(attempts, now, rng, first_attempt_at=first)
        assert nxt is not None and now <= nxt <= now + timedelta(
            seconds=DEFAULT_POLICY.cap(attempts)
        )
        now = nxt
    assert outcomes == ["http_500", "http_503", "timeout", "http_502", None]
    assert [d["attempt"] for d in receiver.deliveries] == ["1", "2", "3", "4", "5"]
    assert {d["event_id"] for d in receiver.deliveries} == {"evt_Test0000000007"}
    assert all(d["valid"] for d in receiver.deliveries), "each retry is freshly signed"
    assert receiver.processed == ["evt_Test0000000007"], "the receiver dedupes by event id"


def test_a_lost_acknowledgement_means_a_duplicate_the_receiver_ignores(
    receiver: Receiver, client: httpx.Client
) -> None:
    receiver.script = [500]  # processed, but the answer says otherwise
    assert deliver(event(3), receiver.url, SECRET, client=client).retryable
    assert deliver(event(3), receiver.url, SECRET, client=client, attempt=2).delivered
    assert len(receiver.deliveries) == 2 and receiver.processed == ["evt_Test0000000003"]


def test_wrong_secret_is_refused_by_the_receiver_and_retried(
    receiver: Receiver, client: httpx.Client
) -> None:
    out = deliver(event(), receiver.url, "whsec_not_the_merchants", client=client)
    assert (out.delivered, out.status_code, out.retryable) == (False, 400, True)
    assert receiver.processed == []


def test_gone_endpoint_is_dead_at_once(receiver: Receiver, client: httpx.Client) -> None:
    receiver.script = [410]
    out = deliver(event(), receiver.url, SECRET, client=client)
    assert out.dead and out.error == "http_410"


def test_an_endpoint_nobody_listens_on_is_a_retryable_connection_error(
    client: httpx.Client,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        out = deliver(event(), f"http://127.0.0.1:{port}/x", SECRET, client=client, timeout_s=2)
    assert (out.delivered, out.retryable, out.error) == (False, True, "connection_error")


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    rng = random.Random(1)
    now = datetime(2026, 11, 3, tzinfo=UTC)
    for attempt, cap in ((1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)):
        delays = [(next_attempt_at(attempt, now, rng) - now).total_seconds() for _ in range(400)]  # type: ignore[operator]
        assert 0 <= min(delays) and max(delays) <= cap
        assert min(delays) < cap * 0.1 and max(delays) > cap * 0.9, "full jitter spans [0, cap]"


def test_retries_stop_24_hours_after_the_first_attempt() -> None:
    rng = random.Random(5)
    first = now = datetime(2026, 11, 3, tzinfo=UTC)
    attempts = 1
    while (nxt := next_attempt_at(attempts, now, rng, first_attempt_at=first)) is not None:
        now, attempts = nxt, attempts + 1
    assert now - first <= timedelta(hours=24)
    assert now - first > timedelta(hours=20), "the schedule uses most of the day"
    assert attempts > 20


def test_without_the_first_attempt_time_the_worst_case_schedule_fits_in_24_hours() -> None:
    p = RetryPolicy()
    worst = sum(p.cap(a) for a in range(1, p.max_attempts))
    assert worst <= 24 * 3600 < worst + p.cap(p.max_attempts)
    now = datetime(2026, 11, 3, tzinfo=UTC)
    assert next_attempt_at(p.max_attempts - 1, now, random.Random(0)) is not None
    assert next_attempt_at(p.max_attempts, now, random.Random(0)) is None


def test_the_schedule_is_reproducible_from_a_seed() -> None:
    now = datetime(2026, 11, 3, tzinfo=UTC)
    a = [next_attempt_at(i, now, random.Random(9)) for i in range(1, 10)]
    b = [next_attempt_at(i, now, random.Random(9)) for i in range(1, 10)]
    assert a == b

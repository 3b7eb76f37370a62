"""Delivering one webhook to a merchant's endpoint, and when to try again.

User need: a merchant's endpoint may be down, slow or failing; events must still arrive, in
time, exactly as signed, and a merchant that is gone for good must not be hammered for ever.

``deliver(event, endpoint_url, secret, client=...)`` makes **one** attempt: it POSTs the event's
raw JSON body with ``X-Hisaab-Signature`` (``api.webhooks.signing``), ``X-Hisaab-Event-Id`` and
``X-Hisaab-Event`` headers, does not follow redirects, and returns a ``DeliveryOutcome``:

* any 2xx: delivered;
* ``410 Gone``: not retryable (the merchant removed the endpoint): the event is dead;
* any other status, a timeout, or a connection error: retryable.

``next_attempt_at(attempt, now, rng)`` is the retry schedule: exponential backoff with full
jitter (a uniform delay between 0 and ``min(max_delay, base * 2**(attempt-1))``, so retries of
many events do not arrive in waves), for up to 24 hours after the first attempt; ``None``
means give up (dead). The outbox worker stores the attempt count and the first attempt's time
with the event and calls both; the event id and body never change between attempts, so the
merchant can deduplicate by id.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from api.webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign

ATTEMPT_HEADER = "X-Hisaab-Delivery-Attempt"
USER_AGENT = "Hisaab-Webhooks/1.0"
RESPONSE_EXCERPT_CHARS = 500


@dataclass(frozen=True)
class WebhookEvent:
    """One event for one merchant, Razorpay-shaped: ``{"entity": "event", "event": ..., ...}``."""

    event_id: str  # evt_...; the merchant's deduplication key
    event_type: str  # e.g. payment.captured
    created_at: int  # epoch seconds
    payload: Mapping[str, Any] = field(default_factory=dict)
    account_id: str | None = None  # the merchant

    def body(self) -> bytes:
        """The exact bytes that are signed and sent (stable: same event, same bytes)."""
        doc = {
            "entity": "event",
            "id": self.event_id,
            "account_id": self.account_id,
            "event": self.event_type,
            "contains": sorted(self.payload),
            "payload": self.payload,
            "created_at": self.created_at,
        }
        return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    retryable: bool
    status_code: int | None
    error: str | None  # timeout | connection_error | http_<status> | None
    duration_ms: float
    signature_timestamp: int
    response_excerpt: str = ""

    @property
    def dead(self) -> bool:
        """Not delivered and never worth retrying."""
        return not self.delivered and not self.retryable


class HttpClient(Protocol):
    def post(
        self, url: str, *, content: bytes, headers: Mapping[str, str], timeout: float
    ) -> Any: ...


def deliver(
    event: WebhookEvent,
    endpoint_url: str,
    secret: str,
    *,
    client: HttpClient,
    timeout_s: float = 10.0,
    attempt: int = 1,
    now: float | None = None,
) -> DeliveryOutcome:
    """One delivery attempt of ``event`` to ``endpoint_url`` (see the module docstring)."""
    body = event.body()
    ts = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, ts, body),
        EVENT_ID_HEADER: event.event_id,
        EVENT_TYPE_HEADER: event.event_type,
        ATTEMPT_HEADER: str(attempt),
    }
    started = time.perf_counter()

    def outcome(**kw: Any) -> DeliveryOutcome:
        return DeliveryOutcome(
            duration_ms=(time.perf_counter() - started) * 1000, signature_timestamp=ts, **kw
        )

    try:
        resp = client.post(endpoint_url, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return outcome(delivered=False, retryable=True, status_code=None, error="timeout")
    except httpx.TransportError as exc:
        return outcome(
            delivered=False,
            retryable=True,
            status_code=None,
            error="connection_error",
            response_excerpt=str(exc)[:RESPONSE_EXCERPT_CHARS],
        )
    code = int(resp.status_code)
    excerpt = resp.text[:RESPONSE_EXCERPT_CHARS]
    if 200 <= code < 300:
        return outcome(
            delivered=True, retryable=False, status_code=code, error=None, response_excerpt=excerpt
        )
    return outcome(
        delivered=False,
        retryable=code != 410,
        status_code=code,
        error=f"http_{code}",
        response_excerpt=excerpt,
    )


@dataclass(frozen=True)
class RetryPolicy:
    base_delay_s: float = 30.0
    max_delay_s: float = 3600.0
    horizon: timedelta = timedelta(hours=24)

    def cap(self, attempt: int) -> float:
        """The largest delay after ``attempt`` failed attempts."""
        return min(self.max_delay_s, self.base_delay_s * 2 ** max(0, attempt - 1))

    @property
    def max_attempts(self) -> int:
        """Attempts whose worst-case delays still fit in the horizon (when the first is unknown)."""
        total, n = 0.0, 0
        while total + self.cap(n + 1) <= self.horizon.total_seconds():
            n += 1
            total += self.cap(n)
        return n + 1  # the first attempt plus n retries


DEFAULT_POLICY = RetryPolicy()


def next_attempt_at(
    attempt: int,
    now: datetime,
    rng: random.Random,
    *,
    first_attempt_at: datetime | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> datetime | None:
    """When to try again after ``attempt`` failed attempts, or ``None``: the event is dead.

    With ``first_attempt_at`` the event dies once the next attempt would fall more than the
    policy's horizon (24 h) after the first; without it, after ``policy.max_attempts``.
    """
    if attempt < 1:
        raise ValueError("attempt counts the attempts made so far: at least 1")
    if first_attempt_at is None and attempt >= policy.max_attempts:
        return None
    at = now + timedelta(seconds=rng.uniform(0.0, policy.cap(attempt)))
    if first_attempt_at is not None and at > first_attempt_at + policy.horizon:
        return None
    return at

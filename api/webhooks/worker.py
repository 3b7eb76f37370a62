"""The outbox worker: sends pending webhook events, records each attempt, schedules retries.

Events are claimed with a short lease (their ``next_attempt_at`` pushed ahead) in one small
transaction, so several workers never send the same attempt; each is then sent once with
``api.webhooks.delivery.deliver`` (signed, with the event id for deduplication) and the outcome
recorded: delivered, retried later (exponential backoff with full jitter for 24 h from the
event's creation), or failed for good (410 Gone, the 24 h are over, or the merchant has no
webhook URL).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from api.db import Database, utcnow
from api.merchants.models import Merchant
from api.webhooks.delivery import WebhookEvent as OutgoingEvent
from api.webhooks.delivery import deliver, next_attempt_at
from api.webhooks.models import WebhookEvent

LEASE = timedelta(seconds=60)


@dataclass
class DeliveryRun:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(db: Database, now: datetime, limit: int) -> list[str]:
    with db.session() as session:
        stmt = (
            select(WebhookEvent)
            .where(WebhookEvent.state == "pending", WebhookEvent.next_attempt_at <= now)
            .order_by(WebhookEvent.next_attempt_at, WebhookEvent.created_at)
            .limit(limit)
        )
        if not db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        events = list(session.scalars(stmt))
        for e in events:
            e.next_attempt_at = now + LEASE
        return [e.id for e in events]


def outgoing(row: WebhookEvent) -> OutgoingEvent:
    """The delivery module's event from an outbox row (same bytes on every attempt)."""
    return OutgoingEvent(
        event_id=row.id,
        event_type=row.event,
        created_at=int(row.payload["created_at"]),
        payload=row.payload["payload"],
        account_id=row.merchant_id,
    )


def deliver_due(
    db: Database,
    *,
    client: httpx.Client,
    now: datetime | None = None,
    limit: int = 100,
    rng: random.Random | None = None,
    timeout_s: float = 10.0,
) -> DeliveryRun:
    """One pass over the events due now."""
    now = now or utcnow()
    rng = rng or random.Random()
    run = DeliveryRun()
    for event_id in _claim(db, now, limit):
        run.claimed += 1
        with db.read_session() as session:
            row = session.get(WebhookEvent, event_id)
            merchant = session.get(Merchant, row.merchant_id) if row else None
        if row is None or merchant is None:
            continue
        if not merchant.webhook_url or not merchant.webhook_secret:
            _record(db, event_id, state="failed", error="merchant has no webhook URL", now=now)
            run.failed += 1
            continue
        attempt = row.attempts + 1
        outcome = deliver(
            outgoing(row),
            merchant.webhook_url,
            merchant.webhook_secret,
            client=client,
            timeout_s=timeout_s,
            attempt=attempt,
        )
        if outcome.delivered:
            _record(db, event_id, state="delivered", attempts=attempt, now=now)
            run.delivered += 1
            continue
        error = outcome.error or "not delivered"
        retry_at = None
        if not outcome.dead:
            retry_at = next_attempt_at(attempt, now, rng, first_attempt_at=row.created_at)
        if retry_at is None:
            _record(db, event_id, state="failed", attempts=attempt, error=error, now=now)
            run.failed += 1
        else:
            _record(
                db,
                event_id,
                state="pending",
                attempts=attempt,
                error=error,
                next_at=retry_at,
                now=now,
            )
            run.retrying += 1
    return run


def _record(
    db: Database,
    event_id: str,
    *,
    state: str,
    now: datetime,
    attempts: int | None = None,
    error: str | None = None,
    next_at: datetime | None = None,
) -> None:
    with db.session() as session:
        row = session.get(WebhookEvent, event_id)
        if row is None:
            return
        row.state = state
        if attempts is not None:
            row.attempts = attempts
        row.last_error = error
        if state == "delivered":
            row.delivered_at = utcnow()
        if next_at is not None:
            row.next_attempt_at = next_at


def run_forever(db: Database, *, interval_s: float = 1.0, once: bool = False) -> DeliveryRun:
    """The ``hisaab api webhooks deliver`` loop (``once``: a single pass)."""
    total = DeliveryRun()
    with httpx.Client(follow_redirects=False) as client:
        while True:
            run = deliver_due(db, client=client)
            for k in ("claimed", "delivered", "retrying", "failed"):
                setattr(total, k, getattr(total, k) + getattr(run, k))
            if once:
                return total
            if run.claimed == 0:
                time.sleep(interval_s)

"""Writing webhook events into the outbox, inside the caller's transaction.

A merchant must hear about every captured payment and processed refund exactly when it became
true: the event row commits with the change or not at all, and a worker delivers it later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.db import epoch, utcnow
from api.webhooks.models import WebhookEvent
from hisaab.ids import new_id


def enqueue_event(
    db_session: Session, *, merchant_id: str, event: str, entity: str, body: dict[str, Any]
) -> WebhookEvent:
    """Add ``event`` (``payment.captured``, ``refund.processed``...) in Razorpay's envelope."""
    now = utcnow()
    event_id = new_id("evt")
    row = WebhookEvent(
        id=event_id,
        merchant_id=merchant_id,
        event=event,
        payload={
            "entity": "event",
            "id": event_id,
            "account_id": merchant_id,
            "event": event,
            "contains": [entity],
            "payload": {entity: {"entity": body}},
            "created_at": epoch(now),
        },
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db_session.add(row)
    return row

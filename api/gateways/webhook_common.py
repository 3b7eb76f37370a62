"""Small pieces every gateway callback parser needs (header lookup, event names).

User need: gateway callbacks arrive with headers in any case and carry states that map to our
normalised event types (``payment.captured``, ``payment.failed``, ...), identically per gateway.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.gateways.base import (
    STATE_AUTHORIZED,
    STATE_CAPTURED,
    STATE_FAILED,
    STATE_PARTIALLY_REFUNDED,
    STATE_PENDING,
    STATE_REFUNDED,
)

_EVENTS = {
    STATE_PENDING: "payment.pending",
    STATE_AUTHORIZED: "payment.authorized",
    STATE_CAPTURED: "payment.captured",
    STATE_FAILED: "payment.failed",
    STATE_REFUNDED: "refund.processed",
    STATE_PARTIALLY_REFUNDED: "refund.processed",
}


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, matched case-insensitively (HTTP header names are)."""
    wanted = name.lower()
    for k, v in headers.items():
        if k.lower() == wanted:
            return v
    return None


def event_type_for(state: str) -> str:
    return _EVENTS[state]

"""Emulated Razorpay: ``pay_…`` ids, Razorpay error codes, ``X-Razorpay-Signature`` webhooks.

User need: the payments service talks to a Razorpay that behaves like Razorpay, including its
webhooks, so the callback handling is the one a real integration needs.

Webhook format (as Razorpay sends it): a JSON event
``{"entity": "event", "account_id", "event": "payment.captured", "contains": ["payment"],
"payload": {"payment": {"entity": {...}}}, "created_at"}`` with the payment entity's ``id``,
``amount`` (paise), ``currency``, ``status`` (created, authorized, captured, refunded, failed),
``order_id``, ``method``, ``vpa``/``bank``/``wallet``, ``fee``/``tax``, ``error_code``,
``error_reason``, ``error_description``, ``acquirer_data.rrn`` and ``notes``; refunds as
``refund.processed`` with ``payload.refund.entity``. Headers: ``X-Razorpay-Signature`` is the
hex HMAC-SHA256 of the raw body with the webhook secret, ``X-Razorpay-Event-Id`` the event id.
Our own payment id travels in ``notes.hisaab_payment_id``, our refund id in the refund's
``receipt``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from api.gateways.base import (
    STATE_AUTHORIZED,
    STATE_CAPTURED,
    STATE_FAILED,
    STATE_PARTIALLY_REFUNDED,
    STATE_PENDING,
    STATE_REFUNDED,
    GatewayEvent,
    WebhookRejected,
)
from api.gateways.catalogue import RAZORPAY
from api.gateways.emulator import EmulatedGateway
from api.gateways.ids import NS_RAZORPAY_PAYMENT, NS_RAZORPAY_REFUND, prefixed
from api.gateways.journal import GatewayJournal, PaymentRow, RefundRow
from api.gateways.webhook_common import event_type_for, header
from pipelines.simulator import keys

SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"
ACCOUNT_ID = "acc_HisaabEmulat01"
_STATUS = {
    STATE_PENDING: "created",
    STATE_AUTHORIZED: "authorized",
    STATE_CAPTURED: "captured",
    STATE_FAILED: "failed",
    STATE_REFUNDED: "refunded",
    STATE_PARTIALLY_REFUNDED: "captured",
}
_STATE = {"created": STATE_PENDING, "authorized": STATE_AUTHORIZED, "captured": STATE_CAPTURED,
          "failed": STATE_FAILED, "refunded": STATE_REFUNDED}  # fmt: skip


def razorpay_signature(secret: str, body: bytes) -> str:
    """Razorpay's webhook signature: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RazorpayEmulator(EmulatedGateway):
    name = "razorpay"
    catalogue = RAZORPAY

    def __init__(
        self, journal: GatewayJournal, *args: Any, webhook_secret: str, **kwargs: Any
    ) -> None:
        super().__init__(journal, *args, **kwargs)
        self.webhook_secret = webhook_secret

    def payment_id_for(self, counter: int) -> str:
        return prefixed("pay", self.seed, NS_RAZORPAY_PAYMENT, counter)

    def refund_id_for(self, counter: int) -> str:
        return prefixed("rfnd", self.seed, NS_RAZORPAY_REFUND, counter)

    def _payment_entity(self, row: PaymentRow) -> dict[str, Any]:
        state = self._state(row)
        return {
            "id": row.gateway_payment_id,
            "entity": "payment",
            "amount": row.amount_paise,
            "currency": row.currency,
            "status": _STATUS[state],
            "order_id": row.order_id,
            "invoice_id": None,
            "international": False,
            "method": row.method,
            "amount_refunded": row.refunded_paise,
            "refund_status": None
            if not row.refunded_paise
            else ("full" if state == STATE_REFUNDED else "partial"),
            "captured": row.captured_at_us is not None,
            "description": None,
            "card_id": None,
            "bank": row.bank_code,
            "wallet": row.wallet,
            "vpa": row.vpa,
            "notes": {"hisaab_payment_id": row.payment_id, "merchant_id": row.merchant_id},
            "fee": row.fee_paise + row.tax_paise if row.captured_at_us else None,
            "tax": row.tax_paise if row.captured_at_us else None,
            "error_code": row.error_code,
            "error_description": row.error_description,
            "error_reason": row.error_reason,
            "acquirer_data": {"rrn": row.rrn},
            "created_at": row.created_at_us // 1_000_000,
        }

    def render_webhook(
        self, reference: str, event_type: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        refund = self.journal.refund(self.name, reference)
        row = self.journal.payment(self.name, refund.gateway_payment_id if refund else reference)
        if row is None:
            raise KeyError(reference)
        event_type = event_type or ("refund.processed" if refund else event_type_for(row.state))
        payload: dict[str, Any] = {"payment": {"entity": self._payment_entity(row)}}
        contains = ["payment"]
        if refund is not None:
            payload["refund"] = {"entity": _refund_entity(refund)}
            contains = ["refund", "payment"]
        event = {
            "entity": "event",
            "account_id": ACCOUNT_ID,
            "event": event_type,
            "contains": contains,
            "payload": payload,
            "created_at": (refund.created_at_us if refund else row.created_at_us) // 1_000_000,
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        event_id = keys.object_id("evt", self.seed, self.name, event_type, reference)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: razorpay_signature(self.webhook_secret, body),
            EVENT_ID_HEADER: event_id,
        }
        return headers, body

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> GatewayEvent:
        signature = header(headers, SIGNATURE_HEADER)
        if not signature:
            raise WebhookRejected("missing X-Razorpay-Signature")
        expected = razorpay_signature(self.webhook_secret, body)
        if not hmac.compare_digest(expected, signature.strip()):
            raise WebhookRejected("X-Razorpay-Signature does not match the body")
        try:
            event = json.loads(body)
            payment = event["payload"]["payment"]["entity"]
            event_type = event["event"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(f"not a Razorpay payment event: {exc}") from exc
        refund = (event["payload"].get("refund") or {}).get("entity")
        state = _STATE.get(payment.get("status"))
        if state == STATE_CAPTURED and payment.get("refund_status") == "partial":
            state = STATE_PARTIALLY_REFUNDED
        return GatewayEvent(
            gateway=self.name,
            event_type=event_type,
            gateway_payment_id=payment.get("id"),
            payment_id=(payment.get("notes") or {}).get("hisaab_payment_id"),
            amount_paise=int(refund["amount"] if refund else payment["amount"]),
            state=state,
            error_code=payment.get("error_code"),
            error_description=payment.get("error_description"),
            rrn=(payment.get("acquirer_data") or {}).get("rrn"),
            gateway_event_id=header(headers, EVENT_ID_HEADER),
            raw=event,
        )


def _refund_entity(refund: RefundRow) -> dict[str, Any]:
    return {
        "id": refund.gateway_refund_id,
        "entity": "refund",
        "amount": refund.amount_paise,
        "currency": "INR",
        "payment_id": refund.gateway_payment_id,
        "receipt": refund.refund_id,
        "status": "processed",
        "speed_processed": "normal",
        "created_at": refund.created_at_us // 1_000_000,
    }
